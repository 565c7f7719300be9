// A failure's signature: what stays the same when the same bug fails again,
// in another test or another run, so that failures group by cause instead of
// by row ("this assertion failed in 14 tests over 9 runs"). Pure.
#ifndef GTEST_DIST_ANALYTICS_FAILURE_SIGNATURE_H_
#define GTEST_DIST_ANALYTICS_FAILURE_SIGNATURE_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gtest_dist/model/outcome.h"

namespace gtest_dist::analytics {

// `message` with what varies between occurrences of one failure masked:
// hexadecimal numbers and addresses (0x7ffd...) become "0x?", other numbers
// (not part of a name such as Test3 or gen_suite_1) become "#", runs of
// whitespace one space; cut to kMaxSignatureMessage bytes.
std::string MaskFailureMessage(std::string_view message);
constexpr std::size_t kMaxSignatureMessage = 200;

// The first failed assertion of a result, or how it ended.
struct FailureFacts {
  Outcome outcome = Outcome::kFailed;
  // The first failed part (gtest's assertion): its place and message. Empty
  // file and line -1 when there is none or gtest gave no place.
  bool has_part = false;
  std::string file;
  int line = -1;
  std::string message;
  // Why a CRASHED/TIMEOUT/NOT_RUN result ended ("killed by signal 11
  // (Segmentation fault)").
  std::string reason;
};

// "file:line: masked message" for an assertion (the file's base name: the
// same source built in two trees is one place); "CRASHED: reason" or
// "TIMEOUT: reason" for a result that could not report its own end (the
// signal is kept: SIGSEGV and SIGABRT are different bugs). Empty for a
// result that did not fail.
std::string FailureSignature(const FailureFacts& facts);

// One failed result, for grouping.
struct FailureOccurrence {
  std::string signature;  // empty: recorded before signatures were
  std::string test;
  std::int64_t run_id = 0;
  std::int64_t when_ms = 0;
};
// The failures of one signature: how many, in which tests and runs, when.
struct FailureGroup {
  std::string signature;
  int failures = 0;
  std::set<std::string> tests;
  std::set<std::int64_t> runs;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
};
// Groups by signature, the group with the most failures first (then by
// signature). Results without a signature form one group of their own,
// signature "".
std::vector<FailureGroup> GroupFailures(const std::vector<FailureOccurrence>& failures);

}  // namespace gtest_dist::analytics

#endif  // GTEST_DIST_ANALYTICS_FAILURE_SIGNATURE_H_
