#include "gtest_dist/model/outcome.h"

namespace gtest_dist {
namespace {

struct NamedOutcome {
  Outcome outcome;
  const char* name;
};

// Frozen: these names are on the wire and in the history store.
constexpr NamedOutcome kOutcomeNames[] = {
    {Outcome::kPassed, "PASSED"},   {Outcome::kFailed, "FAILED"},   {Outcome::kSkipped, "SKIPPED"},
    {Outcome::kCrashed, "CRASHED"}, {Outcome::kTimeout, "TIMEOUT"}, {Outcome::kNotRun, "NOT_RUN"},
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

}  // namespace gtest_dist
