// One stream socket speaking the frame protocol: reads frames and hands each
// decoded message to a handler, writes messages with one outstanding write and
// a queue behind it. Used for supervisor <-> worker (TCP) and worker <-> child
// (a Unix socketpair).
#ifndef GTEST_DIST_PROTOCOL_FRAME_CONNECTION_H_
#define GTEST_DIST_PROTOCOL_FRAME_CONNECTION_H_

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest_dist/protocol/frame_integrity.h"
#include "gtest_dist/protocol/net_stream.h"
#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {

// Owned through shared_ptr: every pending read or write keeps it alive, so it
// lives exactly as long as it has work in flight or an owner.
template <typename Socket>
class FrameConnection : public std::enable_shared_from_this<FrameConnection<Socket>> {
 public:
  using MessageHandler = std::function<void(protocol::Message&&)>;
  // Called once when the connection ends: `reason` is empty for an orderly
  // close by the peer, else says what went wrong (I/O error, bad frame).
  using CloseHandler = std::function<void(const std::string& reason)>;

  explicit FrameConnection(Socket socket)
      : socket_(std::move(socket)),
        heartbeat_timer_(socket_.get_executor()),
        silence_timer_(socket_.get_executor()) {}

  // Sends a Heartbeat every `interval` and closes the connection when nothing
  // at all arrives for `timeout`: how a cut link (no FIN, no RST) is noticed.
  // Heartbeats are consumed here; the message handler never sees them.
  void EnableHeartbeat(std::chrono::milliseconds interval, std::chrono::milliseconds timeout) {
    heartbeat_interval_ = interval;
    silence_timeout_ = timeout;
    DoHeartbeat();
    ArmSilenceTimer();
  }

  // Starts reading. Handlers run on the socket's executor.
  void Start(MessageHandler on_message, CloseHandler on_close) {
    on_message_ = std::move(on_message);
    on_close_ = std::move(on_close);
    DoRead();
  }

  // Frames larger than this are refused from now on (before the handshake:
  // protocol::kMaxHandshakeFrameBytes). `context` is named in the error.
  void SetMaxFrameBytes(std::uint32_t bytes, std::string context = "") {
    decoder_.SetMaxFrameBytes(bytes, std::move(context));
  }

  // From now on every frame sent carries a tag made with `key`
  // (protocol/frame_integrity.h).
  void SealSent(std::string key) {
    send_authenticator_ = std::make_unique<protocol::FrameAuthenticator>(std::move(key));
  }
  // From now on every frame received must carry a valid tag made with `key`;
  // the first one that does not closes the connection. Called from the
  // message handler, it applies from the next frame on.
  void OpenReceived(std::string key) {
    receive_authenticator_ = std::make_unique<protocol::FrameAuthenticator>(std::move(key));
  }

  void Send(const protocol::Message& message) {
    if (closed_ || close_after_write_) return;
    std::string payload = protocol::EncodePayload(message);
    if (send_authenticator_) send_authenticator_->Seal(&payload);
    write_queue_.push_back(protocol::FrameOf(payload));
    if (write_queue_.size() == 1) DoWrite();
  }

  // Sends what is queued, then closes (a Refusal before hanging up). Nothing
  // more is read, sent or handed to the message handler meanwhile: after a
  // refusal the peer has nothing more to say.
  void SendAndClose(const protocol::Message& message) {
    Send(message);
    close_after_write_ = true;
    if (write_queue_.empty()) Close("");
  }

  // Closes now; the close handler runs with `reason` unless it already ran.
  void Close(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    heartbeat_timer_.cancel();
    silence_timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
    write_queue_.clear();
    on_written_ = nullptr;
    if (on_close_) {
      auto handler = std::move(on_close_);
      on_close_ = nullptr;
      on_message_ = nullptr;
      handler(reason);
    }
  }

  bool closed() const { return closed_; }
  Socket& socket() { return socket_; }
  // Frames queued and not yet written: a sender of bulk data (a shipped
  // build) keeps this small, so that it never holds a whole file in memory.
  std::size_t queued_frames() const { return write_queue_.size(); }
  // Called after each frame is written, until the connection closes.
  void SetOnWritten(std::function<void()> on_written) { on_written_ = std::move(on_written); }
  // Bytes read from the peer so far (what a child's event spill is matched
  // against: run/event_batcher.h).
  std::uint64_t bytes_received() const { return bytes_received_; }

 private:
  void DoRead() {
    auto self = this->shared_from_this();
    socket_.async_read_some(
        boost::asio::buffer(read_buffer_),
        [self](const boost::system::error_code& error, std::size_t n) { self->OnRead(error, n); });
  }

  void OnRead(const boost::system::error_code& error, std::size_t bytes) {
    if (closed_ || close_after_write_) return;
    if (error) {
      Close(error == boost::asio::error::eof ? std::string() : error.message());
      return;
    }
    decoder_.Append(read_buffer_.data(), bytes);
    bytes_received_ += bytes;
    ArmSilenceTimer();
    std::string payload, problem;
    for (;;) {
      const auto status = decoder_.Next(&payload, &problem);
      if (status == protocol::FrameDecoder::Status::kNeedMore) break;
      protocol::Message message;
      if (status == protocol::FrameDecoder::Status::kError ||
          (receive_authenticator_ && !receive_authenticator_->Open(&payload, &problem)) ||
          !protocol::DecodePayload(payload, &message, &problem)) {
        Close(problem);
        return;
      }
      if (!std::holds_alternative<protocol::Heartbeat>(message)) {
        on_message_(std::move(message));
        // The handler may close us, or refuse the peer: then the rest of
        // what it sent is not even looked at.
        if (closed_ || close_after_write_) return;
      }
    }
    DoRead();
  }

  void DoHeartbeat() {
    if (closed_) return;
    auto self = this->shared_from_this();
    heartbeat_timer_.expires_after(heartbeat_interval_);
    heartbeat_timer_.async_wait([self](const boost::system::error_code& error) {
      if (error || self->closed_) return;
      self->Send(protocol::Heartbeat{});
      self->DoHeartbeat();
    });
  }

  void ArmSilenceTimer() {
    if (silence_timeout_.count() == 0 || closed_) return;
    // Re-arming cancels the pending wait, whose handler then sees the error.
    silence_timer_.expires_after(silence_timeout_);
    auto self = this->shared_from_this();
    silence_timer_.async_wait([self](const boost::system::error_code& error) {
      if (error || self->closed_) return;
      self->Close("nothing received for " + std::to_string(self->silence_timeout_.count()) +
                  " ms (heartbeat timeout)");
    });
  }

  void DoWrite() {
    // Everything queued goes in one write: a burst of events (a child's
    // batch, forwarded by a worker) costs one system call, not one a frame.
    write_buffers_.clear();
    std::size_t bytes = 0;
    for (const std::string& frame : write_queue_) {
      if (write_buffers_.size() == kMaxBuffersPerWrite || bytes >= kWriteBatchBytes) break;
      write_buffers_.push_back(boost::asio::buffer(frame));
      bytes += frame.size();
    }
    auto self = this->shared_from_this();
    boost::asio::async_write(
        socket_, write_buffers_,
        [self](const boost::system::error_code& error, std::size_t) { self->OnWrite(error); });
  }

  void OnWrite(const boost::system::error_code& error) {
    if (closed_) return;
    if (error) {
      Close(error.message());
      return;
    }
    write_queue_.erase(write_queue_.begin(),
                       write_queue_.begin() + static_cast<long>(write_buffers_.size()));
    if (!write_queue_.empty()) {
      DoWrite();
    } else if (close_after_write_) {
      Close("");
    }
    if (on_written_ && !closed_ && !close_after_write_) on_written_();
  }

  Socket socket_;
  MessageHandler on_message_;
  CloseHandler on_close_;
  std::function<void()> on_written_;
  protocol::FrameDecoder decoder_;
  std::unique_ptr<protocol::FrameAuthenticator> send_authenticator_;
  std::unique_ptr<protocol::FrameAuthenticator> receive_authenticator_;
  std::array<char, 64 * 1024> read_buffer_{};
  // At most this many frames (an iovec's worth) or bytes per write.
  static constexpr std::size_t kMaxBuffersPerWrite = 64;
  static constexpr std::size_t kWriteBatchBytes = std::size_t{256} * 1024;
  std::deque<std::string> write_queue_;
  std::vector<boost::asio::const_buffer> write_buffers_;  // of the write in flight
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer silence_timer_;
  std::chrono::milliseconds heartbeat_interval_{0};
  std::chrono::milliseconds silence_timeout_{0};
  std::uint64_t bytes_received_ = 0;
  bool close_after_write_ = false;
  bool closed_ = false;
};

// Supervisor <-> worker, over TCP or TLS.
using TcpConnection = FrameConnection<NetStream>;
using LocalConnection = FrameConnection<boost::asio::local::stream_protocol::socket>;

extern template class FrameConnection<boost::asio::ip::tcp::socket>;
extern template class FrameConnection<boost::asio::local::stream_protocol::socket>;

}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_FRAME_CONNECTION_H_
