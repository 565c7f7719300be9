// The dashboard's request handler and documents, over a LiveRunSource fed
// with a made-up run: routing, bad requests, the access token, escaping and
// the live stream's cursor. No sockets: the handler does no I/O.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/dashboard/assets.h"
#include "gtest_dist/dashboard/http_server.h"
#include "gtest_dist/dashboard/live_run_source.h"
#include "gtest_dist/dashboard/request_handler.h"
#include "gtest_dist/dashboard/run_documents.h"
#include "gtest_dist/dist_flags.h"

namespace gtest_dist::dashboard {
namespace {

constexpr char kXss[] = "<script>window.__xss=1</script><img src=x onerror=\"alert(1)\">";

TestEntry Entry(int index, const std::string& suite, const std::string& name) {
  TestEntry entry;
  entry.index = index;
  entry.suite = suite;
  entry.name = name;
  return entry;
}

TestRecord Record(int index, Outcome outcome, std::int64_t start, std::int64_t elapsed,
                  const std::string& message = "") {
  TestRecord record;
  record.index = index;
  record.outcome = outcome;
  record.start_timestamp_ms = start;
  record.elapsed_ms = elapsed;
  record.worker = "hostA:7420";
  if (!message.empty()) {
    TestPart part;
    part.type = TestPart::Type::kNonFatalFailure;
    part.file = "a_test.cc";
    part.line = 12;
    part.message = message;
    part.output_before = "printed before\n";
    record.parts.push_back(part);
  }
  return record;
}

class DashboardTest : public testing::Test {
 protected:
  DashboardTest()
      : source_("my_tests", "ci-1", "rev-7", 200, [this] { return now_; }), handler_(source_, "") {
    plan_.selected = {0, 1, 2};
    plan_.workers = {"hostA:7420"};
  }

  // Runs the three tests once: A passes, B fails with `message`, C passes.
  void RunOnce(const std::string& message, std::int64_t c_elapsed = 100, bool finish = true) {
    plan_.start_timestamp_ms = now_;
    source_.OnRunStart(plan_);
    RunSummary summary;
    summary.plan = &plan_;
    Finish(a_, Record(0, Outcome::kPassed, now_, 10), &summary);
    Finish(b_, Record(1, Outcome::kFailed, now_, 20, message), &summary);
    if (!finish) return;
    Finish(c_, Record(2, Outcome::kPassed, now_, c_elapsed), &summary);
    now_ += 1000;
    source_.OnRunEnd(summary);
  }

  // One test's end, as the supervisor reports it: to the listener, and into
  // the summary it gives OnRunEnd.
  void Finish(const TestEntry& test, const TestRecord& record, RunSummary* summary) {
    source_.OnTestFinished(test, record);
    summary->records[test.index] = record;
  }

  HttpResponse Get(const std::string& target) {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    return handler_.Handle(request);
  }

  nlohmann::json Body(const HttpResponse& response) {
    EXPECT_EQ(response.content_type, "application/json") << response.body;
    return nlohmann::json::parse(response.body);
  }

  std::int64_t now_ = 1'700'000'000'000;
  LiveRunSource source_;
  RequestHandler handler_;
  RunPlan plan_;
  TestEntry a_ = Entry(0, "Suite", "A");
  TestEntry b_ = Entry(1, "Suite", "B");
  TestEntry c_ = Entry(2, "Suite", "C");
};

TEST_F(DashboardTest, ServesTheEmbeddedPageWithAStrictPolicy) {
  const HttpResponse page = Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/assets/app.js"), std::string::npos);
  const auto policy = page.Header("Content-Security-Policy");
  ASSERT_TRUE(policy);
  EXPECT_NE(policy->find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(policy->find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(page.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Get("/assets/app.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/assets/app.css").status, 200);
  EXPECT_EQ(Get("/assets/nope.js").status, 404);
  EXPECT_EQ(Get("/etc/passwd").status, 404);
  EXPECT_EQ(Get("/assets/../index.html").status, 404);
}

TEST_F(DashboardTest, TheScriptNeverParsesHtml) {
  const Asset* script = FindAsset("app.js");
  ASSERT_NE(script, nullptr);
  const std::string text(script->data);
  for (const char* sink :
       {".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("}) {
    EXPECT_EQ(text.find(sink), std::string::npos) << sink;
  }
}

TEST_F(DashboardTest, ListsRunsNewestFirstWithStatusAndCounts) {
  RunOnce("boom");
  RunOnce("", 100, /*finish=*/false);
  const nlohmann::json runs = Body(Get("/api/runs"))["runs"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["id"], 2);
  EXPECT_EQ(runs[0]["status"], "running");
  EXPECT_EQ(runs[0]["counts"]["left"], 1);
  EXPECT_TRUE(runs[0]["ended_ms"].is_null());
  EXPECT_EQ(runs[1]["status"], "red");
  EXPECT_EQ(runs[1]["counts"]["passed"], 2);
  EXPECT_EQ(runs[1]["counts"]["failed"], 1);
  EXPECT_EQ(runs[1]["binary"], "my_tests");
  EXPECT_EQ(runs[1]["label"], "rev-7");
  EXPECT_EQ(Body(Get("/api/runs?limit=1"))["runs"].size(), 1u);
  EXPECT_EQ(Body(Get("/api/runs?host=ci-1"))["runs"].size(), 2u);
  EXPECT_EQ(Body(Get("/api/runs?host=elsewhere"))["runs"].size(), 0u);
  EXPECT_EQ(Body(Get("/api/runs?label=rev%2D7"))["runs"].size(), 2u);
  EXPECT_EQ(Body(Get("/api/runs?since=" + std::to_string(now_ + 1)))["runs"].size(), 0u);
}

TEST_F(DashboardTest, GreenWhenEverythingPassed) {
  RunOnce("");  // B "fails" with no message: still a failure
  plan_.start_timestamp_ms = now_;
  source_.OnRunStart(plan_);
  RunSummary summary;
  summary.plan = &plan_;
  for (const TestEntry* t : {&a_, &b_, &c_}) {
    Finish(*t, Record(t->index, Outcome::kPassed, now_, 5), &summary);
  }
  source_.OnRunEnd(summary);
  EXPECT_EQ(Body(Get("/api/runs"))["runs"][0]["status"], "green");
}

TEST_F(DashboardTest, RunDocumentHoldsFailuresAsTextWithRepro) {
  RunOnce(kXss);
  const nlohmann::json run = Body(Get("/api/runs/1"));
  ASSERT_EQ(run["failures"].size(), 1u);
  const nlohmann::json& failure = run["failures"][0];
  EXPECT_EQ(failure["test"], "Suite.B");
  // JSON carries the payload unchanged; the page puts it in text nodes.
  EXPECT_EQ(failure["messages"][0]["message"], kXss);
  EXPECT_EQ(failure["messages"][0]["file"], "a_test.cc");
  EXPECT_EQ(failure["messages"][0]["line"], 12);
  EXPECT_EQ(failure["repro"], "./my_tests --gtest_filter=Suite.B");
  EXPECT_EQ(failure["output"], "printed before\n");
  EXPECT_EQ(run["results"].size(), 3u);
  EXPECT_EQ(run["cursor"], 3);
}

TEST_F(DashboardTest, LongOutputIsCutWithTheWholeBehindALink) {
  plan_.start_timestamp_ms = now_;
  source_.OnRunStart(plan_);
  TestRecord record = Record(1, Outcome::kFailed, now_, 1, "m");
  record.output_after = std::string(kOutputPreviewBytes * 3, 'y');
  source_.OnTestFinished(b_, record);
  const nlohmann::json failure = Body(Get("/api/runs/1"))["failures"][0];
  EXPECT_TRUE(failure["output_truncated"].get<bool>());
  EXPECT_EQ(failure["output"].get<std::string>().size(), kOutputPreviewBytes);
  const HttpResponse whole = Get("/api/results/" + failure["id"].dump() + "/output");
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(whole.body.size(), kOutputPreviewBytes * 3 + std::string("printed before\n").size());
  EXPECT_EQ(Get("/api/results/999/output").status, 404);
}

TEST_F(DashboardTest, StreamStartsWhereThePageLeftOffAndEndsWithTheRun) {
  RunOnce("x", 100, /*finish=*/false);
  const HttpResponse stream = Get("/api/runs/1/events?cursor=1");
  ASSERT_TRUE(stream.stream);
  EXPECT_EQ(stream.content_type, "text/event-stream");
  std::int64_t cursor = stream.stream_cursor;
  bool finished = false;
  std::string event = handler_.RunEvents(1, &cursor, &finished);
  EXPECT_EQ(cursor, 2);
  EXPECT_FALSE(finished);
  ASSERT_EQ(event.rfind("id: 2\ndata: ", 0), 0u) << event;
  nlohmann::json doc = nlohmann::json::parse(event.substr(event.find("data: ") + 6));
  ASSERT_EQ(doc["results"].size(), 1u);
  EXPECT_EQ(doc["results"][0]["test"], "Suite.B");
  EXPECT_EQ(doc["failures"].size(), 1u);

  source_.OnTestFinished(c_, Record(2, Outcome::kPassed, now_, 1));
  RunSummary summary;
  summary.plan = &plan_;
  source_.OnRunEnd(summary);
  event = handler_.RunEvents(1, &cursor, &finished);
  doc = nlohmann::json::parse(event.substr(event.find("data: ") + 6));
  EXPECT_TRUE(finished);
  EXPECT_EQ(doc["results"].size(), 1u);
  EXPECT_EQ(doc["run"]["status"], "red");

  // A reconnecting EventSource resumes from Last-Event-ID.
  HttpRequest again;
  again.method = "GET";
  again.target = "/api/runs/1/events";
  again.last_event_id = "3";
  EXPECT_EQ(handler_.Handle(again).stream_cursor, 3);
  EXPECT_EQ(Get("/api/runs/9/events").status, 404);
}

TEST_F(DashboardTest, TestHistoryMarksTheDurationChange) {
  for (int i = 0; i < 6; ++i) RunOnce(i % 2 ? "flip" : "", i < 3 ? 100 : 400);
  const nlohmann::json history = Body(Get("/api/tests/Suite.C"));
  ASSERT_EQ(history["runs"].size(), 6u);
  EXPECT_EQ(history["changes"], nlohmann::json::array({3}));
  EXPECT_EQ(Body(Get("/api/tests/Suite.C?limit=2"))["runs"].size(), 2u);
  const nlohmann::json b = Body(Get("/api/tests/Suite.B"));
  EXPECT_EQ(b["failed_on"], nlohmann::json::array({"hostA:7420"}));
  EXPECT_EQ(Get("/api/tests/No.Such").status, 404);
}

TEST_F(DashboardTest, TestNamesWithSlashesAndEscapes) {
  TestEntry param = Entry(0, "Inst/Suite", "Case/3");
  plan_.start_timestamp_ms = now_;
  source_.OnRunStart(plan_);
  source_.OnTestFinished(param, Record(0, Outcome::kPassed, now_, 1));
  EXPECT_EQ(Body(Get("/api/tests/Inst/Suite.Case/3"))["test"], "Inst/Suite.Case/3");
  EXPECT_EQ(Body(Get("/api/tests/Inst%2FSuite.Case%2F3"))["test"], "Inst/Suite.Case/3");
}

TEST_F(DashboardTest, FlakyAndFailures) {
  for (int i = 0; i < 4; ++i) {
    plan_.start_timestamp_ms = now_;
    source_.OnRunStart(plan_);
    source_.OnTestFinished(a_, Record(0, i % 2 ? Outcome::kFailed : Outcome::kPassed, now_, 1,
                                      i % 2 ? "sometimes" : ""));
    source_.OnTestFinished(b_, Record(1, Outcome::kFailed, now_, 1, "always"));
    now_ += 10;
  }
  const nlohmann::json flaky = Body(Get("/api/flaky"))["tests"];
  ASSERT_EQ(flaky.size(), 1u);  // B always fails: broken, not flaky
  EXPECT_EQ(flaky[0]["test"], "Suite.A");
  EXPECT_DOUBLE_EQ(flaky[0]["flake_rate"].get<double>(), 0.5);
  EXPECT_EQ(Body(Get("/api/failures"))["failures"].size(), 6u);
  EXPECT_EQ(Body(Get("/api/failures?test=Suite.A"))["failures"].size(), 2u);
  EXPECT_EQ(Body(Get("/api/failures?limit=1"))["failures"].size(), 1u);
}

TEST_F(DashboardTest, BadRequestsGetFourHundredsThatSayWhy) {
  struct Case {
    std::string target;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"/api/runs?limit=0", 400, "'limit': expected an integer from 1 to 1000, got \\\"0\\\""},
      {"/api/runs?limit=abc", 400, "'limit'"},
      {"/api/runs?since=-5", 400, "'since'"},
      {"/api/runs?colour=red", 400, "unknown query parameter 'colour'"},
      {"/api/runs?host=a&host=b", 400, "'host' given twice"},
      {"/api/runs?host=%zz", 400, "malformed percent-escape"},
      {"/api/runs/abc", 400, "run id must be a positive integer, got \\\"abc\\\""},
      {"/api/runs/0", 400, "positive integer"},
      {"/api/runs/99999999999999999999", 400, "positive integer"},
      {"/api/runs/5", 404, "no run 5"},
      {"/api/runs/1/events?cursor=x", 400, "'cursor'"},
      {"/api/nothing", 404, "no API route /api/nothing"},
      {"/api/runs/", 400, "run id must be a positive integer"},
      {"/api/results/x/output", 400, "result id"},
      {"/a%00b", 400, "malformed percent-escape in path"},
      {"relative", 400, "absolute path"},
  };
  RunOnce("x");
  for (const Case& c : cases) {
    const HttpResponse response = Get(c.target);
    EXPECT_EQ(response.status, c.status) << c.target << ": " << response.body;
    EXPECT_NE(response.body.find(c.says), std::string::npos) << c.target << ": " << response.body;
  }
  HttpRequest post;
  post.method = "POST";
  post.target = "/api/runs";
  const HttpResponse refused = handler_.Handle(post);
  EXPECT_EQ(refused.status, 405);
  EXPECT_EQ(refused.Header("Allow"), "GET, HEAD");
}

TEST_F(DashboardTest, HeadGetsHeadersOnly) {
  HttpRequest head;
  head.method = "HEAD";
  head.target = "/";
  const HttpResponse response = handler_.Handle(head);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
}

TEST_F(DashboardTest, TokenByBearerOrByCookieSetFromALink) {
  RequestHandler guarded(source_, "s3cret-token-of-some-length");
  HttpRequest request;
  request.method = "GET";
  request.target = "/api/runs";
  HttpResponse response = guarded.Handle(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_NE(response.body.find("access token"), std::string::npos);
  EXPECT_EQ(response.Header("WWW-Authenticate"), "Bearer");

  request.authorization = "Bearer wrong";
  EXPECT_EQ(guarded.Handle(request).status, 401);
  request.authorization = "Bearer s3cret-token-of-some-length";
  EXPECT_EQ(guarded.Handle(request).status, 200);
  request.authorization = "Basic s3cret-token-of-some-length";
  EXPECT_EQ(guarded.Handle(request).status, 401);

  // A link with ?token= sets the cookie and redirects to the bare address.
  request.authorization.clear();
  request.target = "/?token=s3cret-token-of-some-length";
  response = guarded.Handle(request);
  EXPECT_EQ(response.status, 303);
  EXPECT_EQ(response.Header("Location"), "/");
  const auto cookie = response.Header("Set-Cookie");
  ASSERT_TRUE(cookie);
  EXPECT_NE(cookie->find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie->find("SameSite=Strict"), std::string::npos);
  request.target = "/?token=wrong";
  EXPECT_EQ(guarded.Handle(request).status, 401);

  request.target = "/api/runs";
  request.cookie = "other=1; gtest_dist_token=s3cret-token-of-some-length";
  EXPECT_EQ(guarded.Handle(request).status, 200);
  request.cookie = "gtest_dist_token=s3cret-token-of-some-lengtX";
  EXPECT_EQ(guarded.Handle(request).status, 401);
}

// Issue 11 item 14: `//host?token=` (and its spellings a browser reads as
// another host) redirects to "/", never off-site.
TEST_F(DashboardTest, TheTokenRedirectStaysOnThisSite) {
  RequestHandler guarded(source_, "s3cret-token-of-some-length");
  HttpRequest request;
  request.method = "GET";
  for (const std::string path : {"//evil.example", "//evil.example/x", "/\\evil.example",
                                 "/\\/evil.example", "/a\\b", "/%0d%0aX:y"}) {
    SCOPED_TRACE(path);
    request.target = path + "?token=s3cret-token-of-some-length";
    const HttpResponse response = guarded.Handle(request);
    EXPECT_EQ(response.status, 303);
    const auto location = response.Header("Location");
    ASSERT_TRUE(location);
    EXPECT_TRUE(*location == "/" || *location == path) << *location;
    EXPECT_NE(location->rfind("//", 0), 0u) << *location;
    EXPECT_EQ(location->find('\\'), std::string::npos) << *location;
  }
  request.target = "/assets/app.js?token=s3cret-token-of-some-length";
  EXPECT_EQ(guarded.Handle(request).Header("Location"), "/assets/app.js");
  EXPECT_EQ(SafeRedirectPath("//evil.example"), "/");
  EXPECT_EQ(SafeRedirectPath("/\\evil.example"), "/");
  EXPECT_EQ(SafeRedirectPath("/x\ty"), "/");
  EXPECT_EQ(SafeRedirectPath("/runs/12"), "/runs/12");
}

// Issue 11 item 14: DNS rebinding. Only the bound address, localhost and
// names given with --allowed-host are answered, whether or not a token is
// set; other names get 421 naming the flag.
TEST_F(DashboardTest, RequestsForAnotherHostNameAreRefused) {
  RequestHandler handler(source_, "", {"ci-dash.example.org"});
  handler.SetBoundAddress("127.0.0.1");
  HttpRequest request;
  request.method = "GET";
  request.target = "/api/runs";
  for (const char* host : {"127.0.0.1:7480", "127.0.0.1", "localhost:7480", "LOCALHOST",
                           "localhost.", "ci-dash.example.org", "CI-Dash.example.org:80", ""}) {
    request.host = host;
    EXPECT_EQ(handler.Handle(request).status, 200) << host;
  }
  for (const char* host :
       {"rebind.attacker.example:7480", "127.0.0.2:7480", "[::1]:7480",
        "localhost.attacker.example", "ci-dash.example.org.evil", ":7480", "[::1"}) {
    request.host = host;
    const HttpResponse response = handler.Handle(request);
    EXPECT_EQ(response.status, 421) << host;
    EXPECT_FALSE(response.authorized) << host;
    EXPECT_NE(response.body.find("--allowed-host"), std::string::npos) << response.body;
  }
  // On every address, any IP literal names this machine, never a DNS name.
  RequestHandler wildcard(source_, "tok-of-some-length-123");
  wildcard.SetBoundAddress("0.0.0.0");
  request.authorization = "Bearer tok-of-some-length-123";
  request.host = "10.1.2.3:7480";
  EXPECT_EQ(wildcard.Handle(request).status, 200);
  request.host = "[fe80::1]:7480";
  EXPECT_EQ(wildcard.Handle(request).status, 200);
  request.host = "dashboard.example.org:7480";
  EXPECT_EQ(wildcard.Handle(request).status, 421);
}

TEST_F(DashboardTest, OnlyAuthorizedRequestsMarkTheConnection) {
  RequestHandler guarded(source_, "s3cret-token-of-some-length");
  HttpRequest request;
  request.method = "GET";
  request.target = "/api/runs";
  EXPECT_FALSE(guarded.Handle(request).authorized);
  request.target = "/nonexistent?token=s3cret-token-of-some-length";
  EXPECT_TRUE(guarded.Handle(request).authorized);
  request.target = "/api/runs";
  request.authorization = "Bearer s3cret-token-of-some-length";
  EXPECT_TRUE(guarded.Handle(request).authorized);
}

TEST(DashboardServerTest, RefusesANonLoopbackAddressWithoutAToken) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.8.0.1"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.1.2.3"));
  LiveRunSource source("b", "h");
  boost::asio::io_context io;
  ServerConfig config;
  config.host = "0.0.0.0";
  HttpServer server(io, config, source);
  std::string error;
  EXPECT_FALSE(server.Start(&error));
  EXPECT_NE(error.find("access token"), std::string::npos) << error;
}

TEST(DashboardFlagsTest, DashboardAddressAndTokenFile) {
  DistOptions options;
  std::string error;
  ASSERT_TRUE(ParseDistOptions(
      {"./t", "--dist-dashboard=127.0.0.1:0", "--dist-dashboard-token-file", "tok"}, &options,
      &error))
      << error;
  EXPECT_EQ(options.dashboard_host, "127.0.0.1");
  EXPECT_EQ(options.dashboard_port, 0);
  EXPECT_EQ(options.dashboard_token_file, "tok");
  EXPECT_EQ(options.passthrough_args, std::vector<std::string>({"./t"}));
  for (const std::string value : {"local:2", "nohost", "h:99999", ""}) {
    EXPECT_FALSE(ParseDistOptions({"./t", "--dist-dashboard=" + value}, &options, &error));
    EXPECT_NE(error.find("--dist-dashboard"), std::string::npos) << error;
    EXPECT_NE(error.find("\"" + value + "\""), std::string::npos) << error;
  }
}

TEST(RunDocumentsTest, ReproQuotesWhatTheShellWouldExpand) {
  EXPECT_EQ(ReproCommand("t", "A.B"), "./t --gtest_filter=A.B");
  EXPECT_EQ(ReproCommand("t", "P/A.B/0"), "./t --gtest_filter=P/A.B/0");
  EXPECT_EQ(ReproCommand("t", "A.B<int>"), "./t --gtest_filter='A.B<int>'");
  EXPECT_EQ(ReproCommand("t", "it's;rm"), "./t --gtest_filter='it'\\''s;rm'");
}

TEST(RunDocumentsTest, EtaExtrapolatesThePace) {
  RunView run;
  run.started_ms = 1000;
  run.counts.selected = 10;
  EXPECT_TRUE(RunJson(run, 2000)["eta_ms"].is_null());
  run.counts.Add(Outcome::kPassed, 4);
  run.counts.Add(Outcome::kFailed);
  const nlohmann::json doc = RunJson(run, 6000);
  EXPECT_EQ(doc["elapsed_ms"], 5000);
  EXPECT_EQ(doc["eta_ms"], 5000);
  EXPECT_EQ(doc["counts"]["left"], 5);
}

}  // namespace
}  // namespace gtest_dist::dashboard
