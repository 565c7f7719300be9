// The memory of the SHA-256 of files digested before, so that a warm run does
// not read the build's libraries and --dist-files again, nor the running
// binary (the supervisor's and worker's catalog fingerprint): one
// small file per user, an entry per file, trusted while the file's device,
// inode, size, mtime and ctime are what they were when it was digested (the
// worker's cache trusts its blobs by the same rule; any write to a file
// changes its ctime).
#ifndef GTEST_DIST_SHIP_DIGEST_MEMO_H_
#define GTEST_DIST_SHIP_DIGEST_MEMO_H_

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <string>

namespace gtest_dist {

class DigestMemo {
 public:
  // Entries kept at most; those used by the latest build first.
  static constexpr std::size_t kMaxEntries = 4096;

  // `path` empty: remembers nothing across runs. A missing, unreadable or
  // malformed file is an empty memo (lines that do not parse are skipped).
  explicit DigestMemo(std::string path);

  // The digest of `file` when the memo has one for exactly this `info`.
  bool Lookup(const std::string& file, const struct stat& info, std::string* digest);
  void Remember(const std::string& file, const struct stat& info, const std::string& digest);
  // Whether `a` and `b` are the same unchanged file by the memo's rule.
  static bool SameFile(const struct stat& a, const struct stat& b);
  // Writes the memo back when it changed (a new file renamed over the old, so
  // concurrent supervisors never see half a file; the last one wins). Errors
  // are ignored: the memo only saves time.
  void Save();

  // $XDG_CACHE_HOME/gtest_dist/digests, else $HOME/.cache/gtest_dist/digests;
  // empty when neither variable is set.
  static std::string DefaultPath();

 private:
  struct Entry {
    std::string digest;
    std::string stamp;  // device, inode, size, mtime, ctime
    bool used = false;  // looked up or remembered by this process
  };
  static std::string StampOf(const struct stat& info);

  std::string path_;
  std::map<std::string, Entry> entries_;  // by file path
  bool changed_ = false;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SHIP_DIGEST_MEMO_H_
