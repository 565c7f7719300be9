// The one writer of the supervisor's console. Everything printed goes through
// it, so that a status line at the bottom of a terminal is erased before any
// other text lands (printed output goes above it) and redrawn afterwards; and
// colour is applied in one place.
#ifndef GTEST_DIST_REPORT_CONSOLE_STREAM_H_
#define GTEST_DIST_REPORT_CONSOLE_STREAM_H_

#include <cstdio>
#include <string>

namespace gtest_dist {

enum class ConsoleColor { kDefault, kRed, kGreen, kYellow };

class ConsoleStream {
 public:
  // Writes to `out`, which must outlive the stream. `color`: already
  // resolved from --gtest_color (ShouldUseColor).
  ConsoleStream(std::FILE* out, bool color);

  // Text as it is (it may hold NUL bytes: test output). Erases the status
  // line first; Flush() puts it back below the text.
  void Print(const std::string& text);
  // Text in gtest's colours (ColoredPrintf's codes) when colour is on.
  void PrintColored(ConsoleColor color, const std::string& text);
  // Redraws the status line that printing erased (so that it stays in view
  // while tests finish faster than it is updated), then flushes: call after
  // each whole block of text.
  void Flush();
  // While held (from HoldFlushes to ReleaseFlushes: a burst of events the
  // supervisor handles in one go), Flush() only notes that a flush is due and
  // ReleaseFlushes() does it, once: 100,000 small tests then cost a write per
  // burst instead of one per test (issue 15). The text is the same.
  void HoldFlushes() { held_ = true; }
  void ReleaseFlushes();

  // Shows `line` (one line, no newline, already cut to the terminal's width)
  // as the status line, redrawn in place. Only for a terminal: the caller
  // decides (SupportsStatusLine). Writes nothing when the same line shows.
  void ShowStatus(const std::string& line);
  // Erases the status line and forgets it (until the next ShowStatus): for
  // text written elsewhere (stderr) and for the end of the run.
  void HideStatus();
  bool status_shown() const { return status_shown_; }
  bool color() const { return color_; }

 private:
  void Write(const std::string& text);

  std::FILE* out_;
  const bool color_;
  bool status_shown_ = false;
  std::string status_;  // the line shown, or erased by Print() and to come back
  bool redraw_pending_ = false;
  bool held_ = false;       // HoldFlushes
  bool flush_due_ = false;  // a Flush() came while held
  // Whether the last text printed ended its line: a status line drawn after
  // a partial line would overwrite it, so it starts a new line first.
  bool at_line_start_ = true;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_CONSOLE_STREAM_H_
