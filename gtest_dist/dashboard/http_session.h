// One dashboard connection: reads requests (bounded in size, with a deadline
// on every read and write), answers them through the RequestHandler, and for
// a run's event stream keeps writing events until the run ends or the client
// goes. Owned through shared_from_this: each pending operation keeps it alive.
#ifndef GTEST_DIST_DASHBOARD_HTTP_SESSION_H_
#define GTEST_DIST_DASHBOARD_HTTP_SESSION_H_

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace gtest_dist::dashboard {

class HttpServer;
struct HttpResponse;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, HttpServer& server);

  void Start();
  // Ends the connection now (server shutdown, or room for another).
  void Close();

  // The connection has made a request that passed the Host and token checks.
  bool authenticated() const { return authenticated_; }
  // It serves a live event stream.
  bool streaming() const { return streaming_; }
  // It waits for its next request, since waiting_since().
  bool waiting() const { return waiting_; }
  std::chrono::steady_clock::time_point waiting_since() const { return waiting_since_; }

 private:
  void DoRead();
  void OnRead(boost::beast::error_code ec);
  void DoWrite(const HttpResponse& response, bool keep_alive);
  void OnWrite(boost::beast::error_code ec, bool keep_alive);
  void WriteError(int status, const std::string& message);
  void DoStreamEvent();
  void OnStreamWrite(boost::beast::error_code ec);
  void Finish();

  boost::beast::tcp_stream stream_;
  HttpServer& server_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<void> response_;  // the message being written
  std::string stream_text_;         // the stream bytes being written
  boost::asio::steady_timer poll_timer_;
  std::int64_t stream_run_id_ = 0;
  std::int64_t stream_cursor_ = 0;
  bool stream_finished_ = false;
  bool closed_ = false;
  bool authenticated_ = false;
  bool streaming_ = false;
  bool waiting_ = false;
  std::chrono::steady_clock::time_point waiting_since_;
};

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_HTTP_SESSION_H_
