// The child's private temporary directory, and the checks on what --dist-env
// may set (flag and wire).
#include "gtest_dist/run/child_sandbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest_dist/dist_flags.h"
#include "gtest_dist/protocol/protocol.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace {

bool Exists(const std::string& path) {
  struct stat info {};
  return lstat(path.c_str(), &info) == 0;
}

void WriteFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr) << path;
  std::fputs("data", file);
  std::fclose(file);
}

class ChildSandboxTest : public testing::Test {
 protected:
  ScratchDir scratch_{"sandbox"};
  std::string root_ = scratch_.path().string();
};

TEST_F(ChildSandboxTest, NewEmptyPrivateDirectoryNamedInTheEnvironment) {
  std::string error;
  auto sandbox = ChildSandbox::Create(root_ + "/", &error);
  ASSERT_TRUE(sandbox) << error;
  EXPECT_EQ(sandbox->path().rfind(root_ + "/gtest_dist-tmp-", 0), 0u) << sandbox->path();
  struct stat info {};
  ASSERT_EQ(stat(sandbox->path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  auto other = ChildSandbox::Create(root_, &error);
  ASSERT_TRUE(other) << error;
  EXPECT_NE(other->path(), sandbox->path());
  const auto env = sandbox->Environment();
  ASSERT_EQ(env.size(), 2u);
  EXPECT_EQ(env[0], std::make_pair(std::string("TEST_TMPDIR"), sandbox->path()));
  EXPECT_EQ(env[1], std::make_pair(std::string("TMPDIR"), sandbox->path()));
}

TEST_F(ChildSandboxTest, RemovedWithEverythingInItButNothingALinkPointsAt) {
  const std::string outside = root_ + "/outside";
  ASSERT_EQ(mkdir(outside.c_str(), 0700), 0);
  WriteFile(outside + "/precious");
  std::string path;
  {
    std::string error;
    auto sandbox = ChildSandbox::Create(root_, &error);
    ASSERT_TRUE(sandbox) << error;
    path = sandbox->path();
    ASSERT_EQ(mkdir((path + "/a").c_str(), 0700), 0);
    ASSERT_EQ(mkdir((path + "/a/b").c_str(), 0700), 0);
    WriteFile(path + "/a/b/file");
    ASSERT_EQ(symlink(outside.c_str(), (path + "/a/link").c_str()), 0);
    ASSERT_EQ(chmod((path + "/a/b").c_str(), 0500), 0);  // read-only, as a test may leave it
    ASSERT_EQ(chmod((path + "/a").c_str(), 0500), 0);
  }
  EXPECT_FALSE(Exists(path));
  EXPECT_TRUE(Exists(outside + "/precious"));
}

TEST_F(ChildSandboxTest, KeptWhenAsked) {
  std::string error;
  std::string path;
  {
    auto sandbox = ChildSandbox::Create(root_, &error);
    ASSERT_TRUE(sandbox) << error;
    sandbox->set_keep(true);
    path = sandbox->path();
  }
  EXPECT_TRUE(Exists(path));
}

TEST_F(ChildSandboxTest, AParentThatIsMissingIsNamed) {
  std::string error;
  EXPECT_FALSE(ChildSandbox::Create(root_ + "/missing", &error));
  EXPECT_NE(error.find(root_ + "/missing"), std::string::npos) << error;
}

TEST(CheckChildEnvironmentTest, NamesValuesAndTheRunnersOwn) {
  std::string error;
  EXPECT_TRUE(protocol::CheckChildEnvironment("MY_VAR1", "x=y;z", &error)) << error;
  EXPECT_TRUE(protocol::CheckChildEnvironment("EMPTY", "", &error)) << error;
  EXPECT_FALSE(protocol::CheckChildEnvironment("", "x", &error));
  EXPECT_FALSE(protocol::CheckChildEnvironment("A=B", "x", &error));
  EXPECT_NE(error.find("\"A=B\""), std::string::npos) << error;
  EXPECT_FALSE(protocol::CheckChildEnvironment("1ABC", "x", &error));
  EXPECT_FALSE(protocol::CheckChildEnvironment(std::string(300, 'A'), "x", &error));
  EXPECT_LT(error.size(), 200u) << "a hostile name is not echoed whole";
  EXPECT_FALSE(protocol::CheckChildEnvironment("GTEST_DIST_INTERNAL_CHILD", "5", &error));
  EXPECT_NE(error.find("set by the runner"), std::string::npos) << error;
  EXPECT_FALSE(protocol::CheckChildEnvironment("TEST_TMPDIR", "/x", &error));
  EXPECT_FALSE(protocol::CheckChildEnvironment(
      "BIG", std::string(protocol::kMaxChildEnvValueBytes + 1, 'x'), &error));
  EXPECT_NE(error.find("bytes"), std::string::npos) << error;
  EXPECT_FALSE(protocol::CheckChildEnvironment("NUL", std::string("a\0b", 3), &error));
}

protocol::RunChunk RoundTrip(const protocol::RunChunk& chunk, std::string* error) {
  protocol::Message message;
  if (!protocol::DecodePayload(protocol::EncodePayload(chunk), &message, error)) return {};
  return std::get<protocol::RunChunk>(message);
}

TEST(RunChunkEnvTest, TravelsAndIsCheckedOnArrival) {
  protocol::RunChunk chunk;
  chunk.chunk_id = 7;
  chunk.tests = {1};
  chunk.env = {{"A", "1"}, {"B", ""}};
  std::string error;
  EXPECT_EQ(RoundTrip(chunk, &error).env, chunk.env) << error;
  chunk.env = {{"GTEST_DIST_INTERNAL_CHILD", "3"}};
  protocol::Message message;
  EXPECT_FALSE(protocol::DecodePayload(protocol::EncodePayload(chunk), &message, &error));
  EXPECT_NE(error.find("env"), std::string::npos) << error;
  chunk.env.clear();
  for (size_t i = 0; i <= protocol::kMaxChildEnvEntries; ++i) {
    chunk.env.emplace_back("V" + std::to_string(i), "x");
  }
  EXPECT_FALSE(protocol::DecodePayload(protocol::EncodePayload(chunk), &message, &error));
  EXPECT_NE(error.find("at most"), std::string::npos) << error;
}

TEST(IsolationFlagsTest, EnvExclusiveLockAndKeepTmp) {
  setenv("ISOLATION_FLAGS_TEST_VALUE", "from-supervisor", 1);
  DistOptions options;
  std::string error;
  ASSERT_TRUE(
      ParseDistOptions({"t", "--dist-env=A=1", "--dist-env", "ISOLATION_FLAGS_TEST_VALUE",
                        "--dist-env=A=2;B=x", "--dist-exclusive=Gpu*", "--dist-lock=dev:Device.*",
                        "--dist-lock=port:Port.*;db:Db*", "--dist-keep-tmp"},
                       &options, &error))
      << error;
  const std::vector<std::pair<std::string, std::string>> env = {
      {"ISOLATION_FLAGS_TEST_VALUE", "from-supervisor"}, {"A", "2"}, {"B", "x"}};
  EXPECT_EQ(options.child_env, env);
  EXPECT_EQ(options.exclusive, "Gpu*");
  ASSERT_EQ(options.locks.size(), 3u);
  EXPECT_EQ(options.locks[2], std::make_pair(std::string("db"), std::string("Db*")));
  EXPECT_TRUE(options.keep_tmp);
  unsetenv("ISOLATION_FLAGS_TEST_VALUE");

  EXPECT_FALSE(ParseDistOptions({"t", "--dist-env=GTEST_DIST_INTERNAL_TREE=1"}, &options, &error));
  EXPECT_NE(error.find("--dist-env"), std::string::npos) << error;
  EXPECT_FALSE(ParseDistOptions({"t", "--dist-lock=nopattern"}, &options, &error));
  EXPECT_NE(error.find("--dist-lock"), std::string::npos) << error;
  EXPECT_FALSE(ParseDistOptions({"t", "--dist-exclusive="}, &options, &error));
  EXPECT_NE(error.find("--dist-exclusive"), std::string::npos) << error;

  setenv("GTEST_DIST_LOCK", "dev:Device.*", 1);
  ASSERT_TRUE(ParseDistOptions({"t", "--dist-lock=port:Port.*"}, &options, &error)) << error;
  EXPECT_EQ(options.locks.size(), 2u) << "the environment's and the command line's add up";
  unsetenv("GTEST_DIST_LOCK");
}

}  // namespace
}  // namespace gtest_dist
