#include "gtest_dist/analytics/failure_signature.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace gtest_dist::analytics {
namespace {

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string MaskFailureMessage(std::string_view message) {
  std::string masked;
  size_t i = 0;
  while (i < message.size() && masked.size() < kMaxSignatureMessage) {
    const char c = message[i];
    const bool starts_token = i == 0 || !IsNameChar(message[i - 1]);
    if (std::isspace(static_cast<unsigned char>(c))) {
      while (i < message.size() && std::isspace(static_cast<unsigned char>(message[i]))) ++i;
      if (!masked.empty() && i < message.size()) masked += ' ';
      continue;
    }
    if (starts_token && c == '0' && i + 2 < message.size() &&
        (message[i + 1] == 'x' || message[i + 1] == 'X') && IsHexDigit(message[i + 2])) {
      i += 2;
      while (i < message.size() && IsHexDigit(message[i])) ++i;
      masked += "0x?";
      continue;
    }
    if (starts_token &&
        (IsDigit(c) || (c == '-' && i + 1 < message.size() && IsDigit(message[i + 1]) &&
                        (i == 0 || message[i - 1] == ' ')))) {
      // A long run of hex digits that starts with a digit: a hash or an
      // unprefixed address.
      const size_t n = message.size();
      size_t j = c == '-' ? i + 1 : i;
      size_t h = j;
      while (h < n && IsHexDigit(message[h])) ++h;
      if (h - j >= 8 && (h >= n || !IsNameChar(message[h]))) {
        masked += '#';
        i = h;
        continue;
      }
      // A decimal number: digits, a fraction, an exponent.
      while (j < n && IsDigit(message[j])) ++j;
      if (j + 1 < n && message[j] == '.' && IsDigit(message[j + 1])) {
        for (++j; j < n && IsDigit(message[j]);) ++j;
      }
      if (j < n && (message[j] == 'e' || message[j] == 'E')) {
        size_t k = j + 1;
        if (k < n && (message[k] == '+' || message[k] == '-')) ++k;
        if (k < n && IsDigit(message[k])) {
          for (j = k; j < n && IsDigit(message[j]);) ++j;
        }
      }
      if (j < n && IsNameChar(message[j])) {
        // "3rd", "64bit": a word, not a number.
        while (j < n && IsNameChar(message[j])) ++j;
        masked.append(message.substr(i, j - i));
      } else {
        masked += '#';
      }
      i = j;
      continue;
    }
    masked += c;
    ++i;
  }
  if (masked.size() > kMaxSignatureMessage) masked.resize(kMaxSignatureMessage);
  return masked;
}

std::string FailureSignature(const FailureFacts& facts) {
  if (!HadFailure(facts.outcome) && facts.outcome != Outcome::kNotRun) return "";
  if (facts.has_part) {
    std::string file = facts.file.empty() ? "unknown file" : facts.file;
    const size_t slash = file.find_last_of('/');
    if (slash != std::string::npos) file = file.substr(slash + 1);
    if (facts.line >= 0) file += ":" + std::to_string(facts.line);
    return file + ": " + MaskFailureMessage(facts.message);
  }
  return std::string(OutcomeName(facts.outcome)) + ": " + facts.reason;
}

std::vector<FailureGroup> GroupFailures(const std::vector<FailureOccurrence>& failures) {
  std::map<std::string, FailureGroup> by_signature;
  for (const FailureOccurrence& f : failures) {
    FailureGroup& group = by_signature[f.signature];
    group.signature = f.signature;
    if (group.failures == 0 || f.when_ms < group.first_ms) group.first_ms = f.when_ms;
    if (group.failures == 0 || f.when_ms > group.last_ms) group.last_ms = f.when_ms;
    ++group.failures;
    group.tests.insert(f.test);
    group.runs.insert(f.run_id);
  }
  std::vector<FailureGroup> groups;
  for (auto& [signature, group] : by_signature) groups.push_back(std::move(group));
  std::stable_sort(groups.begin(), groups.end(), [](const FailureGroup& a, const FailureGroup& b) {
    return a.failures > b.failures;
  });
  return groups;
}

}  // namespace gtest_dist::analytics
