#include "gtest_dist/cli/worker_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "gtest_dist/dist_flags.h"
#include "gtest_dist/modes/worker_mode.h"
#include "gtest_dist/ship/build_cache.h"

namespace gtest_dist {
namespace {

constexpr int kUsageError = 2;

const char kWorkerUsage[] =
    "usage: gtest_dist worker [--bind HOST:PORT] [--jobs N] [--cache-dir DIR]\n"
    "                         [--cache-size BYTES] [--secret-file F]\n"
    "                         [--tls-cert F --tls-key F [--tls-ca F]] [--stdio]\n"
    "\n"
    "A worker daemon with no test binary of its own: every supervisor that passes\n"
    "the handshake ships its build (executable, shared libraries, --dist-files) into\n"
    "the cache, content-addressed, and its tests run there. The first line on stdout\n"
    "is \"listening on HOST:PORT\"; SIGTERM or SIGINT stops it.\n"
    "  --bind HOST:PORT     default 127.0.0.1:7420; another address needs a secret\n"
    "  --jobs N             chunks run at once, shared by all supervisors (default: cores)\n"
    "  --cache-dir DIR      default $XDG_CACHE_HOME/gtest_dist/worker (~/.cache/...)\n"
    "  --cache-size BYTES   default 10G; least recently used builds are evicted first\n"
    "  --secret-file F      the shared secret (gtest_dist secret F writes one)\n"
    "  --tls-cert, --tls-key, --tls-ca   TLS, as --dist-tls-* of a test binary\n"
    "  --stdio              serve one supervisor on stdin/stdout instead of listening (what\n"
    "                       an ssh:// worker runs: --dist-ssh-remote-command); no secret\n";

// Our flag -> the test binary's flag it stands for.
const std::map<std::string, std::string> kDistFlags = {
    {"bind", "bind"},
    {"jobs", "dist-jobs"},
    {"secret-file", "dist-secret-file"},
    {"tls-cert", "dist-tls-cert"},
    {"tls-key", "dist-tls-key"},
    {"tls-ca", "dist-tls-ca"},
    {"heartbeat-timeout", "dist-heartbeat-timeout"},
};

std::string DefaultCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/gtest_dist/worker";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home == '/') return std::string(home) + "/.cache/gtest_dist/worker";
  return "";
}

// Errors of the shared parser name the test binary's flags: name ours.
std::string OurNames(std::string text) {
  for (const auto& [ours, theirs] : kDistFlags) {
    const std::string from = "--" + theirs;
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      if (ours == theirs) break;
      text.replace(at, from.size(), "--" + ours);
      at += ours.size() + 2;
    }
  }
  return text;
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "gtest_dist worker: %s\n\n%s", message.c_str(), kWorkerUsage);
  return kUsageError;
}

}  // namespace

int RunWorkerCommand(const std::vector<std::string>& args) {
  std::vector<std::string> dist_args = {"gtest_dist", "--dist-worker"};
  std::string cache_dir = DefaultCacheDir();
  std::uint64_t cache_bytes = kDefaultCacheBytes;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kWorkerUsage, stdout);
      return 0;
    }
    if (arg == "--stdio") {
      dist_args.push_back(arg);
      continue;
    }
    if (arg.rfind("--", 0) != 0) return UsageError("unexpected argument \"" + arg + "\"");
    const auto equals = arg.find('=');
    const std::string name = arg.substr(2, equals == std::string::npos ? equals : equals - 2);
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return UsageError("--" + name + " needs a value");
    }
    if (name == "cache-dir") {
      if (value.empty()) return UsageError("--cache-dir: expected a directory, got \"\"");
      cache_dir = value;
    } else if (name == "cache-size") {
      if (!ParseByteSize(value, &cache_bytes)) {
        return UsageError(
            "--cache-size: expected a number of bytes above 0, optionally with "
            "K, M, G or T (powers of 1024), got \"" +
            value + "\"");
      }
    } else if (kDistFlags.count(name) != 0) {
      dist_args.push_back("--" + kDistFlags.at(name) + "=" + value);
    } else {
      return UsageError("unknown flag --" + name);
    }
  }
  if (cache_dir.empty()) {
    return UsageError("no --cache-dir given, and neither XDG_CACHE_HOME nor HOME is set");
  }
  if (cache_dir.front() != '/') {
    // Children run in the cache's builds with another working directory.
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) != nullptr) cache_dir = std::string(cwd) + "/" + cache_dir;
  }
  DistOptions options;
  std::string error;
  if (!ParseDistOptions(dist_args, &options, &error)) return UsageError(OurNames(error));
  return RunGenericWorker(options, cache_dir, cache_bytes);
}

}  // namespace gtest_dist
