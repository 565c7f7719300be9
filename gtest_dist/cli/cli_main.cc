// The `gtest_dist` command: subcommands over the results history. Kept tiny:
// each subcommand lives in its own file.
#include <cstdio>
#include <string>
#include <vector>

#include "gtest_dist/cli/serve_command.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs("usage: gtest_dist COMMAND [ARGS]\n"
               "commands:\n"
               "  serve   the web dashboard over a history store (gtest_dist serve --help)\n",
               args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "serve") return gtest_dist::RunServeCommand(rest);
  std::fprintf(stderr, "gtest_dist: unknown command \"%s\" (commands: serve)\n", args[0].c_str());
  return 2;
}
