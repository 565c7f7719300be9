#include "gtest_dist/modes/worker_mode.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/modes/mode_support.h"
#include "gtest_dist/protocol/stdio_channel.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/worker/worker_server.h"

namespace gtest_dist {

int RunWorkerMode(const DistOptions& options) {
  int stdio_in = -1, stdio_out = -1;
  if (options.stdio) {
    // Before anything else can print: from here on stdout carries frames only.
    std::string error;
    if (!TakeStdioChannel(&stdio_in, &stdio_out, &error)) {
      std::fprintf(stderr, "gtest_dist worker: --stdio: %s\n", error.c_str());
      return kConfigurationError;
    }
  }
  const TestCatalog catalog =
      TestCatalog::FromUnitTest(*testing::UnitTest::GetInstance(), DigestOfRunningBinary());
  WorkerConfig config;
  config.bind_host = options.bind_host;
  config.bind_port = options.bind_port;
  config.jobs = options.jobs;
  config.child_command = {RunningExecutablePath(), options.passthrough_args};
  config.heartbeat_timeout =
      std::chrono::milliseconds(static_cast<long>(options.heartbeat_timeout_s * 1000));
  if (!LoadSecret(options, &config.secret)) return kConfigurationError;
  if (!LoadTls(options, TlsRole::kWorker, &config.tls)) return kConfigurationError;
  if (options.stdio) {
    WorkerServer server(config, catalog);
    return server.RunStdio(stdio_in, stdio_out);
  }
  WorkerServer server(config, catalog);
  return server.Run();
}

}  // namespace gtest_dist
