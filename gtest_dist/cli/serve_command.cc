#include "gtest_dist/cli/serve_command.h"

#include <boost/asio.hpp>
#include <cstdio>
#include <memory>

#include "gtest_dist/dashboard/history_source.h"
#include "gtest_dist/dashboard/http_server.h"
#include "gtest_dist/dist_flags.h"
#include "gtest_dist/protocol/auth.h"

namespace gtest_dist {
namespace {

constexpr int kUsageError = 2;

constexpr char kUsage[] =
    "usage: gtest_dist serve --history=PATH|URL [--bind HOST:PORT] [--token-file=PATH]\n"
    "                        [--allowed-host=NAME ...] [--artifacts=DIR]\n"
    "  --history=PATH|URL the history store to show: a SQLite file or a\n"
    "                     postgresql:// URL (read-only)\n"
    "  --bind HOST:PORT   where to listen (default 127.0.0.1:7480; port 0 picks one)\n"
    "  --token-file=PATH  access token, required for a non-loopback address; give it\n"
    "                     once as ?token=... in the URL or as \"Authorization: Bearer\"\n"
    "                     (the file must be mode 0600: gtest_dist secret PATH writes one)\n"
    "  --allowed-host=NAME a name the dashboard may be reached by, besides its address\n"
    "                     and localhost (repeatable); requests for other names are\n"
    "                     refused (421), so DNS rebinding reaches nothing\n"
    "  --artifacts=DIR    the supervisors' --dist-artifacts directory: the test\n"
    "                     outputs kept there are linked and served read-only\n";

// "--name=value" or "--name value"; advances `i` past what it used.
bool TakeValue(const std::vector<std::string>& args, std::size_t* i, const std::string& name,
               std::string* value, std::string* error) {
  const std::string& arg = args[*i];
  if (arg.rfind(name + "=", 0) == 0) {
    *value = arg.substr(name.size() + 1);
  } else if (*i + 1 < args.size()) {
    *value = args[++*i];
  } else {
    *error = name + ": expected a value";
    return false;
  }
  if (value->empty()) {
    *error = name + ": expected a value, got an empty one";
    return false;
  }
  return true;
}

}  // namespace

int RunServeCommand(const std::vector<std::string>& args) {
  std::string history;
  std::string bind = "127.0.0.1:" + std::to_string(kDefaultDashboardPort);
  std::string token_file;
  std::vector<std::string> allowed_hosts;
  dashboard::ServerConfig config;
  std::string error;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto is = [&](const char* name) {
      return arg == name || arg.rfind(std::string(name) + "=", 0) == 0;
    };
    bool ok = true;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (is("--history")) {
      ok = TakeValue(args, &i, "--history", &history, &error);
    } else if (is("--bind")) {
      ok = TakeValue(args, &i, "--bind", &bind, &error);
    } else if (is("--token-file")) {
      ok = TakeValue(args, &i, "--token-file", &token_file, &error);
    } else if (is("--artifacts")) {
      ok = TakeValue(args, &i, "--artifacts", &config.artifacts_dir, &error);
    } else if (is("--allowed-host")) {
      std::string name;
      ok = TakeValue(args, &i, "--allowed-host", &name, &error);
      if (ok) allowed_hosts.push_back(name);
    } else {
      ok = false;
      error = "unknown argument \"" + arg + "\"";
    }
    if (!ok) {
      std::fprintf(stderr, "gtest_dist serve: %s\n%s", error.c_str(), kUsage);
      return kUsageError;
    }
  }
  if (history.empty()) {
    std::fprintf(stderr, "gtest_dist serve: --history is required\n%s", kUsage);
    return kUsageError;
  }
  WorkerAddress address;
  if (!ParseWorkerAddress(bind, &address, &error) || address.local || address.ssh) {
    std::fprintf(stderr, "gtest_dist serve: --bind: expected HOST:PORT, got \"%s\"\n",
                 bind.c_str());
    return kUsageError;
  }
  config.host = address.host;
  config.port = address.port;
  std::string warning;
  if (!token_file.empty() &&
      !ReadSecretFile(token_file, &config.token, &error, "--token-file", &warning)) {
    std::fprintf(stderr, "gtest_dist serve: %s\n", error.c_str());
    return kUsageError;
  }
  if (!warning.empty()) std::fprintf(stderr, "gtest_dist serve: warning: %s\n", warning.c_str());
  config.allowed_hosts = allowed_hosts;
  std::unique_ptr<dashboard::HistorySource> source =
      dashboard::HistorySource::Open(history, &error);
  if (!source) {
    std::fprintf(stderr, "gtest_dist serve: --history: %s\n", error.c_str());
    return kUsageError;
  }
  boost::asio::io_context io;
  dashboard::HttpServer server(io, config, *source);
  if (!server.Start(&error)) {
    std::fprintf(stderr, "gtest_dist serve: %s\n", error.c_str());
    return kUsageError;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) server.Stop();
  });
  const auto endpoint = server.endpoint();
  const std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                      : endpoint.address().to_string();
  std::printf("serving http://%s:%u/ (history: %s)\n", host.c_str(), endpoint.port(),
              source->Describe().c_str());
  std::fflush(stdout);
  io.run();
  return 0;
}

}  // namespace gtest_dist
