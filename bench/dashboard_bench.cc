// Dashboard latency over a large history: fills a SQLite store with RUNS runs
// of a TESTS-test suite (rows written directly, in bulk), then times the API
// answers the pages need, through the real request handler and SQLite source
// (query + JSON), and prints the median of each. Not a test: figures, for
// the targets in issue 6 (runs list and run page < 200 ms, test page < 300 ms).
//
//   dashboard_bench [--db PATH] [--runs N] [--tests N] [--samples N] [--reuse]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest_dist/dashboard/request_handler.h"
#include "gtest_dist/dashboard/sqlite_source.h"

namespace {

using gtest_dist::dashboard::HttpRequest;
using gtest_dist::dashboard::HttpResponse;
using gtest_dist::dashboard::RequestHandler;
using gtest_dist::dashboard::SqliteSource;

void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "dashboard_bench: %s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

void Exec(sqlite3* db, const char* sql) { Check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

std::string TestName(int i) {
  char name[64];
  std::snprintf(name, sizeof name, "Suite%03d.Case%02d", i / 50, i % 50);
  return name;
}

void Fill(const std::string& path, int runs, int tests) {
  std::remove(path.c_str());
  sqlite3* db = nullptr;
  Check(sqlite3_open(path.c_str(), &db), db, "open");
  Exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000");
  std::string error;
  if (!gtest_dist::dashboard::CreateSqliteSchema(db, &error)) {
    std::fprintf(stderr, "dashboard_bench: schema: %s\n", error.c_str());
    std::exit(1);
  }
  // Bulk load without the indexes, then build them once: minutes faster.
  Exec(db, "DROP INDEX results_full_name; DROP INDEX runs_started");
  sqlite3_stmt* run = nullptr;
  sqlite3_stmt* result = nullptr;
  sqlite3_stmt* message = nullptr;
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO runs(id, status, binary_name, label, host, started_ms, "
                           "ended_ms, tests_total, passed, failed, workers) VALUES (?, ?, "
                           "'big_suite', ?, ?, ?, ?, ?, ?, ?, 'w1:7420,w2:7420,w3:7420')",
                           -1, &run, nullptr),
        db, "prepare run");
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO results(test_index, run_id, full_name, status, worker, "
                           "started_ms, duration_ms, output, attempt) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                           -1, &result, nullptr),
        db, "prepare result");
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO failure_parts(run_id, test_index, attempt, seq, kind, "
                           "file, line, summary) VALUES (?, ?, 1, 0, 'failure', 'big_test.cc', "
                           "42, ?)",
                           -1, &message, nullptr),
        db, "prepare message");
  std::vector<std::string> names;
  for (int t = 0; t < tests; ++t) names.push_back(TestName(t));
  const std::string failure_output(600, 'o');
  const std::int64_t t0 = 1'700'000'000'000;
  unsigned seed = 12345;
  auto rnd = [&seed] { return seed = seed * 1103515245U + 12345U; };
  Exec(db, "BEGIN");
  for (int r = 1; r <= runs; ++r) {
    const std::int64_t start = t0 + static_cast<std::int64_t>(r) * 3'600'000;
    int failed = 0;
    for (int t = 0; t < tests; ++t) {
      // About one result in 400 fails; one test in 100 is flaky-ish.
      const bool fails = rnd() % 400 == 0 || (t % 100 == 7 && rnd() % 5 == 0);
      failed += fails;
      sqlite3_bind_int64(result, 1, t);
      sqlite3_bind_int64(result, 2, r);
      sqlite3_bind_text(result, 3, names[t].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(result, 4, fails ? "FAILED" : "PASSED", -1, SQLITE_STATIC);
      sqlite3_bind_text(result, 5, t % 3 == 0 ? "w1:7420" : t % 3 == 1 ? "w2:7420" : "w3:7420", -1,
                        SQLITE_STATIC);
      sqlite3_bind_int64(result, 6, start + t * 20);
      sqlite3_bind_int64(result, 7, 5 + (t % 37) + static_cast<int>(rnd() % 7));
      sqlite3_bind_text(result, 8, fails ? failure_output.c_str() : "", -1, SQLITE_STATIC);
      Check(sqlite3_step(result), db, "insert result");
      sqlite3_reset(result);
      if (fails) {
        sqlite3_bind_int64(message, 1, r);
        sqlite3_bind_int64(message, 2, t);
        sqlite3_bind_text(message, 3, "Expected equality of these values:\n  a\n    Which is: 1\n  b",
                          -1, SQLITE_STATIC);
        Check(sqlite3_step(message), db, "insert message");
        sqlite3_reset(message);
      }
    }
    sqlite3_bind_int64(run, 1, r);
    sqlite3_bind_text(run, 2, failed ? "red" : "green", -1, SQLITE_STATIC);
    const std::string label = "rev-" + std::to_string(r);
    sqlite3_bind_text(run, 3, label.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(run, 4, r % 2 ? "ci-1" : "ci-2", -1, SQLITE_STATIC);
    sqlite3_bind_int64(run, 5, start);
    sqlite3_bind_int64(run, 6, start + 600'000);
    sqlite3_bind_int64(run, 7, tests);
    sqlite3_bind_int64(run, 8, tests - failed);
    sqlite3_bind_int64(run, 9, failed);
    Check(sqlite3_step(run), db, "insert run");
    sqlite3_reset(run);
  }
  Exec(db, "COMMIT");
  sqlite3_finalize(run);
  sqlite3_finalize(result);
  sqlite3_finalize(message);
  if (!gtest_dist::dashboard::CreateSqliteSchema(db, &error)) {  // the indexes
    std::fprintf(stderr, "dashboard_bench: indexes: %s\n", error.c_str());
    std::exit(1);
  }
  Exec(db, "ANALYZE");
  sqlite3_close(db);
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
                   "dashboard_bench: unknown argument %s\nusage: dashboard_bench [--db PATH] "
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
    Fill(path, runs, tests);
    std::printf("filled %s: %d runs x %d tests = %lld results in %.1f s\n", path.c_str(), runs,
                tests, static_cast<long long>(runs) * tests, Seconds(start));
  }
  std::string error;
  auto source = SqliteSource::Open(path, &error);
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
      {"flaky, last 7 days", "/api/flaky?since=" + std::to_string(1'700'000'000'000LL +
                                                                  (runs - 168) * 3'600'000LL),
       0},
  };
  std::printf("%-24s %10s %10s %10s %8s  %s\n", "page", "median ms", "min ms", "max ms",
              "bytes", "target");
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
