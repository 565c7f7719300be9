#include "gtest_dist/supervisor/ssh_command.h"

namespace gtest_dist {

std::string DefaultSshRemoteCommand() { return "gtest_dist worker --stdio"; }

std::string ShellQuote(const std::string& word) {
  bool plain = !word.empty();
  for (char c : word) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == ':' ||
                      c == ',' || c == '=' || c == '@';
    plain = plain && safe;
  }
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::vector<std::string> SshArgv(const std::vector<std::string>& ssh_command,
                                 const WorkerAddress& address, const std::string& remote_command) {
  std::vector<std::string> argv = ssh_command;
  argv.insert(argv.end(), {"-T", "-e", "none", "-o", "BatchMode=yes"});
  if (address.port != 0) argv.insert(argv.end(), {"-p", std::to_string(address.port)});
  if (!address.ssh_user.empty()) argv.insert(argv.end(), {"-l", address.ssh_user});
  argv.push_back(address.host);
  argv.push_back(remote_command);
  return argv;
}

}  // namespace gtest_dist
