// A worker seen from the supervisor: connect (TCP, TLS) or start it through
// ssh, hello, check that it runs this binary, then chunks out and events in.
#ifndef GTEST_DIST_SUPERVISOR_REMOTE_WORKER_H_
#define GTEST_DIST_SUPERVISOR_REMOTE_WORKER_H_

#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest_dist/model/worker_shipping.h"
#include "gtest_dist/protocol/frame_connection.h"
#include "gtest_dist/ship/manifest_builder.h"
#include "gtest_dist/supervisor/executor.h"
#include "gtest_dist/supervisor/ssh_process.h"

namespace gtest_dist {

class RemoteWorker : public Executor {
 public:
  // `hello` is what the supervisor says of itself (role, host, fingerprint).
  RemoteWorker(boost::asio::io_context& io, std::string host, int port, protocol::Hello hello,
               std::chrono::milliseconds connect_timeout,
               std::chrono::milliseconds heartbeat_timeout, std::string secret,
               std::shared_ptr<boost::asio::ssl::context> tls,
               std::shared_ptr<BuildSource> build = nullptr);
  // A worker over ssh (--workers ssh://...): `ssh_argv` starts it and its
  // stdin and stdout carry the frames. No secret and no TLS: ssh
  // authenticates the host and encrypts. `name` names it in messages. A
  // generic worker there (gtest_dist worker --stdio) gets `build` shipped.
  RemoteWorker(boost::asio::io_context& io, std::string name, std::vector<std::string> ssh_argv,
               protocol::Hello hello, std::chrono::milliseconds connect_timeout,
               std::chrono::milliseconds heartbeat_timeout,
               std::shared_ptr<BuildSource> build = nullptr);
  ~RemoteWorker() override;

  void Start(Callbacks callbacks) override;
  const std::string& name() const override { return name_; }
  int slots() const override { return slots_; }
  void Run(const protocol::RunChunk& chunk) override;
  void Cut(std::int64_t chunk_id, int from_index) override;
  void Stop() override;

 private:
  void StartSsh();
  // The channel to an ssh worker closed: lose it once ssh has said why.
  void LoseSsh(const std::string& reason);
  void Handshake(std::shared_ptr<NetStream> stream);
  void OnConnected();
  void OnMessage(protocol::Message&& message);
  void OnHello(const protocol::Hello& hello);
  void OnReady(const protocol::Ready& ready);
  // Shipping the build to a generic worker, between its Ready and its
  // BuildReady.
  void StartShipping();
  void OnBuildWant(const protocol::BuildWant& want);
  void SendBlobs();
  void OnBuildReady(const protocol::BuildReady& ready);
  void BecomeReady();
  void Lose(const std::string& reason, LossKind kind);

  boost::asio::io_context& io_;
  std::string host_;
  int port_;
  std::string name_;
  protocol::Hello hello_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds heartbeat_timeout_;
  std::string secret_;                              // empty: no authentication
  std::shared_ptr<boost::asio::ssl::context> tls_;  // null: plain TCP
  Callbacks callbacks_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer deadline_;
  std::vector<std::string> ssh_argv_;  // empty: TCP
  std::unique_ptr<SshProcess> ssh_;
  std::shared_ptr<TcpConnection> connection_;
  std::shared_ptr<bool> alive_;  // guards callbacks of pending operations
  int slots_ = 0;
  bool greeted_ = false;  // the worker's hello arrived (and its proof was right)
  bool ready_ = false;
  bool gone_ = false;
  std::shared_ptr<BuildSource> build_source_;  // null: no build to ship
  const ShippedBuild* build_ = nullptr;        // while shipping
  bool shipping_ = false;
  bool wanted_ = false;              // the worker's first BuildWant arrived
  std::set<std::string> asked_;      // every digest the worker asked for
  std::deque<std::string> to_send_;  // digests still to send, in order
  int send_fd_ = -1;                 // the file being sent
  std::uint64_t send_offset_ = 0;
  std::uint64_t send_size_ = 0;
  std::chrono::steady_clock::time_point ship_start_;
  std::uint64_t shipped_files_ = 0;
  std::uint64_t shipped_bytes_ = 0;        // each content once: what crossed the wire
  std::uint64_t shipped_entry_bytes_ = 0;  // of the files it makes
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_REMOTE_WORKER_H_
