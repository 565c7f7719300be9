#include "gtest_dist/modes/supervisor_mode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <optional>

#include "gtest_dist/analytics/replay_command.h"
#include "gtest_dist/base/wall_clock.h"
#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/catalog/test_selection.h"
#include "gtest_dist/dashboard/http_server.h"
#include "gtest_dist/dashboard/live_run_source.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/history/history_recorder.h"
#include "gtest_dist/history/quarantine_store.h"
#include "gtest_dist/modes/mode_support.h"
#include "gtest_dist/modes/run_loop.h"
#include "gtest_dist/modes/triage_runner.h"
#include "gtest_dist/protocol/auth.h"
#include "gtest_dist/report/console_reporter.h"
#include "gtest_dist/report/console_stream.h"
#include "gtest_dist/report/line_console.h"
#include "gtest_dist/report/loop_tally.h"
#include "gtest_dist/report/report_files.h"
#include "gtest_dist/report/status_line.h"
#include "gtest_dist/report/terminal.h"
#include "gtest_dist/run/artifact_collector.h"
#include "gtest_dist/run/child_main.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/run/child_sandbox.h"
#include "gtest_dist/run/chunk_runner.h"
#include "gtest_dist/run/warm_child.h"
#include "gtest_dist/ship/digest_memo.h"
#include "gtest_dist/ship/manifest_builder.h"
#include "gtest_dist/supervisor/executor_factory.h"
#include "gtest_dist/supervisor/ssh_command.h"
#include "gtest_dist/supervisor/supervisor.h"

namespace gtest_dist {
namespace {

// gtest flags whose meaning the children must keep.
protocol::GtestSettings ChildSettings() {
  auto flag = [](bool on) { return std::string(on ? "1" : "0"); };
  return {
      {"break_on_failure", flag(GTEST_FLAG_GET(break_on_failure))},
      {"throw_on_failure", flag(GTEST_FLAG_GET(throw_on_failure))},
      {"catch_exceptions", flag(GTEST_FLAG_GET(catch_exceptions))},
      {"death_test_style", GTEST_FLAG_GET(death_test_style)},
      {"stack_trace_depth", std::to_string(GTEST_FLAG_GET(stack_trace_depth))},
      {"print_utf8", flag(GTEST_FLAG_GET(print_utf8))},
  };
}

// What gtest's RUN_ALL_TESTS() does for test runners around it, done by the
// supervisor since the children must not: TEST_PREMATURE_EXIT_FILE exists
// while the run lasts, GTEST_SHARD_STATUS_FILE says sharding is understood.
class RunnerProtocolFiles {
 public:
  RunnerProtocolFiles() {
    if (const char* shard_status = std::getenv("GTEST_SHARD_STATUS_FILE")) {
      if (std::FILE* file = std::fopen(shard_status, "w")) std::fclose(file);
    }
    if (const char* premature = std::getenv("TEST_PREMATURE_EXIT_FILE")) {
      if (*premature != '\0') {
        premature_exit_file_ = premature;
        if (std::FILE* file = std::fopen(premature, "w")) {
          std::fputs("0", file);
          std::fclose(file);
        }
      }
    }
  }
  ~RunnerProtocolFiles() {
    if (!premature_exit_file_.empty()) std::remove(premature_exit_file_.c_str());
  }

 private:
  std::string premature_exit_file_;
};

// How the executors reach workers and start children. False (with the
// message printed) on a bad secret or TLS file.
bool MakeExecutorSettings(const DistOptions& options, const TestCatalog& catalog,
                          const std::string& binary_name, ExecutorSettings* settings) {
  settings->connect_timeout =
      std::chrono::milliseconds(static_cast<long>(options.connect_timeout_s * 1000));
  settings->heartbeat_timeout =
      std::chrono::milliseconds(static_cast<long>(options.heartbeat_timeout_s * 1000));
  settings->child_command.executable = RunningExecutablePath();
  settings->child_command.args = options.passthrough_args;
  settings->ssh_command = options.ssh_command;
  settings->ssh_remote_command =
      options.ssh_remote_command.empty() ? DefaultSshRemoteCommand() : options.ssh_remote_command;
  settings->hello.role = "supervisor";
  settings->hello.host = HostName();
  settings->hello.binary_name = binary_name;
  settings->hello.fingerprint = {catalog.binary_digest(), catalog.names_digest(), catalog.size()};
  // Read and digested only when a generic worker asks for it.
  ManifestOptions manifest;
  manifest.executable = RunningExecutablePath();
  manifest.executable_digest = catalog.binary_digest();
  manifest.executable_source = "/proc/self/exe";  // what the digest above was made of
  manifest.libraries = LoadedLibraries();
  manifest.digest_memo = DigestMemo::DefaultPath();
  ParseShipLibs(options.ship_libs, &manifest.ship_libs);
  manifest.files = options.dist_files;
  char cwd[4096];
  manifest.working_directory = ::getcwd(cwd, sizeof cwd) != nullptr ? cwd : ".";
  // The program's own arguments: all but argv[0].
  if (!options.passthrough_args.empty()) {
    manifest.args.assign(std::next(options.passthrough_args.begin()),
                         options.passthrough_args.end());
  }
  settings->build = std::make_shared<BuildSource>(std::move(manifest));
  return LoadSecret(options, &settings->secret) &&
         LoadTls(options, TlsRole::kSupervisor, &settings->tls);
}

SupervisorConfig MakeSupervisorConfig(const DistOptions& options) {
  SupervisorConfig config;
  config.workers = options.workers;
  const testing::TestResult& ad_hoc = testing::UnitTest::GetInstance()->ad_hoc_test_result();
  for (int i = 0; i < ad_hoc.total_part_count(); ++i) {
    config.parts_before_run.push_back(ToTestPart(ad_hoc.GetTestPartResult(i)));
  }
  config.settings = ChildSettings();
  config.fallback_local_slots = options.fallback_local ? options.jobs : 0;
  config.fail_fast = GTEST_FLAG_GET(fail_fast);
  config.min_chunk_tests = options.min_chunk;
  if (options.test_timeout_s > 0) {
    config.settings.emplace_back(
        kTestTimeoutSetting, std::to_string(static_cast<long long>(options.test_timeout_s * 1000)));
  }
  if (options.keep_tmp) config.settings.emplace_back(kKeepTmpSetting, "1");
  config.settings.emplace_back(kWarmChildrenSetting, options.warm_children ? "1" : "0");
  config.lock_rules.exclusive = options.exclusive;
  config.lock_rules.locks = options.locks;
  config.child_env = options.child_env;
  if (!options.artifacts_dir.empty()) {
    config.artifacts_dir = options.artifacts_dir;
    config.artifacts_max_per_test = options.artifacts_max;
    config.settings.emplace_back(kArtifactsMaxSetting, std::to_string(options.artifacts_max));
  }
  return config;
}

// gtest's rule for --gtest_random_seed: the flag's seed (0 = from the clock)
// folded into [1, 99999].
int FirstRandomSeed() {
  constexpr unsigned kMaxRandomSeed = 99999;
  const int flag_seed = GTEST_FLAG_GET(random_seed);
  const unsigned raw =
      flag_seed == 0 ? static_cast<unsigned>(NowEpochMs()) : static_cast<unsigned>(flag_seed);
  return static_cast<int>((raw - 1U) % kMaxRandomSeed) + 1;
}

// How this run starts its test processes, for `gtest_dist repro` (issue 16):
// this binary, the directory, the program's own arguments, the gtest flags
// the children get (those not at gtest's default) and --dist-env.
analytics::ReplaySpec ReplaySetup(const DistOptions& options) {
  analytics::ReplaySpec setup;
  setup.binary = RunningExecutablePath();
  char cwd[4096];
  setup.directory = ::getcwd(cwd, sizeof cwd) != nullptr ? cwd : "";
  for (size_t i = 1; i < options.passthrough_args.size(); ++i) {
    // gtest's own flags are the children's settings below (the filter,
    // shuffle and seed are the replay's).
    const std::string& arg = options.passthrough_args[i];
    if (arg.rfind("--gtest_", 0) != 0 && arg.rfind("-gtest_", 0) != 0) setup.args.push_back(arg);
  }
  static const std::map<std::string, std::string> kDefaults = {
      {"break_on_failure", "0"},    {"throw_on_failure", "0"},    {"catch_exceptions", "1"},
      {"death_test_style", "fast"}, {"stack_trace_depth", "100"}, {"print_utf8", "1"}};
  for (const auto& [name, value] : ChildSettings()) {
    const auto fallback = kDefaults.find(name);
    if (fallback == kDefaults.end() || fallback->second != value) {
      std::string flag = "--gtest_";
      flag.append(name).append("=").append(value);
      setup.args.push_back(std::move(flag));
    }
  }
  setup.env = options.child_env;
  return setup;
}

// The quarantine list of the store (issue 16) applied to `plan`'s selected
// tests. A list that cannot be read is said on stderr and the run goes on
// without it: every failure then fails the run, the safe side.
void ApplyQuarantine(history::Database* db, RunPlan* plan) {
  try {
    const std::int64_t now_ms = NowEpochMs();
    QuarantineMatch match =
        MatchQuarantine(history::ListQuarantine(db), *plan->catalog, plan->selected, now_ms);
    plan->quarantined = std::move(match.active);
    plan->quarantine_expired = std::move(match.expired);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "gtest_dist: warning: cannot read the quarantine list (%s); no test is "
                 "quarantined in this run\n",
                 e.what());
  }
}

// The history store (one recorder, one connection, for every iteration), or
// null with --dist-history=off. Past durations from it order the scheduler's
// queue through `estimate`; a store that cannot be read just means catalog
// order, and the recorder reports why. Its quarantine list goes into `plan`
// unless --dist-quarantine=off. The suites' typical set-ups go into
// `setup_costs`, for the planner to price splits (issue 15).
std::unique_ptr<history::HistoryRecorder> OpenHistory(
    const DistOptions& options, const std::string& binary_name, DurationEstimator* estimate,
    RunPlan* plan, std::map<std::string, SuiteSetupCosts::Cost>* setup_costs) {
  const std::string location =
      options.history.empty() ? history::DefaultHistoryLocation() : options.history;
  if (location.empty() || location == "off") return nullptr;
  try {
    auto db = history::OpenDatabase(location);
    history::EnsureSchema(db.get());  // an older store is upgraded here
    auto durations = std::make_shared<std::map<std::string, double>>(
        history::RecentDurations(db.get(), binary_name));
    if (!durations->empty()) {
      *estimate = [durations](const TestEntry& test) -> std::optional<double> {
        const auto it = durations->find(test.FullName());
        if (it == durations->end()) return std::nullopt;
        return it->second;
      };
      for (const auto& [suite, cost] : history::RecentSetupCosts(db.get(), binary_name)) {
        (*setup_costs)[suite] = {static_cast<double>(cost.setup_ms),
                                 static_cast<double>(cost.teardown_ms)};
      }
    }
    if (options.quarantine) ApplyQuarantine(db.get(), plan);
  } catch (const std::exception&) {
  }
  history::RecorderContext context;
  context.binary_name = binary_name;
  for (const std::string& arg : testing::internal::GetArgvs()) {
    context.command_line += (context.command_line.empty() ? "" : " ") + arg;
  }
  context.host = HostName();
  const char* user = std::getenv("USER");
  context.user = user ? user : std::to_string(getuid());
  context.label = options.label;
  context.replay = ReplaySetup(options);
  context.artifacts_dir = options.artifacts_dir;
  return std::make_unique<history::HistoryRecorder>(location, context);
}

}  // namespace

int RunSupervisorMode(const DistOptions& options) {
  // Local slots fork their children from a template of this binary: start it
  // now, while this process reads its catalog and digests the binary.
  const bool local_slots = std::any_of(options.workers.begin(), options.workers.end(),
                                       [](const WorkerAddress& w) { return w.local; });
  if (local_slots && options.warm_children) {
    ChildCommand command;
    command.executable = RunningExecutablePath();
    command.args = options.passthrough_args;
    StartTemplateEarly(ChildLaunchSpec(command, options.child_env));
  }
  const TestCatalog catalog = CatalogOfThisBinary();
  SelectionOptions selection_options;
  selection_options.filter = GTEST_FLAG_GET(filter);
  selection_options.also_run_disabled = GTEST_FLAG_GET(also_run_disabled_tests);
  std::string error;
  if (!ReadShardSpec(&selection_options.shard, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  const Selection selection = SelectTests(catalog, selection_options);
  RunnerProtocolFiles runner_files;

  RunPlan plan;
  plan.catalog = &catalog;
  plan.selected = selection.selected;
  plan.disabled_matching = selection.disabled_matching;
  plan.filter = GTEST_FLAG_GET(filter);
  plan.recreate_environments = GTEST_FLAG_GET(recreate_environments_when_repeating);
  for (const WorkerAddress& worker : options.workers) plan.workers.push_back(worker.ToString());

  const std::string binary_name = BaseName(options.passthrough_args.at(0));
  // The console (issue 17): gtest's blocks where a program or a log reads
  // stdout, one line per test and a status line where a person does.
  ConsoleStream console_stream(stdout, ShouldUseColor(GTEST_FLAG_GET(color), STDOUT_FILENO));
  const bool brief = GTEST_FLAG_GET(brief);
  ConsoleStyle style = options.console;
  if (style == ConsoleStyle::kAuto) {
    // --gtest_brief asks for gtest's brief printer, which is a blocks one.
    style = isatty(STDOUT_FILENO) != 0 && !brief ? ConsoleStyle::kLines : ConsoleStyle::kBlocks;
  }
  const bool status_line = !brief && SupportsStatusLine(STDOUT_FILENO);
  ConsoleOptions console_options;
  console_options.brief = brief;
  console_options.print_time = GTEST_FLAG_GET(print_time);
  console_options.ordered = options.ordered_console;
  LineConsoleOptions line_options;
  line_options.failures_only = style == ConsoleStyle::kFailures;
  line_options.print_time = console_options.print_time;
  std::unique_ptr<RunListener> console;
  if (style == ConsoleStyle::kBlocks) {
    console = std::make_unique<ConsoleReporter>(&console_stream, console_options);
  } else {
    console = std::make_unique<LineConsole>(&console_stream, line_options);
  }
  RunProgress progress;
  IterationHooks hooks;
  if (status_line) {
    hooks.tick = [&console_stream, &progress](const Supervisor& supervisor) {
      if (!progress.running()) return;
      const DispatchPolicy::Load load = supervisor.worker_load();
      // One column short of the width: a terminal that wraps at the last
      // column would push the line down at every redraw.
      console_stream.ShowStatus(FormatStatusLine(progress.Snapshot(load.busy, load.connected),
                                                 TerminalColumns(STDOUT_FILENO) - 1));
    };
  }

  std::unique_ptr<ReportFileWriter> report_file;
  const std::string output = GTEST_FLAG_GET(output);
  // A main() that released gtest's default XML/JSON listener asked for no
  // report file: honour that as gtest does.
  const bool report_suppressed =
      testing::UnitTest::GetInstance()->listeners().default_xml_generator() == nullptr;
  if (!output.empty() && !report_suppressed) {
    OutputSpec spec;
    if (!ParseOutputFlag(output, &spec, &error)) {
      std::fprintf(stderr, "gtest_dist: --gtest_output: %s\n", error.c_str());
      return kConfigurationError;
    }
    report_file = std::make_unique<ReportFileWriter>(spec, binary_name);
  }

  ExecutorSettings executors;
  if (!MakeExecutorSettings(options, catalog, binary_name, &executors)) {
    return kConfigurationError;
  }
  SupervisorConfig config = MakeSupervisorConfig(options);
  config.on_event_burst = [&console_stream](bool starts) {
    if (starts) {
      console_stream.HoldFlushes();
    } else {
      console_stream.ReleaseFlushes();
    }
  };
  // The supervisor's notes go to stderr, often the same terminal: the status
  // line goes first, and comes back at the next tick.
  config.note = [&console_stream](const std::string& line) {
    console_stream.HideStatus();
    console_stream.ReleaseFlushes();  // stdout's text before the note, even within a burst
    console_stream.Flush();
    std::fprintf(stderr, "gtest_dist: %s\n", line.c_str());
    std::fflush(stderr);
  };

  // --gtest_repeat: each iteration is a whole distributed run; -1 repeats
  // until interrupted. As gtest, the result is a failure if any iteration
  // failed. --dist-loop and --dist-repeat-until-fail iterate the same way,
  // with a tally of what failed.
  plan.repeat = GTEST_FLAG_GET(repeat);
  const bool looping = options.loop != 0 || options.repeat_until_fail;
  if (looping) {
    if (plan.repeat != 1) {
      std::fprintf(stderr,
                   "gtest_dist: --gtest_repeat=%d and --dist-loop/--dist-repeat-until-fail both "
                   "repeat the run; give one of them\n",
                   plan.repeat);
      return kConfigurationError;
    }
    plan.repeat = options.loop != 0 ? options.loop : -1;
  }
  plan.retries = options.retries;
  plan.flaky_fails = options.flaky_fails;
  plan.shuffle = GTEST_FLAG_GET(shuffle);
  if (plan.shuffle) plan.random_seed = FirstRandomSeed();
  std::unique_ptr<history::HistoryRecorder> recorder =
      OpenHistory(options, binary_name, &config.estimate, &plan, &config.setup_costs);
  // --dist-triage: failed tests replayed here once the run is over. Not by
  // default in a loop or repeat: the iterations measure flakiness themselves,
  // and replays would add runs (and their side effects) between them.
  const bool repeating = looping || plan.repeat != 1;
  if (options.triage == TriageMode::kAll || (options.triage == TriageMode::kAuto && !repeating)) {
    TriageSettings triage;
    triage.mode = options.triage;
    triage.setup = ReplaySetup(options);
    triage.budget = std::chrono::seconds(options.triage_budget_s);
    triage.note = config.note;
    config.triage = [triage](const RunSummary& summary) { return TriageRun(summary, triage); };
  }

  // --dist-dashboard: this run, live, in a browser, from a thread of its own.
  std::unique_ptr<dashboard::LiveRunSource> live_runs;
  std::unique_ptr<dashboard::BackgroundDashboard> web;
  if (!options.dashboard_host.empty()) {
    dashboard::ServerConfig web_config;
    web_config.host = options.dashboard_host;
    web_config.port = options.dashboard_port;
    std::string warning;
    if (!options.dashboard_token_file.empty() &&
        !ReadSecretFile(options.dashboard_token_file, &web_config.token, &error,
                        "--dist-dashboard-token-file", &warning)) {
      std::fprintf(stderr, "gtest_dist: %s\n", error.c_str());
      return kConfigurationError;
    }
    if (!warning.empty()) std::fprintf(stderr, "gtest_dist: warning: %s\n", warning.c_str());
    web_config.allowed_hosts = options.dashboard_allowed_hosts;
    web_config.artifacts_dir = options.artifacts_dir;
    live_runs = std::make_unique<dashboard::LiveRunSource>(binary_name, executors.hello.host,
                                                           options.label);
    live_runs->SetArtifactsDirectory(options.artifacts_dir);
    web = std::make_unique<dashboard::BackgroundDashboard>(web_config, *live_runs);
    if (!web->Start(&error)) {
      std::fprintf(stderr, "gtest_dist: --dist-dashboard: %s\n", error.c_str());
      return kConfigurationError;
    }
    std::fprintf(stderr, "gtest_dist: dashboard at %s\n", web->Url().c_str());
    std::fflush(stderr);
  }
  LoopTally tally(stdout, stderr);
  std::vector<RunListener*> listeners = {&progress, console.get()};
  if (report_file) listeners.push_back(report_file.get());
  if (recorder) listeners.push_back(recorder.get());
  if (live_runs) listeners.push_back(live_runs.get());
  if (looping) listeners.push_back(&tally);
  const int result =
      RunIterations(config, executors, &plan, listeners, options.repeat_until_fail, hooks);
  if (looping) tally.PrintSummary();
  return result;
}

}  // namespace gtest_dist
