// The --dist-triage verdict on one failed test of a run (issue 16): what the
// reports, the history store and the dashboard show.
#ifndef GTEST_DIST_MODEL_TRIAGE_NOTE_H_
#define GTEST_DIST_MODEL_TRIAGE_NOTE_H_

#include <string>
#include <vector>

namespace gtest_dist {

struct TriageNote {
  // "ORDER-DEPENDENT", "FLAKY", "BROKEN" or "UNKNOWN" (analytics::TriageVerdictName).
  std::string verdict;
  std::vector<std::string> culprits;  // ORDER-DEPENDENT: the tests it fails after, in order
  std::string why;                    // UNKNOWN: why no verdict ("the budget ran out")
  int replays = 0;                    // runs of the binary it took

  // "ORDER-DEPENDENT (after Suite.Polluter)", "FLAKY", "UNKNOWN (why)".
  std::string Describe() const {
    std::string text = verdict;
    if (!culprits.empty()) {
      text += " (after ";
      for (size_t i = 0; i < culprits.size(); ++i) text += (i == 0 ? "" : ", ") + culprits[i];
      text += ")";
    } else if (!why.empty()) {
      text += " (" + why + ")";
    }
    return text;
  }
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_TRIAGE_NOTE_H_
