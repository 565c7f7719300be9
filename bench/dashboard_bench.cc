// Dashboard latency over a large history: fills a history store with RUNS
// runs of a TESTS-test suite through the history layer (schema and inserts of
// gtest_dist/history/, in bulk), then times the API answers the pages need,
// through the real request handler and history source (query + JSON), and
// prints the median of each. Not a test: figures, for the targets in issue 6
// (runs list and run page < 200 ms, test page < 300 ms).
//
//   dashboard_bench [--db PATH|URL] [--runs N] [--tests N] [--samples N] [--reuse]
//
// A PostgreSQL URL must name an empty database (the fill does not clear one).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/dashboard/history_source.h"
#include "gtest_dist/dashboard/request_handler.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/history/history_store.h"

namespace {

namespace history = gtest_dist::history;
using gtest_dist::dashboard::HistorySource;
using gtest_dist::dashboard::HttpRequest;
using gtest_dist::dashboard::HttpResponse;
using gtest_dist::dashboard::RequestHandler;

std::string SuiteName(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "Suite%03d", i / 50);
  return name;
}
std::string CaseName(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "Case%02d", i % 50);
  return name;
}
std::string TestName(int i) { return SuiteName(i) + "." + CaseName(i); }

void Fill(const std::string& location, int runs, int tests) {
  const bool sqlite = !history::IsPostgresLocation(location);
  if (sqlite) std::remove(location.c_str());
  std::unique_ptr<history::Database> db = history::OpenDatabase(location);
  history::EnsureSchema(db.get());
  std::vector<std::string> indexes;
  if (sqlite) {
    db->Exec("PRAGMA journal_mode=OFF");
    db->Exec("PRAGMA synchronous=OFF");
    db->Exec("PRAGMA cache_size=-200000");
    // Bulk load without the store's secondary indexes, then build them again
    // from their own definitions: minutes faster.
    for (const history::Row& row : db->Query(
             "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")) {
      db->Exec("DROP INDEX " + row.Text(0));
      indexes.push_back(row.Text(1));
    }
  }
  const std::string failure_output(600, 'o');
  const std::int64_t t0 = 1'700'000'000'000;
  unsigned seed = 12345;
  auto rnd = [&seed] { return seed = seed * 1103515245U + 12345U; };
  std::vector<history::NewResult> results(static_cast<std::size_t>(tests));
  for (int t = 0; t < tests; ++t) {
    history::NewResult& r = results[static_cast<std::size_t>(t)];
    r.test_index = t;
    r.suite = SuiteName(t);
    r.name = CaseName(t);
    r.worker = t % 3 == 0 ? "w1:7420" : t % 3 == 1 ? "w2:7420" : "w3:7420";
  }
  for (int run = 1; run <= runs; ++run) {
    const std::int64_t start = t0 + static_cast<std::int64_t>(run) * 3'600'000;
    history::NewRun row;
    row.started_ms = start;
    row.binary_name = "big_suite";
    row.host = run % 2 ? "ci-1" : "ci-2";
    row.label = "rev-" + std::to_string(run);
    row.mode = "supervisor";
    row.workers = "w1:7420,w2:7420,w3:7420";
    row.tests_total = tests;
    history::Transaction transaction(db.get());
    const std::int64_t id = history::InsertRun(db.get(), row);
    int failed = 0;
    for (int t = 0; t < tests; ++t) {
      history::NewResult& r = results[static_cast<std::size_t>(t)];
      // About one result in 400 fails; one test in 100 is flaky-ish.
      const bool fails = rnd() % 400 == 0 || (t % 100 == 7 && rnd() % 5 == 0);
      failed += fails;
      r.status = fails ? gtest_dist::Outcome::kFailed : gtest_dist::Outcome::kPassed;
      r.started_ms = start + t * 20;
      r.duration_ms = 5 + (t % 37) + static_cast<int>(rnd() % 7);
      r.output = fails ? failure_output : "";
      r.parts.clear();
      if (fails) {
        r.parts.push_back({"nonfatal", "big_test.cc", 42,
                           "Expected equality of these values:\n  a\n    Which is: 1\n  b"});
      }
    }
    history::InsertResults(db.get(), id, results);
    gtest_dist::RunTotals counts;
    counts.passed = tests - failed;
    counts.failed = failed;
    const gtest_dist::Verdict verdict =
        failed ? gtest_dist::Verdict::kFailed : gtest_dist::Verdict::kPassed;
    history::FinishRun(db.get(), id, gtest_dist::VerdictName(verdict), start + 600'000, 600'000,
                       counts, {});
    transaction.Commit();
  }
  for (const std::string& sql : indexes) db->Exec(sql);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = "dashboard_bench.db";
  int runs = 1000;
  int tests = 5000;
  int samples = 21;
  bool reuse = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "dashboard_bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--db") {
      path = value();
    } else if (arg == "--runs") {
      runs = std::atoi(value().c_str());
    } else if (arg == "--tests") {
      tests = std::atoi(value().c_str());
    } else if (arg == "--samples") {
      samples = std::atoi(value().c_str());
    } else if (arg == "--reuse") {
      reuse = true;
    } else {
      std::fprintf(stderr,
                   "dashboard_bench: unknown argument %s\nusage: dashboard_bench [--db PATH|URL] "
                   "[--runs N] [--tests N] [--samples N] [--reuse]\n",
                   arg.c_str());
      return 2;
    }
  }
  if (runs < 1 || tests < 1 || samples < 1) {
    std::fprintf(stderr, "dashboard_bench: --runs, --tests and --samples must be positive\n");
    return 2;
  }
  if (!reuse) {
    const auto start = std::chrono::steady_clock::now();
    try {
      Fill(path, runs, tests);
    } catch (const history::DatabaseError& e) {
      std::fprintf(stderr, "dashboard_bench: filling %s: %s\n", path.c_str(), e.what());
      return 1;
    }
    std::printf("filled %s: %d runs x %d tests = %lld results in %.1f s\n", path.c_str(), runs,
                tests, static_cast<long long>(runs) * tests, Seconds(start));
  }
  std::string error;
  auto source = HistorySource::Open(path, &error);
  if (!source) {
    std::fprintf(stderr, "dashboard_bench: %s\n", error.c_str());
    return 1;
  }
  RequestHandler handler(*source, "");
  const std::string middle = std::to_string(runs / 2);
  const struct {
    const char* page;
    std::string target;
    double target_ms;
  } routes[] = {
      {"runs list", "/api/runs", 200},
      {"runs list, host filter", "/api/runs?host=ci-2&limit=100", 200},
      {"run page", "/api/runs/" + middle, 200},
      {"test page", "/api/tests/" + TestName(tests / 2), 300},
      {"test page, 1000 runs", "/api/tests/" + TestName(tests / 2) + "?limit=1000", 300},
      {"failures", "/api/failures", 0},
      {"flaky, last 7 days",
       "/api/flaky?since=" + std::to_string(1'700'000'000'000LL + (runs - 168) * 3'600'000LL), 0},
  };
  std::printf("%-24s %10s %10s %10s %8s  %s\n", "page", "median ms", "min ms", "max ms", "bytes",
              "target");
  for (const auto& route : routes) {
    std::vector<double> times;
    std::size_t bytes = 0;
    for (int i = 0; i <= samples; ++i) {  // the first is a warm-up
      HttpRequest request;
      request.method = "GET";
      request.target = route.target;
      const auto start = std::chrono::steady_clock::now();
      const HttpResponse response = handler.Handle(request);
      const double ms = Seconds(start) * 1000;
      if (response.status != 200) {
        std::fprintf(stderr, "dashboard_bench: %s -> %d %s\n", route.target.c_str(),
                     response.status, response.body.c_str());
        return 1;
      }
      bytes = response.body.size();
      if (i > 0) times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    std::string verdict = "-";
    if (route.target_ms > 0) {
      verdict = std::string(median < route.target_ms ? "ok, < " : "MISSED, >= ") +
                std::to_string(static_cast<int>(route.target_ms)) + " ms";
    }
    std::printf("%-24s %10.1f %10.1f %10.1f %8zu  %s\n", route.page, median, times.front(),
                times.back(), bytes, verdict.c_str());
  }
  return 0;
}
