// One test process of a run, as the supervisor saw it (issue 16, exact
// reproduction): the tests it started, in the order it started them. A
// result's predecessors are the tests before it in its process's list.
#ifndef GTEST_DIST_MODEL_PROCESS_RUN_H_
#define GTEST_DIST_MODEL_PROCESS_RUN_H_

#include <string>
#include <vector>

namespace gtest_dist {

struct ProcessRun {
  int id = 0;              // 1, 2, ... in the order processes started within the run
  std::string worker;      // where it ran: "host:port" or "local"
  std::vector<int> tests;  // catalog indices, in the order the process started them
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_PROCESS_RUN_H_
