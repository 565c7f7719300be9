#include "gtest_dist/modes/worker_mode.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/modes/mode_support.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/ship/build_cache.h"
#include "gtest_dist/worker/worker_server.h"

namespace gtest_dist {

int RunWorkerMode(const DistOptions& options) {
  const TestCatalog catalog =
      TestCatalog::FromUnitTest(*testing::UnitTest::GetInstance(), DigestOfRunningBinary());
  WorkerConfig config;
  config.bind_host = options.bind_host;
  config.bind_port = options.bind_port;
  config.jobs = options.jobs;
  config.child_command.executable = RunningExecutablePath();
  config.child_command.args = options.passthrough_args;
  config.heartbeat_timeout =
      std::chrono::milliseconds(static_cast<long>(options.heartbeat_timeout_s * 1000));
  if (!LoadSecret(options, &config.secret)) return kConfigurationError;
  if (!LoadTls(options, TlsRole::kWorker, &config.tls)) return kConfigurationError;
  WorkerServer server(config, &catalog);
  return server.Run();
}

int RunGenericWorker(const DistOptions& options, const std::string& cache_dir,
                     std::uint64_t cache_bytes) {
  WorkerConfig config;
  config.bind_host = options.bind_host;
  config.bind_port = options.bind_port;
  config.jobs = options.jobs;
  config.heartbeat_timeout =
      std::chrono::milliseconds(static_cast<long>(options.heartbeat_timeout_s * 1000));
  if (!LoadSecret(options, &config.secret)) return kConfigurationError;
  if (!LoadTls(options, TlsRole::kWorker, &config.tls)) return kConfigurationError;
  BuildCache cache(cache_dir, cache_bytes);
  std::string error;
  if (!cache.Open(&error)) {
    std::fprintf(stderr, "gtest_dist worker: %s\n", error.c_str());
    return kConfigurationError;
  }
  config.cache = &cache;
  WorkerServer server(config, nullptr);
  return server.Run();
}

}  // namespace gtest_dist
