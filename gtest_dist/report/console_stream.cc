#include "gtest_dist/report/console_stream.h"

namespace gtest_dist {
namespace {

// Carriage return, then "erase to the end of the line" (ECMA-48 EL 0): the
// cursor stays on the status line's row, ready for what replaces it.
constexpr char kEraseLine[] = "\r\033[K";

}  // namespace

ConsoleStream::ConsoleStream(std::FILE* out, bool color) : out_(out), color_(color) {}

void ConsoleStream::Print(const std::string& text) {
  if (text.empty()) return;
  if (status_shown_) {
    Write(kEraseLine);
    status_shown_ = false;
    redraw_pending_ = true;
  }
  Write(text);
  at_line_start_ = text.back() == '\n';
}

void ConsoleStream::PrintColored(ConsoleColor color, const std::string& text) {
  const char* code = nullptr;
  switch (color) {
    case ConsoleColor::kRed:
      code = "1";
      break;
    case ConsoleColor::kGreen:
      code = "2";
      break;
    case ConsoleColor::kYellow:
      code = "3";
      break;
    case ConsoleColor::kDefault:
      break;
  }
  if (!color_ || code == nullptr) {
    Print(text);
    return;
  }
  Print(std::string("\033[0;3") + code + "m" + text + "\033[m");
}

void ConsoleStream::Flush() {
  if (held_) {
    flush_due_ = true;
    return;
  }
  if (redraw_pending_) {
    const std::string line = status_;
    ShowStatus(line);  // flushes
    return;
  }
  std::fflush(out_);
}

void ConsoleStream::ReleaseFlushes() {
  held_ = false;
  if (!flush_due_) return;
  flush_due_ = false;
  Flush();
}

void ConsoleStream::ShowStatus(const std::string& line) {
  redraw_pending_ = false;
  if (status_shown_ && line == status_) return;
  std::string text;
  if (!at_line_start_) {
    text = "\n";
    at_line_start_ = true;
  }
  text += "\r" + line + "\033[K";
  Write(text);
  status_ = line;
  status_shown_ = true;
  std::fflush(out_);
}

void ConsoleStream::HideStatus() {
  redraw_pending_ = false;
  status_.clear();
  if (!status_shown_) return;
  Write(kEraseLine);
  status_shown_ = false;
}

void ConsoleStream::Write(const std::string& text) {
  // fwrite, not fputs: test output may contain NUL bytes.
  std::fwrite(text.data(), 1, text.size(), out_);
}

}  // namespace gtest_dist
