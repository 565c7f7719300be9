#include "gtest_dist/dist_flags.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/flags_test_support.h"
#include "tests/unit/scoped_env.h"

extern char** environ;

namespace gtest_dist {
namespace {

// Every test starts from an environment without GTEST_DIST_* variables (the
// machine running these tests may have some), restored afterwards.
class DistFlagsTest : public testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> names;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      const std::string variable = *entry;
      if (variable.rfind("GTEST_DIST_", 0) == 0) {
        names.push_back(variable.substr(0, variable.find('=')));
      }
    }
    for (const std::string& name : names) cleared_.emplace_back(new ScopedEnv(name, std::nullopt));
  }
  void TearDown() override {
    // Restore in reverse order of clearing.
    while (!cleared_.empty()) cleared_.pop_back();
  }

  // Parses; expects success.
  DistOptions Parse(const std::vector<std::string>& args) { return ParsedFlags(args); }
  // Parses; expects failure and returns the message.
  std::string Error(const std::vector<std::string>& args) { return FlagError(args); }

 private:
  std::vector<std::unique_ptr<ScopedEnv>> cleared_;
};

#define EXPECT_CONTAINS(haystack, needle)                          \
  EXPECT_NE(std::string::npos, std::string(haystack).find(needle)) \
      << "expected \"" << (needle) << "\" in:\n"                   \
      << (haystack)

TEST_F(DistFlagsTest, NoFlagsIsPlainModeWithDefaults) {
  const DistOptions options = Parse({"./t"});
  EXPECT_EQ(Mode::kPlain, options.mode);
  EXPECT_TRUE(options.workers.empty());
  EXPECT_EQ("127.0.0.1", options.bind_host);
  EXPECT_EQ(kDefaultWorkerPort, options.bind_port);
  EXPECT_EQ(7420, kDefaultWorkerPort);
  EXPECT_GE(options.jobs, 1);  // 0 means "number of cores", resolved here
  EXPECT_FALSE(options.ordered_console);
  EXPECT_EQ(std::vector<std::string>({"./t"}), options.passthrough_args);
}

TEST_F(DistFlagsTest, EqualsAndSeparateValueFormsAreTheSame) {
  const DistOptions joined =
      Parse({"./t", "--dist-supervisor", "--workers=a:1,b:2", "--dist-jobs=3", "--bind=h:9"});
  const DistOptions separate = Parse(
      {"./t", "--dist-supervisor", "--workers", "a:1,b:2", "--dist-jobs", "3", "--bind", "h:9"});
  for (const DistOptions* options : {&joined, &separate}) {
    EXPECT_EQ(Mode::kSupervisor, options->mode);
    ASSERT_EQ(2u, options->workers.size());
    EXPECT_EQ("a", options->workers[0].host);
    EXPECT_EQ(1, options->workers[0].port);
    EXPECT_EQ("b", options->workers[1].host);
    EXPECT_EQ(2, options->workers[1].port);
    EXPECT_EQ(3, options->jobs);
    EXPECT_EQ("h", options->bind_host);
    EXPECT_EQ(9, options->bind_port);
    EXPECT_EQ(std::vector<std::string>({"./t"}), options->passthrough_args);
  }
}

TEST_F(DistFlagsTest, ValueFlagAtTheEndNeedsAValue) {
  const std::string error = Error({"./t", "--dist-jobs"});
  EXPECT_CONTAINS(error, "--dist-jobs");
  EXPECT_CONTAINS(error, "needs a value");
}

TEST_F(DistFlagsTest, BooleanFlags) {
  EXPECT_EQ(Mode::kWorker, Parse({"./t", "--dist-worker"}).mode);
  EXPECT_EQ(Mode::kWorker, Parse({"./t", "--dist-worker=1"}).mode);
  EXPECT_EQ(Mode::kWorker, Parse({"./t", "--dist-worker=true"}).mode);
  EXPECT_EQ(Mode::kPlain, Parse({"./t", "--dist-worker=0"}).mode);
  EXPECT_EQ(Mode::kPlain, Parse({"./t", "--dist-worker=false"}).mode);
  EXPECT_TRUE(Parse({"./t", "--dist-ordered-console"}).ordered_console);
  EXPECT_TRUE(Parse({"./t", "--dist-ordered-console=1"}).ordered_console);
  EXPECT_FALSE(Parse({"./t", "--dist-ordered-console=0"}).ordered_console);
  // A boolean flag never takes the next argument as its value.
  const DistOptions options = Parse({"./t", "--dist-worker", "0"});
  EXPECT_EQ(Mode::kWorker, options.mode);
  EXPECT_EQ(std::vector<std::string>({"./t", "0"}), options.passthrough_args);
}

TEST_F(DistFlagsTest, BadBooleanValueNamesTheFlagAndValue) {
  const std::string error = Error({"./t", "--dist-worker=maybe"});
  EXPECT_CONTAINS(error, "--dist-worker");
  EXPECT_CONTAINS(error, "\"maybe\"");
  const std::string console = Error({"./t", "--dist-ordered-console=2"});
  EXPECT_CONTAINS(console, "--dist-ordered-console");
  EXPECT_CONTAINS(console, "\"2\"");
}

TEST_F(DistFlagsTest, BothModesOnTheCommandLineIsAnError) {
  const std::string error =
      Error({"./t", "--dist-supervisor", "--workers=local:1", "--dist-worker"});
  EXPECT_CONTAINS(error, "--dist-supervisor");
  EXPECT_CONTAINS(error, "--dist-worker");
}

TEST_F(DistFlagsTest, TlsFilesFromFlagsOrEnvironment) {
  const DistOptions options = Parse({"./t", "--dist-worker", "--dist-tls-cert=c.pem",
                                     "--dist-tls-key", "k.pem", "--dist-tls-ca=ca.pem"});
  EXPECT_EQ("c.pem", options.tls_cert);
  EXPECT_EQ("k.pem", options.tls_key);
  EXPECT_EQ("ca.pem", options.tls_ca);
  ScopedEnv ca("GTEST_DIST_TLS_CA", std::string("env-ca.pem"));
  EXPECT_EQ("env-ca.pem", Parse({"./t", "--dist-worker"}).tls_ca);
  EXPECT_EQ("flag-ca.pem", Parse({"./t", "--dist-worker", "--dist-tls-ca=flag-ca.pem"}).tls_ca);
  EXPECT_CONTAINS(Error({"./t", "--dist-worker", "--dist-tls-key="}), "--dist-tls-key");
}

TEST_F(DistFlagsTest, SupervisorWithoutWorkersIsAnError) {
  const std::string error = Error({"./t", "--dist-supervisor"});
  EXPECT_CONTAINS(error, "--dist-supervisor");
  EXPECT_CONTAINS(error, "--workers");
  EXPECT_CONTAINS(error, "GTEST_DIST_WORKERS");
}

TEST_F(DistFlagsTest, WorkersWithoutSupervisorIsAcceptedInPlainMode) {
  const DistOptions options = Parse({"./t", "--workers=local:2"});
  EXPECT_EQ(Mode::kPlain, options.mode);
  ASSERT_EQ(1u, options.workers.size());
}

TEST_F(DistFlagsTest, LocalSlotsMixWithRemoteWorkersInOrder) {
  const DistOptions options =
      Parse({"./t", "--dist-supervisor", "--workers=a:7420,local:2,[::1]:80"});
  ASSERT_EQ(3u, options.workers.size());
  EXPECT_FALSE(options.workers[0].local);
  EXPECT_EQ("a", options.workers[0].host);
  EXPECT_EQ(7420, options.workers[0].port);
  EXPECT_TRUE(options.workers[1].local);
  EXPECT_EQ(2, options.workers[1].local_slots);
  EXPECT_FALSE(options.workers[2].local);
  EXPECT_EQ("::1", options.workers[2].host);
  EXPECT_EQ(80, options.workers[2].port);
}

TEST_F(DistFlagsTest, EmptyEntriesInWorkersAreSkipped) {
  const DistOptions options = Parse({"./t", "--dist-supervisor", "--workers=,a:1,,local:1,"});
  ASSERT_EQ(2u, options.workers.size());
  EXPECT_EQ("a", options.workers[0].host);
  EXPECT_TRUE(options.workers[1].local);
}

TEST_F(DistFlagsTest, BadWorkerEntryNamesTheFlagAndTheEntry) {
  const std::string missing_port = Error({"./t", "--dist-supervisor", "--workers=a:7420,b"});
  EXPECT_CONTAINS(missing_port, "--workers");
  EXPECT_CONTAINS(missing_port, "\"b\"");

  const std::string bad_port = Error({"./t", "--workers=a:99999"});
  EXPECT_CONTAINS(bad_port, "--workers");
  EXPECT_CONTAINS(bad_port, "\"a:99999\"");
  EXPECT_CONTAINS(bad_port, "65535");

  const std::string bad_local = Error({"./t", "--workers=local:0,a:1"});
  EXPECT_CONTAINS(bad_local, "--workers");
  EXPECT_CONTAINS(bad_local, "\"local:0\"");

  const std::string only_commas = Error({"./t", "--workers=,,"});
  EXPECT_CONTAINS(only_commas, "--workers");
  EXPECT_CONTAINS(only_commas, "\",,\"");

  const std::string empty = Error({"./t", "--workers="});
  EXPECT_CONTAINS(empty, "--workers");
}

TEST_F(DistFlagsTest, LastWorkersFlagWins) {
  const DistOptions options = Parse({"./t", "--workers=a:1,b:2", "--workers=c:3"});
  ASSERT_EQ(1u, options.workers.size());
  EXPECT_EQ("c", options.workers[0].host);
}

TEST_F(DistFlagsTest, BindWithoutPortUsesTheDefaultPort) {
  DistOptions options = Parse({"./t", "--dist-worker", "--bind=0.0.0.0"});
  EXPECT_EQ("0.0.0.0", options.bind_host);
  EXPECT_EQ(7420, options.bind_port);
  options = Parse({"./t", "--dist-worker", "--bind", "[::1]"});
  EXPECT_EQ("::1", options.bind_host);
  EXPECT_EQ(7420, options.bind_port);
  options = Parse({"./t", "--bind=worker.example.org"});
  EXPECT_EQ("worker.example.org", options.bind_host);
  EXPECT_EQ(7420, options.bind_port);
}

TEST_F(DistFlagsTest, BindWithPort) {
  DistOptions options = Parse({"./t", "--dist-worker", "--bind=[::1]:80"});
  EXPECT_EQ("::1", options.bind_host);
  EXPECT_EQ(80, options.bind_port);
  options = Parse({"./t", "--bind=127.0.0.1:0"});  // a free port
  EXPECT_EQ("127.0.0.1", options.bind_host);
  EXPECT_EQ(0, options.bind_port);
  options = Parse({"./t", "--bind=h:65535"});
  EXPECT_EQ(65535, options.bind_port);
}

TEST_F(DistFlagsTest, BadBindNamesTheFlagAndValue) {
  for (const std::string value : {"h:65536", "h:", ":80", "local:2", "::1", "[::1]x", "h:x", ""}) {
    const std::string error = Error({"./t", "--bind=" + value});
    EXPECT_CONTAINS(error, "--bind");
    EXPECT_CONTAINS(error, "\"" + value + "\"");
  }
}

TEST_F(DistFlagsTest, JobsAcceptsOneTo4096) {
  EXPECT_EQ(1, Parse({"./t", "--dist-jobs=1"}).jobs);
  EXPECT_EQ(4096, Parse({"./t", "--dist-jobs=4096"}).jobs);
  for (const std::string value : {"0", "4097", "-1", "+2", "2.5", "x", "", "99999999999"}) {
    const std::string error = Error({"./t", "--dist-jobs=" + value});
    EXPECT_CONTAINS(error, "--dist-jobs");
    EXPECT_CONTAINS(error, "\"" + value + "\"");
    EXPECT_CONTAINS(error, "4096");
  }
}

TEST_F(DistFlagsTest, RetriesAndLoopAreCheckedAndRead) {
  const DistOptions options = Parse({"./t", "--dist-retries=3", "--dist-flaky-fails",
                                     "--dist-loop=20", "--dist-repeat-until-fail"});
  EXPECT_EQ(3, options.retries);
  EXPECT_TRUE(options.flaky_fails);
  EXPECT_EQ(20, options.loop);
  EXPECT_TRUE(options.repeat_until_fail);
  EXPECT_EQ(0, Parse({"./t", "--dist-retries=0"}).retries);
  EXPECT_EQ(-1, Parse({"./t", "--dist-loop=forever"}).loop);
  EXPECT_EQ(0, Parse({"./t"}).loop);
  for (const std::string value : {"-1", "101", "x", ""}) {
    const std::string error = Error({"./t", "--dist-retries=" + value});
    EXPECT_CONTAINS(error, "--dist-retries");
    EXPECT_CONTAINS(error, "\"" + value + "\"");
  }
  for (const std::string value : {"0", "-1", "always"}) {
    EXPECT_CONTAINS(Error({"./t", "--dist-loop=" + value}), "\"" + value + "\"");
  }
  EXPECT_CONTAINS(Error({"./t", "--dist-flaky-fails=maybe"}), "--dist-flaky-fails");
  EXPECT_EQ(50, Parse({"./t", "--dist-min-chunk=50"}).min_chunk);
  EXPECT_EQ(1, Parse({"./t"}).min_chunk);
  EXPECT_CONTAINS(Error({"./t", "--dist-min-chunk=0"}), "--dist-min-chunk");
}

TEST_F(DistFlagsTest, TimeoutsAreCheckedAndRead) {
  DistOptions options = Parse({"./t", "--dist-connect-timeout=2.5", "--dist-heartbeat-timeout=3"});
  EXPECT_DOUBLE_EQ(2.5, options.connect_timeout_s);
  EXPECT_DOUBLE_EQ(3.0, options.heartbeat_timeout_s);
  EXPECT_CONTAINS(Error({"./t", "--dist-connect-timeout=0"}), "--dist-connect-timeout");
  EXPECT_CONTAINS(Error({"./t", "--dist-connect-timeout=abc"}), "\"abc\"");
  EXPECT_CONTAINS(Error({"./t", "--dist-heartbeat-timeout=1"}), "--dist-heartbeat-timeout");
  EXPECT_CONTAINS(Error({"./t", "--dist-heartbeat-timeout=nan"}), "\"nan\"");
}

TEST_F(DistFlagsTest, UnknownDistFlagIsAnErrorNamingItAndListingOurs) {
  const std::string error = Error({"./t", "--dist-foo=3"});
  EXPECT_CONTAINS(error, "unknown flag --dist-foo");
  EXPECT_CONTAINS(error, "--dist-jobs");  // the list of what exists
  EXPECT_CONTAINS(Error({"./t", "--dist-foo"}), "--dist-foo");
  EXPECT_CONTAINS(Error({"./t", "--dist-"}), "unknown flag --dist-");
}

TEST_F(DistFlagsTest, PassthroughKeepsEverythingElseInOrder) {
  const DistOptions options =
      Parse({"./my_test", "--gtest_filter=A.*", "--dist-supervisor", "positional", "--workers",
             "local:2", "-v", "--gtest_repeat=2", "--", "--other=x", "--dist-jobs=2",
             "--gtest_output", "xml:out.xml"});
  EXPECT_EQ(std::vector<std::string>({"./my_test", "--gtest_filter=A.*", "positional", "-v",
                                      "--gtest_repeat=2", "--", "--other=x", "--gtest_output",
                                      "xml:out.xml"}),
            options.passthrough_args);
}

TEST_F(DistFlagsTest, ArgvZeroIsAlwaysPassedThroughEvenIfItLooksLikeAFlag) {
  const DistOptions options = Parse({"--dist-worker", "--dist-worker"});
  EXPECT_EQ(std::vector<std::string>({"--dist-worker"}), options.passthrough_args);
  EXPECT_EQ(Mode::kWorker, options.mode);
}

TEST_F(DistFlagsTest, FlagsLikeOursButNotOursPassThrough) {
  // Single dash, underscore spelling, other prefixes: gtest's business.
  const DistOptions options =
      Parse({"./t", "-dist-worker", "--dist_worker", "--workersx=1", "--binding=2"});
  EXPECT_EQ(Mode::kPlain, options.mode);
  EXPECT_EQ(std::vector<std::string>(
                {"./t", "-dist-worker", "--dist_worker", "--workersx=1", "--binding=2"}),
            options.passthrough_args);
}

// ---------------------------------------------------------------------------
// Environment fallbacks

TEST_F(DistFlagsTest, EnvironmentSetsModeAndWorkers) {
  const ScopedEnv supervisor("GTEST_DIST_SUPERVISOR", "1");
  const ScopedEnv workers("GTEST_DIST_WORKERS", "a:1,local:3");
  const DistOptions options = Parse({"./t"});
  EXPECT_EQ(Mode::kSupervisor, options.mode);
  ASSERT_EQ(2u, options.workers.size());
  EXPECT_EQ("a", options.workers[0].host);
  EXPECT_TRUE(options.workers[1].local);
  EXPECT_EQ(3, options.workers[1].local_slots);
}

TEST_F(DistFlagsTest, EnvironmentSetsBindAndJobs) {
  const ScopedEnv worker("GTEST_DIST_WORKER", "true");
  const ScopedEnv bind("GTEST_DIST_BIND", "0.0.0.0");
  const ScopedEnv jobs("GTEST_DIST_JOBS", "5");
  const DistOptions options = Parse({"./t"});
  EXPECT_EQ(Mode::kWorker, options.mode);
  EXPECT_EQ("0.0.0.0", options.bind_host);
  EXPECT_EQ(7420, options.bind_port);
  EXPECT_EQ(5, options.jobs);
}

TEST_F(DistFlagsTest, CommandLineWinsOverTheEnvironment) {
  const ScopedEnv supervisor("GTEST_DIST_SUPERVISOR", "1");
  const ScopedEnv workers("GTEST_DIST_WORKERS", "a:1");
  const ScopedEnv bind("GTEST_DIST_BIND", "0.0.0.0:1");
  const ScopedEnv jobs("GTEST_DIST_JOBS", "5");
  const DistOptions options = Parse({"./t", "--workers=b:2", "--bind=h:3", "--dist-jobs", "7"});
  EXPECT_EQ(Mode::kSupervisor, options.mode);
  ASSERT_EQ(1u, options.workers.size());
  EXPECT_EQ("b", options.workers[0].host);
  EXPECT_EQ("h", options.bind_host);
  EXPECT_EQ(3, options.bind_port);
  EXPECT_EQ(7, options.jobs);
}

TEST_F(DistFlagsTest, ModeFromTheEnvironmentIsReplacedByTheOtherModesFlag) {
  {
    const ScopedEnv supervisor("GTEST_DIST_SUPERVISOR", "1");
    const ScopedEnv workers("GTEST_DIST_WORKERS", "a:1");
    EXPECT_EQ(Mode::kWorker, Parse({"./t", "--dist-worker"}).mode);
    EXPECT_EQ(Mode::kPlain, Parse({"./t", "--dist-supervisor=0"}).mode);
  }
  {
    const ScopedEnv worker("GTEST_DIST_WORKER", "1");
    EXPECT_EQ(Mode::kSupervisor, Parse({"./t", "--dist-supervisor", "--workers=local:1"}).mode);
  }
}

TEST_F(DistFlagsTest, SupervisorFromTheEnvironmentNeedsWorkersToo) {
  const ScopedEnv supervisor("GTEST_DIST_SUPERVISOR", "1");
  EXPECT_CONTAINS(Error({"./t"}), "--workers");
  EXPECT_EQ(Mode::kSupervisor, Parse({"./t", "--workers=local:2"}).mode);
}

TEST_F(DistFlagsTest, BadEnvironmentValueNamesTheVariableAndValue) {
  {
    const ScopedEnv jobs("GTEST_DIST_JOBS", "0");
    const std::string error = Error({"./t"});
    EXPECT_CONTAINS(error, "GTEST_DIST_JOBS");
    EXPECT_CONTAINS(error, "\"0\"");
  }
  {
    const ScopedEnv workers("GTEST_DIST_WORKERS", "a:1,nope");
    const std::string error = Error({"./t"});
    EXPECT_CONTAINS(error, "GTEST_DIST_WORKERS");
    EXPECT_CONTAINS(error, "\"nope\"");
  }
  {
    const ScopedEnv bind("GTEST_DIST_BIND", "h:x");
    const std::string error = Error({"./t"});
    EXPECT_CONTAINS(error, "GTEST_DIST_BIND");
    EXPECT_CONTAINS(error, "\"h:x\"");
  }
  {
    const ScopedEnv supervisor("GTEST_DIST_SUPERVISOR", "sometimes");
    const std::string error = Error({"./t"});
    EXPECT_CONTAINS(error, "GTEST_DIST_SUPERVISOR");
    EXPECT_CONTAINS(error, "\"sometimes\"");
  }
}

TEST_F(DistFlagsTest, BothModesInTheEnvironmentIsAnError) {
  const ScopedEnv supervisor("GTEST_DIST_SUPERVISOR", "1");
  const ScopedEnv worker("GTEST_DIST_WORKER", "1");
  const ScopedEnv workers("GTEST_DIST_WORKERS", "local:1");
  const std::string error = Error({"./t"});
  EXPECT_CONTAINS(error, "GTEST_DIST_WORKER");
  EXPECT_CONTAINS(error, "cannot be given together with --dist-supervisor");
}

TEST_F(DistFlagsTest, EmptyEnvironmentBooleanIsOff) {
  const ScopedEnv worker("GTEST_DIST_WORKER", "");
  EXPECT_EQ(Mode::kPlain, Parse({"./t"}).mode);
}

TEST_F(DistFlagsTest, HelpListsEveryFlagWithItsEnvironmentName) {
  const std::string help = DistFlagsHelp();
  for (const char* text :
       {"--dist-supervisor", "[GTEST_DIST_SUPERVISOR]", "--dist-worker", "[GTEST_DIST_WORKER]",
        "--workers=", "[GTEST_DIST_WORKERS]", "--bind=HOST:PORT", "[GTEST_DIST_BIND]",
        "--dist-jobs=N", "[GTEST_DIST_JOBS]", "[GTEST_DIST_ORDERED_CONSOLE]"}) {
    EXPECT_CONTAINS(help, text);
  }
  // No flag of ours may start with --gtest (gtest would take it for a request
  // for help).
  EXPECT_EQ(std::string::npos, help.find("--gtest"));
}

// ---------------------------------------------------------------------------
// ParseWorkerAddress / ToString

TEST(ParseWorkerAddressTest, HostAndPort) {
  WorkerAddress address;
  std::string error;
  ASSERT_TRUE(ParseWorkerAddress("build-7.example.org:7420", &address, &error)) << error;
  EXPECT_FALSE(address.local);
  EXPECT_EQ("build-7.example.org", address.host);
  EXPECT_EQ(7420, address.port);
  ASSERT_TRUE(ParseWorkerAddress("10.0.0.1:0", &address, &error)) << error;
  EXPECT_EQ("10.0.0.1", address.host);
  EXPECT_EQ(0, address.port);
}

TEST(ParseWorkerAddressTest, BracketedIpv6) {
  WorkerAddress address;
  std::string error;
  ASSERT_TRUE(ParseWorkerAddress("[::1]:80", &address, &error)) << error;
  EXPECT_EQ("::1", address.host);
  EXPECT_EQ(80, address.port);
  ASSERT_TRUE(ParseWorkerAddress("[fe80::1:2]:65535", &address, &error)) << error;
  EXPECT_EQ("fe80::1:2", address.host);
  EXPECT_EQ(65535, address.port);
}

TEST(ParseWorkerAddressTest, LocalSlots) {
  WorkerAddress address;
  std::string error;
  ASSERT_TRUE(ParseWorkerAddress("local:8", &address, &error)) << error;
  EXPECT_TRUE(address.local);
  EXPECT_EQ(8, address.local_slots);
  EXPECT_EQ("", address.host);
}

TEST(ParseWorkerAddressTest, BadAddressesAreRejectedWithTheText) {
  for (const std::string text :
       {"", "host", ":80", "host:", "host:65536", "host:-1", "host:+80", "host:x", "::1:80",
        "[::1]", "[::1]80", "[]:80", "local:", "local:0", "local:4097", "local:x", "a:1:2"}) {
    WorkerAddress address;
    std::string error;
    EXPECT_FALSE(ParseWorkerAddress(text, &address, &error)) << text;
    EXPECT_CONTAINS(error, "\"" + text + "\"");
  }
}

TEST(ParseWorkerAddressTest, ToStringRoundTrips) {
  for (const std::string text : {"a:1", "[::1]:80", "local:3", "10.1.2.3:7420"}) {
    WorkerAddress address;
    std::string error;
    ASSERT_TRUE(ParseWorkerAddress(text, &address, &error)) << error;
    EXPECT_EQ(text, address.ToString());
  }
}

// ---------------------------------------------------------------------------
// CheckWorkersTrusted (issue 11 item 11)

TEST_F(DistFlagsTest, ANonLoopbackWorkerNeedsASecretOrTlsOrInsecure) {
  std::string error;
  const DistOptions remote =
      Parse({"./t", "--dist-supervisor", "--workers=local:2,127.0.0.1:7420,10.0.0.5:7420"});
  EXPECT_FALSE(CheckWorkersTrusted(remote, &error));
  EXPECT_CONTAINS(error, "10.0.0.5:7420");
  EXPECT_CONTAINS(error, "--dist-secret-file");
  EXPECT_CONTAINS(error, "--dist-insecure");

  const std::string worker = "--workers=build-7.example.org:7420";
  for (const char* enough : {"--dist-secret-file=s", "--dist-tls-ca=ca.pem", "--dist-insecure"}) {
    SCOPED_TRACE(enough);
    EXPECT_TRUE(CheckWorkersTrusted(Parse({"./t", "--dist-supervisor", worker, enough}), &error))
        << error;
  }
  {
    const ScopedEnv insecure("GTEST_DIST_INSECURE", "1");
    EXPECT_TRUE(CheckWorkersTrusted(Parse({"./t", "--dist-supervisor", worker}), &error));
  }
  // A certificate alone verifies no worker.
  EXPECT_FALSE(CheckWorkersTrusted(
      Parse({"./t", "--dist-supervisor", worker, "--dist-tls-cert=c", "--dist-tls-key=k"}),
      &error));
  // Loopback workers are trusted as any local user (the README says so).
  EXPECT_TRUE(CheckWorkersTrusted(
      Parse({"./t", "--dist-supervisor", "--workers=localhost:1,127.3.2.1:2,[::1]:3,local:1"}),
      &error))
      << error;
  // A worker is no supervisor: it does not connect to anyone.
  EXPECT_TRUE(CheckWorkersTrusted(Parse({"./t", "--dist-worker", "--bind=0.0.0.0:0"}), &error));
}

TEST_F(DistFlagsTest, ConsoleStyleFromFlagAndEnvironment) {
  EXPECT_EQ(ConsoleStyle::kAuto, Parse({"./t"}).console);
  EXPECT_EQ(ConsoleStyle::kBlocks, Parse({"./t", "--dist-console=blocks"}).console);
  EXPECT_EQ(ConsoleStyle::kLines, Parse({"./t", "--dist-console", "lines"}).console);
  EXPECT_EQ(ConsoleStyle::kFailures, Parse({"./t", "--dist-console=failures"}).console);
  {
    const ScopedEnv env("GTEST_DIST_CONSOLE", "lines");
    EXPECT_EQ(ConsoleStyle::kLines, Parse({"./t"}).console);
    // The command line wins.
    EXPECT_EQ(ConsoleStyle::kBlocks, Parse({"./t", "--dist-console=blocks"}).console);
  }
  const std::string error = Error({"./t", "--dist-console=fancy"});
  EXPECT_CONTAINS(error, "--dist-console");
  EXPECT_CONTAINS(error, "\"fancy\"");
  EXPECT_CONTAINS(error, "blocks, lines or failures");
  const ScopedEnv bad("GTEST_DIST_CONSOLE", "Lines");
  const std::string env_error = Error({"./t"});
  EXPECT_CONTAINS(env_error, "GTEST_DIST_CONSOLE");
  EXPECT_CONTAINS(env_error, "\"Lines\"");
}

TEST(IsLoopbackWorkerHostTest, LiteralsOnlyNamesAreNotResolved) {
  for (const char* host : {"localhost", "127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackWorkerHost(host)) << host;
  }
  for (const char* host : {"10.0.0.5", "128.0.0.1", "::2", "0.0.0.0", "::", "localhost.evil",
                           "127.0.0.1.nip.io", "ci-host", ""}) {
    EXPECT_FALSE(IsLoopbackWorkerHost(host)) << host;
  }
}

}  // namespace
}  // namespace gtest_dist
