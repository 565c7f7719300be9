#include "gtest_dist/modes/worker_mode.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/modes/mode_support.h"
#include "gtest_dist/protocol/stdio_channel.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/ship/build_cache.h"
#include "gtest_dist/worker/worker_server.h"

namespace gtest_dist {
namespace {

// --stdio: before anything else can print, stdin and stdout become the
// channel (from here on stdout carries frames only).
bool TakeStdioIfAsked(const DistOptions& options, int* in, int* out) {
  if (!options.stdio) return true;
  std::string error;
  if (TakeStdioChannel(in, out, &error)) return true;
  std::fprintf(stderr, "gtest_dist worker: --stdio: %s\n", error.c_str());
  return false;
}

// What every worker takes from its flags: address, slots, heartbeat, secret
// and TLS. False (after saying why) when the secret or TLS is unusable.
bool CommonWorkerConfig(const DistOptions& options, WorkerConfig* config) {
  config->bind_host = options.bind_host;
  config->bind_port = options.bind_port;
  config->jobs = options.jobs;
  config->heartbeat_timeout =
      std::chrono::milliseconds(static_cast<long>(options.heartbeat_timeout_s * 1000));
  return LoadSecret(options, &config->secret) && LoadTls(options, TlsRole::kWorker, &config->tls);
}

int Serve(const DistOptions& options, WorkerServer& server, int stdio_in, int stdio_out) {
  return options.stdio ? server.RunStdio(stdio_in, stdio_out) : server.Run();
}

}  // namespace

int RunWorkerMode(const DistOptions& options) {
  int stdio_in = -1, stdio_out = -1;
  if (!TakeStdioIfAsked(options, &stdio_in, &stdio_out)) return kConfigurationError;
  const TestCatalog catalog = CatalogOfThisBinary();
  WorkerConfig config;
  config.child_command.executable = RunningExecutablePath();
  config.child_command.args = options.passthrough_args;
  if (!CommonWorkerConfig(options, &config)) return kConfigurationError;
  WorkerServer server(config, &catalog);
  return Serve(options, server, stdio_in, stdio_out);
}

int RunGenericWorker(const DistOptions& options, const std::string& cache_dir,
                     std::uint64_t cache_bytes) {
  int stdio_in = -1, stdio_out = -1;
  if (!TakeStdioIfAsked(options, &stdio_in, &stdio_out)) return kConfigurationError;
  WorkerConfig config;
  if (!CommonWorkerConfig(options, &config)) return kConfigurationError;
  BuildCache cache(cache_dir, cache_bytes);
  std::string error;
  if (!cache.Open(&error)) {
    std::fprintf(stderr, "gtest_dist worker: %s\n", error.c_str());
    return kConfigurationError;
  }
  config.cache = &cache;
  WorkerServer server(config, nullptr);
  return Serve(options, server, stdio_in, stdio_out);
}

}  // namespace gtest_dist
