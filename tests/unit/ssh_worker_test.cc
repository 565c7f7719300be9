// Workers over ssh, the pure parts: ssh:// addresses in --workers, the ssh
// flags, and the command line that starts a worker.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>
#include <vector>

#include "gtest_dist/dist_flags.h"
#include "gtest_dist/supervisor/ssh_command.h"
#include "tests/unit/flags_test_support.h"

namespace gtest_dist {
namespace {

#define EXPECT_CONTAINS(haystack, needle)                          \
  EXPECT_NE(std::string::npos, std::string(haystack).find(needle)) \
      << "expected \"" << (needle) << "\" in:\n"                   \
      << (haystack)

WorkerAddress ParseOk(const std::string& text) {
  WorkerAddress address;
  std::string error;
  EXPECT_TRUE(ParseWorkerAddress(text, &address, &error)) << text << ": " << error;
  return address;
}

std::string ParseError(const std::string& text) {
  WorkerAddress address;
  std::string error;
  EXPECT_FALSE(ParseWorkerAddress(text, &address, &error)) << text;
  return error;
}

TEST(SshWorkerAddressTest, HostAlone) {
  const WorkerAddress address = ParseOk("ssh://build-7.example.org");
  EXPECT_TRUE(address.ssh);
  EXPECT_FALSE(address.local);
  EXPECT_EQ("build-7.example.org", address.host);
  EXPECT_EQ(0, address.port);  // ssh's own default (or its config)
  EXPECT_EQ("", address.ssh_user);
  EXPECT_EQ("ssh://build-7.example.org", address.ToString());
}

TEST(SshWorkerAddressTest, UserHostAndPort) {
  const WorkerAddress address = ParseOk("ssh://ci_user.2@10.0.0.7:2222");
  EXPECT_TRUE(address.ssh);
  EXPECT_EQ("ci_user.2", address.ssh_user);
  EXPECT_EQ("10.0.0.7", address.host);
  EXPECT_EQ(2222, address.port);
  EXPECT_EQ("ssh://ci_user.2@10.0.0.7:2222", address.ToString());
}

TEST(SshWorkerAddressTest, Ipv6InBrackets) {
  WorkerAddress address = ParseOk("ssh://[::1]:22");
  EXPECT_EQ("::1", address.host);
  EXPECT_EQ(22, address.port);
  EXPECT_EQ("ssh://[::1]:22", address.ToString());
  address = ParseOk("ssh://bob@[fe80::1%eth0]");
  EXPECT_EQ("bob", address.ssh_user);
  EXPECT_EQ("fe80::1%eth0", address.host);
  EXPECT_EQ(0, address.port);
  EXPECT_EQ("ssh://bob@[fe80::1%eth0]", address.ToString());
}

TEST(SshWorkerAddressTest, BadAddressesSayWhatIsWrong) {
  EXPECT_CONTAINS(ParseError("ssh://"), "expected ssh://[USER@]HOST[:PORT]");
  EXPECT_CONTAINS(ParseError("ssh://@host"), "the user may hold");
  EXPECT_CONTAINS(ParseError("ssh://alice@"), "the host may hold");
  EXPECT_CONTAINS(ParseError("ssh://host:"), "the port must be a number from 1 to 65535");
  EXPECT_CONTAINS(ParseError("ssh://host:0"), "the port must be a number from 1 to 65535");
  EXPECT_CONTAINS(ParseError("ssh://host:70000"), "the port must be a number from 1 to 65535");
  EXPECT_CONTAINS(ParseError("ssh://host:22x"), "the port must be a number");
  EXPECT_CONTAINS(ParseError("ssh://::1"), "an IPv6 address goes in brackets");
  EXPECT_CONTAINS(ParseError("ssh://[::1"), "no ']'");
  EXPECT_CONTAINS(ParseError("ssh://[::1]22"), "only \":PORT\" may follow");
  EXPECT_CONTAINS(ParseError("ssh://[::1]:"), "the port must be a number");
  EXPECT_CONTAINS(ParseError("ssh://[host]"), "is not an IPv6 address");
  EXPECT_CONTAINS(ParseError("ssh://host/path"), "the host may hold");
  EXPECT_CONTAINS(ParseError("ssh://a b"), "the host may hold");
  // Nothing that ssh would read as an option.
  EXPECT_CONTAINS(ParseError("ssh://-oProxyCommand=x"), "(not first)");
  EXPECT_CONTAINS(ParseError("ssh://-l@host"), "the user may hold");
  EXPECT_CONTAINS(ParseError("ssh://a@b@host"), "the host may hold");
  // The whole entry is quoted.
  EXPECT_CONTAINS(ParseError("ssh://host:99999"), "got \"ssh://host:99999\"");
}

// Clears GTEST_DIST_* for the test, restoring them after.
class SshFlagsTest : public testing::Test {
 protected:
  void SetUp() override {
    for (const char* name :
         {"GTEST_DIST_WORKERS", "GTEST_DIST_SSH_COMMAND", "GTEST_DIST_SSH_REMOTE_COMMAND",
          "GTEST_DIST_STDIO", "GTEST_DIST_WORKER", "GTEST_DIST_SUPERVISOR"}) {
      if (const char* value = std::getenv(name)) saved_.emplace_back(name, value);
      unsetenv(name);
    }
  }
  void TearDown() override {
    unsetenv("GTEST_DIST_SSH_COMMAND");
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }
  DistOptions Parse(const std::vector<std::string>& args) { return ParsedFlags(args); }
  std::string Error(const std::vector<std::string>& args) { return FlagError(args); }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(SshFlagsTest, SshWorkersMixWithTheOthers) {
  const DistOptions options =
      Parse({"./t", "--dist-supervisor", "--workers", "ssh://a@h1:2222,local:2,h2:7420"});
  ASSERT_EQ(3u, options.workers.size());
  EXPECT_TRUE(options.workers[0].ssh);
  EXPECT_EQ("h1", options.workers[0].host);
  EXPECT_TRUE(options.workers[1].local);
  EXPECT_FALSE(options.workers[2].ssh);
  EXPECT_EQ(7420, options.workers[2].port);
  EXPECT_CONTAINS(Error({"./t", "--dist-supervisor", "--workers", "local:2,ssh://h:0"}),
                  "--workers: expected ssh://");
}

TEST_F(SshFlagsTest, SshWorkersNeedNoSecret) {
  // ssh authenticates and encrypts; a TCP worker elsewhere still needs one.
  DistOptions options = Parse({"./t", "--dist-supervisor", "--workers", "ssh://far.example"});
  std::string error;
  EXPECT_TRUE(CheckWorkersTrusted(options, &error)) << error;
  options = Parse({"./t", "--dist-supervisor", "--workers", "ssh://far.example,far.example:1"});
  EXPECT_FALSE(CheckWorkersTrusted(options, &error));
  EXPECT_CONTAINS(error, "far.example:1");
}

TEST_F(SshFlagsTest, SshWorkerIsNoListenAddress) {
  EXPECT_CONTAINS(Error({"./t", "--dist-worker", "--bind", "ssh://h:22"}), "--bind");
}

TEST_F(SshFlagsTest, SshCommandIsSplitLikeAShellWould) {
  EXPECT_EQ(std::vector<std::string>{"ssh"}, Parse({"./t"}).ssh_command);
  const DistOptions options =
      Parse({"./t", "--dist-ssh-command=ssh -i '/keys/my key' -o \"UserKnownHostsFile=/a b\""});
  EXPECT_EQ(
      (std::vector<std::string>{"ssh", "-i", "/keys/my key", "-o", "UserKnownHostsFile=/a b"}),
      options.ssh_command);
}

TEST_F(SshFlagsTest, SshCommandFromTheEnvironmentAndTheCommandLineWins) {
  setenv("GTEST_DIST_SSH_COMMAND", "ssh -F /etc/ci_ssh_config", 1);
  EXPECT_EQ((std::vector<std::string>{"ssh", "-F", "/etc/ci_ssh_config"}),
            Parse({"./t"}).ssh_command);
  EXPECT_EQ((std::vector<std::string>{"myssh"}),
            Parse({"./t", "--dist-ssh-command", "myssh"}).ssh_command);
}

TEST_F(SshFlagsTest, BadSshCommandNamesTheFlagAndTheValue) {
  std::string error = Error({"./t", "--dist-ssh-command=ssh -i 'key"});
  EXPECT_CONTAINS(error, "--dist-ssh-command");
  EXPECT_CONTAINS(error, "ssh -i 'key");
  EXPECT_CONTAINS(error, "unterminated ' quote");
  EXPECT_CONTAINS(Error({"./t", "--dist-ssh-command=  "}), "--dist-ssh-command");
  setenv("GTEST_DIST_SSH_COMMAND", "", 1);
  EXPECT_CONTAINS(Error({"./t"}), "GTEST_DIST_SSH_COMMAND (environment): --dist-ssh-command");
}

TEST_F(SshFlagsTest, RemoteCommand) {
  EXPECT_EQ("", Parse({"./t"}).ssh_remote_command);  // the default: DefaultSshRemoteCommand
  EXPECT_EQ("/opt/t --dist-worker --stdio --dist-jobs=3",
            Parse({"./t", "--dist-ssh-remote-command=/opt/t --dist-worker --stdio --dist-jobs=3"})
                .ssh_remote_command);
  EXPECT_CONTAINS(Error({"./t", "--dist-ssh-remote-command= "}), "--dist-ssh-remote-command");
}

TEST_F(SshFlagsTest, StdioIsAWorkersFlag) {
  const DistOptions options = Parse({"./t", "--dist-worker", "--stdio", "--gtest_brief=1"});
  EXPECT_TRUE(options.stdio);
  // Not passed on to the worker's children.
  EXPECT_EQ((std::vector<std::string>{"./t", "--gtest_brief=1"}), options.passthrough_args);
  EXPECT_CONTAINS(Error({"./t", "--stdio"}), "--stdio is a worker's flag");
  EXPECT_CONTAINS(Error({"./t", "--dist-worker", "--stdio=maybe"}), "--stdio: expected");
}

TEST_F(SshFlagsTest, HelpListsTheSshFlags) {
  const std::string help = DistFlagsHelp();
  for (const char* text :
       {"ssh://[USER@]HOST[:PORT]", "--stdio", "[GTEST_DIST_STDIO]", "--dist-ssh-command=COMMAND",
        "[GTEST_DIST_SSH_COMMAND]", "--dist-ssh-remote-command=COMMAND",
        "[GTEST_DIST_SSH_REMOTE_COMMAND]"}) {
    EXPECT_CONTAINS(help, text);
  }
}

TEST(SplitCommandWordsTest, QuotesAndEscapes) {
  std::vector<std::string> words;
  std::string error;
  ASSERT_TRUE(SplitCommandWords("  a  'b c'\td\"e \\\"f\\\\\"g h\\ i ''", &words, &error));
  EXPECT_EQ((std::vector<std::string>{"a", "b c", "de \"f\\g", "h i", ""}), words);
  EXPECT_FALSE(SplitCommandWords("a \"b", &words, &error));
  EXPECT_EQ("unterminated \" quote", error);
  EXPECT_FALSE(SplitCommandWords("a \\", &words, &error));
  ASSERT_TRUE(SplitCommandWords("", &words, &error));
  EXPECT_TRUE(words.empty());
}

TEST(SshCommandTest, ArgvAddsTheOptionsEveryWorkerNeeds) {
  WorkerAddress address;
  address.ssh = true;
  address.host = "h1";
  EXPECT_EQ((std::vector<std::string>{"ssh", "-T", "-e", "none", "-o", "BatchMode=yes", "h1",
                                      "/bin/t --dist-worker --stdio"}),
            SshArgv({"ssh"}, address, "/bin/t --dist-worker --stdio"));
  address.port = 2222;
  address.ssh_user = "ci";
  address.host = "::1";
  EXPECT_EQ((std::vector<std::string>{"ssh", "-i", "k", "-T", "-e", "none", "-o", "BatchMode=yes",
                                      "-p", "2222", "-l", "ci", "::1", "cmd"}),
            SshArgv({"ssh", "-i", "k"}, address, "cmd"));
}

TEST(SshCommandTest, RemoteCommandIsTheGenericWorkerAndPathsAreQuoted) {
  EXPECT_EQ("gtest_dist worker --stdio", DefaultSshRemoteCommand());
  EXPECT_EQ("'/my builds/it'\\''s'", ShellQuote("/my builds/it's"));
  EXPECT_EQ("''", ShellQuote(""));
  EXPECT_EQ("'$HOME;rm'", ShellQuote("$HOME;rm"));
}

}  // namespace
}  // namespace gtest_dist
