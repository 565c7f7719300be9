#include "gtest_dist/protocol/close_on_exec.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace gtest_dist {
namespace {

using boost::asio::ip::tcp;

boost::system::error_code LastError() { return {errno, boost::system::system_category()}; }

int NewSocket(const tcp& protocol, boost::system::error_code& error) {
  const int fd = ::socket(protocol.family(), protocol.type() | SOCK_CLOEXEC, protocol.protocol());
  error = fd < 0 ? LastError() : boost::system::error_code();
  return fd;
}

template <typename SocketOrAcceptor>
void Open(SocketOrAcceptor& target, const tcp& protocol, boost::system::error_code& error) {
  const int fd = NewSocket(protocol, error);
  if (fd < 0) return;
  target.assign(protocol, fd, error);
  if (error) ::close(fd);
}

void ConnectFrom(std::shared_ptr<tcp::socket> socket,
                 std::shared_ptr<const std::vector<tcp::endpoint>> endpoints, std::size_t next,
                 boost::system::error_code last_error, ConnectHandler handler) {
  if (next >= endpoints->size()) {
    handler(last_error ? last_error : boost::asio::error::not_found);
    return;
  }
  boost::system::error_code error;
  socket->close(error);
  const tcp::endpoint& endpoint = (*endpoints)[next];
  OpenCloseOnExec(*socket, endpoint.protocol(), error);
  if (error) {
    ConnectFrom(std::move(socket), std::move(endpoints), next + 1, error, std::move(handler));
    return;
  }
  tcp::socket& target = *socket;
  target.async_connect(endpoint, [socket = std::move(socket), endpoints = std::move(endpoints),
                                  next, handler = std::move(handler)](
                                     const boost::system::error_code& connect_error) mutable {
    if (!connect_error || connect_error == boost::asio::error::operation_aborted) {
      handler(connect_error);
      return;
    }
    ConnectFrom(std::move(socket), std::move(endpoints), next + 1, connect_error,
                std::move(handler));
  });
}

}  // namespace

void SetCloseOnExec(int fd) {
  const int flags = fcntl(fd, F_GETFD);
  if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

void OpenCloseOnExec(tcp::acceptor& acceptor, const tcp& protocol,
                     boost::system::error_code& error) {
  Open(acceptor, protocol, error);
}

void OpenCloseOnExec(tcp::socket& socket, const tcp& protocol, boost::system::error_code& error) {
  Open(socket, protocol, error);
}

void AsyncAcceptCloseOnExec(tcp::acceptor& acceptor, AcceptHandler handler) {
  // Readiness first, then accept4() ourselves. Non-blocking: a connection
  // reset between the two must not block the whole io_context.
  boost::system::error_code ignored;
  acceptor.native_non_blocking(true, ignored);
  auto executor = acceptor.get_executor();
  const tcp protocol = acceptor.local_endpoint(ignored).protocol();
  acceptor.async_wait(
      tcp::acceptor::wait_read, [&acceptor, executor, protocol, handler = std::move(handler)](
                                    const boost::system::error_code& error) mutable {
        if (error) {  // operation_aborted once the acceptor is closed
          handler(error, tcp::socket(executor));
          return;
        }
        const int fd =
            ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EINTR ||
              errno == EPROTO) {
            AsyncAcceptCloseOnExec(acceptor, std::move(handler));  // gone before we took it
            return;
          }
          handler(LastError(), tcp::socket(executor));
          return;
        }
        tcp::socket socket(executor);
        boost::system::error_code assign_error;
        socket.assign(protocol, fd, assign_error);
        if (assign_error) ::close(fd);
        handler(assign_error, std::move(socket));
      });
}

void AsyncConnectCloseOnExec(std::shared_ptr<tcp::socket> socket,
                             const tcp::resolver::results_type& endpoints, ConnectHandler handler) {
  auto list =
      std::make_shared<const std::vector<tcp::endpoint>>(endpoints.begin(), endpoints.end());
  ConnectFrom(std::move(socket), std::move(list), 0, {}, std::move(handler));
}

}  // namespace gtest_dist
