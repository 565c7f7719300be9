#include "gtest_dist/dashboard/http_server.h"

#include <utility>

#include "gtest_dist/dashboard/http_session.h"
#include "gtest_dist/protocol/close_on_exec.h"

namespace gtest_dist::dashboard {

namespace asio = boost::asio;
using asio::ip::tcp;

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

HttpServer::HttpServer(asio::io_context& io, const ServerConfig& config, DashboardSource& source)
    : io_(io),
      config_(config),
      handler_(source, config.token, config.allowed_hosts),
      acceptor_(io) {
  handler_.SetArtifactsDirectory(config.artifacts_dir);
}

HttpServer::~HttpServer() = default;

bool HttpServer::Start(std::string* error) {
  const std::string where = config_.host + ":" + std::to_string(config_.port);
  if (config_.port < 0 || config_.port > 65535) {
    *error = "dashboard port must be 0 to 65535, got " + std::to_string(config_.port);
    return false;
  }
  if (!IsLoopbackHost(config_.host) && config_.token.empty()) {
    *error = "the dashboard on " + where +
             " would be reachable from other machines: give it an access token "
             "(--token-file / --dist-dashboard-token-file) or bind 127.0.0.1";
    return false;
  }
  boost::system::error_code ec;
  tcp::resolver resolver(io_);
  const auto results =
      resolver.resolve(config_.host, std::to_string(config_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    *error = "cannot resolve dashboard address " + where + ": " + ec.message();
    return false;
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  OpenCloseOnExec(acceptor_, endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + where + " for the dashboard: " + ec.message();
    return false;
  }
  endpoint_ = acceptor_.local_endpoint();
  handler_.SetBoundAddress(endpoint_.address().to_string());
  DoAccept();
  return true;
}

void HttpServer::Stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  // Close() makes pending operations complete with operation_aborted; the
  // sessions go when their last handler has run.
  auto sessions = std::move(sessions_);
  for (const auto& session : sessions) session->Close();
}

void HttpServer::DoAccept() {
  // One thread runs everything: sessions_ needs no lock.
  // Close-on-exec atomically (accept4): the supervisor starts test processes
  // on another thread while this one accepts.
  AsyncAcceptCloseOnExec(acceptor_,
                         [this](const boost::system::error_code& ec, tcp::socket socket) {
                           OnAccept(ec, std::move(socket));
                         });
}

void HttpServer::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (!ec) {
    // Every new connection is unauthenticated: make room in that budget
    // first, then in the whole, by closing who waits longest for a request.
    std::size_t unauthenticated = 0;
    for (const auto& session : sessions_) unauthenticated += session->authenticated() ? 0 : 1;
    if (unauthenticated >= config_.max_unauthenticated) {
      EvictIdle(/*unauthenticated_only=*/true);
    }
    if (sessions_.size() >= config_.max_connections && !EvictIdle(true)) EvictIdle(false);
    if (sessions_.size() >= config_.max_connections) {
      // Every slot is busy (answering or streaming): refuse by closing; the
      // browser retries later.
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      auto session = std::make_shared<HttpSession>(std::move(socket), *this);
      sessions_.insert(session);
      session->Start();
    }
  }
  // An accept error (too many open files) is the listener's, not fatal.
  DoAccept();
}

bool HttpServer::EvictIdle(bool unauthenticated_only) {
  std::shared_ptr<HttpSession> oldest;
  for (const auto& session : sessions_) {
    if (!session->waiting() || (unauthenticated_only && session->authenticated())) continue;
    if (!oldest || session->waiting_since() < oldest->waiting_since()) oldest = session;
  }
  if (!oldest) return false;
  sessions_.erase(oldest);
  oldest->Close();
  return true;
}

std::size_t HttpServer::StreamCount() const {
  std::size_t streams = 0;
  for (const auto& session : sessions_) streams += session->streaming() ? 1 : 0;
  return streams;
}

BackgroundDashboard::BackgroundDashboard(const ServerConfig& config, DashboardSource& source)
    : server_(io_, config, source) {}

BackgroundDashboard::~BackgroundDashboard() {
  if (thread_.joinable()) {
    asio::post(io_, [this] { server_.Stop(); });
    // Streams end with their connections; an idle io_context returns.
    thread_.join();
  }
}

bool BackgroundDashboard::Start(std::string* error) {
  if (!server_.Start(error)) return false;
  thread_ = std::thread([this] { io_.run(); });
  return true;
}

std::string BackgroundDashboard::Url() const {
  const tcp::endpoint endpoint = server_.endpoint();
  const asio::ip::address address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "http://" + host + ":" + std::to_string(endpoint.port()) + "/";
}

}  // namespace gtest_dist::dashboard
