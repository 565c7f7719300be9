#include "gtest_dist/cli/repro_command.h"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "gtest_dist/analytics/replay_command.h"
#include "gtest_dist/cli/whole_number.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/replay_store.h"
#include "gtest_dist/modes/replay_runner.h"
#include "gtest_dist/protocol/peer_text.h"

namespace gtest_dist {

const char kReproUsage[] =
    "usage: gtest_dist repro RUN TEST [--attempt N] [--run] [--timeout SECONDS] [--json]\n"
    "                        [--history=PATH|URL]\n"
    "\n"
    "Prints the command that replays the test process in which TEST (Suite.Name) ran in\n"
    "run RUN: the binary, --gtest_filter with the tests that process ran before TEST in\n"
    "their order and then TEST, the shuffle seed when the run shuffled, the --dist-env\n"
    "values and the directory. The failed attempt is replayed unless --attempt N.\n"
    "--run runs it here (as a plain gtest run, no GTEST_* variable of this environment\n"
    "passed on; killed after --timeout, default 600 s) and says whether the failure came\n"
    "back: exit 0 when it did, 1 when TEST passed, 3 when the replay could not tell.\n";

namespace {

constexpr int kUsageError = 2;
constexpr int kUndecided = 3;
constexpr std::size_t kMaxArgumentBytes = 128 * 1024 - 64;  // MAX_ARG_STRLEN, the flag's name

int Usage(const std::string& error) {
  std::fprintf(stderr, "gtest_dist repro: %s\n\n%s", error.c_str(), kReproUsage);
  return kUsageError;
}

std::string Shown(const std::string& text) {
  return PeerText(text, std::numeric_limits<std::size_t>::max());
}

std::string ResultName(analytics::ReplayObservation::Result result) {
  using R = analytics::ReplayObservation::Result;
  switch (result) {
    case R::kPassed:
      return "PASSED";
    case R::kFailed:
      return "FAILED";
    case R::kSkipped:
      return "SKIPPED";
    case R::kDied:
      return "died (crashed or killed) in it";
    case R::kNotStarted:
      break;
  }
  return "did not start";
}

nlohmann::json ReplayJson(const history::ResultReplay& r) {
  nlohmann::json env = nlohmann::json::object();
  for (const auto& [name, value] : r.spec.env) env[name] = value;
  return {{"run", r.run_id},
          {"test", r.test},
          {"attempt", r.attempt},
          {"status", OutcomeName(r.status)},
          {"process", r.process},
          {"worker", r.worker},
          {"predecessors", std::vector<std::string>(r.spec.tests.begin(), r.spec.tests.end() - 1)},
          {"shuffle", r.spec.shuffle},
          {"random_seed", r.spec.shuffle ? nlohmann::json(r.spec.random_seed) : nlohmann::json()},
          {"env", env},
          {"directory", r.spec.directory},
          {"argv", analytics::ReplayArgv(r.spec)},
          {"command", analytics::ReplayShellLine(r.spec)}};
}

}  // namespace

int RunReproCommand(const std::vector<std::string>& args, const std::string& default_location) {
  std::string location = default_location;
  std::vector<std::string> positional;
  std::optional<int> attempt;
  bool run = false, json = false;
  int timeout_s = 600;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i], value;
    const size_t eq = arg.find('=');
    const bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    auto take = [&](const std::string& name) -> bool {
      if (inline_value) return true;
      if (i + 1 >= args.size()) return false;
      value = args[++i];
      (void)name;
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kReproUsage);
      return 0;
    } else if (arg == "--run" && !inline_value) {
      run = true;
    } else if (arg == "--json" && !inline_value) {
      json = true;
    } else if (arg == "--history") {
      if (!take(arg)) return Usage("--history needs a value");
      location = value;
    } else if (arg == "--attempt") {
      int n = 0;
      if (!take(arg)) return Usage("--attempt needs a value");
      if (!ParseWholeNumber(value, &n)) return Usage(WholeNumberError("attempt", value));
      attempt = n;
    } else if (arg == "--timeout") {
      if (!take(arg)) return Usage("--timeout needs a value");
      if (!ParseWholeNumber(value, &timeout_s)) return Usage(WholeNumberError("timeout", value));
    } else if (arg.rfind("--", 0) == 0) {
      return Usage("unknown option " + arg);
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) {
    return Usage("expected RUN and TEST, got " + std::to_string(positional.size()) + " arguments");
  }
  char* end = nullptr;
  const long long run_id = std::strtoll(positional[0].c_str(), &end, 10);
  if (*end != '\0' || run_id < 1) {
    return Usage("RUN: expected a run id (a number), got \"" + positional[0] + "\"");
  }
  const std::string& test = positional[1];
  if (test.find('.') == std::string::npos) {
    return Usage("TEST: expected Suite.Name, got \"" + test + "\"");
  }
  if (location.empty() || location == "off") {
    return Usage("no history store: give --history=PATH|URL");
  }
  history::ResultReplay replay;
  try {
    auto db = history::OpenForQueries(location);
    replay = history::FindReplay(db.get(), run_id, test, attempt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gtest_dist repro: %s\n", e.what());
    return 1;
  }
  const std::string line = analytics::ReplayShellLine(replay.spec);
  if (json && !run) {
    std::printf("%s\n", ReplayJson(replay).dump(2).c_str());
    return 0;
  }
  std::printf("# run %lld: %s attempt %d %s in process %d on %s, after %d tests%s\n", run_id,
              Shown(test).c_str(), replay.attempt, OutcomeName(replay.status), replay.process,
              Shown(replay.worker).c_str(), replay.predecessors,
              replay.spec.shuffle
                  ? ("; shuffled, seed " + std::to_string(replay.spec.random_seed)).c_str()
                  : "");
  std::printf("%s\n", Shown(line).c_str());
  if (analytics::ReplayFilter(replay.spec.tests).size() > kMaxArgumentBytes) {
    std::fprintf(stderr,
                 "gtest_dist repro: note: the filter is longer than one argument may be (128 "
                 "KiB); put --gtest_filter=... in a file and give --gtest_flagfile=FILE instead "
                 "(--run does)\n");
  }
  if (!run) return 0;
  std::fflush(stdout);

  const ReplayResult result = RunReplay(replay.spec, std::chrono::seconds(timeout_s));
  std::fwrite(result.output.data(), 1, result.output.size(), stdout);
  if (!result.ran) {
    std::printf("gtest_dist repro: UNDECIDED: %s\n", result.error.c_str());
    return kUndecided;
  }
  if (result.seen.started != replay.spec.tests && !result.seen.started.empty()) {
    std::printf(
        "gtest_dist repro: note: the replay started its tests in another order than recorded "
        "(the binary changed since run %lld?)\n",
        run_id);
  }
  const auto outcome = result.seen.ResultOf(test);
  std::string verdict;
  int code = kUndecided;
  if (result.seen.Failed(test)) {
    verdict = "REPRODUCED: " + test + " " + ResultName(outcome);
    code = 0;
  } else if (outcome == analytics::ReplayObservation::Result::kPassed ||
             outcome == analytics::ReplayObservation::Result::kSkipped) {
    verdict = "NOT REPRODUCED: " + test + " " + ResultName(outcome);
    code = 1;
  } else {
    verdict = "UNDECIDED: " + test + " did not start (exit " + std::to_string(result.exit_code) +
              (result.timed_out ? ", killed after --timeout" : "") + ")";
  }
  std::printf("gtest_dist repro: %s after %d tests in the recorded order%s\n",
              Shown(verdict).c_str(), replay.predecessors,
              result.timed_out ? " (killed after --timeout)" : "");
  return code;
}

}  // namespace gtest_dist
