// Tests that only pass in parallel when each test process is isolated: a
// fixed path under testing::TempDir(), processes left running, and tests that
// must not overlap. Driven by isolation_test.py; the environment variables it
// sets are read here (a test without its variable skips).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Appends one line to ISO_TRACE: "<test> <pid> <start us> <end us> <tmpdir>".
void Trace(std::int64_t start_us, std::int64_t end_us) {
  const std::string path = Env("ISO_TRACE");
  if (path.empty()) return;
  const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
  const std::string line = std::string(info->test_suite_name()) + "." + info->name() + " " +
                           std::to_string(getpid()) + " " + std::to_string(start_us) + " " +
                           std::to_string(end_us) + " " + Env("TEST_TMPDIR") + "\n";
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  // One write with O_APPEND: lines of parallel tests do not interleave.
  ASSERT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  close(fd);
}

// A database that allows one user at a time, at a fixed path, as real
// suites write it: testing::TempDir() + "shared_db".
void UseSharedDatabase() {
  const std::int64_t start = NowUs();
  const std::string dir = testing::TempDir() + "shared_db";
  ASSERT_TRUE(mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST)
      << dir << ": " << std::strerror(errno);
  const std::string lock_path = dir + "/LOCK";
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << lock_path << ": " << std::strerror(errno);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    FAIL() << lock_path << " is held by another process (" << std::strerror(errno) << ")";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  flock(fd, LOCK_UN);
  close(fd);
  Trace(start, NowUs());
}

}  // namespace

// 30 fixtures, two tests each.
#define ISO_SHARED_DB_FIXTURE(n)                      \
  class SharedDb##n : public testing::Test {};        \
  TEST_F(SharedDb##n, Opens) { UseSharedDatabase(); } \
  TEST_F(SharedDb##n, Reopens) { UseSharedDatabase(); }
ISO_SHARED_DB_FIXTURE(01)
ISO_SHARED_DB_FIXTURE(02)
ISO_SHARED_DB_FIXTURE(03)
ISO_SHARED_DB_FIXTURE(04)
ISO_SHARED_DB_FIXTURE(05)
ISO_SHARED_DB_FIXTURE(06)
ISO_SHARED_DB_FIXTURE(07)
ISO_SHARED_DB_FIXTURE(08)
ISO_SHARED_DB_FIXTURE(09)
ISO_SHARED_DB_FIXTURE(10)
ISO_SHARED_DB_FIXTURE(11)
ISO_SHARED_DB_FIXTURE(12)
ISO_SHARED_DB_FIXTURE(13)
ISO_SHARED_DB_FIXTURE(14)
ISO_SHARED_DB_FIXTURE(15)
ISO_SHARED_DB_FIXTURE(16)
ISO_SHARED_DB_FIXTURE(17)
ISO_SHARED_DB_FIXTURE(18)
ISO_SHARED_DB_FIXTURE(19)
ISO_SHARED_DB_FIXTURE(20)
ISO_SHARED_DB_FIXTURE(21)
ISO_SHARED_DB_FIXTURE(22)
ISO_SHARED_DB_FIXTURE(23)
ISO_SHARED_DB_FIXTURE(24)
ISO_SHARED_DB_FIXTURE(25)
ISO_SHARED_DB_FIXTURE(26)
ISO_SHARED_DB_FIXTURE(27)
ISO_SHARED_DB_FIXTURE(28)
ISO_SHARED_DB_FIXTURE(29)
ISO_SHARED_DB_FIXTURE(30)

// The private directory as the child sees it.
TEST(TmpDir, IsPrivate) {
  const std::string tmp = Env("TEST_TMPDIR");
  if (Env("ISO_TRACE").empty()) GTEST_SKIP() << "run by isolation_test.py";
  EXPECT_NE(tmp.find("gtest_dist-tmp-"), std::string::npos) << tmp;
  EXPECT_EQ(Env("TMPDIR"), tmp);
  EXPECT_EQ(testing::TempDir(), tmp + "/");
  struct stat info {};
  ASSERT_EQ(stat(tmp.c_str(), &info), 0) << tmp;
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  // Something to remove, including a read-only directory and a link out.
  const std::string sub = tmp + "/ro";
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  std::FILE* file = std::fopen((sub + "/data").c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("x", file);
  std::fclose(file);
  ASSERT_EQ(symlink(Env("ISO_OUTSIDE").c_str(), (tmp + "/outside").c_str()), 0);
  ASSERT_EQ(chmod(sub.c_str(), 0500), 0);
  Trace(NowUs(), NowUs());
}

namespace {

// Starts `sleep ISO_SLEEP_ARG` in a session of its own, out of the test
// process's group, as a daemonising test helper would.
void StartDetachedSleep() {
  const std::string arg = Env("ISO_SLEEP_ARG");
  ASSERT_FALSE(arg.empty());
  const std::string command = "setsid sleep " + arg + " </dev/null >/dev/null 2>&1 &";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  // And a double fork, which no process group or parent can see.
  const pid_t first = fork();
  ASSERT_GE(first, 0);
  if (first == 0) {
    if (fork() == 0) {
      setsid();
      // Off the test's stdout, or a plain run's caller would wait for it.
      const int null_fd = open("/dev/null", O_RDWR);
      dup2(null_fd, 0);
      dup2(null_fd, 1);
      dup2(null_fd, 2);
      execlp("sleep", "sleep", arg.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(first, &status, 0);
}

}  // namespace

TEST(Leak, DetachedSleep) {
  if (Env("ISO_SLEEP_ARG").empty()) GTEST_SKIP() << "run by isolation_test.py";
  StartDetachedSleep();
}

TEST(Leak, DetachedSleepThenHang) {
  if (Env("ISO_SLEEP_ARG").empty()) GTEST_SKIP() << "run by isolation_test.py";
  StartDetachedSleep();
  std::this_thread::sleep_for(std::chrono::minutes(10));
}

TEST(Leak, DetachedSleepThenCrash) {
  if (Env("ISO_SLEEP_ARG").empty()) GTEST_SKIP() << "run by isolation_test.py";
  StartDetachedSleep();
  std::abort();
}

// Death tests still work in a child that is a subreaper.
TEST(LeakDeathTest, DeathTestStillWorks) {
  EXPECT_DEATH(std::abort(), "");
  EXPECT_EXIT(std::exit(3), testing::ExitedWithCode(3), "");
}

// For --dist-exclusive and --dist-lock: each records when it ran.
#define ISO_TRACED_TEST(suite, name)                                          \
  TEST(suite, name) {                                                         \
    if (Env("ISO_TRACE").empty()) GTEST_SKIP() << "run by isolation_test.py"; \
    const std::int64_t start = NowUs();                                       \
    std::this_thread::sleep_for(std::chrono::milliseconds(150));              \
    Trace(start, NowUs());                                                    \
  }
ISO_TRACED_TEST(Serial, A)
ISO_TRACED_TEST(Serial, B)
ISO_TRACED_TEST(Serial, C)
ISO_TRACED_TEST(Device, A)
ISO_TRACED_TEST(Device, B)
ISO_TRACED_TEST(Device, C)
ISO_TRACED_TEST(Device, D)
ISO_TRACED_TEST(Port, A)
ISO_TRACED_TEST(Port, B)
ISO_TRACED_TEST(Port, C)
ISO_TRACED_TEST(Free, A)
ISO_TRACED_TEST(Free, B)
ISO_TRACED_TEST(Free, C)
ISO_TRACED_TEST(Free, D)
ISO_TRACED_TEST(Free, E)
ISO_TRACED_TEST(Free, F)
ISO_TRACED_TEST(Free, G)
ISO_TRACED_TEST(Free, H)
ISO_TRACED_TEST(Free, I)
ISO_TRACED_TEST(Free, J)
ISO_TRACED_TEST(Free, K)
ISO_TRACED_TEST(Free, L)

// --dist-env: what the supervisor set reaches the test process on a worker.
TEST(EnvCheck, Seen) {
  if (Env("ISO_ENV_EXPECT").empty()) GTEST_SKIP() << "run by isolation_test.py";
  EXPECT_EQ(Env("ISO_ENV_A"), Env("ISO_ENV_EXPECT"));
  EXPECT_EQ(Env("ISO_ENV_B"), "two words");
}

namespace {

// The bytes of a test output of `size` bytes, as isolation_test.py makes
// them too.
std::string OutputPattern(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 7 + 3) % 251);
  return data;
}

// Writes `size` pattern bytes to `name` below TEST_UNDECLARED_OUTPUTS_DIR.
void WriteOutput(const std::string& name, std::size_t size) {
  const std::string dir = Env("TEST_UNDECLARED_OUTPUTS_DIR");
  ASSERT_FALSE(dir.empty()) << "TEST_UNDECLARED_OUTPUTS_DIR is not set";
  const std::string path = dir + "/" + name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path << ": " << std::strerror(errno);
  const std::string data = OutputPattern(size);
  ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), file), data.size());
  std::fclose(file);
}

// What every test sees: a directory of its own, new and empty, outside
// TEST_TMPDIR.
void CheckOutputsDirectory() {
  const std::string dir = Env("TEST_UNDECLARED_OUTPUTS_DIR");
  ASSERT_FALSE(dir.empty()) << "TEST_UNDECLARED_OUTPUTS_DIR is not set";
  struct stat info {};
  ASSERT_EQ(stat(dir.c_str(), &info), 0) << dir;
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(dir.rfind(Env("TEST_TMPDIR") + "/", 0), std::string::npos) << dir;
  EXPECT_EQ(std::system(("test -z \"$(ls -A '" + dir + "')\"").c_str()), 0) << dir << " not empty";
}

}  // namespace

// Test outputs (--dist-artifacts): run by isolation_test.py with ISO_OUTPUTS
// set to the size of shot.png and ISO_BIG to the size of big.bin.
TEST(Outputs, WritesShot) {
  if (Env("ISO_OUTPUTS").empty()) GTEST_SKIP() << "run by isolation_test.py";
  CheckOutputsDirectory();
  WriteOutput("shot.png", std::stoul(Env("ISO_OUTPUTS")));
  const std::string dir = Env("TEST_UNDECLARED_OUTPUTS_DIR");
  ASSERT_EQ(mkdir((dir + "/logs").c_str(), 0700), 0);
  WriteOutput("logs/run.txt", 100);
  // A link out of the directory is not followed.
  ASSERT_EQ(symlink("/etc/passwd", (dir + "/passwd").c_str()), 0);
}

TEST(Outputs, WritesTooMuch) {
  if (Env("ISO_OUTPUTS").empty()) GTEST_SKIP() << "run by isolation_test.py";
  CheckOutputsDirectory();
  WriteOutput("big.bin", std::stoul(Env("ISO_BIG")));
  WriteOutput("small.txt", 10);
}

TEST(Outputs, NothingLeftByTheOthers) {
  if (Env("ISO_OUTPUTS").empty()) GTEST_SKIP() << "run by isolation_test.py";
  CheckOutputsDirectory();
}

// A failing and a crashing test keep their outputs too (the dashboard's
// failure view links them).
TEST(OutputsFail, ShotThenFail) {
  if (Env("ISO_OUTPUTS").empty()) GTEST_SKIP() << "run by isolation_test.py";
  WriteOutput("failure.png", 1000);
  FAIL() << "failed after writing failure.png";
}

TEST(OutputsFail, ShotThenCrash) {
  if (Env("ISO_OUTPUTS").empty()) GTEST_SKIP() << "run by isolation_test.py";
  WriteOutput("crash.png", 2000);
  std::abort();
}

// Holds the run open until ISO_GATE exists (the live dashboard test looks at
// the run meanwhile), at most a minute.
TEST(OutputsGate, WaitsForTheGate) {
  const std::string gate = Env("ISO_GATE");
  if (gate.empty()) GTEST_SKIP() << "run by isolation_test.py";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (access(gate.c_str(), F_OK) != 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << gate << " never appeared";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}
