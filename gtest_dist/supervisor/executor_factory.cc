#include "gtest_dist/supervisor/executor_factory.h"

#include <utility>

#include "gtest_dist/supervisor/local_executor.h"
#include "gtest_dist/supervisor/remote_worker.h"
#include "gtest_dist/supervisor/ssh_command.h"

namespace gtest_dist {

NetworkExecutorFactory::NetworkExecutorFactory(boost::asio::io_context& io,
                                               ExecutorSettings settings)
    : io_(io), settings_(std::move(settings)), reaper_(io) {}

std::unique_ptr<Executor> NetworkExecutorFactory::Make(const WorkerAddress& address) {
  if (address.local) {
    return std::make_unique<LocalExecutor>(io_, reaper_, settings_.child_command,
                                           address.local_slots);
  }
  if (address.ssh) {
    return std::make_unique<RemoteWorker>(
        io_, address.ToString(),
        SshArgv(settings_.ssh_command, address, settings_.ssh_remote_command), settings_.hello,
        settings_.connect_timeout, settings_.heartbeat_timeout, settings_.build);
  }
  return std::make_unique<RemoteWorker>(io_, address.host, address.port, settings_.hello,
                                        settings_.connect_timeout, settings_.heartbeat_timeout,
                                        settings_.secret, settings_.tls, settings_.build);
}

}  // namespace gtest_dist
