#include "gtest_dist/dashboard/request_handler.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "gtest_dist/dashboard/artifact_files.h"
#include "gtest_dist/dashboard/assets.h"
#include "gtest_dist/protocol/auth.h"

namespace gtest_dist::dashboard {
namespace {

constexpr int kMaxLimit = 1000;

HttpResponse Text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(body) + "\n";
  return response;
}

HttpResponse Json(int status, const nlohmann::json& doc) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  // Invalid UTF-8 in a test's output must not make the whole answer fail.
  response.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

HttpResponse ApiError(int status, const std::string& message) {
  return Json(status, {{"error", message}});
}

// Splits "a=1&b=2". Returns false with a message on a malformed escape or a
// repeated parameter.
bool ParseQuery(const std::string& text, std::map<std::string, std::string>* query,
                std::string* error) {
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    std::size_t end = text.find('&', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    if (!item.empty()) {
      const std::size_t eq = item.find('=');
      std::string key;
      std::string value;
      if (!UrlDecode(item.substr(0, eq), true, &key) ||
          (eq != std::string::npos && !UrlDecode(item.substr(eq + 1), true, &value))) {
        *error = "malformed percent-escape in query parameter \"" + item + "\"";
        return false;
      }
      if (!query->emplace(key, value).second) {
        *error = "query parameter '" + key + "' given twice";
        return false;
      }
    }
    start = end + 1;
  }
  return true;
}

// Only the parameters in `accepted` (and `token`) may appear.
bool CheckParameters(const std::map<std::string, std::string>& query,
                     const std::set<std::string>& accepted, std::string* error) {
  for (const auto& [key, value] : query) {
    if (key == "token" || accepted.count(key) > 0) continue;
    std::string list;
    for (const std::string& name : accepted) list += (list.empty() ? "" : ", ") + name;
    *error = "unknown query parameter '" + key +
             "' (accepted: " + (list.empty() ? std::string("none") : list) + ")";
    return false;
  }
  return true;
}

bool ParseInt(const std::string& text, std::int64_t min, std::int64_t max, std::int64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  for (char ch : text) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
  }
  errno = 0;
  const long long value = std::strtoll(text.c_str(), nullptr, 10);
  if (errno != 0 || value < min || value > max) return false;
  *out = value;
  return true;
}

bool IntParameter(const std::map<std::string, std::string>& query, const std::string& name,
                  std::int64_t min, std::int64_t max, std::int64_t* out, std::string* error) {
  auto found = query.find(name);
  if (found == query.end()) return true;
  if (!ParseInt(found->second, min, max, out)) {
    *error = "query parameter '" + name + "': expected an integer from " + std::to_string(min) +
             " to " + std::to_string(max) + ", got \"" + found->second + "\"";
    return false;
  }
  return true;
}

bool ParseFilter(const std::map<std::string, std::string>& query,
                 const std::set<std::string>& accepted, RunFilter* filter, std::string* error) {
  if (!CheckParameters(query, accepted, error)) return false;
  auto text = [&](const char* name, std::string* out) {
    auto found = query.find(name);
    if (found != query.end()) *out = found->second;
  };
  text("host", &filter->host);
  text("binary", &filter->binary);
  text("label", &filter->label);
  text("test", &filter->test);
  std::int64_t limit = filter->limit;
  if (!IntParameter(query, "since", 0, INT64_MAX / 2, &filter->since_ms, error) ||
      !IntParameter(query, "until", 0, INT64_MAX / 2, &filter->until_ms, error) ||
      !IntParameter(query, "limit", 1, kMaxLimit, &limit, error)) {
    return false;
  }
  filter->limit = static_cast<int>(limit);
  return true;
}

// "/api/runs/12/events" -> {"api", "runs", "12", "events"}; empty segments
// (a doubled or trailing slash) are kept so that they do not match a route.
std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

std::string CookieValue(const std::string& header, const std::string& name) {
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(';', start);
    if (end == std::string::npos) end = header.size();
    std::string item = header.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    if (item.rfind(name + "=", 0) == 0) return item.substr(name.size() + 1);
    start = end + 1;
  }
  return "";
}

}  // namespace

HttpRequest ToHttpRequest(
    const boost::beast::http::request<boost::beast::http::string_body>& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.authorization = std::string(message[boost::beast::http::field::authorization]);
  request.cookie = std::string(message[boost::beast::http::field::cookie]);
  request.last_event_id = std::string(message["Last-Event-ID"]);
  request.host = std::string(message[boost::beast::http::field::host]);
  return request;
}

std::optional<std::string> HttpResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

bool UrlDecode(const std::string& text, bool query, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '%') {
      if (i + 2 >= text.size()) return false;
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int high = hex(text[i + 1]);
      const int low = hex(text[i + 2]);
      if (high < 0 || low < 0 || (high == 0 && low == 0)) return false;
      out->push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (ch == '+' && query) {
      out->push_back(' ');
    } else {
      out->push_back(ch);
    }
  }
  return true;
}

const std::vector<std::pair<std::string, std::string>>& RequestHandler::SecurityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      // The token may sit in a URL once; never pass it on.
      {"Referrer-Policy", "no-referrer"},
  };
  return headers;
}

RequestHandler::RequestHandler(DashboardSource& source, std::string token,
                               std::vector<std::string> allowed_hosts)
    : source_(source), token_(std::move(token)), allowed_hosts_(std::move(allowed_hosts)) {}

bool RequestHandler::HostAllowed(const std::string& host_header) const {
  if (host_header.empty()) return true;
  // "name", "name:port", "[v6]", "[v6]:port"; names compare case-insensitively.
  std::string host;
  if (host_header.front() == '[') {
    const std::size_t close = host_header.find(']');
    if (close == std::string::npos) return false;
    host = host_header.substr(1, close - 1);
  } else {
    host = host_header.substr(0, host_header.find(':'));
  }
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!host.empty() && host.back() == '.') host.pop_back();  // "localhost."
  if (host.empty()) return false;
  if (host == "localhost") return true;
  for (std::string allowed : allowed_hosts_) {
    std::transform(allowed.begin(), allowed.end(), allowed.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (host == allowed) return true;
  }
  // An IP literal names no attacker's DNS: the bound address itself, or any
  // address of this machine when the server listens on all of them.
  boost::system::error_code ec;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, ec);
  if (ec) return false;
  boost::system::error_code bound_ec;
  const boost::asio::ip::address bound = boost::asio::ip::make_address(bound_address_, bound_ec);
  if (bound_ec) return false;
  return bound.is_unspecified() || address == bound;
}

std::string SafeRedirectPath(const std::string& raw_path) {
  if (raw_path.empty() || raw_path[0] != '/') return "/";
  if (raw_path.size() > 1 && (raw_path[1] == '/' || raw_path[1] == '\\')) return "/";
  for (const char c : raw_path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '\\') return "/";
  }
  return raw_path;
}

bool RequestHandler::Authorized(const HttpRequest& request) const {
  if (token_.empty()) return true;
  const std::string bearer = "Bearer ";
  if (request.authorization.rfind(bearer, 0) == 0 &&
      ProofsEqual(request.authorization.substr(bearer.size()), token_)) {
    return true;
  }
  const std::string cookie = CookieValue(request.cookie, kTokenCookie);
  return !cookie.empty() && ProofsEqual(cookie, token_);
}

HttpResponse RequestHandler::Handle(const HttpRequest& request) {
  HttpResponse response;
  const std::size_t question = request.target.find('?');
  const std::string raw_path = request.target.substr(0, question);
  const std::string raw_query =
      question == std::string::npos ? std::string() : request.target.substr(question + 1);
  const bool api = raw_path.rfind("/api/", 0) == 0;
  auto error = [&](int status, const std::string& message) {
    return api ? ApiError(status, message) : Text(status, message);
  };
  std::map<std::string, std::string> query;
  std::string path;
  std::string message;
  if (!HostAllowed(request.host)) {
    // DNS rebinding: a page of another site whose name now points here.
    response =
        error(421, "this dashboard does not answer for host \"" + request.host.substr(0, 200) +
                       "\": open it by its address or localhost, or start it with "
                       "--allowed-host=NAME (--dist-dashboard-allowed-host)");
  } else if (request.method != "GET" && request.method != "HEAD") {
    response = error(405, "method " + request.method +
                              " not allowed: the dashboard is read-only "
                              "(GET and HEAD only)");
    response.headers.emplace_back("Allow", "GET, HEAD");
  } else if (raw_path.empty() || raw_path[0] != '/') {
    response = error(400, "request target must be an absolute path, got \"" +
                              request.target.substr(0, 200) + "\"");
  } else if (!UrlDecode(raw_path, false, &path)) {
    response = error(400, "malformed percent-escape in path \"" + raw_path.substr(0, 200) + "\"");
  } else if (!ParseQuery(raw_query, &query, &message)) {
    response = error(400, message);
  } else if (!token_.empty() && query.count("token") > 0 &&
             ProofsEqual(query.at("token"), token_)) {
    // A link with the token: remember it in a cookie and drop it from the
    // address bar, so it is not bookmarked, logged or shared.
    response = Text(303, "token accepted");
    response.authorized = true;
    response.headers.emplace_back("Location", SafeRedirectPath(raw_path));
    response.headers.emplace_back("Set-Cookie", std::string(kTokenCookie) + "=" + token_ +
                                                    "; Path=/; HttpOnly; SameSite=Strict");
  } else if (!Authorized(request)) {
    response = error(401,
                     "this dashboard needs its access token: open it once with ?token=TOKEN, "
                     "or send \"Authorization: Bearer TOKEN\"");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  } else {
    try {
      response = Route(path, query, request);
      response.authorized = true;
    } catch (const std::exception& e) {
      // The store failed (locked, corrupt, gone): say so, keep serving.
      response = error(500, std::string("history store error: ") + e.what());
      response.authorized = true;
    }
  }
  for (const auto& header : SecurityHeaders()) response.headers.push_back(header);
  if (request.method == "HEAD" && !response.stream) response.body.clear();
  return response;
}

HttpResponse RequestHandler::Route(const std::string& path,
                                   const std::map<std::string, std::string>& query,
                                   const HttpRequest& request) {
  if (path.rfind("/api/", 0) == 0) return Api(path, query, request);
  // Pages are routed in the browser (#/runs/12): every page is index.html.
  const std::string asset_path = path == "/" ? "index.html" : path.substr(1);
  if (path == "/" || path.rfind("/assets/", 0) == 0) {
    const std::string name = path == "/" ? asset_path : path.substr(std::string("/assets/").size());
    if (const Asset* asset = FindAsset(name)) {
      HttpResponse response;
      response.content_type = std::string(asset->content_type);
      response.body = std::string(asset->data);
      response.headers.emplace_back("Cache-Control", "no-cache");
      return response;
    }
  }
  if (path.rfind("/artifacts/", 0) == 0) {
    if (artifacts_dir_.empty()) {
      return Text(404,
                  "this dashboard serves no test outputs (give it --artifacts DIR, or the "
                  "supervisor --dist-artifacts)");
    }
    ArtifactFile file;
    std::string error;
    const int status = ReadArtifactFile(
        artifacts_dir_, path.substr(std::string("/artifacts/").size()), &file, &error);
    if (status != 200) return Text(status, error);
    HttpResponse response;
    response.content_type = file.content_type;
    response.body = std::move(file.data);
    // A test's file is never a page of ours: no script runs in it, and what
    // could be one is a download.
    response.headers.emplace_back("Content-Security-Policy", "sandbox");
    if (!file.show_inline) response.headers.emplace_back("Content-Disposition", "attachment");
    return response;
  }
  if (path == "/favicon.ico") {
    // Browsers ask whatever the page says; ours names /assets/favicon.svg.
    HttpResponse response = Text(301, "moved to /assets/favicon.svg");
    response.headers.emplace_back("Location", "/assets/favicon.svg");
    return response;
  }
  return Text(404, "no such page: " + path.substr(0, 200) +
                       " (the dashboard is at /, its API under /api/)");
}

HttpResponse RequestHandler::Api(const std::string& path,
                                 const std::map<std::string, std::string>& query,
                                 const HttpRequest& request) {
  const std::vector<std::string> s = Segments(path);  // s[0] == "api"
  std::string error;
  RunFilter filter;
  auto parse_id = [&](const std::string& text, const char* what, std::int64_t* id) {
    if (ParseInt(text, 1, INT64_MAX / 2, id)) return true;
    error =
        std::string(what) + " id must be a positive integer, got \"" + text.substr(0, 100) + "\"";
    return false;
  };
  if (s.size() == 2 && s[1] == "runs") {
    if (!ParseFilter(query, {"host", "binary", "label", "since", "until", "limit"}, &filter,
                     &error)) {
      return ApiError(400, error);
    }
    return Json(200, source_.ListRuns(filter));
  }
  if (s.size() == 3 && s[1] == "runs") {
    std::int64_t id = 0;
    if (!parse_id(s[2], "run", &id)) return ApiError(400, error);
    if (!CheckParameters(query, {}, &error)) return ApiError(400, error);
    std::optional<nlohmann::json> run = source_.GetRun(id);
    if (!run) return ApiError(404, "no run " + std::to_string(id));
    return Json(200, *run);
  }
  if (s.size() == 4 && s[1] == "runs" && s[3] == "events") {
    std::int64_t id = 0;
    if (!parse_id(s[2], "run", &id)) return ApiError(400, error);
    if (!CheckParameters(query, {"cursor"}, &error)) return ApiError(400, error);
    std::int64_t cursor = 0;
    if (!IntParameter(query, "cursor", 0, INT64_MAX / 2, &cursor, &error)) {
      return ApiError(400, error);
    }
    // An EventSource that reconnects resumes where it was.
    if (!request.last_event_id.empty() &&
        !ParseInt(request.last_event_id, 0, INT64_MAX / 2, &cursor)) {
      return ApiError(400, "Last-Event-ID must be a cursor (an integer), got \"" +
                               request.last_event_id.substr(0, 100) + "\"");
    }
    if (!source_.RunEventsSince(id, cursor)) return ApiError(404, "no run " + std::to_string(id));
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.headers.emplace_back("Cache-Control", "no-store");
    response.stream = true;
    response.stream_run_id = id;
    response.stream_cursor = cursor;
    return response;
  }
  if (s.size() >= 3 && s[1] == "tests" && !s[2].empty()) {
    // Parameterized names hold '/': everything after /api/tests/ is the name.
    const std::string name = path.substr(std::string("/api/tests/").size());
    if (!CheckParameters(query, {"limit"}, &error)) return ApiError(400, error);
    std::int64_t limit = 200;
    if (!IntParameter(query, "limit", 1, kMaxLimit, &limit, &error)) return ApiError(400, error);
    std::optional<nlohmann::json> history = source_.TestHistory(name, static_cast<int>(limit));
    if (!history) return ApiError(404, "no results for test \"" + name.substr(0, 300) + "\"");
    return Json(200, *history);
  }
  if (s.size() == 2 && s[1] == "flaky") {
    if (!ParseFilter(query, {"host", "binary", "label", "test", "since", "until", "limit"}, &filter,
                     &error)) {
      return ApiError(400, error);
    }
    return Json(200, source_.Flaky(filter));
  }
  if (s.size() == 2 && s[1] == "failures") {
    if (!ParseFilter(query, {"host", "binary", "label", "test", "since", "until", "limit"}, &filter,
                     &error)) {
      return ApiError(400, error);
    }
    return Json(200, source_.Failures(filter));
  }
  if (s.size() == 4 && s[1] == "results" && s[3] == "output") {
    std::int64_t id = 0;
    if (!parse_id(s[2], "result", &id)) return ApiError(400, error);
    if (!CheckParameters(query, {}, &error)) return ApiError(400, error);
    std::optional<std::string> output = source_.ResultOutput(id);
    if (!output) return ApiError(404, "no result " + std::to_string(id));
    HttpResponse response;
    // text/plain and nosniff: a browser shows output as text, whatever it holds.
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::move(*output);
    return response;
  }
  return ApiError(404, "no API route " + path.substr(0, 200) +
                           " (routes: /api/runs, /api/runs/ID, /api/runs/ID/events, "
                           "/api/tests/NAME, /api/flaky, /api/failures, "
                           "/api/results/ID/output)");
}

std::string RequestHandler::RunEvents(std::int64_t run_id, std::int64_t* cursor, bool* finished) {
  std::optional<RunDelta> delta;
  try {
    delta = source_.RunEventsSince(run_id, *cursor);
  } catch (const std::exception& e) {
    // A busy store now and then is normal while others write: try again at
    // the next poll.
    *finished = false;
    std::string why = std::string(e.what()).substr(0, 200);
    std::replace(why.begin(), why.end(), '\n', ' ');
    std::replace(why.begin(), why.end(), '\r', ' ');
    return ": store busy: " + why + "\n\n";
  }
  if (!delta) {
    *finished = true;
    return "event: gone\ndata: {}\n\n";
  }
  *cursor = delta->cursor;
  *finished = delta->finished;
  const nlohmann::json doc = {{"run", delta->run},
                              {"results", delta->results},
                              {"failures", delta->failures},
                              {"cursor", delta->cursor},
                              {"finished", delta->finished}};
  // dump() escapes newlines, so the document is one "data:" line.
  return "id: " + std::to_string(delta->cursor) +
         "\ndata: " + doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

}  // namespace gtest_dist::dashboard
