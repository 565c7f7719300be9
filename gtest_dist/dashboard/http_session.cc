#include "gtest_dist/dashboard/http_session.h"

#include <cstdio>
#include <utility>

#include "gtest_dist/dashboard/http_server.h"
#include "gtest_dist/dashboard/request_handler.h"

namespace gtest_dist::dashboard {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

// A GET carries no body; a little slack for clients that send an empty form.
constexpr std::uint64_t kMaxBodyBytes = 4096;

}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket socket, HttpServer& server)
    : stream_(std::move(socket)), server_(server), poll_timer_(stream_.get_executor()) {}

void HttpSession::Start() { DoRead(); }

void HttpSession::Close() {
  if (closed_) return;
  closed_ = true;
  poll_timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void HttpSession::Finish() {
  Close();
  server_.Forget(shared_from_this());
}

void HttpSession::DoRead() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_.config().max_header_bytes));
  parser_->body_limit(kMaxBodyBytes);
  // A stranger gets a short deadline for a whole request; a token holder's
  // keep-alive connection may idle longer.
  stream_.expires_after(authenticated_ ? server_.config().idle_timeout
                                       : server_.config().request_timeout);
  waiting_ = true;
  waiting_since_ = std::chrono::steady_clock::now();
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
}

void HttpSession::OnRead(beast::error_code ec) {
  waiting_ = false;
  if (ec == boost::asio::error::operation_aborted || closed_) return;  // shutdown
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == boost::asio::error::connection_reset || ec == boost::asio::error::eof) {
    Finish();
    return;
  }
  if (ec == http::error::header_limit) {
    WriteError(431, "request headers larger than " +
                        std::to_string(server_.config().max_header_bytes) + " bytes");
    return;
  }
  if (ec == http::error::body_limit) {
    WriteError(413, "request body larger than " + std::to_string(kMaxBodyBytes) +
                        " bytes; the dashboard takes GET requests only");
    return;
  }
  if (ec) {
    WriteError(400, "malformed HTTP request: " + ec.message());
    return;
  }
  const HttpRequest request = ToHttpRequest(parser_->get());
  HttpResponse response = server_.handler().Handle(request);
  authenticated_ = authenticated_ || response.authorized;
  if (response.stream && server_.StreamCount() >= server_.config().max_streams) {
    // Streams may not take every slot from the requests of token holders.
    response = HttpResponse{};
    response.status = 503;
    response.content_type = "application/json";
    response.body = "{\"error\":\"too many live streams (" +
                    std::to_string(server_.config().max_streams) + "); try again later\"}";
    response.headers = RequestHandler::SecurityHeaders();
    response.headers.emplace_back("Retry-After", "5");
  }
  if (response.stream) {
    streaming_ = true;
    // An event stream: headers once, then events until the run ends; the
    // end of the stream is the end of the connection.
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: " + response.content_type + "\r\nConnection: close\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    stream_text_ = head + "\r\n";
    stream_run_id_ = response.stream_run_id;
    stream_cursor_ = response.stream_cursor;
    stream_finished_ = false;
    DoStreamEvent();
    return;
  }
  DoWrite(response, parser_->get().keep_alive());
}

void HttpSession::DoWrite(const HttpResponse& response, bool keep_alive) {
  auto message = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(response.status), 11);
  message->set(http::field::server, "gtest_dist");
  message->set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) message->set(name, value);
  message->body() = response.body;
  message->keep_alive(keep_alive);
  message->prepare_payload();
  response_ = message;
  stream_.expires_after(server_.config().idle_timeout);
  http::async_write(stream_, *message,
                    [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                      self->OnWrite(ec, keep_alive);
                    });
}

void HttpSession::OnWrite(beast::error_code ec, bool keep_alive) {
  response_.reset();
  if (ec == boost::asio::error::operation_aborted || closed_) return;
  if (ec || !keep_alive) {
    Finish();
    return;
  }
  DoRead();
}

void HttpSession::WriteError(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = message + "\n";
  response.headers = RequestHandler::SecurityHeaders();
  DoWrite(response, /*keep_alive=*/false);
}

void HttpSession::DoStreamEvent() {
  // The headers go out with the first event; later events poll the source.
  stream_text_ += server_.handler().RunEvents(stream_run_id_, &stream_cursor_, &stream_finished_);
  stream_.expires_after(server_.config().idle_timeout);
  boost::asio::async_write(
      stream_, boost::asio::buffer(stream_text_),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnStreamWrite(ec); });
}

void HttpSession::OnStreamWrite(beast::error_code ec) {
  stream_text_.clear();
  if (ec == boost::asio::error::operation_aborted || closed_) return;
  if (ec || stream_finished_) {
    Finish();
    return;
  }
  poll_timer_.expires_after(server_.config().poll_interval);
  poll_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
    if (wait_ec || self->closed_) return;
    self->DoStreamEvent();
  });
}

}  // namespace gtest_dist::dashboard
