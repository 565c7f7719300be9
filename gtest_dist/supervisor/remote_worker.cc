#include "gtest_dist/supervisor/remote_worker.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "gtest_dist/protocol/auth.h"
#include "gtest_dist/protocol/close_on_exec.h"
#include "gtest_dist/protocol/peer_text.h"
#include "gtest_dist/protocol/tls.h"
#include "gtest_dist/supervisor/ssh_process.h"

namespace gtest_dist {
namespace {

// Which certificate check failed ("unable to get local issuer certificate",
// "hostname mismatch"), or nothing when the chain was not the problem.
std::string VerifyDetail(NetStream::TlsStream& tls) {
  const long verdict = SSL_get_verify_result(tls.native_handle());
  if (verdict == X509_V_OK) return "";
  return std::string(": ") + X509_verify_cert_error_string(verdict);
}

}  // namespace

RemoteWorker::RemoteWorker(boost::asio::io_context& io, std::string host, int port,
                           protocol::Hello hello, std::chrono::milliseconds connect_timeout,
                           std::chrono::milliseconds heartbeat_timeout, std::string secret,
                           std::shared_ptr<boost::asio::ssl::context> tls,
                           std::shared_ptr<BuildSource> build)
    : io_(io),
      host_(std::move(host)),
      port_(port),
      name_((host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" +
            std::to_string(port_)),
      hello_(std::move(hello)),
      connect_timeout_(connect_timeout),
      heartbeat_timeout_(heartbeat_timeout),
      secret_(std::move(secret)),
      tls_(std::move(tls)),
      resolver_(io),
      deadline_(io),
      alive_(std::make_shared<bool>(true)),
      build_source_(std::move(build)) {}

RemoteWorker::RemoteWorker(boost::asio::io_context& io, std::string name,
                           std::vector<std::string> ssh_argv, protocol::Hello hello,
                           std::chrono::milliseconds connect_timeout,
                           std::chrono::milliseconds heartbeat_timeout,
                           std::shared_ptr<BuildSource> build)
    : io_(io),
      port_(0),
      name_(std::move(name)),
      hello_(std::move(hello)),
      connect_timeout_(connect_timeout),
      heartbeat_timeout_(heartbeat_timeout),
      resolver_(io),
      deadline_(io),
      ssh_argv_(std::move(ssh_argv)),
      alive_(std::make_shared<bool>(true)),
      build_source_(std::move(build)) {}

RemoteWorker::~RemoteWorker() {
  *alive_ = false;
  if (send_fd_ >= 0) ::close(send_fd_);
  if (connection_) connection_->Close("");
  ssh_.reset();  // after the close: the end of its stdin is the goodbye
}

void RemoteWorker::Start(Callbacks callbacks) {
  callbacks_ = std::move(callbacks);
  std::weak_ptr<bool> alive = alive_;
  // One deadline covers resolving, connecting (or ssh's whole start) and the
  // hello exchange.
  deadline_.expires_after(connect_timeout_);
  deadline_.async_wait([this, alive](const boost::system::error_code& error) {
    if (error || alive.expired() || ready_ || gone_) return;
    Lose("no answer within " + std::to_string(connect_timeout_.count()) +
             " ms (--dist-connect-timeout)" + (ssh_ ? ssh_->Diagnosis() : std::string()),
         LossKind::kTransient);
  });
  if (!ssh_argv_.empty()) {
    StartSsh();
    return;
  }
  resolver_.async_resolve(
      host_, std::to_string(port_),
      [this, alive](const boost::system::error_code& error,
                    boost::asio::ip::tcp::resolver::results_type results) {
        if (alive.expired() || gone_) return;
        if (error) {
          Lose("cannot resolve " + host_ + ": " + error.message(), LossKind::kTransient);
          return;
        }
        auto socket = std::make_shared<boost::asio::ip::tcp::socket>(io_);
        // Close-on-exec: local slots start test processes meanwhile.
        AsyncConnectCloseOnExec(
            socket, results, [this, alive, socket](const boost::system::error_code& connect_error) {
              if (alive.expired() || gone_) return;
              if (connect_error) {
                Lose("cannot connect: " + connect_error.message(), LossKind::kTransient);
                return;
              }
              boost::system::error_code ignored;
              socket->set_option(boost::asio::ip::tcp::no_delay(true), ignored);
              if (tls_) {
                Handshake(std::make_shared<NetStream>(std::move(*socket), *tls_));
                return;
              }
              connection_ = std::make_shared<TcpConnection>(NetStream(std::move(*socket)));
              OnConnected();
            });
      });
}

void RemoteWorker::StartSsh() {
  std::string error;
  ssh_ = SshProcess::Start(io_, ssh_argv_, &error);
  if (!ssh_) {
    // Reported from the io_context, as a connection failure is: the caller
    // of Start() expects no callback before it returns.
    std::weak_ptr<bool> alive = alive_;
    boost::asio::post(io_, [this, alive, error] {
      if (!alive.expired()) Lose(error, LossKind::kPermanent);
    });
    return;
  }
  connection_ = std::make_shared<TcpConnection>(ssh_->TakeStream());
  OnConnected();
}

void RemoteWorker::LoseSsh(const std::string& reason) {
  std::weak_ptr<bool> alive = alive_;
  // ssh closes its stdout before it has finished saying why on stderr.
  ssh_->WhenFinished(std::chrono::milliseconds(2000), [this, alive, reason] {
    if (alive.expired() || gone_) return;
    std::string what;
    if (!reason.empty()) {
      what = "connection lost: " + PeerText(reason);
    } else if (ready_) {
      what = "the worker closed the connection";
    } else {
      what = "ssh ended before the worker answered";
    }
    Lose(what + ssh_->Diagnosis(), LossKind::kTransient);
  });
}

void RemoteWorker::Handshake(std::shared_ptr<NetStream> stream) {
  // The certificate must be for the name (or address) we were told to reach.
  NetStream::TlsStream& tls = *stream->tls();
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(host_, not_an_address);
  if (not_an_address) SSL_set_tlsext_host_name(tls.native_handle(), host_.c_str());
  tls.set_verify_callback(boost::asio::ssl::host_name_verification(host_));
  std::weak_ptr<bool> alive = alive_;
  tls.async_handshake(
      boost::asio::ssl::stream_base::client,
      [this, alive, stream](const boost::system::error_code& error) {
        if (alive.expired() || gone_) return;
        if (error) {
          // A certificate problem does not heal by retrying.
          Lose("TLS handshake failed: " + DescribeTlsError(error) + VerifyDetail(*stream->tls()),
               LossKind::kPermanent);
          return;
        }
        connection_ = std::make_shared<TcpConnection>(std::move(*stream));
        OnConnected();
      });
}

void RemoteWorker::OnConnected() {
  std::weak_ptr<bool> alive = alive_;
  connection_->SetMaxFrameBytes(protocol::kMaxHandshakeFrameBytes, "before the worker is ready");
  connection_->Start(
      [this, alive](protocol::Message&& message) {
        if (!alive.expired()) OnMessage(std::move(message));
      },
      [this, alive](const std::string& reason) {
        if (alive.expired() || gone_) return;
        if (ssh_) {
          LoseSsh(reason);
          return;
        }
        if (tls_ && !ready_ && !reason.empty()) {
          // With TLS 1.3 a worker checks our certificate after our side of
          // the handshake is done: its verdict arrives as an alert here.
          Lose("TLS handshake failed: the worker refused this supervisor: " + PeerText(reason),
               LossKind::kPermanent);
          return;
        }
        Lose(reason.empty() ? "the worker closed the connection"
                            : "connection lost: " + PeerText(reason),
             LossKind::kTransient);
      });
  // A fresh nonce for every connection: a recorded handshake is worthless.
  hello_.nonce = secret_.empty() ? std::string() : NewNonce();
  hello_.proof.clear();
  connection_->Send(hello_);
}

void RemoteWorker::OnMessage(protocol::Message&& message) {
  if (gone_) return;
  if (auto* refusal = std::get_if<protocol::Refusal>(&message)) {
    // A busy worker may have room later (and meanwhile the run may fall
    // back to local slots); any other refusal stands.
    Lose("refused: " + PeerText(refusal->reason),
         refusal->busy ? LossKind::kFull : LossKind::kPermanent);
    return;
  }
  if (!greeted_) {
    auto* hello = std::get_if<protocol::Hello>(&message);
    if (hello == nullptr) {
      Lose(std::string("expected hello, got ") + protocol::MessageTypeName(message),
           LossKind::kPermanent);
      return;
    }
    OnHello(*hello);
    return;
  }
  if (shipping_) {
    // A second BuildWant asks for files another supervisor was to send the
    // worker and did not.
    if (auto* want = std::get_if<protocol::BuildWant>(&message)) {
      OnBuildWant(*want);
    } else if (auto* built = std::get_if<protocol::BuildReady>(&message); built && wanted_) {
      OnBuildReady(*built);
    } else {
      Lose(std::string("sent an unexpected ") + protocol::MessageTypeName(message) +
               " while the build was shipped",
           LossKind::kPermanent);
    }
    return;
  }
  if (!ready_) {
    auto* ready = std::get_if<protocol::Ready>(&message);
    if (ready == nullptr) {
      Lose(std::string("expected ready, got ") + protocol::MessageTypeName(message),
           LossKind::kPermanent);
      return;
    }
    OnReady(*ready);
    return;
  }
  const bool chunk_event = std::holds_alternative<protocol::TestStarted>(message) ||
                           std::holds_alternative<protocol::TestPartReported>(message) ||
                           std::holds_alternative<protocol::TestFinished>(message) ||
                           std::holds_alternative<protocol::PropertiesRecorded>(message) ||
                           std::holds_alternative<protocol::TestArtifact>(message) ||
                           std::holds_alternative<protocol::ChunkCut>(message) ||
                           std::holds_alternative<protocol::SuiteTiming>(message) ||
                           std::holds_alternative<protocol::ChunkFinished>(message);
  if (!chunk_event) {
    Lose(std::string("sent an unexpected ") + protocol::MessageTypeName(message),
         LossKind::kPermanent);
    return;
  }
  callbacks_.on_event(this, std::move(message));
}

void RemoteWorker::OnHello(const protocol::Hello& hello) {
  if (hello.protocol != protocol::kProtocolVersion) {
    Lose("speaks protocol version " + std::to_string(hello.protocol) +
             "; this supervisor speaks version " + std::to_string(protocol::kProtocolVersion),
         LossKind::kPermanent);
    return;
  }
  if (hello.role != "worker") {
    Lose("sent an invalid hello (role \"" + PeerText(hello.role) + "\")", LossKind::kPermanent);
    return;
  }
  if (secret_.empty()) {
    if (!hello.nonce.empty()) {
      Lose("requires a shared secret: give this supervisor the same --dist-secret-file",
           LossKind::kPermanent);
      return;
    }
    greeted_ = true;  // the worker says who it is next, in its ready
    return;
  }
  if (hello.proof.empty()) {
    Lose(
        "has no shared secret, so it cannot prove who it is; not sending it tests "
        "(start it with the same --dist-secret-file)",
        LossKind::kPermanent);
    return;
  }
  if (!ProofsEqual(hello.proof, WorkerProof(secret_, hello_.nonce, hello.nonce))) {
    Lose("failed authentication: its proof does not match this supervisor's secret",
         LossKind::kPermanent);
    return;
  }
  greeted_ = true;
  SessionKeys keys = DeriveSessionKeys(secret_, hello_.nonce, hello.nonce);
  // The worker tags every frame after its hello; we tag every frame after
  // our auth.
  connection_->OpenReceived(std::move(keys.worker_to_supervisor));
  connection_->Send(protocol::Auth{SupervisorProof(secret_, hello.nonce, hello_.nonce)});
  connection_->SealSent(std::move(keys.supervisor_to_worker));
}

void RemoteWorker::OnReady(const protocol::Ready& ready) {
  if (ready.build_cache) {
    slots_ = ready.slots;
    StartShipping();
    return;
  }
  const std::string mismatch =
      protocol::DescribeFingerprintMismatch(hello_.fingerprint, ready.fingerprint);
  if (!mismatch.empty()) {
    Lose("runs a different test binary: " + PeerText(mismatch), LossKind::kPermanent);
    return;
  }
  slots_ = ready.slots;
  connection_->SetMaxFrameBytes(protocol::kMaxFrameBytes);
  connection_->EnableHeartbeat(std::chrono::milliseconds(protocol::kHeartbeatIntervalMs),
                               heartbeat_timeout_);
  BecomeReady();
}

void RemoteWorker::BecomeReady() {
  ready_ = true;
  deadline_.cancel();
  callbacks_.on_ready(this);
}

void RemoteWorker::StartShipping() {
  if (!build_source_) {
    Lose("is a generic worker (gtest_dist worker), and this run has no build to ship it",
         LossKind::kPermanent);
    return;
  }
  // Timed from here: the first connection to a generic worker also pays for
  // reading and digesting the build's files (once per process).
  ship_start_ = std::chrono::steady_clock::now();
  std::string error;
  build_ = build_source_->Get(&error);
  if (build_ == nullptr) {
    Lose("cannot ship the build: " + error, LossKind::kPermanent);
    return;
  }
  // Shipping takes as long as the bytes take: the heartbeat, not the
  // connect deadline, says whether the worker is still there.
  deadline_.cancel();
  connection_->SetMaxFrameBytes(protocol::kMaxFrameBytes);
  connection_->EnableHeartbeat(std::chrono::milliseconds(protocol::kHeartbeatIntervalMs),
                               heartbeat_timeout_);
  shipping_ = true;
  connection_->Send(build_->manifest);
}

void RemoteWorker::OnBuildWant(const protocol::BuildWant& want) {
  wanted_ = true;
  for (const std::string& digest : want.digests) {
    if (build_->sources.count(digest) == 0 || !asked_.insert(digest).second) {
      Lose("asked for a file that is not in the manifest, or twice (" + digest + ")",
           LossKind::kPermanent);
      return;
    }
    to_send_.push_back(digest);
  }
  shipped_files_ = shipped_bytes_ = shipped_entry_bytes_ = 0;
  std::set<std::string> counted;
  for (const auto& file : build_->manifest.files) {
    if (asked_.count(file.digest) == 0) continue;
    ++shipped_files_;
    shipped_entry_bytes_ += file.size;
    if (counted.insert(file.digest).second) shipped_bytes_ += file.size;
  }
  std::weak_ptr<bool> alive = alive_;
  connection_->SetOnWritten([this, alive] {
    if (!alive.expired() && shipping_ && !gone_) SendBlobs();
  });
  SendBlobs();
}

// Keeps a few pieces queued on the connection: the file is read as the
// socket takes it, never held whole.
void RemoteWorker::SendBlobs() {
  constexpr std::size_t kFramesInFlight = 4;
  while (!gone_ && connection_->queued_frames() < kFramesInFlight) {
    if (send_fd_ < 0) {
      if (to_send_.empty()) return;
      const std::string& digest = to_send_.front();
      const std::string& path = build_->sources.at(digest);
      send_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (send_fd_ < 0) {
        Lose("cannot read " + path + " to ship it: " + std::strerror(errno), LossKind::kPermanent);
        return;
      }
      send_offset_ = 0;
      send_size_ = 0;
      for (const auto& file : build_->manifest.files) {
        if (file.digest == digest) send_size_ = file.size;
      }
    }
    protocol::Blob blob;
    blob.digest = to_send_.front();
    blob.offset = send_offset_;
    const std::uint64_t left = send_size_ - send_offset_;
    blob.data.resize(
        static_cast<std::size_t>(std::min<std::uint64_t>(left, protocol::kMaxBlobPieceBytes)));
    const ssize_t n =
        ::pread(send_fd_, blob.data.data(), blob.data.size(), static_cast<off_t>(send_offset_));
    if (n != static_cast<ssize_t>(blob.data.size())) {
      Lose("cannot ship " + build_->sources.at(blob.digest) +
               ": it changed since the run started (shorter, or unreadable)",
           LossKind::kPermanent);
      return;
    }
    send_offset_ += blob.data.size();
    if (send_offset_ == send_size_) {
      ::close(send_fd_);
      send_fd_ = -1;
      to_send_.pop_front();
    }
    connection_->Send(blob);
  }
}

void RemoteWorker::OnBuildReady(const protocol::BuildReady&) {
  if (!to_send_.empty() || send_fd_ >= 0) {
    Lose("said the build was ready before it had every file", LossKind::kPermanent);
    return;
  }
  shipping_ = false;
  connection_->SetOnWritten(nullptr);
  WorkerShipping shipped;
  shipped.worker = name_;
  shipped.files_total = build_->manifest.files.size();
  shipped.files_shipped = shipped_files_;
  shipped.bytes_shipped = shipped_bytes_;
  shipped.bytes_cached = build_->total_bytes - shipped_entry_bytes_;
  shipped.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - ship_start_)
                           .count();
  if (callbacks_.on_shipped) {
    callbacks_.on_shipped(this, shipped);
  } else {
    std::fprintf(stderr, "gtest_dist: %s\n", ShippingLine(shipped).c_str());
    std::fflush(stderr);
  }
  if (gone_) return;  // the run ended meanwhile
  BecomeReady();
}

void RemoteWorker::Run(const protocol::RunChunk& chunk) {
  if (connection_ && !gone_) connection_->Send(chunk);
}

void RemoteWorker::Cut(std::int64_t chunk_id, int from_index) {
  if (connection_ && !gone_) connection_->Send(protocol::CutChunk{chunk_id, from_index});
}

void RemoteWorker::Stop() {
  gone_ = true;
  deadline_.cancel();
  resolver_.cancel();
  // Over ssh, the end of stdin is the goodbye, even before the worker has
  // answered: ssh passes it on once connected, the worker ends, then ssh (the
  // destructor waits for that, and only then insists, so that nothing is left
  // running over there).
  if (connection_) connection_->Close("");
}

void RemoteWorker::Lose(const std::string& reason, LossKind kind) {
  const bool retryable = kind != LossKind::kPermanent;
  if (gone_) return;
  gone_ = true;
  deadline_.cancel();
  bool refusing = false;
  if (connection_) {
    // Tell the worker why we hang up, so that its log says it too.
    if (!retryable && !connection_->closed()) {
      connection_->SendAndClose(protocol::Refusal{"the supervisor refused this worker: " + reason});
      refusing = true;
    } else {
      connection_->Close("");
    }
  }
  // The channel is gone: nothing more to say over ssh, and the executor's
  // end (a reconnect makes a new one) must not wait on it. A refusal on its
  // way ends the worker, and ssh, by itself.
  if (ssh_ && !refusing) ssh_->Terminate();
  callbacks_.on_lost(this, reason, kind);
}

}  // namespace gtest_dist
