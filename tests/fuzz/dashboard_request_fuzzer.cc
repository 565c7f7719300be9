// libFuzzer target: arbitrary bytes from a browser (or anyone who reaches the
// port) through the dashboard's request parsing, as a session reads them:
// Beast's parser with the session's limits, then the RequestHandler (Host
// check, token, routing, query parsing) over a small fixed source. The same
// bytes also go to the handler directly as a target and a Host header, which
// the HTTP parser would otherwise mostly reject. No sockets.
//
// Any crash, sanitizer report or uncaught exception is a finding, and so is a
// redirect a browser could follow off-site or an answer for a host that is
// not allowed.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gtest_dist/dashboard/dashboard_source.h"
#include "gtest_dist/dashboard/request_handler.h"

namespace {

namespace http = boost::beast::http;
using gtest_dist::dashboard::DashboardSource;
using gtest_dist::dashboard::HttpRequest;
using gtest_dist::dashboard::HttpResponse;
using gtest_dist::dashboard::RequestHandler;
using gtest_dist::dashboard::RunDelta;
using gtest_dist::dashboard::RunFilter;
using gtest_dist::dashboard::ToHttpRequest;

constexpr char kToken[] = "fuzz-token-0123456789abcdef";

// One run (id 1) with one result (id 1) of test S.A.
class FixedSource : public DashboardSource {
 public:
  nlohmann::json ListRuns(const RunFilter& filter) override {
    return {{"runs", nlohmann::json::array({{{"id", 1}, {"label", filter.label}}})}};
  }
  std::optional<nlohmann::json> GetRun(std::int64_t run_id) override {
    if (run_id != 1) return std::nullopt;
    return nlohmann::json{{"run", {{"id", 1}}}, {"results", nlohmann::json::array()}};
  }
  std::optional<RunDelta> RunEventsSince(std::int64_t run_id, std::int64_t cursor) override {
    if (run_id != 1) return std::nullopt;
    RunDelta delta;
    delta.run = {{"id", 1}};
    delta.results = nlohmann::json::array();
    delta.failures = nlohmann::json::array();
    delta.cursor = cursor + 1;
    delta.finished = cursor >= 2;
    return delta;
  }
  std::optional<nlohmann::json> TestHistory(const std::string& test, int limit) override {
    if (test != "S.A") return std::nullopt;
    return nlohmann::json{{"test", test}, {"limit", limit}};
  }
  nlohmann::json Flaky(const RunFilter& filter) override {
    return {{"tests", nlohmann::json::array()}, {"test", filter.test}};
  }
  nlohmann::json Failures(const RunFilter& filter) override {
    return {{"failures", nlohmann::json::array()}, {"limit", filter.limit}};
  }
  std::optional<std::string> ResultOutput(std::int64_t result_id) override {
    if (result_id != 1) return std::nullopt;
    return std::string("output\n");
  }
};

struct Handlers {
  Handlers() : guarded(source, kToken, {"dash.example"}), open(source, "") {
    guarded.SetBoundAddress("127.0.0.1");
    open.SetBoundAddress("::");
  }
  FixedSource source;
  RequestHandler guarded;
  RequestHandler open;
};

void Check(RequestHandler& handler, const HttpRequest& request) {
  const HttpResponse response = handler.Handle(request);
  if (response.status < 100 || response.status > 599) __builtin_trap();
  if (response.status == 421 && response.authorized) __builtin_trap();
  if (const auto location = response.Header("Location")) {
    // Never another host: not "//x", not "/\x", nothing a browser rewrites.
    if (location->empty() || (*location)[0] != '/') __builtin_trap();
    if (location->size() > 1 && ((*location)[1] == '/' || (*location)[1] == '\\')) {
      __builtin_trap();
    }
    for (const char c : *location) {
      if (c == '\\' || static_cast<unsigned char>(c) <= 0x20) __builtin_trap();
    }
  }
  if (response.stream) {
    std::int64_t cursor = response.stream_cursor;
    bool finished = false;
    for (int i = 0; i < 4 && !finished; ++i) {
      handler.RunEvents(response.stream_run_id, &cursor, &finished);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Handlers* handlers = new Handlers();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // The bytes as the handler's own fields, past the HTTP parser's rules.
  {
    const std::size_t split = bytes.find('\n');
    HttpRequest direct;
    direct.method = "GET";
    direct.target = std::string(bytes.substr(0, split));
    direct.host = split == std::string_view::npos ? "" : std::string(bytes.substr(split + 1, 64));
    direct.last_event_id = direct.host;
    direct.cookie = std::string("gtest_dist_token=") + kToken;
    Check(handlers->guarded, direct);
    Check(handlers->open, direct);
  }

  // The bytes as a connection sends them: requests one after another
  // (keep-alive), each through a parser with the session's limits.
  std::string_view rest = bytes;
  for (int messages = 0; messages < 8 && !rest.empty(); ++messages) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(4096);
    parser.eager(true);
    boost::system::error_code ec;
    while (!parser.is_done() && !rest.empty()) {
      const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec || used == 0) break;
    }
    if (ec == http::error::need_more || (!ec && !parser.is_done())) parser.put_eof(ec);
    if (ec || !parser.is_done()) break;
    const HttpRequest request = ToHttpRequest(parser.get());
    Check(handlers->guarded, request);
    Check(handlers->open, request);
  }
  return 0;
}
