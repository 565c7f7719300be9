#include "gtest_dist/report/terminal.h"

#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

namespace gtest_dist {
namespace {

// The terminals gtest 1.12 trusts with colour when --gtest_color=auto.
constexpr const char* kColorTerminals[] = {
    "xterm",         "xterm-color",  "xterm-256color",        "screen", "screen-256color", "tmux",
    "tmux-256color", "rxvt-unicode", "rxvt-unicode-256color", "linux",  "cygwin",
};

}  // namespace

bool ShouldUseColor(const std::string& gtest_color_flag, int fd) {
  const char* flag = gtest_color_flag.c_str();
  if (strcasecmp(flag, "auto") == 0) {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') return false;
    const char* term = std::getenv("TERM");
    bool term_supports_color = false;
    if (term != nullptr) {
      for (const char* known : kColorTerminals) {
        if (std::string(term) == known) term_supports_color = true;
      }
    }
    return term_supports_color && isatty(fd) != 0;
  }
  // Anything else but these means no colour, gtest's conservative choice.
  return strcasecmp(flag, "yes") == 0 || strcasecmp(flag, "true") == 0 ||
         strcasecmp(flag, "t") == 0 || gtest_color_flag == "1";
}

bool SupportsStatusLine(int fd) {
  if (isatty(fd) == 0) return false;
  const char* term = std::getenv("TERM");
  // A dumb terminal (Emacs' shell, some CI consoles) shows "\r" and escape
  // sequences literally.
  return term == nullptr || std::string(term) != "dumb";
}

int TerminalColumns(int fd) {
  winsize size = {};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const int value = std::atoi(columns);
    if (value > 0) return value;
  }
  return 80;
}

}  // namespace gtest_dist
