// The byte stream between a supervisor and a worker: a TCP socket, TLS over
// it (--dist-tls-*), or a pair of pipes (a worker over ssh: the supervisor
// holds ssh's stdin and stdout, the worker its own). One type for all, so that
// the frame protocol, heartbeats and every session above it have a single
// code path.
#ifndef GTEST_DIST_PROTOCOL_NET_STREAM_H_
#define GTEST_DIST_PROTOCOL_NET_STREAM_H_

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <utility>

namespace gtest_dist {

class NetStream {
 public:
  // Asio's stream concepts require this name.
  using executor_type =  // NOLINT(readability-identifier-naming)
      boost::asio::ip::tcp::socket::executor_type;
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
  // The socket's own name for it, so that callers read as they would on a socket.
  static constexpr auto shutdown_both =  // NOLINT(readability-identifier-naming)
      boost::asio::ip::tcp::socket::shutdown_both;

  // Plain TCP.
  explicit NetStream(boost::asio::ip::tcp::socket socket) : tcp_(std::move(socket)) {}
  // TLS over `socket`; the handshake is the caller's (tls()->async_handshake).
  NetStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context)
      : tcp_(socket.get_executor()),
        tls_(std::make_unique<TlsStream>(std::move(socket), context)) {}

  // A pair of descriptors: bytes are read from `in` and written to `out`
  // (a worker's stdin and stdout under --stdio, or ssh's stdout and stdin).
  NetStream(boost::asio::posix::stream_descriptor in, boost::asio::posix::stream_descriptor out)
      : tcp_(in.get_executor()),
        pipes_(std::make_unique<Pipes>(Pipes{std::move(in), std::move(out)})) {}

  NetStream(NetStream&&) = default;
  NetStream& operator=(NetStream&&) = default;

  executor_type get_executor() { return tcp_.get_executor(); }

  // Null for plain TCP.
  TlsStream* tls() { return tls_.get(); }
  boost::asio::ip::tcp::socket& tcp() { return tls_ ? tls_->next_layer() : tcp_; }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (pipes_) {
      pipes_->in.async_read_some(buffers, std::forward<Handler>(handler));
    } else if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (pipes_) {
      pipes_->out.async_write_some(buffers, std::forward<Handler>(handler));
    } else if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // Ends the TCP connection. No TLS close_notify: the frame protocol knows
  // where its messages end, so a truncation attack gains nothing, and a close
  // must never wait on a peer that may be gone. Pipes have no half-close
  // that matters here: closing them (close) is the goodbye.
  void shutdown(boost::asio::ip::tcp::socket::shutdown_type what,
                boost::system::error_code& error) {
    if (pipes_) return;
    tcp().shutdown(what, error);
  }
  void close(boost::system::error_code& error) {
    if (pipes_) {
      pipes_->in.close(error);
      pipes_->out.close(error);
      return;
    }
    tcp().close(error);
  }

 private:
  struct Pipes {
    boost::asio::posix::stream_descriptor in;
    boost::asio::posix::stream_descriptor out;
  };
  boost::asio::ip::tcp::socket tcp_;  // unused (moved into tls_) with TLS or pipes
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<Pipes> pipes_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_NET_STREAM_H_
