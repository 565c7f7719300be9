// What the console may do on the stream it writes to: colour (gtest's rule),
// a status line redrawn in place, how wide a line may be. The only place that
// asks the terminal.
#ifndef GTEST_DIST_REPORT_TERMINAL_H_
#define GTEST_DIST_REPORT_TERMINAL_H_

#include <string>

namespace gtest_dist {

// gtest's rule for --gtest_color: "auto" means colour when `fd` is a terminal
// and TERM names one gtest knows to support colour; "yes", "true", "t" (any
// case) and "1" mean colour; anything else means none. One addition: with
// "auto", a non-empty NO_COLOR (no-color.org) means none; an explicit
// --gtest_color=yes still wins, as the convention asks.
bool ShouldUseColor(const std::string& gtest_color_flag, int fd);

// Whether a line may be redrawn in place on `fd`: a terminal (isatty) whose
// TERM is not "dumb". Never true for a pipe or a file, so logs and drivers
// that compare the output never see a status line.
bool SupportsStatusLine(int fd);

// The width of the terminal on `fd` in columns: the kernel's window size,
// else $COLUMNS, else 80.
int TerminalColumns(int fd);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_TERMINAL_H_
