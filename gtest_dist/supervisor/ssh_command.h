// The command line that starts a worker over ssh (--workers ssh://...). Pure,
// so that what runs is unit-tested without ssh.
#ifndef GTEST_DIST_SUPERVISOR_SSH_COMMAND_H_
#define GTEST_DIST_SUPERVISOR_SSH_COMMAND_H_

#include <string>
#include <vector>

#include "gtest_dist/dist_flags.h"

namespace gtest_dist {

// What ssh runs on the worker's host unless --dist-ssh-remote-command says
// otherwise: the installed generic worker on stdin/stdout, into whose cache
// the supervisor ships its build (so nothing of the build need be there).
// The one place that names it.
std::string DefaultSshRemoteCommand();

// `word` quoted for a POSIX shell (ssh hands the remote command to the
// user's shell on the worker's host).
std::string ShellQuote(const std::string& word);

// The argv to start: `ssh_command` (--dist-ssh-command, split), then options
// every worker needs (no tty, no escape character: frames are binary; never
// a password prompt: nobody is there to answer, and a prompt on the
// terminal would corrupt the console), then -p PORT and -l USER when the
// address gives them, the host, and `remote_command`. Options the user put in
// `ssh_command` come first, so ssh lets them win.
std::vector<std::string> SshArgv(const std::vector<std::string>& ssh_command,
                                 const WorkerAddress& address, const std::string& remote_command);

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_SSH_COMMAND_H_
