#include "gtest_dist/report/triage_lines.h"

#include <string>

#include "gtest_dist/report/console_format.h"

namespace gtest_dist {

void PrintTriageSummary(ConsoleStream& out, const RunSummary& summary) {
  if (summary.triage.empty() || summary.plan == nullptr) return;
  out.PrintColored(ConsoleColor::kYellow, "[  TRIAGE  ] ");
  out.Print(FormatTestCount(summary.triage.size()) + " replayed to say why they failed:\n");
  for (const auto& [index, note] : summary.triage) {
    out.PrintColored(ConsoleColor::kYellow, "[  TRIAGE  ] ");
    out.Print(summary.plan->catalog->test(index).FullName() + ": " + note.Describe() + "\n");
  }
}

}  // namespace gtest_dist
