// Sockets that no test process inherits. Every descriptor the runner opens is
// close-on-exec from the instant it exists (a child may be started between
// any two handlers, and the dashboard accepts on a thread of its own), so a
// test, and whatever a test starts, never holds a worker's port, a
// supervisor connection or the dashboard's listener. Asio opens and accepts
// without SOCK_CLOEXEC; these do what it would, with the flag.
#ifndef GTEST_DIST_PROTOCOL_CLOSE_ON_EXEC_H_
#define GTEST_DIST_PROTOCOL_CLOSE_ON_EXEC_H_

#include <boost/asio.hpp>
#include <functional>
#include <memory>

namespace gtest_dist {

// Sets FD_CLOEXEC on `fd` (for descriptors made by code that cannot ask for it).
void SetCloseOnExec(int fd);

// acceptor.open() / socket.open(), with SOCK_CLOEXEC.
void OpenCloseOnExec(boost::asio::ip::tcp::acceptor& acceptor, const boost::asio::ip::tcp& protocol,
                     boost::system::error_code& error);
void OpenCloseOnExec(boost::asio::ip::tcp::socket& socket, const boost::asio::ip::tcp& protocol,
                     boost::system::error_code& error);

// acceptor.async_accept(), accepting with accept4(SOCK_CLOEXEC). The handler
// gets operation_aborted when the acceptor is closed, as async_accept's does.
// A connection that is reset before it is accepted is skipped silently.
using AcceptHandler =
    std::function<void(const boost::system::error_code&, boost::asio::ip::tcp::socket)>;
void AsyncAcceptCloseOnExec(boost::asio::ip::tcp::acceptor& acceptor, AcceptHandler handler);

// boost::asio::async_connect() over `endpoints` (each tried in turn until one
// accepts), opening `socket` with SOCK_CLOEXEC for each attempt. The handler
// gets the last attempt's error, or success.
using ConnectHandler = std::function<void(const boost::system::error_code&)>;
void AsyncConnectCloseOnExec(std::shared_ptr<boost::asio::ip::tcp::socket> socket,
                             const boost::asio::ip::tcp::resolver::results_type& endpoints,
                             ConnectHandler handler);

}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_CLOSE_ON_EXEC_H_
