// The byte stream between a supervisor and a worker: a TCP socket, or TLS
// over it (--dist-tls-*). One type for both, so that the frame protocol,
// heartbeats and every session above it have a single code path.
#ifndef GTEST_DIST_PROTOCOL_NET_STREAM_H_
#define GTEST_DIST_PROTOCOL_NET_STREAM_H_

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <utility>

namespace gtest_dist {

class NetStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
  static constexpr auto shutdown_both = boost::asio::ip::tcp::socket::shutdown_both;

  // Plain TCP.
  explicit NetStream(boost::asio::ip::tcp::socket socket) : tcp_(std::move(socket)) {}
  // TLS over `socket`; the handshake is the caller's (tls()->async_handshake).
  NetStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context)
      : tcp_(socket.get_executor()),
        tls_(std::make_unique<TlsStream>(std::move(socket), context)) {}

  NetStream(NetStream&&) = default;
  NetStream& operator=(NetStream&&) = default;

  executor_type get_executor() { return tcp_.get_executor(); }

  // Null for plain TCP.
  TlsStream* tls() { return tls_.get(); }
  boost::asio::ip::tcp::socket& tcp() { return tls_ ? tls_->next_layer() : tcp_; }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // Ends the TCP connection. No TLS close_notify: the frame protocol knows
  // where its messages end, so a truncation attack gains nothing, and a close
  // must never wait on a peer that may be gone.
  void shutdown(boost::asio::ip::tcp::socket::shutdown_type what,
                boost::system::error_code& error) {
    tcp().shutdown(what, error);
  }
  void close(boost::system::error_code& error) { tcp().close(error); }

 private:
  boost::asio::ip::tcp::socket tcp_;  // unused (moved into tls_) with TLS
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_NET_STREAM_H_
