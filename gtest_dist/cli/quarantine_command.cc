#include "gtest_dist/cli/quarantine_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "gtest_dist/analytics/quarantine_policy.h"
#include "gtest_dist/base/wall_clock.h"
#include "gtest_dist/cli/whole_number.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/quarantine_store.h"
#include "gtest_dist/history/queries.h"
#include "gtest_dist/protocol/peer_text.h"

namespace gtest_dist {

const char kQuarantineUsage[] =
    "usage: gtest_dist quarantine COMMAND [options] [--history=PATH|URL] [--json]\n"
    "  add TEST --reason TEXT [--until T] [--owner NAME]\n"
    "      quarantine TEST (Suite.Name): it still runs and is reported, but its failure\n"
    "      does not fail a run that records into this store. T: a date (the entry lasts\n"
    "      through that day, UTC), a UTC time (2026-12-06T14:30), @EPOCH_SECONDS, or a\n"
    "      duration from now (12h, 7d, 2w). Adding a quarantined test replaces its entry.\n"
    "  list      every entry, expired ones marked\n"
    "  remove TEST\n"
    "  auto [--flake-rate F] [--window N] [--clear-after N] [--binary B] [--apply]\n"
    "      propose entries for tests whose flake rate over the latest N runs (window,\n"
    "      default 50) is at least F (default 0.05), and the removal of entries whose\n"
    "      test passed its latest --clear-after runs (default 10); --apply makes them.\n";

namespace {

constexpr int kUsageError = 2;

struct Options {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  bool json = false;
  bool apply = false;
};

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr, "gtest_dist quarantine: %s\n\n%s", error.c_str(), kQuarantineUsage);
  std::exit(kUsageError);
}

Options Parse(const std::vector<std::string>& args, const std::set<std::string>& value_flags) {
  Options options;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      options.json = true;
    } else if (a == "--apply") {
      options.apply = true;
    } else if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::string value;
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      } else if (value_flags.count(name) > 0 || name == "history") {
        if (i + 1 >= args.size()) Usage("--" + name + " needs a value");
        value = args[++i];
      }
      if (value_flags.count(name) == 0 && name != "history") {
        Usage(args[0] + ": unknown option --" + name);
      }
      options.values[name] = value;
    } else {
      options.positional.push_back(a);
    }
  }
  return options;
}

std::string Value(const Options& options, const std::string& name) {
  const auto found = options.values.find(name);
  return found == options.values.end() ? "" : found->second;
}

std::string Shown(const std::string& text) {
  return PeerText(text, std::numeric_limits<std::size_t>::max());
}

// A test's full name as gtest prints it: Suite.Name, one line, no spaces.
std::string TestArgument(const Options& options, const std::string& command) {
  if (options.positional.size() != 1) Usage(command + ": expected one test name (Suite.Name)");
  const std::string& test = options.positional[0];
  bool ok = test.find('.') != std::string::npos && test.front() != '.' && test.back() != '.';
  for (char c : test) ok = ok && static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
  if (!ok) Usage(command + ": expected a test name Suite.Name, got \"" + Shown(test) + "\"");
  return test;
}

// --until: ParseTime's forms, except that a date lasts through its day and
// an age (7d) counts forward from now: an entry expires in the future.
std::int64_t ParseUntil(const std::string& text, std::int64_t now_ms) {
  std::int64_t ms = 0;
  std::string error;
  if (!history::ParseTime(text, now_ms, &ms, &error)) Usage("--until: " + error);
  const char unit = text.back();
  if (text[0] != '@' && (unit == 'm' || unit == 'h' || unit == 'd' || unit == 'w')) {
    return now_ms + (now_ms - ms);
  }
  if (text.size() == 10) ms += 24LL * 3600 * 1000;  // a date: through its end
  return ms;
}

int IntValue(const Options& options, const std::string& name, int fallback) {
  const std::string text = Value(options, name);
  if (text.empty()) return fallback;
  int value = fallback;
  if (!ParseWholeNumber(text, &value)) Usage(WholeNumberError(name, text));
  return value;
}

std::string UserName() {
  const char* user = std::getenv("USER");
  return user && *user ? user : std::to_string(getuid());
}

nlohmann::json EntryJson(const QuarantineEntry& e, std::int64_t now_ms) {
  return {{"test", e.test},
          {"reason", e.reason},
          {"owner", e.owner},
          {"until_ms", e.until_ms == 0 ? nlohmann::json(nullptr) : nlohmann::json(e.until_ms)},
          {"added_ms", e.added_ms},
          {"added_by", e.added_by},
          {"expired", !QuarantineApplies(e, now_ms)}};
}

int Add(history::Database* db, const Options& options) {
  QuarantineEntry entry;
  entry.test = TestArgument(options, "add");
  entry.reason = Value(options, "reason");
  if (entry.reason.empty()) Usage("add: --reason TEXT is required (why is it quarantined?)");
  entry.owner = Value(options, "owner");
  const std::int64_t now_ms = NowEpochMs();
  const std::string until = Value(options, "until");
  if (!until.empty()) entry.until_ms = ParseUntil(until, now_ms);
  entry.added_ms = now_ms;
  entry.added_by = UserName();
  history::AddQuarantine(db, entry);
  std::printf("quarantined %s: %s\n", Shown(entry.test).c_str(),
              Shown(DescribeQuarantine(entry)).c_str());
  if (!QuarantineApplies(entry, now_ms)) {
    std::fprintf(stderr, "gtest_dist quarantine: warning: --until %s is already past\n",
                 until.c_str());
  }
  return 0;
}

int List(history::Database* db, const Options& options) {
  const std::int64_t now_ms = NowEpochMs();
  const std::vector<QuarantineEntry> entries = history::ListQuarantine(db);
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const QuarantineEntry& e : entries) list.push_back(EntryJson(e, now_ms));
    std::printf("%s\n", list.dump(2).c_str());
    return 0;
  }
  if (entries.empty()) std::printf("no test is quarantined\n");
  for (const QuarantineEntry& e : entries) {
    std::printf("%s%s  %s (added by %s on %s)\n", Shown(e.test).c_str(),
                QuarantineApplies(e, now_ms) ? "" : "  [expired]",
                Shown(DescribeQuarantine(e)).c_str(), Shown(e.added_by).c_str(),
                FormatQuarantineTime(e.added_ms).c_str());
  }
  return 0;
}

int Remove(history::Database* db, const Options& options) {
  const std::string test = TestArgument(options, "remove");
  if (!history::RemoveQuarantine(db, test)) {
    std::fprintf(stderr, "gtest_dist quarantine: %s is not quarantined\n", Shown(test).c_str());
    return 1;
  }
  std::printf("removed the quarantine of %s\n", Shown(test).c_str());
  return 0;
}

int Auto(history::Database* db, const Options& options) {
  analytics::QuarantinePolicy policy;
  const std::string rate = Value(options, "flake-rate");
  if (!rate.empty()) {
    char* end = nullptr;
    policy.min_flake_rate = std::strtod(rate.c_str(), &end);
    if (*end != '\0' || !(policy.min_flake_rate > 0 && policy.min_flake_rate <= 1)) {
      Usage("--flake-rate: expected a fraction above 0 and at most 1 (0.05 = 5%), got \"" + rate +
            "\"");
    }
  }
  policy.clear_after_runs = IntValue(options, "clear-after", policy.clear_after_runs);
  history::FlakyFilter filter;
  filter.window_runs = IntValue(options, "window", filter.window_runs);
  filter.binary = Value(options, "binary");
  std::vector<analytics::FlakeCandidate> candidates;
  for (const history::FlakyRow& row : history::Flaky(db, filter)) {
    analytics::FlakeCandidate candidate;
    candidate.test = row.full_name;
    candidate.counts = {row.runs, row.failed_runs, row.passed_runs, row.flaky_runs};
    candidates.push_back(candidate);
  }
  std::set<std::string> quarantined;
  std::set<std::string> cleared;
  for (const QuarantineEntry& e : history::ListQuarantine(db)) {
    quarantined.insert(e.test);
    std::vector<analytics::RunResult> results;
    // Every attempt counts; ten per run covers any sensible --dist-retries.
    for (const history::TestResultRow& row :
         history::TestResults(db, e.test, policy.clear_after_runs * 10)) {
      results.push_back({row.result.run_id, row.result.status});
    }
    if (analytics::PassedLatestRuns(results, policy.clear_after_runs)) cleared.insert(e.test);
  }
  const analytics::QuarantineProposal proposal =
      analytics::ProposeQuarantine(candidates, quarantined, cleared, policy);
  const std::int64_t now_ms = NowEpochMs();
  if (options.apply) {
    for (const analytics::FlakeCandidate& c : proposal.add) {
      QuarantineEntry entry;
      entry.test = c.test;
      char reason[128];
      std::snprintf(reason, sizeof reason, "auto: flake rate %.0f%% over %d runs",
                    analytics::FlakeRate(c.counts) * 100, c.counts.runs);
      entry.reason = reason;
      entry.added_ms = now_ms;
      entry.added_by = UserName();
      history::AddQuarantine(db, entry);
    }
    for (const std::string& test : proposal.remove) history::RemoveQuarantine(db, test);
  }
  if (options.json) {
    nlohmann::json add = nlohmann::json::array();
    for (const analytics::FlakeCandidate& c : proposal.add) {
      add.push_back({{"test", c.test},
                     {"flake_rate", analytics::FlakeRate(c.counts)},
                     {"runs", c.counts.runs},
                     {"failed_runs", c.counts.failed_runs}});
    }
    const nlohmann::json out = {
        {"add", add}, {"remove", proposal.remove}, {"applied", options.apply}};
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  const char* verb_add = options.apply ? "quarantined" : "would quarantine";
  const char* verb_remove = options.apply ? "removed" : "would remove";
  for (const analytics::FlakeCandidate& c : proposal.add) {
    std::printf("%s %s (flake rate %.0f%%, failed in %d of %d runs)\n", verb_add,
                Shown(c.test).c_str(), analytics::FlakeRate(c.counts) * 100, c.counts.failed_runs,
                c.counts.runs);
  }
  for (const std::string& test : proposal.remove) {
    std::printf("%s the quarantine of %s (passed its latest %d runs)\n", verb_remove,
                Shown(test).c_str(), policy.clear_after_runs);
  }
  if (proposal.add.empty() && proposal.remove.empty()) std::printf("nothing to change\n");
  if (!options.apply && !(proposal.add.empty() && proposal.remove.empty())) {
    std::printf("(give --apply to make these changes)\n");
  }
  return 0;
}

}  // namespace

int RunQuarantineCommand(const std::vector<std::string>& args,
                         const std::string& default_location) {
  if (args.empty() || args[0] == "--help" || args[0] == "help") {
    std::printf("%s", kQuarantineUsage);
    return args.empty() ? kUsageError : 0;
  }
  const std::map<std::string,
                 std::pair<std::set<std::string>, int (*)(history::Database*, const Options&)>>
      commands = {
          {"add", {{"reason", "until", "owner"}, Add}},
          {"list", {{}, List}},
          {"remove", {{}, Remove}},
          {"auto", {{"flake-rate", "window", "clear-after", "binary"}, Auto}},
      };
  const auto command = commands.find(args[0]);
  if (command == commands.end()) Usage("unknown command \"" + Shown(args[0]) + "\"");
  const Options options = Parse(args, command->second.first);
  if (options.apply && args[0] != "auto") Usage(args[0] + ": unknown option --apply");
  std::string location = Value(options, "history");
  if (location.empty()) location = default_location;
  if (location.empty() || location == "off") {
    Usage("no history store: give --history=PATH|URL (HOME and XDG_STATE_HOME are unset)");
  }
  try {
    const bool writes = args[0] == "add" || args[0] == "remove" || options.apply;
    // A listing creates nothing; a change creates or upgrades the store as a
    // supervisor recording into it would.
    std::unique_ptr<history::Database> db;
    if (writes) {
      db = history::OpenDatabase(location);
      history::EnsureSchema(db.get());
    } else {
      db = history::OpenForQueries(location);
    }
    return command->second.second(db.get(), options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gtest_dist quarantine: %s\n", e.what());
    return 1;
  }
}

}  // namespace gtest_dist
