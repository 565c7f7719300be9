// Exact reproduction (issue 16), the pure part: the command that replays a
// recorded test process up to one of its tests, and what a replay's console
// output says happened. A process ran its tests through `--gtest_filter` (in
// registration order) or, shuffled, in gtest's order for the run's seed.
// gtest shuffles every registered suite and test with the seed, whatever the
// filter selects, so any subset of a process's tests, run with the same seed,
// keeps the relative order they had: the filter of the predecessors and the
// test, plus the seed, replays them exactly in their recorded order.
#ifndef GTEST_DIST_ANALYTICS_REPLAY_COMMAND_H_
#define GTEST_DIST_ANALYTICS_REPLAY_COMMAND_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gtest_dist::analytics {

struct ReplaySpec {
  std::string binary;     // the test binary's path
  std::string directory;  // where its children ran; empty: anywhere
  bool shuffle = false;   // --gtest_shuffle with `random_seed`
  int random_seed = 0;
  // The arguments every child got besides the filter and shuffle: the
  // program's own and gtest's flags (--gtest_catch_exceptions=0, ...).
  std::vector<std::string> args;
  // --dist-env: set in every test process's environment.
  std::vector<std::pair<std::string, std::string>> env;
  // The tests to run: the predecessors in their recorded order, then the
  // test. Not empty for a replay.
  std::vector<std::string> tests;
};

// The filter that selects exactly `tests` ("A.B:C.D").
std::string ReplayFilter(const std::vector<std::string>& tests);
// The test binary's argv (the binary first).
std::vector<std::string> ReplayArgv(const ReplaySpec& spec);
// One line for a POSIX shell: `cd DIR && env NAME=VALUE ... BINARY ARGS`,
// every word quoted where the shell would read it otherwise.
std::string ReplayShellLine(const ReplaySpec& spec);
// `word` as one word of a POSIX shell.
std::string ShellQuote(const std::string& word);

// What a replay's console output shows (gtest's plain printer, no colour).
struct ReplayObservation {
  enum class Result { kNotStarted, kPassed, kFailed, kSkipped, kDied };
  std::vector<std::string> started;  // tests in the order they started
  std::map<std::string, Result> results;

  Result ResultOf(const std::string& test) const;
  // The test failed or its process died in it: the failure is back.
  bool Failed(const std::string& test) const;
};
ReplayObservation ParseReplayOutput(const std::string& console);

}  // namespace gtest_dist::analytics

#endif  // GTEST_DIST_ANALYTICS_REPLAY_COMMAND_H_
