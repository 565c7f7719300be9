// proc_suite: what a test process holds, starts and prints, seen from inside,
// for proc_test.py. Tests that need a driver's setting (an environment
// variable PROC_SUITE_*) skip without it, so a plain run passes.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace {

// The descriptor of a test process's channel to its worker, as README.md
// documents it (gtest_dist/run/child_main.h).
constexpr int kChannelFd = 1023;

const char* Setting(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// Every process of this binary appends its pid to PROC_SUITE_PROCESS_LOG as
// it starts: how the driver counts supervisors, workers and test processes.
const bool kProcessLogged = [] {
  if (const char* path = Setting("PROC_SUITE_PROCESS_LOG")) {
    if (std::FILE* file = std::fopen(path, "ae")) {
      std::fprintf(file, "%d\n", static_cast<int>(getpid()));
      std::fclose(file);
    }
  }
  return true;
}();

std::string Target(int fd) {
  char path[4096] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = readlink(link.c_str(), path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "?";
}

// A test process holds its standard streams and its channel, nothing of the
// worker's or the supervisor's (sockets, listeners, files).
TEST(ProcFds, OnlyStandardStreamsAndTheChannel) {
  DIR* dir = opendir("/proc/self/fd");
  ASSERT_NE(dir, nullptr);
  std::string extra;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    if (fd == kChannelFd) {
      EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0)
          << "the channel must not reach the processes a test starts";
      continue;
    }
    extra += " " + std::to_string(fd) + " -> " + Target(fd) +
             ((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0 ? " (close-on-exec)" : "") + ";";
  }
  closedir(dir);
  EXPECT_EQ(extra, "") << "descriptors beyond 0, 1, 2 and the channel";
}

// Starts a process in a session of its own (out of reach of the process
// group kill) that lives 60 s and writes its pid to
// PROC_SUITE_BACKGROUND_PIDFILE; then sleeps PROC_SUITE_SLEEP_S seconds.
TEST(ProcBackground, LeavesAProcessBehind) {
  const char* pidfile = Setting("PROC_SUITE_BACKGROUND_PIDFILE");
  if (pidfile == nullptr) GTEST_SKIP() << "PROC_SUITE_BACKGROUND_PIDFILE not set";
  const std::string command = std::string("setsid sh -c 'echo $$ > ") + pidfile + ".tmp && mv " +
                              pidfile + ".tmp " + pidfile +
                              " && exec sleep 60' </dev/null >/dev/null 2>&1 &";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!std::ifstream(pidfile).good()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no " << pidfile;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (const char* seconds = Setting("PROC_SUITE_SLEEP_S")) {
    std::this_thread::sleep_for(std::chrono::seconds(std::atoi(seconds)));
  }
}

// Exactly `count` bytes of lines, the last one ended.
void PrintBytes(long long count) {
  std::string line(1023, 'x');
  line += '\n';
  for (long long left = count - 1; left > 0;) {
    const size_t n =
        left < static_cast<long long>(line.size()) ? static_cast<size_t>(left) : line.size();
    std::fwrite(line.data(), 1, n, stdout);
    left -= static_cast<long long>(n);
  }
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

long long OutputBytes() {
  const char* bytes = Setting("PROC_SUITE_OUTPUT_BYTES");
  return bytes == nullptr ? 0 : std::atoll(bytes);
}

// Prints PROC_SUITE_OUTPUT_BYTES bytes, exactly.
TEST(ProcOutput, PrintsManyBytesThenPasses) {
  if (OutputBytes() == 0) GTEST_SKIP() << "PROC_SUITE_OUTPUT_BYTES not set";
  PrintBytes(OutputBytes());
}

// The peak memory of this process so far, as "VmHWM: N kB".
TEST(ProcOutput, ReportsPeakMemory) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) std::printf("%s\n", line.c_str());
  }
}

// Prints PROC_SUITE_OUTPUT_BYTES bytes, exactly, then dies of SIGSEGV (which
// prints nothing more).
TEST(ProcOutput, PrintsManyBytesThenCrashes) {
  if (OutputBytes() == 0) GTEST_SKIP() << "PROC_SUITE_OUTPUT_BYTES not set";
  PrintBytes(OutputBytes());
  std::signal(SIGSEGV, SIG_DFL);
  std::raise(SIGSEGV);
}

// Writes to stdout, stderr and stdout again, flushing after each.
TEST(ProcStreams, WritesToStdoutAndStderr) {
  std::fprintf(stdout, "proc_suite: stdout line 1\n");
  std::fflush(stdout);
  std::fprintf(stderr, "proc_suite: stderr line 2\n");
  std::fflush(stderr);
  std::fprintf(stdout, "proc_suite: stdout line 3\n");
  std::fflush(stdout);
}

}  // namespace
