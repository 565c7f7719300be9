// `gtest_dist`: queries over the history store. Each subcommand parses its
// flags, calls one function of queries.h and prints a table or --json.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest_dist/analytics/failure_signature.h"
#include "gtest_dist/base/wall_clock.h"
#include "gtest_dist/cli/quarantine_command.h"
#include "gtest_dist/cli/repro_command.h"
#include "gtest_dist/cli/serve_command.h"
#include "gtest_dist/cli/whole_number.h"
#include "gtest_dist/cli/worker_command.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/queries.h"
#include "gtest_dist/protocol/auth.h"
#include "gtest_dist/protocol/peer_text.h"

namespace gtest_dist {
namespace history {
namespace {

constexpr int kUsageError = 2;

const char kUsage[] =
    "usage: gtest_dist COMMAND [options]\n"
    "\n"
    "Commands over the run history that test binaries linked to gtest_dist record:\n"
    "  runs      [--host H] [--binary B] [--label L] [--since T] [--until T] [--limit N]\n"
    "  show      RUN [--no-output]\n"
    "  failures  [--since T] [--until T] [--host H] [--test PATTERN] [--binary B] [--limit N]\n"
    "            [--group]: --group counts them by failure signature (the first failed\n"
    "            assertion's file:line and message with numbers masked, or the crash)\n"
    "  flaky     [--window N] [--binary B]\n"
    "  slowest   [--window N] [--binary B] [--limit N]\n"
    "  trend     TEST [--limit N] [--threshold FRACTION]\n"
    "  serve     [--bind HOST:PORT] [--token-file PATH]: the web dashboard\n"
    "            (gtest_dist serve --help)\n"
    "  quarantine add TEST --reason TEXT [--until T] [--owner NAME] | list | remove TEST |\n"
    "            auto [--flake-rate F] [--window N] [--apply]: tests whose failure does not\n"
    "            fail a run (gtest_dist quarantine --help)\n"
    "  repro     RUN TEST [--attempt N] [--run]: the command that replays the process TEST\n"
    "            ran in (its predecessors in order, the seed, --dist-env); --run runs it\n"
    "            and says whether the failure came back (gtest_dist repro --help)\n"
    "  worker    [--bind HOST:PORT] [--jobs N] [--cache-dir DIR] [--cache-size BYTES] ...:\n"
    "            a worker daemon that runs any build shipped to it (gtest_dist worker --help)\n"
    "  secret    [PATH] [--force]: write a fresh random secret (32 bytes, hex) to PATH\n"
    "            with mode 0600 (or print it), for --dist-secret-file or --token-file;\n"
    "            an existing file is kept unless --force\n"
    "\n"
    "Every command takes --history=PATH|URL (default: $GTEST_DIST_HISTORY, else the\n"
    "runner's per-user store) and --json. T is 2026-11-28, 2026-11-28T14:30 (UTC),\n"
    "@EPOCH_SECONDS or an age (30m, 12h, 7d). PATTERN uses '*' and '?'.\n";

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  bool json = false;
};

// The store a subcommand reads without --history: GTEST_DIST_HISTORY, else
// the supervisor's default.
std::string HistoryFromEnvironment() {
  const char* env = std::getenv("GTEST_DIST_HISTORY");
  return env && *env ? env : DefaultHistoryLocation();
}

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr, "gtest_dist: %s\n\n%s", error.c_str(), kUsage);
  std::exit(kUsageError);
}

Args Parse(int argc, char** argv, const std::vector<std::string>& value_flags) {
  Args args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      args.json = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const auto eq = name.find('=');
    bool has_value = eq != std::string::npos;
    if (has_value) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    bool known = name == "history";
    for (const std::string& f : value_flags) known = known || f == name;
    if (name == "no-output" || name == "group") {
      args.options[name] = "1";
      continue;
    }
    if (!known) Usage(args.command + ": unknown option --" + name);
    if (!has_value) {
      if (i + 1 >= argc) Usage(args.command + ": --" + name + " needs a value");
      value = argv[++i];
    }
    args.options[name] = value;
  }
  return args;
}

std::string Opt(const Args& args, const std::string& name) {
  const auto it = args.options.find(name);
  return it == args.options.end() ? "" : it->second;
}

std::optional<std::int64_t> TimeOpt(const Args& args, const std::string& name) {
  const std::string text = Opt(args, name);
  if (text.empty()) return std::nullopt;
  std::int64_t ms = 0;
  std::string error;
  if (!ParseTime(text, NowEpochMs(), &ms, &error)) Usage("--" + name + ": " + error);
  return ms;
}

int IntOpt(const Args& args, const std::string& name, int fallback) {
  const std::string text = Opt(args, name);
  if (text.empty()) return fallback;
  int value = fallback;
  if (!ParseWholeNumber(text, &value)) Usage(WholeNumberError(name, text));
  return value;
}

std::string FormatTime(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm = {};
  localtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::string Seconds(std::int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(ms) / 1000.0);
  return text;
}

// Text from the store as one safe line of a terminal: anyone who could write
// a test name, a label, a host name or a failure message could otherwise move
// the cursor, recolour the screen or forge lines of this output.
std::string Shown(std::string_view text) {
  return PeerText(text, std::numeric_limits<std::size_t>::max());
}

// Prints rows as left-aligned columns, every cell made terminal-safe.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::vector<std::string>> shown;
  for (const auto& row : rows) {
    shown.emplace_back();
    for (const std::string& cell : row) shown.back().push_back(Shown(cell));
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : shown) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  };
  print(header);
  for (const auto& row : shown) print(row);
}

// A result's status, marked when a quarantine kept it from failing its run.
std::string StatusText(const ResultRow& result) {
  return std::string(OutcomeName(result.status)) +
         (result.quarantine.empty() ? "" : " (quarantined)");
}

int Runs(Database* db, const Args& args) {
  RunFilter filter;
  filter.host = Opt(args, "host");
  filter.binary = Opt(args, "binary");
  filter.label = Opt(args, "label");
  filter.since_ms = TimeOpt(args, "since");
  filter.until_ms = TimeOpt(args, "until");
  filter.limit = IntOpt(args, "limit", filter.limit);
  const auto runs = ListRuns(db, filter);
  if (args.json) {
    std::printf("%s\n", ToJson(runs).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const RunRow& r : runs) {
    rows.push_back({std::to_string(r.id), FormatTime(r.started_ms), r.status, r.binary_name, r.host,
                    r.label,
                    std::to_string(r.results_recorded) + "/" + std::to_string(r.tests_total),
                    std::to_string(r.passed), std::to_string(r.totals().failed_attempts()),
                    std::to_string(r.flaky), r.elapsed_ms ? Seconds(*r.elapsed_ms) : "-"});
  }
  PrintTable({"RUN", "STARTED", "STATUS", "BINARY", "HOST", "LABEL", "DONE", "PASSED", "FAILED",
              "FLAKY", "TIME"},
             rows);
  return 0;
}

int Show(Database* db, const Args& args) {
  if (args.positional.size() != 1) Usage("show: expected one run id");
  char* end = nullptr;
  const long long id = std::strtoll(args.positional[0].c_str(), &end, 10);
  if (*end != '\0' || id < 1)
    Usage("show: expected a run id (a number), got \"" + args.positional[0] + "\"");
  const RunDetail detail =
      ShowRun(db, id, Opt(args, "no-output").empty() ? Output::kAll : Output::kNone);
  if (args.json) {
    std::printf("%s\n", ToJson(detail).c_str());
    return 0;
  }
  const RunRow& r = detail.run;
  std::printf("run %lld  %s  %s  %s on %s (user %s)%s\n", static_cast<long long>(r.id),
              Shown(r.status).c_str(), FormatTime(r.started_ms).c_str(),
              Shown(r.binary_name).c_str(), Shown(r.host).c_str(), Shown(r.user).c_str(),
              r.label.empty() ? "" : ("  label " + Shown(r.label)).c_str());
  std::printf("command: %s\nworkers: %s\n", Shown(r.command_line).c_str(),
              Shown(r.workers).c_str());
  std::printf(
      "tests: %d selected, %d recorded; %d passed, %d failed, %d crashed, %d timeout, "
      "%d flaky, %d skipped, %d not run%s\n\n",
      r.tests_total, r.results_recorded, r.passed, r.failed, r.crashed, r.timed_out, r.flaky,
      r.skipped, r.not_run, r.elapsed_ms ? ("; " + Seconds(*r.elapsed_ms)).c_str() : "");
  std::vector<std::vector<std::string>> rows;
  for (const ResultRow& res : detail.results) {
    rows.push_back({res.full_name, std::to_string(res.attempt), StatusText(res), res.worker,
                    std::to_string(res.duration_ms) + " ms"});
  }
  PrintTable({"TEST", "ATTEMPT", "STATUS", "WORKER", "TIME"}, rows);
  for (const ResultRow& res : detail.results) {
    if (res.parts.empty() && res.reason.empty()) continue;
    if (res.status == Outcome::kPassed || res.status == Outcome::kSkipped) continue;
    std::printf("\n%s (attempt %d) %s%s\n", Shown(res.full_name).c_str(), res.attempt,
                OutcomeName(res.status),
                res.reason.empty() ? "" : (": " + Shown(res.reason)).c_str());
    for (const PartRow& p : res.parts) {
      std::printf("  %s:%d: %s\n", p.file.empty() ? "unknown file" : Shown(p.file).c_str(), p.line,
                  Shown(p.summary).c_str());
    }
    if (!res.signature.empty()) std::printf("  signature: %s\n", Shown(res.signature).c_str());
    if (!res.quarantine.empty()) std::printf("  quarantined: %s\n", Shown(res.quarantine).c_str());
    if (res.triage) std::printf("  triage: %s\n", Shown(res.triage->Describe()).c_str());
  }
  if (!detail.suite_parts.empty()) {
    std::printf("\noutside tests (SetUpTestSuite, TearDownTestSuite, Environments):\n");
    for (const RunDetail::SuitePart& p : detail.suite_parts) {
      std::printf("  %s: %s:%d: %s%s\n",
                  p.suite.empty() ? "global environment" : Shown(p.suite).c_str(),
                  p.part.file.empty() ? "unknown file" : Shown(p.part.file).c_str(), p.part.line,
                  p.part.kind == "skip" ? "skipped: " : "", Shown(p.part.summary).c_str());
    }
  }
  if (!detail.workers.empty()) {
    std::printf("\n");
    std::vector<std::vector<std::string>> wrows;
    for (const auto& w : detail.workers) {
      wrows.push_back({w.name, w.slots > 0 ? std::to_string(w.slots) : "?",
                       std::to_string(w.tests_run), Seconds(w.busy_ms)});
    }
    PrintTable({"WORKER", "SLOTS", "TESTS", "BUSY"}, wrows);
  }
  if (!detail.setups.empty()) {
    // The most expensive few: what a split of that suite costs again.
    constexpr size_t kShownSetups = 5;
    std::printf("\nslowest suite set-ups (SetUpTestSuite + TearDownTestSuite, per process):\n");
    std::vector<std::vector<std::string>> srows;
    for (size_t i = 0; i < detail.setups.size() && i < kShownSetups; ++i) {
      const SuiteSetupSummary& s = detail.setups[i];
      srows.push_back({s.suite.empty() ? "(global environments)" : Shown(s.suite),
                       std::to_string(s.runs), std::to_string(s.setup_ms) + " ms",
                       std::to_string(s.teardown_ms) + " ms", Seconds(s.total_ms)});
    }
    PrintTable({"SUITE", "PROCESSES", "SET-UP", "TEAR-DOWN", "TOTAL"}, srows);
  }
  if (!detail.shipping.empty()) {
    std::printf("\nbuild shipped to generic workers:\n");
    for (const WorkerShipping& s : detail.shipping) {
      std::printf("  %s\n", Shown(ShippingLine(s)).c_str());
    }
  }
  return 0;
}

// `failures --group`: one row per failure signature.
int PrintFailureGroups(const std::vector<FailureRow>& failures, bool json) {
  std::vector<analytics::FailureOccurrence> occurrences;
  for (const FailureRow& f : failures) {
    occurrences.push_back(
        {f.result.signature, f.result.full_name, f.result.run_id, f.result.started_ms});
  }
  const std::vector<analytics::FailureGroup> groups = analytics::GroupFailures(occurrences);
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const analytics::FailureGroup& g : groups) {
      out.push_back({{"signature", g.signature},
                     {"failures", g.failures},
                     {"tests", g.tests},
                     {"runs", g.runs},
                     {"first_ms", g.first_ms},
                     {"last_ms", g.last_ms}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const analytics::FailureGroup& g : groups) {
    std::string tests = *g.tests.begin();
    if (g.tests.size() > 1) tests += " and " + std::to_string(g.tests.size() - 1) + " more";
    rows.push_back({std::to_string(g.failures), std::to_string(g.tests.size()),
                    std::to_string(g.runs.size()), FormatTime(g.first_ms), FormatTime(g.last_ms),
                    g.signature.empty() ? "(recorded without a signature)" : g.signature, tests});
  }
  PrintTable({"FAILURES", "TESTS", "RUNS", "FIRST", "LAST", "SIGNATURE", "IN"}, rows);
  return 0;
}

int FailuresCommand(Database* db, const Args& args) {
  FailureFilter filter;
  filter.since_ms = TimeOpt(args, "since");
  filter.until_ms = TimeOpt(args, "until");
  filter.host = Opt(args, "host");
  filter.test_pattern = Opt(args, "test");
  filter.binary = Opt(args, "binary");
  filter.limit = IntOpt(args, "limit", filter.limit);
  const bool group = !Opt(args, "group").empty();
  if (group && !args.options.count("limit")) filter.limit = 100000;  // group them all
  const auto failures = Failures(db, filter);
  if (group) return PrintFailureGroups(failures, args.json);
  if (args.json) {
    std::printf("%s\n", ToJson(failures).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const FailureRow& f : failures) {
    std::string where;
    if (!f.result.parts.empty()) {
      const PartRow& p = f.result.parts.front();
      where = p.file.empty() ? f.result.reason : p.file + ":" + std::to_string(p.line);
    } else {
      where = f.result.reason;
    }
    rows.push_back({FormatTime(f.result.started_ms), std::to_string(f.result.run_id),
                    f.result.full_name, std::to_string(f.result.attempt), StatusText(f.result),
                    f.result.worker, f.run_host, where,
                    f.result.triage ? f.result.triage->Describe() : ""});
  }
  PrintTable({"WHEN", "RUN", "TEST", "ATTEMPT", "STATUS", "WORKER", "HOST", "WHERE", "TRIAGE"},
             rows);
  return 0;
}

int FlakyCommand(Database* db, const Args& args) {
  FlakyFilter filter;
  filter.window_runs = IntOpt(args, "window", filter.window_runs);
  filter.binary = Opt(args, "binary");
  const auto flaky = Flaky(db, filter);
  if (args.json) {
    std::printf("%s\n", ToJson(flaky).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const FlakyRow& f : flaky) {
    char rate[16];
    std::snprintf(rate, sizeof rate, "%.0f%%", f.flake_rate * 100);
    rows.push_back({f.full_name, rate, std::to_string(f.failed_runs) + "/" + std::to_string(f.runs),
                    std::to_string(f.flaky_runs), std::to_string(f.last_failure_run)});
  }
  PrintTable({"TEST", "FLAKE RATE", "FAILED RUNS", "FLAKY", "LAST FAILED RUN"}, rows);
  return 0;
}

int SlowestCommand(Database* db, const Args& args) {
  SlowestFilter filter;
  filter.window_runs = IntOpt(args, "window", filter.window_runs);
  filter.binary = Opt(args, "binary");
  filter.limit = IntOpt(args, "limit", filter.limit);
  const auto slowest = Slowest(db, filter);
  if (args.json) {
    std::printf("%s\n", ToJson(slowest).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const SlowestRow& s : slowest) {
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.0f ms", s.mean_ms);
    rows.push_back({s.full_name, mean, std::to_string(s.max_ms) + " ms",
                    std::to_string(s.last_ms) + " ms", std::to_string(s.samples)});
  }
  PrintTable({"TEST", "MEAN", "MAX", "LAST", "RUNS"}, rows);
  return 0;
}

int TrendCommand(Database* db, const Args& args) {
  if (args.positional.size() != 1) Usage("trend: expected one test name (Suite.Name)");
  TrendFilter filter;
  filter.test = args.positional[0];
  filter.limit = IntOpt(args, "limit", filter.limit);
  const std::string threshold = Opt(args, "threshold");
  if (!threshold.empty()) {
    char* end = nullptr;
    filter.threshold = std::strtod(threshold.c_str(), &end);
    if (*end != '\0' || filter.threshold <= 0) {
      Usage("--threshold: expected a positive fraction (0.5 = 50%), got \"" + threshold + "\"");
    }
  }
  const auto points = Trend(db, filter);
  if (args.json) {
    std::printf("%s\n", ToJson(points).c_str());
    return 0;
  }
  if (points.empty()) {
    std::printf("no timed results of %s\n", Shown(filter.test).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const TrendPoint& p : points) {
    std::string change;
    if (p.changed) {
      char text[64];
      std::snprintf(text, sizeof text, "<- %+.0f%% vs %.0f ms",
                    (static_cast<double>(p.duration_ms) - p.baseline_ms) * 100 / p.baseline_ms,
                    p.baseline_ms);
      change = text;
    }
    rows.push_back({std::to_string(p.run_id), FormatTime(p.started_ms), p.label,
                    OutcomeName(p.status), std::to_string(p.duration_ms) + " ms", change});
  }
  PrintTable({"RUN", "STARTED", "LABEL", "STATUS", "TIME", "CHANGE"}, rows);
  return 0;
}

// `gtest_dist secret [PATH] [--force]`.
int SecretCommand(const std::vector<std::string>& args) {
  std::string path;
  bool force = false;
  for (const std::string& arg : args) {
    if (arg == "--force") {
      force = true;
    } else if (arg.rfind("-", 0) == 0 || !path.empty()) {
      Usage("secret: expected [PATH] [--force], got \"" + arg + "\"");
    } else {
      path = arg;
    }
  }
  const std::string secret = gtest_dist::NewSecret() + "\n";
  if (path.empty()) {
    std::fputs(secret.c_str(), stdout);
    return 0;
  }
  // Created 0600 (whatever the umask); an existing file is truncated only
  // with --force, and then made 0600 before the secret goes in.
  const int fd = ::open(
      path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL), 0600);
  if (fd < 0) {
    const int error = errno;
    std::fprintf(stderr, "gtest_dist secret: cannot write %s: %s%s\n", path.c_str(),
                 std::strerror(error),
                 error == EEXIST ? " (give --force to replace the secret it holds)" : "");
    return 1;
  }
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t written = 0;
  while (ok && written < secret.size()) {
    const ssize_t n = ::write(fd, secret.data() + written, secret.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::fprintf(stderr, "gtest_dist secret: cannot write %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "gtest_dist secret: wrote a new secret to %s (mode 0600)\n", path.c_str());
  return 0;
}

}  // namespace
}  // namespace history
}  // namespace gtest_dist

int main(int argc, char** argv) {
  using namespace gtest_dist::history;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::printf("%s", kUsage);
    return argc < 2 ? kUsageError : 0;
  }
  const std::map<std::string,
                 std::pair<std::vector<std::string>, std::function<int(Database*, const Args&)>>>
      commands = {
          {"runs", {{"host", "binary", "label", "since", "until", "limit"}, Runs}},
          {"show", {{}, Show}},
          {"failures", {{"since", "until", "host", "test", "binary", "limit"}, FailuresCommand}},
          {"flaky", {{"window", "binary"}, FlakyCommand}},
          {"slowest", {{"window", "binary", "limit"}, SlowestCommand}},
          {"trend", {{"limit", "threshold"}, TrendCommand}},
      };
  if (std::string(argv[1]) == "serve") {
    return gtest_dist::RunServeCommand(std::vector<std::string>(argv + 2, argv + argc));
  }
  if (std::string(argv[1]) == "worker") {
    return gtest_dist::RunWorkerCommand(std::vector<std::string>(argv + 2, argv + argc));
  }
  if (std::string(argv[1]) == "secret") {
    return SecretCommand(std::vector<std::string>(argv + 2, argv + argc));
  }
  if (std::string(argv[1]) == "repro") {
    return gtest_dist::RunReproCommand(std::vector<std::string>(argv + 2, argv + argc),
                                       HistoryFromEnvironment());
  }
  if (std::string(argv[1]) == "quarantine") {
    return gtest_dist::RunQuarantineCommand(std::vector<std::string>(argv + 2, argv + argc),
                                            HistoryFromEnvironment());
  }
  const auto command = commands.find(argv[1]);
  if (command == commands.end()) Usage(std::string("unknown command \"") + argv[1] + "\"");
  const Args args = Parse(argc, argv, command->second.first);
  std::string location = Opt(args, "history");
  if (location.empty()) location = HistoryFromEnvironment();
  if (location.empty() || location == "off") {
    Usage("no history store: give --history=PATH|URL (HOME and XDG_STATE_HOME are unset)");
  }
  try {
    // Read-only: a query never creates a file nor changes a database.
    auto db = OpenForQueries(location);
    return command->second.second(db.get(), args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gtest_dist: %s\n", e.what());
    return 1;
  }
}
