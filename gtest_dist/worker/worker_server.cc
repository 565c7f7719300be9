#include "gtest_dist/worker/worker_server.h"

#include <unistd.h>

#include "gtest_dist/protocol/auth.h"
#include "gtest_dist/protocol/close_on_exec.h"
#include "gtest_dist/protocol/peer_text.h"
#include "gtest_dist/protocol/tls.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <vector>

namespace gtest_dist {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string EndpointName(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code error;
  const auto endpoint = socket.remote_endpoint(error);
  if (error) return "unknown peer";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

void Log(const std::string& line) {
  std::fprintf(stderr, "gtest_dist worker: %s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace

// One supervisor connection: the handshake, then chunks in and events out.
class WorkerSession : public std::enable_shared_from_this<WorkerSession> {
  // The table of blobs in flight tells a session when a blob it waits for is
  // stored or abandoned (OnAwaitedStored, OnAwaitedLost).
  friend class WorkerServer;

 public:
  WorkerSession(WorkerServer& server, boost::asio::ip::tcp::socket socket)
      : server_(server),
        peer_(EndpointName(socket)),
        stream_(server.config_.tls ? NetStream(std::move(socket), *server.config_.tls)
                                   : NetStream(std::move(socket))),
        hello_timer_(server.io_) {}
  // Over an established stream (--stdio: TLS is not used there).
  WorkerSession(WorkerServer& server, NetStream stream, std::string peer)
      : server_(server),
        peer_(std::move(peer)),
        stream_(std::move(stream)),
        hello_timer_(server.io_) {}

  // The hello deadline covers the TLS handshake too: a peer that connects
  // and says nothing, in either layer, holds a connection for 5 s at most.
  void Start() {
    auto self = shared_from_this();
    hello_timer_.expires_after(server_.config_.hello_deadline);
    hello_timer_.async_wait([self](const boost::system::error_code& error) {
      if (!error && !self->authenticated_) {
        self->Log(self->peer_ + ": no hello" +
                  (self->server_.config_.secret.empty() ? "" : " and auth") + " in time");
        self->Close("");
      }
    });
    if (stream_.tls() == nullptr) {
      StartFrames();
      return;
    }
    stream_.tls()->async_handshake(
        boost::asio::ssl::stream_base::server, [self](const boost::system::error_code& error) {
          if (self->closed_before_frames_) return;
          if (error) {
            self->Log(self->peer_ + ": refused: TLS handshake failed: " + DescribeTlsError(error));
            self->Close("");
            return;
          }
          self->StartFrames();
        });
  }

  void StartFrames() {
    auto self = shared_from_this();
    connection_ = std::make_shared<TcpConnection>(std::move(stream_));
    connection_->SetMaxFrameBytes(protocol::kMaxHandshakeFrameBytes, "before authentication");
    connection_->Start([self](protocol::Message&& m) { self->OnMessage(std::move(m)); },
                       [self](const std::string& reason) { self->OnClosed(reason); });
  }

  void Send(const protocol::Message& message) {
    if (connection_) connection_->Send(message);
  }
  void Close(const std::string& reason) {
    if (connection_) {
      connection_->Close(reason);
      return;
    }
    // Still in the TLS handshake: no frame connection to close yet.
    if (closed_before_frames_) return;
    closed_before_frames_ = true;
    boost::system::error_code ignored;
    stream_.close(ignored);
    OnClosed(reason);
  }

  void AddRunner(std::shared_ptr<ChunkRunner> runner) {
    runners_[runner->chunk_id()] = std::move(runner);
  }
  // False when the runner was already taken (the session closed meanwhile).
  bool RemoveRunner(std::int64_t chunk_id) { return runners_.erase(chunk_id) > 0; }
  // This supervisor's runners, to cancel: it is gone, nobody wants their results.
  std::vector<std::shared_ptr<ChunkRunner>> TakeRunners() {
    std::vector<std::shared_ptr<ChunkRunner>> taken;
    for (auto& [id, runner] : runners_) taken.push_back(std::move(runner));
    runners_.clear();
    return taken;
  }

  const std::string& peer() const { return peer_; }
  bool authenticated() const { return authenticated_; }
  bool closed() const { return closed_; }
  // How this supervisor's chunks start: this binary, or its shipped build.
  const ChildCommand& child_command() const {
    return build_ready_ ? build_command_ : server_.config_.child_command;
  }

 private:
  void OnMessage(protocol::Message&& message) {
    if (auto* refusal = std::get_if<protocol::Refusal>(&message)) {
      Log(peer_ + ": " + PeerText(refusal->reason));
      connection_->Close("");
      return;
    }
    if (!greeted_) {
      auto* hello = std::get_if<protocol::Hello>(&message);
      if (hello == nullptr) {
        Refuse(std::string("expected hello first, got ") + protocol::MessageTypeName(message));
        return;
      }
      OnHello(*hello);
      return;
    }
    if (auto* auth = std::get_if<protocol::Auth>(&message)) {
      OnAuth(*auth);
      return;
    }
    if (!authenticated_) {
      Refuse(std::string("expected auth, got ") + protocol::MessageTypeName(message) +
             "; nothing runs before the supervisor proves it knows the secret");
      return;
    }
    if (auto* manifest = std::get_if<protocol::Manifest>(&message)) {
      OnManifest(std::move(*manifest));
      return;
    }
    if (auto* blob = std::get_if<protocol::Blob>(&message)) {
      OnBlob(std::move(*blob));
      return;
    }
    if (auto* chunk = std::get_if<protocol::RunChunk>(&message)) {
      if (server_.catalog_ == nullptr && !build_ready_) {
        Refuse("run_chunk before the build is in place; send a manifest first");
        return;
      }
      if (!chunk_ids_.insert(chunk->chunk_id).second) {
        Refuse("run_chunk reuses chunk_id " + std::to_string(chunk->chunk_id));
        return;
      }
      const int tests =
          server_.catalog_ ? server_.catalog_->size() : supervisor_fingerprint_.test_count;
      for (int index : chunk->tests) {
        if (index >= tests) {
          Refuse("run_chunk names test " + std::to_string(index) + "; this binary has " +
                 std::to_string(tests) + " tests");
          return;
        }
      }
      server_.Enqueue(shared_from_this(), std::move(*chunk));
      return;
    }
    if (auto* cut = std::get_if<protocol::CutChunk>(&message)) {
      // Tail control: a running chunk answers with a chunk_cut before its
      // chunk_finished; one still queued here, at once; one that is over,
      // never (its chunk_finished says all).
      const auto runner = runners_.find(cut->chunk_id);
      if (runner != runners_.end()) {
        runner->second->Cut(cut->from_index);
      } else if (std::optional<protocol::ChunkCut> reply =
                     server_.CutQueued(this, cut->chunk_id, cut->from_index)) {
        Send(*reply);
      }
      return;
    }
    Refuse(std::string("unexpected ") + protocol::MessageTypeName(message) + " from a supervisor");
  }

  void OnHello(const protocol::Hello& hello) {
    if (hello.protocol != protocol::kProtocolVersion) {
      Refuse("protocol version " + std::to_string(hello.protocol) +
             " is not supported; this worker speaks version " +
             std::to_string(protocol::kProtocolVersion));
      return;
    }
    if (hello.role != "supervisor") {
      Refuse("expected a supervisor's hello, got role \"" + hello.role + "\"");
      return;
    }
    const std::string& secret = server_.config_.secret;
    if (!secret.empty() && hello.nonce.empty()) {
      Refuse(
          "this worker requires a shared secret: give the supervisor the same "
          "--dist-secret-file");
      return;
    }
    greeted_ = true;
    supervisor_host_ = hello.host;
    supervisor_fingerprint_ = hello.fingerprint;
    // Only what the handshake needs: who this worker is (host, binary,
    // slots, digests) waits until the peer has proved itself (Ready).
    protocol::Hello reply;
    reply.role = "worker";
    if (secret.empty()) {
      connection_->Send(reply);
      OnProven();
      return;
    }
    worker_nonce_ = NewNonce();
    reply.nonce = worker_nonce_;
    reply.proof = WorkerProof(secret, hello.nonce, worker_nonce_);
    supervisor_proof_ = SupervisorProof(secret, worker_nonce_, hello.nonce);
    SessionKeys keys = DeriveSessionKeys(secret, hello.nonce, worker_nonce_);
    connection_->Send(reply);
    // Everything after our hello carries a tag; everything after the
    // supervisor's auth must.
    connection_->SealSent(std::move(keys.worker_to_supervisor));
    supervisor_key_ = std::move(keys.supervisor_to_worker);
    // The hello deadline runs on until a valid auth arrives.
  }

  void OnAuth(const protocol::Auth& auth) {
    if (server_.config_.secret.empty() || authenticated_) {
      Refuse("unexpected auth");
      return;
    }
    if (!ProofsEqual(auth.proof, supervisor_proof_)) {
      Refuse(
          "authentication failed: the supervisor's proof is wrong (another secret, or a "
          "replayed handshake)");
      return;
    }
    connection_->OpenReceived(std::move(supervisor_key_));
    OnProven();
  }

  // The peer is a supervisor that knows the secret (or no secret is in use).
  void OnProven() {
    if (server_.authenticated_ >= server_.config_.max_connections) {
      Refuse("this worker already serves " + std::to_string(server_.authenticated_) +
                 " supervisors (the limit); try again later",
             /*busy=*/true);
      return;
    }
    protocol::Ready ready;
    ready.host = server_.host_name_;
    if (!server_.config_.child_command.args.empty()) {
      const std::string& argv0 = server_.config_.child_command.args[0];
      ready.binary_name = argv0.substr(argv0.rfind('/') + 1);  // the base name only
    }
    ready.slots = server_.config_.jobs;
    if (server_.catalog_ != nullptr) {
      ready.fingerprint = {server_.catalog_->binary_digest(), server_.catalog_->names_digest(),
                           server_.catalog_->size()};
    } else {
      ready.build_cache = true;  // the supervisor ships its build next
    }
    connection_->Send(ready);
    const std::string mismatch =
        server_.catalog_ == nullptr
            ? std::string()
            : protocol::DescribeFingerprintMismatch(ready.fingerprint, supervisor_fingerprint_);
    if (!mismatch.empty()) {
      // The supervisor names the difference from its side; we log ours.
      Refuse("the supervisor runs a different test binary: " + mismatch);
      return;
    }
    authenticated_ = true;
    ++server_.authenticated_;
    hello_timer_.cancel();
    connection_->SetMaxFrameBytes(protocol::kMaxFrameBytes);
    connection_->EnableHeartbeat(std::chrono::milliseconds(protocol::kHeartbeatIntervalMs),
                                 server_.config_.heartbeat_timeout);
    Log(peer_ + ": supervisor on " + PeerText(supervisor_host_) + " connected" +
        (server_.config_.secret.empty() ? "" : " (authenticated)"));
  }

  static void Log(const std::string& line) { gtest_dist::Log(line); }

  // Refuses the peer and closes: nothing it sent after this is read. The
  // reason may quote the peer: escaped and cut, in the log and on the wire.
  void Refuse(const std::string& reason, bool busy = false) {
    const std::string text = PeerText(reason);
    Log(peer_ + ": refused: " + text);
    connection_->SendAndClose(protocol::Refusal{text, busy});
  }

  // The supervisor's build, as a manifest: answer with what the cache lacks.
  void OnManifest(protocol::Manifest&& manifest) {
    BuildCache* cache = server_.config_.cache;
    if (cache == nullptr) {
      Refuse("unexpected manifest: this worker runs its own test binary (--dist-worker)");
      return;
    }
    if (has_manifest_) {
      Refuse("a second manifest on one connection");
      return;
    }
    std::uint64_t total = 0;
    std::map<std::string, const protocol::ManifestEntry*> by_digest;
    for (const auto& file : manifest.files) {
      const auto [it, fresh] = by_digest.emplace(file.digest, &file);
      if (!fresh && it->second->size != file.size) {
        Refuse("manifest: " + file.digest + " is announced with two sizes");
        return;
      }
      if (fresh) total += file.size;
      if (file.path.rfind("bin/", 0) == 0 && !supervisor_fingerprint_.binary_digest.empty() &&
          file.digest != supervisor_fingerprint_.binary_digest) {
        Refuse("manifest: the executable " + file.path +
               " is not the binary the supervisor's hello named (SHA-256 differs)");
        return;
      }
    }
    if (total > cache->max_bytes()) {
      Refuse("the build holds " + std::to_string(total) + " bytes, more than this worker's " +
             "--cache-size (" + std::to_string(cache->max_bytes()) + ")");
      return;
    }
    has_manifest_ = true;
    manifest_ = std::move(manifest);
    for (const auto& [digest, file] : by_digest) {
      digests_.push_back(digest);
      sizes_[digest] = file->size;
    }
    for (const auto& file : manifest_.files) {
      if (file.mode & 0111) executable_[file.digest] = true;
    }
    // Pinned before anything is checked: another session's eviction must
    // not take a blob this build needs while it is assembled.
    cache->Pin(digests_);
    pinned_ = true;
    std::vector<std::string> notes;
    const std::vector<std::string> missing = cache->Missing(manifest_, &notes);
    for (const std::string& note : notes) Log(peer_ + ": " + note);
    // A file another supervisor is sending right now is not asked for again:
    // this build waits for that copy.
    std::vector<std::string> asked;
    for (const std::string& digest : missing) {
      if (server_.AwaitUpload(digest, shared_from_this())) {
        awaited_.insert(digest);
      } else {
        asked.push_back(digest);
      }
    }
    if (!awaited_.empty()) {
      Log(peer_ + ": " + std::to_string(awaited_.size()) +
          " file(s) of this build are being received from another supervisor; waiting for them");
    }
    wanted_.assign(asked.begin(), asked.end());
    connection_->Send(protocol::BuildWant{std::move(asked)});
    MaybeFinishBuild();
  }

  // Another session stored a blob this build waits for.
  void OnAwaitedStored(const std::string& digest) {
    if (awaited_.erase(digest) == 0 || closed_) return;
    MaybeFinishBuild();
  }

  // The session that was receiving a blob this build waits for is gone
  // before it was stored: this session asks its own supervisor for it (a
  // second BuildWant, appended to what it still sends).
  void OnAwaitedLost(const std::string& digest) {
    if (awaited_.erase(digest) == 0 || closed_) return;
    Log(peer_ + ": the supervisor that was sending " + digest.substr(0, 12) +
        " left before it was stored; asking this one for it");
    wanted_.push_back(digest);
    connection_->Send(protocol::BuildWant{{digest}});
  }

  // A piece of the file at the front of the wanted list.
  void OnBlob(protocol::Blob&& blob) {
    BuildCache* cache = server_.config_.cache;
    if (cache == nullptr || wanted_.empty()) {
      Refuse("unexpected blob: no file is due");
      return;
    }
    if (blob.digest != wanted_.front()) {
      Refuse("blob " + blob.digest + " arrived where " + wanted_.front() + " was due");
      return;
    }
    std::string error;
    if (!upload_) {
      upload_ =
          cache->BeginBlob(blob.digest, sizes_[blob.digest], executable_[blob.digest], &error);
      if (!upload_) {
        Refuse("this worker cannot store the build: " + error);
        return;
      }
    }
    if (!upload_->Append(blob.offset, blob.data, &error)) {
      Refuse(error);
      return;
    }
    if (!upload_->complete()) return;
    if (!cache->FinishBlob(std::move(upload_), &error)) {
      Refuse(error);
      return;
    }
    const std::string stored = wanted_.front();
    wanted_.pop_front();
    server_.UploadEnded(stored, true);
    if (!closed_) MaybeFinishBuild();
  }

  void MaybeFinishBuild() {
    if (has_manifest_ && !build_ready_ && !closed_ && wanted_.empty() && awaited_.empty()) {
      FinishBuild();
    }
  }

  // Every file is in the cache: lay the build out and say so.
  void FinishBuild() {
    BuildCache* cache = server_.config_.cache;
    std::string error;
    if (!cache->Acquire(manifest_, &build_id_, &build_dir_, &error)) {
      Refuse("this worker cannot lay out the build: " + error);
      return;
    }
    acquired_ = true;
    cache->Unpin(digests_);
    pinned_ = false;
    std::string executable;
    for (const auto& file : manifest_.files) {
      if (file.path.rfind("bin/", 0) == 0) executable = file.path;
    }
    build_command_.executable = build_dir_ + "/" + executable;
    build_command_.args = {executable.substr(4)};
    build_command_.args.insert(build_command_.args.end(), manifest_.args.begin(),
                               manifest_.args.end());
    build_command_.working_directory = build_dir_ + "/" + BuildCache::kWorkDir;
    // The shipped libraries first, then whatever the worker was started with.
    std::string library_path = build_dir_ + "/" + BuildCache::kLibDir;
    if (const char* inherited = std::getenv("LD_LIBRARY_PATH"); inherited && *inherited) {
      library_path += std::string(":") + inherited;
    }
    build_command_.set_env = {{"LD_LIBRARY_PATH", library_path}};
    build_ready_ = true;
    const BuildCache::Stats stats = cache->CurrentStats();
    connection_->Send(protocol::BuildReady{stats.files, stats.bytes});
    Log(peer_ + ": build " + build_id_.substr(0, 12) + " ready (" +
        std::to_string(manifest_.files.size()) + " files)");
  }

  void OnClosed(const std::string& reason) {
    closed_ = true;
    hello_timer_.cancel();
    upload_.reset();  // its temporary file goes with it
    // Files this session was to receive and did not: whoever waits for one
    // asks for it now.
    std::deque<std::string> unsent;
    unsent.swap(wanted_);
    for (const std::string& digest : unsent) server_.UploadEnded(digest, false);
    awaited_.clear();
    if (BuildCache* cache = server_.config_.cache) {
      if (pinned_) cache->Unpin(digests_);
      if (acquired_) cache->Release(build_id_);
      pinned_ = acquired_ = false;
    }
    if (!reason.empty()) Log(peer_ + ": connection closed: " + PeerText(reason));
    server_.OnSessionClosed(shared_from_this());
  }

  WorkerServer& server_;
  std::string peer_;
  NetStream stream_;  // until the frames start; then connection_ owns it
  bool closed_before_frames_ = false;
  std::shared_ptr<TcpConnection> connection_;
  boost::asio::steady_timer hello_timer_;
  bool greeted_ = false;
  bool authenticated_ = false;
  bool closed_ = false;
  std::string worker_nonce_;
  std::string supervisor_proof_;  // what a valid auth carries
  std::string supervisor_key_;    // the session key of the supervisor's frames
  std::string supervisor_host_;
  protocol::Fingerprint supervisor_fingerprint_;
  std::set<std::int64_t> chunk_ids_;
  std::map<std::int64_t, std::shared_ptr<ChunkRunner>> runners_;
  // A shipped build (generic worker only).
  bool has_manifest_ = false;
  protocol::Manifest manifest_;
  std::vector<std::string> digests_;  // each once
  std::map<std::string, std::uint64_t> sizes_;
  std::map<std::string, bool> executable_;
  std::deque<std::string> wanted_;  // still to arrive, in order
  std::set<std::string> awaited_;   // another session receives these for us
  std::unique_ptr<BlobUpload> upload_;
  bool pinned_ = false;
  bool acquired_ = false;
  bool build_ready_ = false;
  std::string build_id_;
  std::string build_dir_;
  ChildCommand build_command_;
};

WorkerServer::WorkerServer(const WorkerConfig& config, const TestCatalog* catalog)
    : config_(config),
      catalog_(catalog),
      host_name_(HostName()),
      stop_signals_(io_, SIGTERM, SIGINT),
      acceptor_(io_),
      reaper_(io_) {}

WorkerServer::~WorkerServer() = default;

int WorkerServer::Run() {
  std::signal(SIGPIPE, SIG_IGN);
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(config_.bind_host, error);
  if (error) {
    // A host name: resolve it.
    boost::asio::ip::tcp::resolver resolver(io_);
    const auto results =
        resolver.resolve(config_.bind_host, std::to_string(config_.bind_port), error);
    if (error || results.empty()) {
      std::cerr << "gtest_dist worker: --bind: cannot resolve \"" << config_.bind_host
                << "\": " << error.message() << "\n";
      return 2;
    }
    OpenCloseOnExec(acceptor_, results.begin()->endpoint().protocol(), error);
    if (!error) acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    if (!error) acceptor_.bind(results.begin()->endpoint(), error);
  } else {
    const boost::asio::ip::tcp::endpoint endpoint(address,
                                                  static_cast<unsigned short>(config_.bind_port));
    OpenCloseOnExec(acceptor_, endpoint.protocol(), error);
    if (!error) acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    if (!error) acceptor_.bind(endpoint, error);
  }
  if (!error && config_.secret.empty() && !acceptor_.local_endpoint().address().is_loopback()) {
    std::cerr << "gtest_dist worker: refusing to listen on " << config_.bind_host << ":"
              << config_.bind_port
              << " without a shared secret: anyone who can reach this port could run code "
                 "as this user. Give --dist-secret-file=PATH (the same file to the "
                 "supervisor), or bind to 127.0.0.1.\n";
    return 2;
  }
  if (!error) acceptor_.listen(boost::asio::socket_base::max_listen_connections, error);
  if (error) {
    std::cerr << "gtest_dist worker: cannot listen on " << config_.bind_host << ":"
              << config_.bind_port << ": " << error.message() << "\n";
    return 2;
  }
  const auto local = acceptor_.local_endpoint();
  const std::string address_text = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                           : local.address().to_string();
  // Scripts read this line to learn the port: keep it first and exact.
  std::cout << "listening on " << address_text << ":" << local.port() << std::endl;
  worker_name_ = host_name_ + ":" + std::to_string(local.port());
  if (catalog_ != nullptr) {
    Log("serving " + std::to_string(catalog_->size()) + " tests with " +
        std::to_string(config_.jobs) + " slots");
  } else {
    const BuildCache::Stats stats = config_.cache->CurrentStats();
    Log("serving any build with " + std::to_string(config_.jobs) + " slots; cache " +
        config_.cache->dir() + " holds " + std::to_string(stats.files) + " files, " +
        std::to_string(stats.bytes) + " bytes (at most " +
        std::to_string(config_.cache->max_bytes()) + ")");
  }

  WaitForStopSignals();
  DoAccept();
  io_.run();
  return 0;
}

int WorkerServer::RunStdio(int in, int out) {
  std::signal(SIGPIPE, SIG_IGN);
  stdio_ = true;
  // Ours alone: the supervisor (through ssh) vouches for itself by reaching
  // this process at all, so no secret; one session is all there is.
  config_.secret.clear();
  config_.tls.reset();
  config_.max_connections = 1;
  // The remote end of ssh going away (a dropped connection) is a SIGHUP.
  stop_signals_.add(SIGHUP);
  worker_name_ = host_name_ + ":stdio";
  Log((catalog_ != nullptr ? "serving " + std::to_string(catalog_->size()) + " tests"
                           : std::string("serving any build shipped to it")) +
      " with " + std::to_string(config_.jobs) + " slots on stdin/stdout");
  WaitForStopSignals();
  boost::asio::posix::stream_descriptor input(io_, in);
  boost::asio::posix::stream_descriptor output(io_, out);
  auto session = std::make_shared<WorkerSession>(
      *this, NetStream(std::move(input), std::move(output)), "stdio supervisor");
  sessions_.insert(session);
  session->Start();
  io_.run();
  return 0;
}

void WorkerServer::WaitForStopSignals() {
  stop_signals_.async_wait([this](const boost::system::error_code& e, int signal) {
    if (!e) {
      Log(std::string("stopping on ") + (signal == SIGTERM  ? "SIGTERM"
                                         : signal == SIGINT ? "SIGINT"
                                                            : "SIGHUP"));
      Stop();
    }
  });
}

void WorkerServer::DoAccept() {
  // Close-on-exec from the start: the tests this worker runs must not hold a
  // supervisor's connection (nor keep it open after this process died).
  AsyncAcceptCloseOnExec(acceptor_, [this](const boost::system::error_code& error,
                                           boost::asio::ip::tcp::socket socket) {
    if (error == boost::asio::error::operation_aborted || stopping_) return;
    if (!error) {
      MakeRoomForHandshake();
      boost::system::error_code ignored;
      socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
      auto session = std::make_shared<WorkerSession>(*this, std::move(socket));
      sessions_.insert(session);
      handshakes_.push_back(session);
      session->Start();
    } else {
      Log("accept failed: " + error.message());
    }
    DoAccept();
  });
}

void WorkerServer::MakeRoomForHandshake() {
  int in_handshake = 0;
  for (auto it = handshakes_.begin(); it != handshakes_.end();) {
    auto session = it->lock();
    if (!session || session->closed() || session->authenticated()) {
      it = handshakes_.erase(it);
    } else {
      ++in_handshake;
      ++it;
    }
  }
  while (in_handshake >= config_.max_handshakes && !handshakes_.empty()) {
    auto oldest = handshakes_.front().lock();
    handshakes_.pop_front();
    if (!oldest) continue;
    Log(oldest->peer() + ": closed: " + std::to_string(in_handshake) +
        " connections are in their handshake (the limit); the oldest makes room");
    oldest->Close("");
    --in_handshake;
  }
}

void WorkerServer::Stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  pending_.clear();
  auto sessions = sessions_;
  for (const auto& session : sessions) session->Close("worker stopping");
  stop_signals_.cancel(ignored);
  io_.stop();
}

void WorkerServer::Enqueue(const std::shared_ptr<WorkerSession>& session,
                           protocol::RunChunk chunk) {
  pending_.push_back(Pending{session, std::move(chunk)});
  StartQueued();
}

std::optional<protocol::ChunkCut> WorkerServer::CutQueued(const WorkerSession* session,
                                                          std::int64_t chunk_id, int from_index) {
  for (Pending& pending : pending_) {
    if (pending.chunk.chunk_id != chunk_id || pending.session.lock().get() != session) continue;
    std::vector<int>& tests = pending.chunk.tests;
    protocol::ChunkCut reply;
    reply.chunk_id = chunk_id;
    // Its first test stays: a chunk is never cut whole.
    for (auto it = tests.begin(); it != tests.end();) {
      if (it != tests.begin() && *it >= from_index) {
        reply.tests.push_back(*it);
        it = tests.erase(it);
      } else {
        ++it;
      }
    }
    std::sort(reply.tests.begin(), reply.tests.end());
    return reply;
  }
  return std::nullopt;
}

void WorkerServer::StartQueued() {
  while (running_ < config_.jobs && !pending_.empty() && !stopping_) {
    Pending next = std::move(pending_.front());
    pending_.pop_front();
    auto session = next.session.lock();
    if (!session) continue;
    std::weak_ptr<WorkerSession> weak_session = session;
    const std::int64_t chunk_id = next.chunk.chunk_id;
    auto runner = std::make_shared<ChunkRunner>(
        io_, reaper_, session->child_command(), std::move(next.chunk), worker_name_,
        [this, weak_session, chunk_id](protocol::Message&& event) {
          auto owner = weak_session.lock();
          if (!owner) return;
          const bool chunk_done = std::holds_alternative<protocol::ChunkFinished>(event);
          owner->Send(event);
          if (chunk_done) {
            // Defer: the runner is still on the stack.
            boost::asio::post(io_, [this, owner, chunk_id] {
              if (owner->RemoveRunner(chunk_id)) {
                --running_;
                StartQueued();
              }
            });
          }
        });
    ++running_;
    session->AddRunner(runner);
    runner->Start();
  }
}

bool WorkerServer::AwaitUpload(const std::string& digest,
                               const std::shared_ptr<WorkerSession>& session) {
  const auto [it, fresh] = in_flight_.try_emplace(digest);
  if (fresh || it->second.uploader == session.get()) {
    it->second.uploader = session.get();
    return false;
  }
  it->second.waiters.push_back(session);
  return true;
}

void WorkerServer::UploadEnded(const std::string& digest, bool stored) {
  const auto it = in_flight_.find(digest);
  if (it == in_flight_.end()) return;
  InFlight flight = std::move(it->second);
  in_flight_.erase(it);
  std::vector<std::shared_ptr<WorkerSession>> waiters;
  for (const auto& weak : flight.waiters) {
    if (auto waiter = weak.lock(); waiter && !waiter->closed()) waiters.push_back(waiter);
  }
  if (stored) {
    for (const auto& waiter : waiters) waiter->OnAwaitedStored(digest);
    return;
  }
  if (waiters.empty()) return;
  // The oldest waiter receives it now; the others keep waiting, for it.
  InFlight& next = in_flight_[digest];
  next.uploader = waiters.front().get();
  next.waiters.assign(waiters.begin() + 1, waiters.end());
  waiters.front()->OnAwaitedLost(digest);
}

void WorkerServer::OnSessionClosed(const std::shared_ptr<WorkerSession>& session) {
  for (const auto& runner : session->TakeRunners()) {
    runner->Cancel();
    --running_;
  }
  if (session->authenticated()) --authenticated_;
  sessions_.erase(session);
  // No supervisor left: no template of a build stays running (it would hold
  // the build's files busy, and its memory, until the next run).
  if (sessions_.empty()) reaper_.warm_templates().DropIdle();
  if (stdio_) {
    if (stopping_) return;
    // The one supervisor is gone: so is this worker (its children are
    // cancelled above).
    Stop();
    return;
  }
#if defined(__GLIBC__)
  // Give what the connection's buffers and messages took back to the system:
  // glibc keeps freed memory in its heap, where a worker that once read a
  // large frame would hold it for good. Posted: the connection's read
  // handler, and the frame it holds, are still on the stack here.
  boost::asio::post(io_, [] { malloc_trim(0); });
#endif
  StartQueued();
}

}  // namespace gtest_dist
