#include "gtest_dist/model/test_record.h"

#include <utility>

namespace gtest_dist {

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
