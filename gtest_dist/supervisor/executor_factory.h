// Where the supervisor gets its executors. The Supervisor asks a factory for
// each one (at the start, again to reconnect a lost worker, and for the local
// fallback), so tests hand it fakes; NetworkExecutorFactory is the real
// wiring: RemoteWorker for host:port and ssh://host, LocalExecutor for
// local:N.
#ifndef GTEST_DIST_SUPERVISOR_EXECUTOR_FACTORY_H_
#define GTEST_DIST_SUPERVISOR_EXECUTOR_FACTORY_H_

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gtest_dist/dist_flags.h"
#include "gtest_dist/protocol/protocol.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/run/chunk_runner.h"
#include "gtest_dist/ship/manifest_builder.h"
#include "gtest_dist/supervisor/executor.h"

namespace gtest_dist {

class ExecutorFactory {
 public:
  virtual ~ExecutorFactory() = default;
  // A new executor for `address`, not started yet. The caller owns it and
  // destroys it before the factory.
  virtual std::unique_ptr<Executor> Make(const WorkerAddress& address) = 0;
};

// How to reach remote workers and start local children.
struct ExecutorSettings {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds heartbeat_timeout{10000};
  std::string secret;  // --dist-secret-file contents; empty: none
  // TLS to every remote worker (--dist-tls-*); null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  ChildCommand child_command;  // for local slots
  // Workers over ssh: --dist-ssh-command split into words, and what ssh runs
  // there (--dist-ssh-remote-command, else DefaultSshRemoteCommand).
  std::vector<std::string> ssh_command = {"ssh"};
  std::string ssh_remote_command;
  protocol::Hello hello;  // what we tell workers about ourselves
  // What a generic worker (gtest_dist worker) gets shipped; null: none is
  // served (such a worker is refused).
  std::shared_ptr<BuildSource> build;
};

class NetworkExecutorFactory : public ExecutorFactory {
 public:
  // `io` runs every executor made here and outlives the factory.
  NetworkExecutorFactory(boost::asio::io_context& io, ExecutorSettings settings);

  std::unique_ptr<Executor> Make(const WorkerAddress& address) override;

 private:
  boost::asio::io_context& io_;
  const ExecutorSettings settings_;
  ChildReaper reaper_;  // for the children of local slots
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_EXECUTOR_FACTORY_H_
