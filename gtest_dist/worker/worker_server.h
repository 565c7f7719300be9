// The worker daemon: accepts supervisors, checks that they run this binary
// (./mytests --dist-worker) or receives their build into its cache (gtest_dist
// worker), and runs the chunks they hand out in child processes, at most
// --dist-jobs at once across all supervisors.
#ifndef GTEST_DIST_WORKER_WORKER_SERVER_H_
#define GTEST_DIST_WORKER_WORKER_SERVER_H_

#include <boost/asio.hpp>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/protocol/frame_connection.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/run/chunk_runner.h"
#include "gtest_dist/ship/build_cache.h"

namespace gtest_dist {

struct WorkerConfig {
  std::string bind_host = "127.0.0.1";
  int bind_port = 0;
  int jobs = 1;
  ChildCommand child_command;
  // A connection must finish its handshake (TLS, hello and, with a secret,
  // auth) within this time.
  std::chrono::milliseconds hello_deadline{5000};
  std::chrono::milliseconds heartbeat_timeout{10000};
  // Supervisors served at once (past the handshake); one more gets a busy
  // refusal. Supervisors are few; more is an attack or a bug.
  int max_connections = 64;
  // Connections still in their handshake, a separate and smaller budget: when
  // it is full, a new connection pushes out the oldest of them, so that
  // strangers holding idle connections cannot keep a supervisor out.
  int max_handshakes = 16;
  // The shared secret (--dist-secret-file); empty: no authentication, which
  // is allowed on loopback only.
  std::string secret;
  // TLS only (--dist-tls-cert/key, and --dist-tls-ca to require client
  // certificates); null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // A generic worker (gtest_dist worker): no binary of its own; each
  // supervisor ships its build into this cache. Null for --dist-worker.
  BuildCache* cache = nullptr;
  // How the worker is named in its log ("gtest_dist worker").
  std::string log_prefix = "gtest_dist worker";
};

class WorkerSession;

class WorkerServer {
 public:
  // `catalog`: the tests of this binary (--dist-worker), or null for a
  // generic worker (config.cache set), which serves any build.
  WorkerServer(const WorkerConfig& config, const TestCatalog* catalog);
  ~WorkerServer();

  // Binds, prints "listening on HOST:PORT" as the first line of stdout, and
  // serves until SIGTERM or SIGINT. Returns the process exit code.
  int Run();

  // Serves one supervisor over a pair of descriptors (--stdio: ssh's channel
  // on stdin and stdout) instead of a listening socket, without a secret or
  // TLS (ssh authenticates and encrypts); frame size limits apply as on TCP.
  // Ends when `in` reaches its end, the session ends (the supervisor left,
  // refused or fell silent) or on SIGTERM, SIGINT or SIGHUP; every child of
  // the session is killed first. Writes nothing but frames to `out`.
  int RunStdio(int in, int out);

 private:
  friend class WorkerSession;
  void DoAccept();
  void WaitForStopSignals();
  void Stop();
  // Queues a chunk for a session; starts it when a slot is free.
  void Enqueue(const std::shared_ptr<WorkerSession>& session, protocol::RunChunk chunk);
  void StartQueued();
  // Tail control for a chunk of `session` still queued here: its tests from
  // `from_index` on leave it (never its first), and the answer to send;
  // nothing when it is not queued.
  std::optional<protocol::ChunkCut> CutQueued(const WorkerSession* session, std::int64_t chunk_id,
                                              int from_index);
  void OnSessionClosed(const std::shared_ptr<WorkerSession>& session);
  // Closes the oldest connections still in their handshake until there is
  // room for one more.
  void MakeRoomForHandshake();
  // Blobs in flight, so that two supervisors shipping the same file at once
  // send it once: true when another session is receiving `digest` (then
  // `session` waits for it), false when `session` is to receive it itself.
  bool AwaitUpload(const std::string& digest, const std::shared_ptr<WorkerSession>& session);
  // The uploader of `digest` stored it (`stored`), or gave up (its connection
  // closed): the waiters are told, and on a failure the first of them
  // receives it itself.
  void UploadEnded(const std::string& digest, bool stored);

  WorkerConfig config_;
  const TestCatalog* catalog_;
  std::string host_name_;
  std::string worker_name_;  // host:port, stamped on every result
  boost::asio::io_context io_;
  boost::asio::signal_set stop_signals_;
  boost::asio::ip::tcp::acceptor acceptor_;
  ChildReaper reaper_;
  std::set<std::shared_ptr<WorkerSession>> sessions_;
  // Connections in their handshake, oldest first (may hold closed or
  // authenticated ones, skipped when met).
  std::deque<std::weak_ptr<WorkerSession>> handshakes_;
  int authenticated_ = 0;
  struct Pending {
    std::weak_ptr<WorkerSession> session;
    protocol::RunChunk chunk;
  };
  std::deque<Pending> pending_;
  struct InFlight {
    const WorkerSession* uploader = nullptr;
    std::vector<std::weak_ptr<WorkerSession>> waiters;  // oldest first
  };
  std::map<std::string, InFlight> in_flight_;  // by digest
  int running_ = 0;
  bool stopping_ = false;
  bool stdio_ = false;  // one session, over pipes: the server ends with it
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_WORKER_WORKER_SERVER_H_
