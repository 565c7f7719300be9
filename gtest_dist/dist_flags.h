// The dist flags: defined once, each with its default, its help text and its
// GTEST_DIST_* environment form. The command line wins over the environment.
#ifndef GTEST_DIST_DIST_FLAGS_H_
#define GTEST_DIST_DIST_FLAGS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/model/artifact.h"

namespace gtest_dist {

// The port a worker binds when --bind names none.
constexpr int kDefaultWorkerPort = 7420;

enum class Mode { kPlain, kSupervisor, kWorker };

// One entry of --workers.
struct WorkerAddress {
  bool local = false;  // "local:N"
  int local_slots = 0;
  // "ssh://[user@]host[:port]": a worker started through ssh, speaking over
  // ssh's stdin and stdout. `port` 0 leaves the port to ssh (its config).
  bool ssh = false;
  std::string ssh_user;  // empty: ssh's default
  std::string host;
  int port = 0;
  std::string ToString() const;
};

// --dist-console: how the supervisor's console shows the run. kAuto picks
// kLines on a terminal and kBlocks elsewhere (logs, compat drivers).
enum class ConsoleStyle { kAuto, kBlocks, kLines, kFailures };

// --dist-triage: which failed tests are replayed after the run.
enum class TriageMode {
  kOff,   // none
  kAuto,  // those that failed and then passed on a retry (FLAKY)
  kAll,   // every failed test
};

struct DistOptions {
  Mode mode = Mode::kPlain;
  std::vector<WorkerAddress> workers;   // --workers
  std::string bind_host = "127.0.0.1";  // --bind
  int bind_port = kDefaultWorkerPort;
  int jobs = 0;                     // --dist-jobs; 0 = number of cores
  double connect_timeout_s = 10;    // --dist-connect-timeout
  double heartbeat_timeout_s = 10;  // --dist-heartbeat-timeout
  // --dist-test-timeout; 0 = none. ctest's default: a hung test must not
  // hold a distributed run forever, and a real test rarely runs 25 minutes.
  double test_timeout_s = 1500;
  bool ordered_console = false;    // --dist-ordered-console
  int min_chunk = 1;               // --dist-min-chunk
  int retries = 0;                 // --dist-retries
  bool flaky_fails = false;        // --dist-flaky-fails
  int loop = 0;                    // --dist-loop; 0 = once, -1 = forever
  bool repeat_until_fail = false;  // --dist-repeat-until-fail
  // --dist-fallback: when every worker in use is lost, run the rest on local
  // slots (true) or mark it NOT RUN (false). Local by default: a complete
  // answer late beats an incomplete one on time.
  bool fallback_local = true;
  std::string secret_file;  // --dist-secret-file
  std::string tls_cert;     // --dist-tls-cert
  std::string tls_key;      // --dist-tls-key
  std::string tls_ca;       // --dist-tls-ca
  // --dist-history: empty = the per-user default store, "off" = none.
  std::string history;
  std::string label;  // --dist-label
  // Shipping the build to generic workers (gtest_dist worker).
  std::vector<std::string> dist_files;  // --dist-files
  std::string ship_libs = "auto";       // --dist-ship-libs: auto, all or none
  // Triage (issue 16).
  bool quarantine = true;  // --dist-quarantine: apply the store's quarantine list
  // Order triage (issue 16, item 2): --dist-triage, --dist-triage-budget.
  TriageMode triage = TriageMode::kAuto;
  int triage_budget_s = 120;
  // --dist-dashboard: serve this run's live dashboard there; empty host: none.
  std::string dashboard_host;
  int dashboard_port = 0;
  std::string dashboard_token_file;  // --dist-dashboard-token-file
  // --dist-dashboard-allowed-host: Host names the dashboard answers besides
  // its address and localhost.
  std::vector<std::string> dashboard_allowed_hosts;
  // --dist-insecure: connect to non-loopback workers without a secret or TLS.
  bool insecure = false;
  ConsoleStyle console = ConsoleStyle::kAuto;  // --dist-console
  // Workers over ssh.
  bool stdio = false;  // --stdio: a worker serving one supervisor on stdin/stdout
  // --dist-ssh-command, split into words: what starts an ssh:// worker,
  // before the options and the host that gtest_dist adds.
  std::vector<std::string> ssh_command = {"ssh"};
  // --dist-ssh-remote-command: what ssh runs on the worker's host; empty:
  // the generic worker on stdin/stdout (DefaultSshRemoteCommand).
  std::string ssh_remote_command;
  // Isolation (issue 14).
  bool keep_tmp = false;  // --dist-keep-tmp
  std::string exclusive;  // --dist-exclusive: a gtest filter; empty = none
  // --dist-lock, NAME and PATTERN, from the environment then the command line.
  std::vector<std::pair<std::string, std::string>> locks;
  // --dist-env, NAME and VALUE (a NAME alone takes this process's value).
  std::vector<std::pair<std::string, std::string>> child_env;
  // Test outputs (issue 14): --dist-artifacts (empty: off) and
  // --dist-artifacts-max (bytes per test).
  std::string artifacts_dir;
  std::uint64_t artifacts_max = kDefaultArtifactBytesPerTest;
  // Speed at scale (issue 15).
  bool warm_children = true;  // --dist-warm-children
  // The command line without any dist flag: what a worker's children get.
  std::vector<std::string> passthrough_args;
};

// Parses `args` (argv as given to InitGoogleTest, argv[0] first) and the
// GTEST_DIST_* environment. On bad input returns false and sets `error` to a
// message naming the flag, the value received and what is accepted.
bool ParseDistOptions(const std::vector<std::string>& args, DistOptions* options,
                      std::string* error);

// Parses "host:port", "[v6]:port", "local:N" or "ssh://[user@]host[:port]"
// (host a name or an IPv4 address, or an IPv6 address in brackets).
bool ParseWorkerAddress(const std::string& text, WorkerAddress* address, std::string* error);

// Splits a command line into words as a POSIX shell would, without expanding
// anything: blanks separate words, 'single' and "double" quotes and a
// backslash quote. False (with the reason) for an unterminated quote.
bool SplitCommandWords(const std::string& text, std::vector<std::string>* words,
                       std::string* error);

// A supervisor believes whatever answers on a worker's port unless a secret
// or TLS with a CA proves the worker: on this machine that is any local user,
// on another anyone on the path. Returns false (naming the worker) for a
// supervisor with a non-loopback worker and neither, unless --dist-insecure.
bool CheckWorkersTrusted(const DistOptions& options, std::string* error);

// True for "localhost" and loopback IP literals (127.0.0.0/8, ::1,
// ::ffff:127.x.x.x). Names are not resolved.
bool IsLoopbackWorkerHost(const std::string& host);

// Help text for the dist flags, in gtest's --help layout.
std::string DistFlagsHelp();

}  // namespace gtest_dist

#endif  // GTEST_DIST_DIST_FLAGS_H_
