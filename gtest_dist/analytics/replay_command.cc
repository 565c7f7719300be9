#include "gtest_dist/analytics/replay_command.h"

#include <cctype>
#include <sstream>

namespace gtest_dist::analytics {
namespace {

bool IsDisabled(const std::string& test) {
  return test.rfind("DISABLED_", 0) == 0 || test.find(".DISABLED_") != std::string::npos ||
         test.find("/DISABLED_") != std::string::npos;
}

// The test named after a console tag: up to the first space or comma
// ("P/Suite.Name/3, where GetParam() = 3 (0 ms)").
std::string NameAfter(const std::string& line, size_t tag_length) {
  std::string name = line.substr(tag_length);
  const size_t end = name.find_first_of(" ,");
  if (end != std::string::npos) name.resize(end);
  return name;
}

}  // namespace

std::string ReplayFilter(const std::vector<std::string>& tests) {
  std::string filter;
  for (const std::string& test : tests) filter += (filter.empty() ? "" : ":") + test;
  return filter;
}

std::vector<std::string> ReplayArgv(const ReplaySpec& spec) {
  std::vector<std::string> argv = {spec.binary};
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  // After the recorded arguments: the filter and the seed are what decide.
  argv.push_back("--gtest_filter=" + ReplayFilter(spec.tests));
  bool disabled = false;
  for (const std::string& test : spec.tests) disabled = disabled || IsDisabled(test);
  if (disabled) argv.push_back("--gtest_also_run_disabled_tests");
  if (spec.shuffle) {
    argv.push_back("--gtest_shuffle");
    argv.push_back("--gtest_random_seed=" + std::to_string(spec.random_seed));
  }
  return argv;
}

std::string ShellQuote(const std::string& word) {
  bool plain = !word.empty();
  for (char ch : word) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' ||
                      ch == '/' || ch == ':' || ch == '-' || ch == '=' || ch == '+' || ch == ',' ||
                      ch == '@' || ch == '%');
  }
  if (plain) return word;
  std::string quoted = "'";
  for (char ch : word) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return quoted + "'";
}

std::string ReplayShellLine(const ReplaySpec& spec) {
  std::string line;
  if (!spec.directory.empty()) line = "cd " + ShellQuote(spec.directory) + " && ";
  if (!spec.env.empty()) {
    line += "env";
    for (const auto& [name, value] : spec.env) line += " " + ShellQuote(name + "=" + value);
    line += " ";
  }
  const std::vector<std::string> argv = ReplayArgv(spec);
  for (size_t i = 0; i < argv.size(); ++i) {
    // A relative binary is run from the directory, not looked up in PATH.
    std::string word = argv[i];
    if (i == 0 && word.find('/') == std::string::npos) word = "./" + word;
    line += (i == 0 ? "" : " ") + ShellQuote(word);
  }
  return line;
}

ReplayObservation::Result ReplayObservation::ResultOf(const std::string& test) const {
  const auto it = results.find(test);
  return it == results.end() ? Result::kNotStarted : it->second;
}

bool ReplayObservation::Failed(const std::string& test) const {
  const Result result = ResultOf(test);
  return result == Result::kFailed || result == Result::kDied;
}

ReplayObservation ParseReplayOutput(const std::string& console) {
  static const std::string kRun = "[ RUN      ] ", kOk = "[       OK ] ", kFailed = "[  FAILED  ] ",
                           kSkipped = "[  SKIPPED ] ";
  ReplayObservation seen;
  std::istringstream lines(console);
  std::string line;
  while (std::getline(lines, line)) {
    // A test's own output may precede a tag on the same line.
    const size_t at = line.find("[ ");
    if (at == std::string::npos) continue;
    line.erase(0, at);
    using Result = ReplayObservation::Result;
    if (line.rfind(kRun, 0) == 0) {
      const std::string name = NameAfter(line, kRun.size());
      seen.started.push_back(name);
      seen.results[name] = Result::kDied;  // until its end line comes
      continue;
    }
    for (const auto& [tag, result] :
         {std::make_pair(kOk, Result::kPassed), std::make_pair(kFailed, Result::kFailed),
          std::make_pair(kSkipped, Result::kSkipped)}) {
      if (line.rfind(tag, 0) != 0) continue;
      const std::string name = NameAfter(line, tag.size());
      // Only the end line of a started test: the summary repeats FAILED lines.
      const auto it = seen.results.find(name);
      if (it != seen.results.end() && it->second == Result::kDied) it->second = result;
    }
  }
  return seen;
}

}  // namespace gtest_dist::analytics
