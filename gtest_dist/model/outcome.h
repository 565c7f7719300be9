// The one typed status of a test, and what each status means for a run. Every
// consumer (console, XML, JSON, history, dashboard, loop tally) asks these
// functions; status strings exist only where a status is serialised (the wire,
// the history store, the dashboard's JSON), through OutcomeName and
// OutcomeFromName.
#ifndef GTEST_DIST_MODEL_OUTCOME_H_
#define GTEST_DIST_MODEL_OUTCOME_H_

#include <string>

namespace gtest_dist {

// The final status of one test (or of one attempt, with --dist-retries).
enum class Outcome {
  kPassed,
  kFailed,
  kSkipped,
  kCrashed,  // the child died during the test (signal, exit(), abort)
  kTimeout,  // killed after --dist-test-timeout
  kNotRun,   // selected but never run (run interrupted, no worker left)
  // Failed, then passed when run again (--dist-retries). Set by the
  // supervisor only: a worker reports what one attempt did.
  kFlaky,
};

// The serialised name: PASSED, FAILED, SKIPPED, CRASHED, TIMEOUT, NOT_RUN,
// FLAKY. Frozen: these names appear on the wire, in the history store and in
// the dashboard's JSON.
const char* OutcomeName(Outcome outcome);
// The inverse of OutcomeName; false, leaving `outcome` alone, for any other
// text.
bool OutcomeFromName(const std::string& name, Outcome* outcome);

// The test ran and its (last) attempt failed: FAILED, CRASHED or TIMEOUT.
// What --dist-retries runs again, and the "failed" count of a run.
inline bool IsFailedAttempt(Outcome o) {
  return o == Outcome::kFailed || o == Outcome::kCrashed || o == Outcome::kTimeout;
}
// Some attempt of the test failed: IsFailedAttempt, or FLAKY. What the
// failure lists show and what a flake rate counts as a failure.
inline bool HadFailure(Outcome o) { return IsFailedAttempt(o) || o == Outcome::kFlaky; }
// Some attempt of the test passed: PASSED, or FLAKY.
inline bool HadPass(Outcome o) { return o == Outcome::kPassed || o == Outcome::kFlaky; }
// Fails the run whatever the flags: a failed attempt, or a selected test that
// never ran.
inline bool IsFailure(Outcome o) { return IsFailedAttempt(o) || o == Outcome::kNotRun; }
// Fails the run: IsFailure, and FLAKY under --dist-flaky-fails.
inline bool FailsRun(Outcome o, bool flaky_fails) {
  return IsFailure(o) || (flaky_fails && o == Outcome::kFlaky);
}
// What reports (console end line, XML, JSON) show for a test's final
// outcome: FLAKY under --dist-flaky-fails shows as FAILED.
inline Outcome ReportedOutcome(Outcome o, bool flaky_fails) {
  return flaky_fails && o == Outcome::kFlaky ? Outcome::kFailed : o;
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_OUTCOME_H_
