#include "gtest_dist/modes/worker_mode.h"

#include <gtest/gtest.h>

#include <chrono>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/modes/mode_support.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/worker/worker_server.h"

namespace gtest_dist {

int RunWorkerMode(const DistOptions& options) {
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
  WorkerServer server(config, catalog);
  return server.Run();
}

}  // namespace gtest_dist
