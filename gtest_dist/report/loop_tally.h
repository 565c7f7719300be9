// The running tally of --dist-loop and --dist-repeat-until-fail: which tests
// have failed at least once over the iterations so far, and how often. The
// point of looping a suite is to find the tests that fail only sometimes;
// this is where they show.
#ifndef GTEST_DIST_REPORT_LOOP_TALLY_H_
#define GTEST_DIST_REPORT_LOOP_TALLY_H_

#include <cstdio>
#include <map>
#include <string>

#include "gtest_dist/model/run_listener.h"

namespace gtest_dist {

class LoopTally : public RunListener {
 public:
  // After each iteration a line goes to `progress`; PrintSummary writes the
  // table to `out`. Both must outlive the tally.
  LoopTally(std::FILE* out, std::FILE* progress) : out_(out), progress_(progress) {}

  void OnRunEnd(const RunSummary& summary) override;

  // The table: iterations, how many failed, and every test that failed at
  // least once (or was FLAKY), most failures first.
  void PrintSummary() const;

  int iterations() const { return iterations_; }
  int failed_iterations() const { return failed_iterations_; }

 private:
  struct TestTally {
    int failed = 0;          // iterations in which it failed in the end
    int flaky = 0;           // iterations in which it failed, then passed
    int last_iteration = 0;  // 1-based
  };

  std::FILE* out_;
  std::FILE* progress_;
  int iterations_ = 0;
  int failed_iterations_ = 0;
  int planned_ = 0;  // --dist-loop's N; -1: until stopped
  std::map<std::string, TestTally> tests_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_LOOP_TALLY_H_
