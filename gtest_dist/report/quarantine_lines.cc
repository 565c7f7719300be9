#include "gtest_dist/report/quarantine_lines.h"

#include <string>
#include <vector>

#include "gtest_dist/model/quarantine.h"
#include "gtest_dist/report/console_format.h"

namespace gtest_dist {
namespace {

// Quarantine text comes from whoever wrote the store: one line, no control
// characters that could move the cursor or forge lines.
std::string OneSafeLine(const std::string& text) {
  std::string line;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    line += byte < 0x20 || byte == 0x7f ? '?' : c;
  }
  return line;
}

}  // namespace

void PrintQuarantineMark(ConsoleStream& out, const RunPlan& plan, const TestEntry& test,
                         const TestRecord& record) {
  const auto found = plan.quarantined.find(test.index);
  if (found == plan.quarantined.end() || !FailsRun(plan, record.outcome)) return;
  out.PrintColored(ConsoleColor::kYellow, "[QUARANTINED] ");
  out.Print(test.FullName() + " (" + OutcomeName(record.outcome) +
            ", does not fail the run: " + OneSafeLine(DescribeQuarantine(found->second)) + ")\n");
}

void PrintQuarantineSummary(ConsoleStream& out, const RunPlan& plan, const RunSummary& summary) {
  for (const QuarantineEntry& entry : plan.quarantine_expired) {
    out.PrintColored(ConsoleColor::kYellow, "[QUARANTINE] ");
    out.Print(OneSafeLine(entry.test) + ": the quarantine expired on " +
              FormatQuarantineTime(entry.until_ms) + " (" + OneSafeLine(entry.reason) +
              "); it fails the run again\n");
  }
  const std::vector<int> kept = summary.QuarantinedFailures();
  if (kept.empty()) return;
  out.PrintColored(ConsoleColor::kYellow, "[QUARANTINED] ");
  out.Print(FormatTestCount(kept.size()) + " failed but did not fail the run, listed below:\n");
  for (int index : kept) {
    out.PrintColored(ConsoleColor::kYellow, "[QUARANTINED] ");
    out.Print(plan.catalog->test(index).FullName() + " (" + OutcomeName(summary.OutcomeOf(index)) +
              "; " + OneSafeLine(DescribeQuarantine(plan.quarantined.at(index))) + ")\n");
  }
}

}  // namespace gtest_dist
