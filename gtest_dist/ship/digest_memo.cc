#include "gtest_dist/ship/digest_memo.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace gtest_dist {
namespace {

// A memo larger than this is not ours to read (kMaxEntries lines of a path,
// a digest and a stamp stay far below).
constexpr std::uintmax_t kMaxMemoBytes = 8u << 20;

bool IsDigest(const std::string& text) {
  if (text.size() != 64) return false;
  for (char ch : text) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

}  // namespace

DigestMemo::DigestMemo(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path_, ec);
  if (ec || size > kMaxMemoBytes) return;
  std::ifstream in(path_);
  std::string line;
  // "<digest> <stamp> <path>": the path last, as it may hold spaces.
  while (std::getline(in, line) && entries_.size() < kMaxEntries) {
    const std::size_t first = line.find(' ');
    const std::size_t second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (second == std::string::npos || second + 1 >= line.size()) continue;
    const std::string digest = line.substr(0, first);
    const std::string file = line.substr(second + 1);
    if (!IsDigest(digest) || file.front() != '/') continue;
    entries_[file] = Entry{digest, line.substr(first + 1, second - first - 1), false};
  }
}

std::string DigestMemo::StampOf(const struct stat& info) {
  std::ostringstream stamp;
  stamp << info.st_dev << ':' << info.st_ino << ':' << info.st_size << ':' << info.st_mtim.tv_sec
        << '.' << info.st_mtim.tv_nsec << ':' << info.st_ctim.tv_sec << '.' << info.st_ctim.tv_nsec;
  return stamp.str();
}

bool DigestMemo::Lookup(const std::string& file, const struct stat& info, std::string* digest) {
  const auto it = entries_.find(file);
  if (it == entries_.end() || it->second.stamp != StampOf(info)) return false;
  it->second.used = true;
  *digest = it->second.digest;
  return true;
}

bool DigestMemo::SameFile(const struct stat& a, const struct stat& b) {
  return StampOf(a) == StampOf(b);
}

void DigestMemo::Remember(const std::string& file, const struct stat& info,
                          const std::string& digest) {
  if (file.empty() || file.front() != '/' || file.find('\n') != std::string::npos) return;
  entries_[file] = Entry{digest, StampOf(info), true};
  changed_ = true;
}

void DigestMemo::Save() {
  if (path_.empty() || !changed_) return;
  std::vector<const std::pair<const std::string, Entry>*> kept;
  for (const auto& entry : entries_) {
    if (entry.second.used) kept.push_back(&entry);
  }
  for (const auto& entry : entries_) {
    if (!entry.second.used && kept.size() < kMaxEntries) kept.push_back(&entry);
  }
  std::string text;
  for (const auto* entry : kept) {
    text += entry->second.digest + " " + entry->second.stamp + " " + entry->first + "\n";
  }
  std::error_code ec;
  const std::filesystem::path target(path_);
  std::filesystem::create_directories(target.parent_path(), ec);
  std::string temp = path_ + ".XXXXXX";
  const int fd = ::mkostemp(&temp[0], O_CLOEXEC);
  if (fd < 0) return;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written || ::rename(temp.c_str(), path_.c_str()) != 0) ::unlink(temp.c_str());
  changed_ = false;
}

std::string DigestMemo::DefaultPath() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  if (cache && *cache) return std::string(cache) + "/gtest_dist/digests";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.cache/gtest_dist/digests";
  return "";
}

}  // namespace gtest_dist
