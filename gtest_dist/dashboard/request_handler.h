// The dashboard's HTTP logic without I/O: routing, the access token, query
// parsing and the security headers. The session (http_session.h) turns bytes
// into an HttpRequest and an HttpResponse back into bytes; everything a unit
// test needs to check is here.
#ifndef GTEST_DIST_DASHBOARD_REQUEST_HANDLER_H_
#define GTEST_DIST_DASHBOARD_REQUEST_HANDLER_H_

#include <boost/beast/http.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/dashboard/dashboard_source.h"

namespace gtest_dist::dashboard {

// The parts of a request the handler reads.
struct HttpRequest {
  std::string method;         // "GET"
  std::string target;         // "/api/runs?host=a"
  std::string authorization;  // the Authorization header, as sent
  std::string cookie;         // the Cookie header, as sent
  std::string last_event_id;  // Last-Event-ID: an EventSource reconnecting
  std::string host;           // the Host header, as sent (empty: none)
};

// What the handler reads of a request Beast parsed (the session and the
// request fuzzer both hand it over this way).
HttpRequest ToHttpRequest(
    const boost::beast::http::request<boost::beast::http::string_body>& message);

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
  // A Server-Sent Events stream of run `stream_run_id` from `stream_cursor`:
  // the session writes the headers, then polls RunEvents() until the run ends.
  bool stream = false;
  // The request passed the Host and token checks: the connection is a token
  // holder's (the server gives such connections the larger budget).
  bool authorized = false;
  std::int64_t stream_run_id = 0;
  std::int64_t stream_cursor = 0;

  std::optional<std::string> Header(const std::string& name) const;
};

// The cookie that carries the token after a `?token=` visit.
constexpr char kTokenCookie[] = "gtest_dist_token";

class RequestHandler {
 public:
  // `token` empty: no access check (the server refuses that on a
  // non-loopback address). The source must outlive the handler.
  // `allowed_hosts`: names a request's Host header may give besides
  // "localhost" and the bound address (see SetBoundAddress); any other name is
  // refused with 421, so that a page from elsewhere cannot reach the dashboard
  // by DNS rebinding.
  RequestHandler(DashboardSource& source, std::string token,
                 std::vector<std::string> allowed_hosts = {});

  // The address the server listens on ("127.0.0.1", "::"): a Host that is this
  // IP literal is accepted; on a wildcard address any IP literal is.
  void SetBoundAddress(const std::string& address) { bound_address_ = address; }
  // Stored test outputs (--dist-artifacts) are served from `dir` under
  // /artifacts/PATH, PATH as the results' "artifacts" give it; empty: none.
  void SetArtifactsDirectory(const std::string& dir) { artifacts_dir_ = dir; }

  // True when a request with this Host header may be answered. An absent Host
  // is accepted (browsers always send one; it is rebinding they bring).
  bool HostAllowed(const std::string& host_header) const;

  HttpResponse Handle(const HttpRequest& request);

  // The next event of a stream: an SSE "data:" block with the run's summary
  // and the results after `*cursor` (advanced past them). Sets `*finished`
  // when the run has ended or is gone; the stream then ends after it.
  std::string RunEvents(std::int64_t run_id, std::int64_t* cursor, bool* finished);

  // Headers every response carries: the Content-Security-Policy (scripts and
  // styles from our own files only, nothing inline, no framing) and friends.
  static const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

 private:
  bool Authorized(const HttpRequest& request) const;
  HttpResponse Route(const std::string& path, const std::map<std::string, std::string>& query,
                     const HttpRequest& request);
  HttpResponse Api(const std::string& path, const std::map<std::string, std::string>& query,
                   const HttpRequest& request);

  DashboardSource& source_;
  const std::string token_;
  const std::vector<std::string> allowed_hosts_;
  std::string bound_address_ = "127.0.0.1";
  std::string artifacts_dir_;
};

// Where the redirect after a `?token=` visit may point: `raw_path` when it is
// a plain path on this server, "/" for anything a browser could read as
// another host ("//evil.example", "/\\evil.example", control characters).
std::string SafeRedirectPath(const std::string& raw_path);

// Percent-decodes a URL component ('+' is a space in a query). Returns false
// on a malformed escape or an encoded NUL.
bool UrlDecode(const std::string& text, bool query, std::string* out);

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_REQUEST_HANDLER_H_
