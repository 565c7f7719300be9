#include "gtest_dist/model/test_record.h"

#include <utility>

namespace gtest_dist {
namespace {

struct NamedOutcome {
  Outcome outcome;
  const char* name;
};

// Frozen: these names are on the wire and in the history store.
constexpr NamedOutcome kOutcomeNames[] = {
    {Outcome::kPassed, "PASSED"},   {Outcome::kFailed, "FAILED"},
    {Outcome::kSkipped, "SKIPPED"}, {Outcome::kCrashed, "CRASHED"},
    {Outcome::kTimeout, "TIMEOUT"}, {Outcome::kNotRun, "NOT_RUN"},
    {Outcome::kFlaky, "FLAKY"},
};

}  // namespace

const char* OutcomeName(Outcome outcome) {
  for (const NamedOutcome& named : kOutcomeNames) {
    if (named.outcome == outcome) return named.name;
  }
  // Only reachable through a value cast from an out-of-range integer.
  return "UNKNOWN";
}

bool OutcomeFromName(const std::string& name, Outcome* outcome) {
  for (const NamedOutcome& named : kOutcomeNames) {
    if (name == named.name) {
      *outcome = named.outcome;
      return true;
    }
  }
  return false;
}

bool OutcomeFailurePart(const TestRecord& record, TestPart* part) {
  const char* fallback = nullptr;
  switch (record.outcome) {
    case Outcome::kCrashed:
      fallback = "the test process died during the test";
      break;
    case Outcome::kTimeout:
      fallback = "the test was killed after exceeding its time limit";
      break;
    case Outcome::kNotRun:
      fallback = "the test was selected but never run";
      break;
    case Outcome::kPassed:
    case Outcome::kFailed:
    case Outcome::kSkipped:
    case Outcome::kFlaky:
      return false;
  }
  TestPart failure;
  failure.type = TestPart::Type::kFatalFailure;
  // Empty file and line -1 print as gtest's "unknown file", the honest
  // location: the test could not tell where it stopped.
  failure.message = record.reason.empty() ? fallback : record.reason;
  failure.summary = failure.message;
  *part = std::move(failure);
  return true;
}

}  // namespace gtest_dist
