// The worker's side of shipping: a content-addressed cache of files on disk
// (blobs, named by their SHA-256) and the builds laid out from them.
//
//   DIR/blobs/<sha256>     one file per content, read-only, verified
//   DIR/builds/<id>/       a build: bin/, lib/, work/, hardlinks to blobs
//   DIR/tmp/               files and builds being made; emptied on Open()
//
// A blob enters blobs/ only after its bytes were written to tmp/, synced and
// found to have the announced digest, by a rename, so a crash leaves no
// partial file in blobs/ or builds/. Single-threaded: one io_context.
#ifndef GTEST_DIST_SHIP_BUILD_CACHE_H_
#define GTEST_DIST_SHIP_BUILD_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {

constexpr std::uint64_t kDefaultCacheBytes = 10ull << 30;

// One file being received: write its pieces in order, then Finish().
class BlobUpload {
 public:
  ~BlobUpload();  // an unfinished upload leaves nothing behind
  BlobUpload(const BlobUpload&) = delete;
  BlobUpload& operator=(const BlobUpload&) = delete;

  const std::string& digest() const { return digest_; }
  std::uint64_t size() const { return size_; }
  std::uint64_t written() const { return written_; }
  bool complete() const { return written_ == size_; }

  // False, with `error`, when the piece does not continue the file or
  // overruns its size, or cannot be written.
  bool Append(std::uint64_t offset, const std::string& data, std::string* error);

 private:
  friend class BuildCache;
  BlobUpload() = default;
  struct Hash;
  std::string digest_;
  std::uint64_t size_ = 0;
  std::uint64_t written_ = 0;
  bool executable_ = false;
  int fd_ = -1;
  std::string temp_path_;
  std::unique_ptr<Hash> hash_;
};

class BuildCache {
 public:
  BuildCache(std::string dir, std::uint64_t max_bytes);
  ~BuildCache();

  // Creates the directories (mode 0700), removes what a crash left in tmp/
  // and evicts down to the bound. False, with `error`, when the directory
  // cannot be used.
  bool Open(std::string* error);

  const std::string& dir() const { return dir_; }
  std::uint64_t max_bytes() const { return max_bytes_; }

  // The digests of `manifest` that must be shipped, each once, in manifest
  // order. Every blob the cache has is checked first: its SHA-256 is
  // computed again unless this process verified it before and its inode,
  // size, mtime and ctime are unchanged since (so a warm run costs a stat
  // per file, and any write to a blob is caught). A corrupt one is removed,
  // named in `notes`, and wanted again. Empty files are made here.
  std::vector<std::string> Missing(const protocol::Manifest& manifest,
                                   std::vector<std::string>* notes);

  // Starts receiving a blob of `size` bytes into tmp/.
  std::unique_ptr<BlobUpload> BeginBlob(const std::string& digest, std::uint64_t size,
                                        bool executable, std::string* error);
  // Syncs, verifies the digest and moves the blob into blobs/ (when another
  // session stored the same content meanwhile, that copy is kept).
  bool FinishBlob(std::unique_ptr<BlobUpload> upload, std::string* error);

  // The layout of a build directory: the executable under bin/, the shipped
  // libraries under lib/ (first on the children's library path) and the
  // --dist-files under work/, the children's working directory.
  static constexpr char kBinDir[] = "bin";
  static constexpr char kLibDir[] = "lib";
  static constexpr char kWorkDir[] = "work";

  // Lays out the build of `manifest` (reusing it when it is already there and
  // intact), marks it in use until Release(), and sets `build_dir`. Then
  // evicts down to the bound. Every blob must be in the cache.
  bool Acquire(const protocol::Manifest& manifest, std::string* build_id, std::string* build_dir,
               std::string* error);
  void Release(const std::string& build_id);

  // Blobs a session is still assembling a build from: not evicted.
  void Pin(const std::vector<std::string>& digests);
  void Unpin(const std::vector<std::string>& digests);

  struct Stats {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    int builds = 0;
  };
  Stats CurrentStats() const;

  // Removes least recently used builds no session uses, and then blobs no
  // build holds, until the blobs take at most max_bytes. Returns notes.
  std::vector<std::string> Evict();

  // The build id of a manifest: SHA-256 over its paths, digests and modes.
  static std::string BuildId(const protocol::Manifest& manifest);

 private:
  std::string BlobPath(const std::string& digest) const { return dir_ + "/blobs/" + digest; }
  // What a blob looked like on disk when its SHA-256 was last found right.
  struct Stamp {
    unsigned long long device = 0, inode = 0, size = 0;
    long long mtime_s = 0, mtime_ns = 0, ctime_s = 0, ctime_ns = 0;
    bool operator==(const Stamp& o) const {
      return device == o.device && inode == o.inode && size == o.size && mtime_s == o.mtime_s &&
             mtime_ns == o.mtime_ns && ctime_s == o.ctime_s && ctime_ns == o.ctime_ns;
    }
  };
  static bool StampOf(const std::string& path, Stamp* stamp);
  void Restamp(const std::string& digest);
  bool BuildIntact(const protocol::Manifest& manifest, const std::string& build_dir) const;
  bool MakeBuild(const protocol::Manifest& manifest, const std::string& build_dir,
                 std::string* error);

  std::string dir_;
  std::uint64_t max_bytes_;
  std::map<std::string, int> in_use_;  // build id -> sessions
  std::map<std::string, int> pinned_;  // digest -> sessions
  std::map<std::string, Stamp> verified_;
  std::uint64_t temp_counter_ = 0;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SHIP_BUILD_CACHE_H_
