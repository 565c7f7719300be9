// The dashboard's HTTP server (Boost.Beast): an acceptor that hands each
// connection to an HttpSession and keeps the live ones, so that Stop() ends
// them all. Runs on one io_context thread; the RequestHandler does the rest.
#ifndef GTEST_DIST_DASHBOARD_HTTP_SERVER_H_
#define GTEST_DIST_DASHBOARD_HTTP_SERVER_H_

#include <boost/asio.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest_dist/dashboard/dashboard_source.h"
#include "gtest_dist/dashboard/request_handler.h"

namespace gtest_dist::dashboard {

class HttpSession;

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  // Required unless `host` is a loopback address: anyone who can reach the
  // port could otherwise read every test's output.
  std::string token;
  // Host names the dashboard answers besides its address and localhost
  // (--allowed-host, --dist-dashboard-allowed-host).
  std::vector<std::string> allowed_hosts;
  // --dist-artifacts (serve: --artifacts): stored test outputs are served
  // read-only under /artifacts/; empty: none.
  std::string artifacts_dir;
  std::size_t max_connections = 64;
  // Connections that have not yet made an authorized request (every new one)
  // share this smaller budget: when it is full, the oldest of them waiting
  // for its request is closed to make room, so strangers holding connections
  // open never lock a token holder out.
  std::size_t max_unauthenticated = 16;
  // Live event streams at once; more are answered 503 (Retry-After).
  std::size_t max_streams = 16;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  // A connection that has not made an authorized request must send a whole
  // request within this long.
  std::chrono::milliseconds request_timeout{5000};
  // An idle keep-alive connection, or a client that stops reading, is closed
  // after this long.
  std::chrono::milliseconds idle_timeout{30000};
  // How often a live run's stream asks the source for news.
  std::chrono::milliseconds poll_interval{500};
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, const ServerConfig& config, DashboardSource& source);
  ~HttpServer();

  // Binds and starts accepting. On a bad address, a port in use or a
  // non-loopback address without a token returns false with a message.
  bool Start(std::string* error);
  // The bound address (the real port when config.port was 0).
  boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
  // Closes the acceptor and every connection. Call on the io_context's thread.
  void Stop();

  // For sessions.
  const ServerConfig& config() const { return config_; }
  RequestHandler& handler() { return handler_; }
  void Forget(const std::shared_ptr<HttpSession>& session) { sessions_.erase(session); }
  // Live event streams now.
  std::size_t StreamCount() const;

 private:
  void DoAccept();
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  // Closes the session waiting longest for a request among those that
  // `unauthenticated_only` selects; false when there is none.
  bool EvictIdle(bool unauthenticated_only);

  boost::asio::io_context& io_;
  const ServerConfig config_;
  RequestHandler handler_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::set<std::shared_ptr<HttpSession>> sessions_;
};

// A dashboard on a thread of its own, for a supervisor serving its own run
// (--dist-dashboard): the run's thread never waits for a browser.
class BackgroundDashboard {
 public:
  BackgroundDashboard(const ServerConfig& config, DashboardSource& source);
  // Stops the server and joins the thread.
  ~BackgroundDashboard();

  bool Start(std::string* error);
  // "http://HOST:PORT/".
  std::string Url() const;

 private:
  boost::asio::io_context io_;
  HttpServer server_;
  std::thread thread_;
};

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_HTTP_SERVER_H_
