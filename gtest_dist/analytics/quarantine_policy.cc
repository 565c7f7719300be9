#include "gtest_dist/analytics/quarantine_policy.h"

namespace gtest_dist::analytics {

bool PassedLatestRuns(const std::vector<RunResult>& newest_first, int runs) {
  int passed = 0;
  size_t i = 0;
  while (i < newest_first.size() && passed < runs) {
    const std::int64_t run = newest_first[i].run_id;
    bool any_pass = false;
    bool any_failure = false;
    for (; i < newest_first.size() && newest_first[i].run_id == run; ++i) {
      any_pass = any_pass || HadPass(newest_first[i].outcome);
      any_failure = any_failure || HadFailure(newest_first[i].outcome);
    }
    if (any_failure) return false;
    if (any_pass) ++passed;
  }
  return passed >= runs;
}

QuarantineProposal ProposeQuarantine(const std::vector<FlakeCandidate>& candidates,
                                     const std::set<std::string>& quarantined,
                                     const std::set<std::string>& cleared,
                                     const QuarantinePolicy& policy) {
  QuarantineProposal proposal;
  for (const FlakeCandidate& candidate : candidates) {
    if (quarantined.count(candidate.test) > 0) continue;
    if (!IsFlaky(candidate.counts)) continue;
    if (FlakeRate(candidate.counts) < policy.min_flake_rate) continue;
    proposal.add.push_back(candidate);
  }
  for (const std::string& test : quarantined) {
    if (cleared.count(test) > 0) proposal.remove.push_back(test);
  }
  return proposal;
}

}  // namespace gtest_dist::analytics
