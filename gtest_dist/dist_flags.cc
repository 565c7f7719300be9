#include "gtest_dist/dist_flags.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "gtest_dist/model/byte_size.h"
#include "gtest_dist/protocol/protocol.h"
#include "gtest_dist/schedule/lock_plan.h"

namespace gtest_dist {
namespace {

enum class FlagKind { kBool, kValue };

// Applies a flag's value; returns false with what is wrong in *error (the
// caller names the flag or its environment variable in front of it).
using ApplyFlag = std::function<bool(const std::string&, DistOptions*, std::string*)>;

struct FlagDefinition {
  std::string name;  // as on the command line, without "--"
  FlagKind kind;
  std::string value_name;
  std::string help;
  ApplyFlag apply;
};

bool ParseBool(const std::string& text, bool* value) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") {
    *value = true;
  } else if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty()) {
    *value = false;
  } else {
    return false;
  }
  return true;
}

bool ParsePositiveInt(const std::string& text, int max, int* value) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const int parsed = std::atoi(text.c_str());
  if (parsed < 1 || parsed > max) return false;
  *value = parsed;
  return true;
}

// The environment name of a flag: --dist-jobs -> GTEST_DIST_JOBS,
// --workers -> GTEST_DIST_WORKERS.
std::string EnvName(const std::string& flag) {
  std::string name = flag.rfind("dist-", 0) == 0 ? flag.substr(5) : flag;
  std::string env = "GTEST_DIST_";
  for (char c : name) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return env;
}

std::string Got(const std::string& value) { return "got \"" + value + "\""; }

// The non-empty items of a list flag, in order.
std::vector<std::string> SplitList(const std::string& text, char separator) {
  std::vector<std::string> items;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, separator)) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

// The shapes most flags share: each builds the definition of one flag that
// stores its value in one member of DistOptions.
FlagDefinition BoolFlag(std::string name, std::string help, bool DistOptions::*member) {
  return {std::move(name), FlagKind::kBool, "", std::move(help),
          [member](const std::string& v, DistOptions* o, std::string* e) {
            if (ParseBool(v, &(o->*member))) return true;
            *e = "expected no value or 1/0, " + Got(v);
            return false;
          }};
}

// A file-path flag: anything but empty (the file is read, and its problems
// reported, where it is used).
FlagDefinition PathFlag(std::string name, std::string value_name, std::string help,
                        std::string DistOptions::*member) {
  return {std::move(name), FlagKind::kValue, std::move(value_name), std::move(help),
          [member](const std::string& v, DistOptions* o, std::string* e) {
            if (v.empty()) {
              *e = "expected a file path, got an empty value";
              return false;
            }
            o->*member = v;
            return true;
          }};
}

// A whole number from `min` (0 or 1) to `max`.
FlagDefinition CountFlag(std::string name, std::string help, int min, int max,
                         int DistOptions::*member) {
  return {std::move(name), FlagKind::kValue, "N", std::move(help),
          [=](const std::string& v, DistOptions* o, std::string* e) {
            if (min == 0 && v == "0") {
              o->*member = 0;
              return true;
            }
            if (ParsePositiveInt(v, max, &(o->*member))) return true;
            *e = "expected a whole number from " + std::to_string(min) + " to " +
                 std::to_string(max) + ", " + Got(v);
            return false;
          }};
}

// Seconds accepted where `in_range` holds; `expected` says which.
FlagDefinition SecondsFlag(std::string name, std::string help, const std::string& expected,
                           const std::function<bool(double)>& in_range,
                           double DistOptions::*member) {
  return {std::move(name), FlagKind::kValue, "SECONDS", std::move(help),
          [=](const std::string& v, DistOptions* o, std::string* e) {
            char* end = nullptr;
            const double seconds = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !in_range(seconds)) {
              *e = "expected " + expected + ", " + Got(v);
              return false;
            }
            o->*member = seconds;
            return true;
          }};
}

// One of a few words; `choose` stores the one given.
FlagDefinition ChoiceFlag(std::string name, std::vector<std::string> choices, std::string help,
                          const std::function<void(const std::string&, DistOptions*)>& choose) {
  std::string value_name;
  std::string expected;
  for (size_t i = 0; i < choices.size(); ++i) {
    value_name += (i == 0 ? "" : "|") + choices[i];
    expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  }
  return {std::move(name), FlagKind::kValue, value_name, std::move(help),
          [=](const std::string& v, DistOptions* o, std::string* e) {
            if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
              *e = "expected " + expected + ", " + Got(v);
              return false;
            }
            choose(v, o);
            return true;
          }};
}

// A host:port to listen on (port 0 picks a free one).
bool ParseListenAddress(const std::string& v, std::string* host, int* port, std::string* e) {
  WorkerAddress address;
  if (!ParseWorkerAddress(v, &address, e) || address.local || address.ssh) {
    *e = "expected HOST:PORT (port 0 picks a free one), " + Got(v);
    return false;
  }
  *host = address.host;
  *port = address.port;
  return true;
}

// A list of NAME:VALUE-like items separated by ';' (repeatable: each item is
// added), every item checked by `add`.
ApplyFlag AddEachItem(
    const std::string& expected,
    const std::function<bool(const std::string&, DistOptions*, std::string*)>& add) {
  return [=](const std::string& v, DistOptions* o, std::string* e) {
    const std::vector<std::string> items = SplitList(v, ';');
    if (items.empty()) {
      *e = "expected " + expected + " (';' between several), " + Got(v);
      return false;
    }
    for (const std::string& item : items) {
      if (!add(item, o, e)) return false;
    }
    return true;
  };
}

bool SetMode(Mode mode, const std::string& value, DistOptions* options, std::string* error) {
  bool on = false;
  if (!ParseBool(value, &on)) {
    *error = "expected no value or one of 1/0/true/false, " + Got(value);
    return false;
  }
  if (!on) return true;
  if (options->mode != Mode::kPlain && options->mode != mode) {
    *error = std::string("cannot be given together with ") +
             (mode == Mode::kSupervisor ? "--dist-worker" : "--dist-supervisor");
    return false;
  }
  options->mode = mode;
  return true;
}

bool IsInsideWorkingDirectory(const std::string& path) {
  return path.front() != '/' && path != ".." && path.rfind("../", 0) != 0 &&
         path.find("/../") == std::string::npos &&
         !(path.size() >= 3 && path.compare(path.size() - 3, 3, "/..") == 0);
}

const std::vector<FlagDefinition>& Definitions() {
  static const std::vector<FlagDefinition> kFlags = {
      {"dist-supervisor", FlagKind::kBool, "",
       "Distribute the selected tests over --workers and report them as one run.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         return SetMode(Mode::kSupervisor, v, o, e);
       }},
      {"dist-worker", FlagKind::kBool, "",
       "Serve supervisors: run the tests they hand out, in child processes.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         return SetMode(Mode::kWorker, v, o, e);
       }},
      {"workers", FlagKind::kValue, "HOST:PORT,...|local:N|ssh://[USER@]HOST[:PORT]",
       "Where the supervisor runs tests: worker daemons, N local slots, and/or workers "
       "started through ssh for this run.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         o->workers.clear();
         for (const std::string& item : SplitList(v, ',')) {
           WorkerAddress address;
           if (!ParseWorkerAddress(item, &address, e)) return false;
           o->workers.push_back(address);
         }
         if (o->workers.empty()) {
           *e = "expected HOST:PORT, local:N or ssh://HOST entries separated by commas, " + Got(v);
           return false;
         }
         return true;
       }},
      {"bind", FlagKind::kValue, "HOST:PORT",
       "Address a worker listens on (default 127.0.0.1:" + std::to_string(kDefaultWorkerPort) +
           "; port 0 picks a free port).",
       [](const std::string& v, DistOptions* o, std::string* e) {
         const bool has_port = v.find(':') != std::string::npos &&
                               (v.front() != '[' || v.find("]:") != std::string::npos);
         const std::string text = has_port ? v : v + ":" + std::to_string(kDefaultWorkerPort);
         if (ParseListenAddress(text, &o->bind_host, &o->bind_port, e)) return true;
         *e = "expected HOST:PORT (port 0 picks a free one), " + Got(v);
         return false;
       }},
      CountFlag("dist-jobs", "Chunks a worker runs at once (default: the number of cores).", 1,
                4096, &DistOptions::jobs),
      SecondsFlag(
          "dist-connect-timeout", "How long the supervisor waits to reach a worker (default 10).",
          "seconds in (0, 3600]", [](double s) { return s > 0 && s <= 3600; },
          &DistOptions::connect_timeout_s),
      SecondsFlag(
          "dist-heartbeat-timeout",
          "A supervisor or worker silent this long is taken for gone (default 10; "
          "heartbeats go every second).",
          "seconds in [2, 86400]", [](double s) { return s >= 2 && s <= 86400; },
          &DistOptions::heartbeat_timeout_s),
      SecondsFlag(
          "dist-test-timeout",
          "Kill a test (its whole process group) running longer than this and report it "
          "TIMEOUT (default 1500; 0 = no limit).",
          "seconds, 0 for no limit", [](double s) { return s >= 0 && s <= 31 * 86400; },
          &DistOptions::test_timeout_s),
      ChoiceFlag("dist-fallback", {"local", "fail"},
                 "When every worker in use is lost: run the rest here (local, default) or "
                 "report it NOT RUN (fail).",
                 [](const std::string& v, DistOptions* o) { o->fallback_local = v == "local"; }),
      PathFlag("dist-secret-file", "PATH",
               "Shared secret for the mutual HMAC-SHA256 handshake between supervisor and "
               "workers; required for a worker bound to a non-loopback address.",
               &DistOptions::secret_file),
      PathFlag("dist-tls-cert", "PEM",
               "Certificate chain: a worker with it (and --dist-tls-key) serves TLS only; a "
               "supervisor presents it to workers that ask.",
               &DistOptions::tls_cert),
      PathFlag("dist-tls-key", "PEM", "Private key of --dist-tls-cert.", &DistOptions::tls_key),
      PathFlag("dist-tls-ca", "PEM",
               "CA certificates to verify the peer with: a supervisor uses TLS and checks each "
               "worker's certificate and name; a worker requires a client certificate.",
               &DistOptions::tls_ca),
      BoolFlag("dist-ordered-console",
               "Print tests in catalog order (as a plain run) rather than as they finish.",
               &DistOptions::ordered_console),
      CountFlag("dist-min-chunk",
                "Hand out at least N tests per chunk (default 1): fewer child processes, so "
                "fewer runs of an expensive global Environment's SetUp.",
                1, 1000000, &DistOptions::min_chunk),
      CountFlag("dist-retries",
                "Run a failed test again, up to N times, on another worker when there is one; "
                "failed, then passed is FLAKY (default 0).",
                0, 100, &DistOptions::retries),
      BoolFlag("dist-flaky-fails", "A FLAKY test fails the run (by default it counts as passed).",
               &DistOptions::flaky_fails),
      {"dist-loop", FlagKind::kValue, "N|forever",
       "Run the selected tests N times (forever: until stopped), each time a run of its own "
       "in the history, and keep a tally of the tests that failed at least once.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         if (v == "forever") {
           o->loop = -1;
           return true;
         }
         if (ParsePositiveInt(v, 1000000, &o->loop)) return true;
         *e = "expected a whole number from 1 to 1000000 or \"forever\", " + Got(v);
         return false;
       }},
      BoolFlag("dist-repeat-until-fail",
               "Run the selected tests again and again until a run fails (at most --dist-loop "
               "times).",
               &DistOptions::repeat_until_fail),
      {"dist-history", FlagKind::kValue, "PATH|URL|off",
       "Record the run in the history store: a SQLite file, a postgresql:// URL, or off. "
       "Default: $XDG_STATE_HOME/gtest_dist/history.sqlite (~/.local/state/... without it).",
       [](const std::string& v, DistOptions* o, std::string* e) {
         if (v.empty()) {
           *e = "expected a file path, a postgresql:// URL or off, got an empty value";
           return false;
         }
         o->history = v;
         return true;
       }},
      {"dist-label", FlagKind::kValue, "TEXT",
       "A revision or label stored with the run in the history (e.g. a commit id).",
       [](const std::string& v, DistOptions* o, std::string*) {
         o->label = v;
         return true;
       }},
      // Triage (issue 16).
      ChoiceFlag("dist-quarantine", {"on", "off"},
                 "on (default): a test quarantined in the history store (gtest_dist quarantine "
                 "add) still runs and is reported, but its failure does not fail the run; off: "
                 "ignore the quarantine list.",
                 [](const std::string& v, DistOptions* o) { o->quarantine = v == "on"; }),
      {"dist-dashboard", FlagKind::kValue, "HOST:PORT",
       "Serve a live web dashboard of this supervisor's run (port 0 picks a free "
       "port; the URL is printed at start).",
       [](const std::string& v, DistOptions* o, std::string* e) {
         return ParseListenAddress(v, &o->dashboard_host, &o->dashboard_port, e);
       }},
      PathFlag("dist-dashboard-token-file", "PATH",
               "Access token of --dist-dashboard; required when it binds a non-loopback address.",
               &DistOptions::dashboard_token_file),
      {"dist-dashboard-allowed-host", FlagKind::kValue, "NAME[,NAME...]",
       "Host names --dist-dashboard answers to besides its address and localhost "
       "(requests naming another host are refused: no DNS rebinding).",
       [](const std::string& v, DistOptions* o, std::string* e) {
         // The command line replaces the environment's.
         o->dashboard_allowed_hosts = SplitList(v, ',');
         if (!o->dashboard_allowed_hosts.empty()) return true;
         *e = "expected host names separated by commas, " + Got(v);
         return false;
       }},
      BoolFlag("dist-insecure",
               "Connect to workers on other machines without --dist-secret-file or "
               "--dist-tls-ca: whatever answers on their ports is trusted with the run's results.",
               &DistOptions::insecure),
      // Workers over ssh.
      BoolFlag("stdio",
               "With --dist-worker: serve one supervisor over stdin/stdout (as ssh starts it for "
               "an ssh:// worker) instead of listening; exits when stdin closes.",
               &DistOptions::stdio),
      {"dist-ssh-command", FlagKind::kValue, "COMMAND",
       "What starts an ssh:// worker (default \"ssh\"; e.g. \"ssh -i KEY -o "
       "StrictHostKeyChecking=yes\"); gtest_dist adds -T -e none -o BatchMode=yes, -p PORT, "
       "-l USER, the host and the remote command.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         std::vector<std::string> words;
         if (!SplitCommandWords(v, &words, e) || words.empty()) {
           *e = "expected a command such as \"ssh -i KEY\", " + Got(v) +
                (e->empty() ? "" : " (" + *e + ")");
           return false;
         }
         o->ssh_command = std::move(words);
         return true;
       }},
      {"dist-ssh-remote-command", FlagKind::kValue, "COMMAND",
       "What ssh runs on an ssh:// worker's host, a shell command that serves the protocol on "
       "stdin/stdout (default: gtest_dist worker --stdio, which receives the build shipped).",
       [](const std::string& v, DistOptions* o, std::string* e) {
         if (v.find_first_not_of(" \t") == std::string::npos) {
           *e = "expected a shell command, " + Got(v);
           return false;
         }
         o->ssh_remote_command = v;
         return true;
       }},
      // Isolation: what each test process gets to itself.
      BoolFlag("dist-keep-tmp",
               "Keep each test process's private TEST_TMPDIR after it ends (it is removed by "
               "default) and say where, in the output of its first test and on the stderr of the "
               "machine that ran it.",
               &DistOptions::keep_tmp),
      {"dist-exclusive", FlagKind::kValue, "PATTERN",
       "Tests matching this gtest filter run alone on their worker (all its slots), as "
       "ctest's RUN_SERIAL.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         if (v.empty()) {
           *e = "expected a gtest filter (e.g. Gpu*:Db.*), got an empty value";
           return false;
         }
         o->exclusive = v;
         return true;
       }},
      {"dist-lock", FlagKind::kValue, "NAME:PATTERN[;NAME:PATTERN...]",
       "Tests matching PATTERN (a gtest filter) hold lock NAME: no two tests holding one "
       "lock run at the same time anywhere in the run, as ctest's RESOURCE_LOCK. "
       "Repeatable; the environment's and the command line's add up.",
       AddEachItem("NAME:PATTERN",
                   [](const std::string& item, DistOptions* o, std::string* e) {
                     std::pair<std::string, std::string> rule;
                     if (!ParseLockRule(item, &rule, e)) return false;
                     o->locks.push_back(rule);
                     return true;
                   })},
      {"dist-env", FlagKind::kValue, "NAME[=VALUE][;NAME[=VALUE]...]",
       "Set NAME in the environment of every test process on every worker; NAME alone "
       "passes on this process's value (unset here: set empty). Repeatable; the "
       "environment's and the command line's add up.",
       AddEachItem("NAME or NAME=VALUE",
                   [](const std::string& item, DistOptions* o, std::string* e) {
                     const auto equals = item.find('=');
                     std::string name = item.substr(0, equals);
                     std::string value;
                     if (equals != std::string::npos) {
                       value = item.substr(equals + 1);
                     } else if (const char* ours = std::getenv(name.c_str())) {
                       value = ours;
                     }
                     if (!protocol::CheckChildEnvironment(name, value, e)) return false;
                     // Given twice, the last one counts.
                     auto& env = o->child_env;
                     env.erase(std::remove_if(env.begin(), env.end(),
                                              [&](const auto& p) { return p.first == name; }),
                               env.end());
                     env.emplace_back(std::move(name), std::move(value));
                     return true;
                   })},
      // The console a person watches (issue 17).
      ChoiceFlag("dist-console", {"blocks", "lines", "failures"},
                 "What the console prints: gtest's blocks (default when stdout is not a "
                 "terminal), one line per finished test with failures in full (lines, default "
                 "on a terminal), or only failures (failures). On a terminal a status line "
                 "shows the progress.",
                 [](const std::string& v, DistOptions* o) {
                   o->console = v == "blocks"  ? ConsoleStyle::kBlocks
                                : v == "lines" ? ConsoleStyle::kLines
                                               : ConsoleStyle::kFailures;
                 }),
      // Shipping the build to generic workers (gtest_dist worker).
      {"dist-files", FlagKind::kValue, "PATH[,PATH...]",
       "Files and directories (relative to the working directory, taken whole) that the "
       "tests read: shipped to generic workers and laid out the same way below the "
       "children's working directory there.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         o->dist_files = SplitList(v, ',');
         for (const std::string& item : o->dist_files) {
           if (IsInsideWorkingDirectory(item)) continue;
           *e = "\"" + item +
                "\" is not a relative path inside the working directory (no leading '/', "
                "no \"..\")";
           return false;
         }
         if (!o->dist_files.empty()) return true;
         *e = "expected paths separated by commas, " + Got(v);
         return false;
       }},
      ChoiceFlag("dist-ship-libs", {"auto", "all", "none"},
                 "Which loaded shared libraries go to generic workers with the executable: auto "
                 "(default: all but the C library's own objects), all, or none.",
                 [](const std::string& v, DistOptions* o) { o->ship_libs = v; }),
      // Order triage (issue 16, item 2).
      {"dist-triage", FlagKind::kBool, "",
       "After the run, replay each failed test here to say why it failed: BROKEN (fails "
       "alone every time), FLAKY (sometimes), ORDER-DEPENDENT (after the tests its process "
       "ran before it, bisected to the fewest). Default auto: only a test that failed and "
       "then passed on its --dist-retries retry, in a run that does not repeat; 0: never. Never "
       "changes the results.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         bool on = false;
         if (v == "auto") {
           o->triage = TriageMode::kAuto;
         } else if (ParseBool(v, &on)) {
           o->triage = on ? TriageMode::kAll : TriageMode::kOff;
         } else {
           *e = "expected no value, 1, 0 or auto, " + Got(v);
           return false;
         }
         return true;
       }},
      {"dist-triage-budget", FlagKind::kValue, "SECONDS",
       "The time --dist-triage may spend replaying, for all failed tests together "
       "(default 120); a test left without a verdict is UNKNOWN.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         if (!ParsePositiveInt(v, 86400, &o->triage_budget_s)) {
           *e = "expected whole seconds from 1 to 86400, " + Got(v);
           return false;
         }
         return true;
       }},
      // Test outputs (issue 14): TEST_UNDECLARED_OUTPUTS_DIR comes home.
      {"dist-artifacts", FlagKind::kValue, "DIR",
       "Set TEST_UNDECLARED_OUTPUTS_DIR for each test (a new directory) and keep the files "
       "tests leave there under DIR/<run>/<Suite.Test>/, named in the XML/JSON reports and "
       "linked from the dashboard. Default: off.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         if (v.empty()) {
           *e = "expected a directory, got an empty value";
           return false;
         }
         o->artifacts_dir = v.size() > 1 && v.back() == '/' ? v.substr(0, v.size() - 1) : v;
         return true;
       }},
      {"dist-artifacts-max", FlagKind::kValue, "BYTES",
       "Most bytes of test outputs kept per test (K, M, G suffixes; default 64M, at most 1G); "
       "a file past it is not kept, and the test's report and the console say so.",
       [](const std::string& v, DistOptions* o, std::string* e) {
         if (!ParseByteSize(v, &o->artifacts_max) || o->artifacts_max > kMaxArtifactBytesPerTest) {
           *e = "expected a size from 1 to 1G (e.g. 10M), " + Got(v);
           return false;
         }
         return true;
       }},
      // Speed at scale (issue 15).
      ChoiceFlag("dist-warm-children", {"on", "off"},
                 "on (default): after its start-up, a template process of the test binary forks "
                 "each chunk's test process, so the binary's start-up is paid once per executor, "
                 "not once per chunk; off: every test process is started anew. A binary that "
                 "starts threads before its tests run is always started anew.",
                 [](const std::string& v, DistOptions* o) { o->warm_children = v == "on"; }),
  };
  return kFlags;
}

const FlagDefinition* Find(const std::string& name) {
  for (const FlagDefinition& flag : Definitions()) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

bool IsOurFlagName(const std::string& name) {
  return name.rfind("dist-", 0) == 0 || name == "workers" || name == "bind" || name == "stdio";
}

}  // namespace

std::string WorkerAddress::ToString() const {
  if (local) return "local:" + std::to_string(local_slots);
  const bool v6 = host.find(':') != std::string::npos;
  const std::string host_text = v6 ? "[" + host + "]" : host;
  if (ssh) {
    return "ssh://" + (ssh_user.empty() ? "" : ssh_user + "@") + host_text +
           (port == 0 ? "" : ":" + std::to_string(port));
  }
  return host_text + ":" + std::to_string(port);
}

namespace {

// Characters of a host name, an IPv4 address or (in brackets) an IPv6 one;
// a leading '-' would read as an option to ssh.
bool IsSshHost(const std::string& host, bool bracketed) {
  if (host.empty() || host.front() == '-') return false;
  for (char c : host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == '_' || (bracketed && (c == ':' || c == '%'));
    if (!ok) return false;
  }
  return !bracketed || host.find(':') != std::string::npos;
}

bool IsSshUser(const std::string& user) {
  if (user.empty() || user.front() == '-') return false;
  for (char c : user) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

bool ParseSshWorkerAddress(const std::string& text, WorkerAddress* address, std::string* error) {
  const std::string expected =
      "expected ssh://[USER@]HOST[:PORT] (an IPv6 address in brackets: "
      "ssh://[::1]:22), got \"" +
      text + "\"";
  std::string rest = text.substr(6);
  const auto at = rest.find('@');
  if (at != std::string::npos) {
    address->ssh_user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (!IsSshUser(address->ssh_user)) {
      *error = expected + ": the user may hold letters, digits, '.', '_' and '-' (not first)";
      return false;
    }
  }
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      *error = expected + ": no ']' after the IPv6 address";
      return false;
    }
    address->host = rest.substr(1, close - 1);
    const std::string after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      *error = expected + ": only \":PORT\" may follow the ']'";
      return false;
    }
    if (!after.empty()) port = after.substr(1);
    if (after == ":") port = ":";  // an empty port is an error below
    if (!IsSshHost(address->host, /*bracketed=*/true)) {
      *error = expected + ": \"" + address->host + "\" is not an IPv6 address";
      return false;
    }
  } else {
    const auto colon = rest.find(':');
    if (colon != std::string::npos && rest.find(':', colon + 1) != std::string::npos) {
      *error = expected + ": an IPv6 address goes in brackets";
      return false;
    }
    address->host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
    if (colon != std::string::npos && port.empty()) port = ":";
    if (!IsSshHost(address->host, /*bracketed=*/false)) {
      *error = expected + ": the host may hold letters, digits, '.', '_' and '-' (not first)";
      return false;
    }
  }
  if (!port.empty() && !ParsePositiveInt(port, 65535, &address->port)) {
    *error = expected + ": the port must be a number from 1 to 65535";
    return false;
  }
  address->ssh = true;
  return true;
}

}  // namespace

bool SplitCommandWords(const std::string& text, std::vector<std::string>* words,
                       std::string* error) {
  words->clear();
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words->push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const auto close = text.find('\'', i + 1);
      if (close == std::string::npos) {
        *error = "unterminated ' quote";
        return false;
      }
      word += text.substr(i + 1, close - i - 1);
      i = close;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) {
          *error = "unterminated \" quote";
          return false;
        }
        if (text[i] == '"') break;
        // Inside double quotes a backslash quotes only these, as in sh.
        if (text[i] == '\\' && i + 1 < text.size() &&
            std::string("\"\\$`").find(text[i + 1]) != std::string::npos) {
          ++i;
        }
        word += text[i];
      }
    } else if (c == '\\') {
      if (i + 1 >= text.size()) {
        *error = "a backslash ends the command";
        return false;
      }
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (in_word) words->push_back(word);
  return true;
}

bool ParseWorkerAddress(const std::string& text, WorkerAddress* address, std::string* error) {
  *address = WorkerAddress{};
  if (text.rfind("ssh://", 0) == 0) return ParseSshWorkerAddress(text, address, error);
  if (text.rfind("local:", 0) == 0) {
    address->local = true;
    if (!ParsePositiveInt(text.substr(6), 4096, &address->local_slots)) {
      *error = "expected local:N with N from 1 to 4096, got \"" + text + "\"";
      return false;
    }
    return true;
  }
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) {
      *error = "expected [IPv6]:PORT, got \"" + text + "\"";
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      *error = "expected HOST:PORT, got \"" + text + "\"";
      return false;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int port_number = 0;
  const bool zero = port == "0";
  if (host.empty() || (!zero && !ParsePositiveInt(port, 65535, &port_number))) {
    *error = "expected HOST:PORT with a port from 0 to 65535, got \"" + text + "\"";
    return false;
  }
  address->host = host;
  address->port = port_number;
  return true;
}

bool ParseDistOptions(const std::vector<std::string>& args, DistOptions* options,
                      std::string* error) {
  *options = DistOptions{};
  // The environment first, so that the command line overrides it.
  for (const FlagDefinition& flag : Definitions()) {
    const char* value = std::getenv(EnvName(flag.name).c_str());
    if (value == nullptr) continue;
    if (!flag.apply(value, options, error)) {
      *error = EnvName(flag.name) + " (environment): --" + flag.name + ": " + *error;
      return false;
    }
  }
  // A mode set in the environment may be switched by the other mode's flag.
  bool mode_from_command_line = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (i == 0 || arg.rfind("--", 0) != 0) {
      options->passthrough_args.push_back(arg);
      continue;
    }
    const auto equals = arg.find('=');
    const std::string name =
        arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    if (!IsOurFlagName(name)) {
      options->passthrough_args.push_back(arg);
      continue;
    }
    const FlagDefinition* flag = Find(name);
    if (flag == nullptr) {
      *error = "unknown flag --" + name + "; the dist flags are:\n" + DistFlagsHelp();
      return false;
    }
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (flag->kind == FlagKind::kBool) {
      value = "1";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      *error = "--" + name + " needs a value (" + flag->value_name + ")";
      return false;
    }
    if (flag->kind == FlagKind::kBool && !mode_from_command_line &&
        (name == "dist-supervisor" || name == "dist-worker")) {
      options->mode = Mode::kPlain;
      mode_from_command_line = true;
    }
    if (!flag->apply(value, options, error)) {
      *error = "--" + name + ": " + *error;
      return false;
    }
  }
  if (options->jobs == 0) {
    options->jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (options->stdio && options->mode != Mode::kWorker) {
    *error = "--stdio is a worker's flag: give it with --dist-worker";
    return false;
  }
  if (options->mode == Mode::kSupervisor && options->workers.empty()) {
    *error =
        "--dist-supervisor needs --workers (HOST:PORT,... or local:N), "
        "or GTEST_DIST_WORKERS";
    return false;
  }
  return true;
}

bool CheckWorkersTrusted(const DistOptions& options, std::string* error) {
  if (options.mode != Mode::kSupervisor || !options.secret_file.empty() ||
      !options.tls_ca.empty() || options.insecure) {
    return true;
  }
  for (const WorkerAddress& worker : options.workers) {
    // ssh authenticates the host and encrypts the channel itself.
    if (worker.local || worker.ssh || IsLoopbackWorkerHost(worker.host)) continue;
    *error = "--workers: worker " + worker.ToString() +
             " is not on this machine, and without --dist-secret-file or --dist-tls-ca "
             "whatever answers on its port would be trusted with the results (a fake "
             "worker can report every test passed); give the workers' secret (gtest_dist "
             "secret FILE writes one) or TLS, or --dist-insecure (GTEST_DIST_INSECURE=1) "
             "to accept that";
    return false;
  }
  return true;
}

bool IsLoopbackWorkerHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4 = {};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6 = {};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::string DistFlagsHelp() {
  std::string help;
  for (const FlagDefinition& flag : Definitions()) {
    std::string usage = "  --" + flag.name;
    if (flag.kind == FlagKind::kValue) usage += "=" + flag.value_name;
    help += usage + "\n      " + flag.help + " [" + EnvName(flag.name) + "]\n";
  }
  return help;
}

}  // namespace gtest_dist
