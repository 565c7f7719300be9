#include "gtest_dist/ship/build_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>

#include "gtest_dist/base/sha256.h"
#include "gtest_dist/ship/file_digest.h"

namespace gtest_dist {
namespace {

const char kEmptyDigest[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

// rm -r without following symlinks (a test may have left one in work/).
void RemoveTree(const std::string& path) {
  struct stat info = {};
  if (::lstat(path.c_str(), &info) != 0) return;
  if (S_ISDIR(info.st_mode)) {
    ::chmod(path.c_str(), 0700);  // a test may have made it read-only
    for (const std::string& name : ListDir(path)) RemoveTree(path + "/" + name);
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

bool MakeDir(const std::string& path, std::string* error) {
  if (::mkdir(path.c_str(), 0700) == 0) return true;
  struct stat info = {};
  if (errno == EEXIST && ::lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return true;
  *error = Errno("cannot create the directory " + path);
  return false;
}

// Makes the directories of `relative` (a build path) below `root`.
bool MakeParents(const std::string& root, const std::string& relative, std::string* error) {
  for (auto slash = relative.find('/'); slash != std::string::npos;
       slash = relative.find('/', slash + 1)) {
    if (!MakeDir(root + "/" + relative.substr(0, slash), error)) return false;
  }
  return true;
}

bool CopyFile(const std::string& from, const std::string& to, int mode, std::string* error) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    *error = Errno("cannot read " + from);
    return false;
  }
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (out < 0) {
    *error = Errno("cannot create " + to);
    ::close(in);
    return false;
  }
  std::vector<char> buffer(1 << 20);
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    if (::write(out, buffer.data(), static_cast<std::size_t>(n)) != n) {
      ok = false;
      break;
    }
  }
  if (!ok) *error = Errno("cannot copy " + from + " to " + to);
  ::close(in);
  ::close(out);
  return ok;
}

bool WantsExec(int mode) { return (mode & 0111) != 0; }

}  // namespace

struct BlobUpload::Hash {
  Sha256 sha;
};

BlobUpload::~BlobUpload() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

bool BlobUpload::Append(std::uint64_t offset, const std::string& data, std::string* error) {
  if (offset != written_) {
    *error = "blob " + digest_ + ": a piece at offset " + std::to_string(offset) + " where " +
             std::to_string(written_) + " was due";
    return false;
  }
  if (data.empty() || data.size() > size_ - written_) {
    *error = "blob " + digest_ + ": a piece of " + std::to_string(data.size()) +
             " bytes at offset " + std::to_string(offset) + " of a file of " +
             std::to_string(size_) + " bytes";
    return false;
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = Errno("cannot write " + temp_path_);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  hash_->sha.Update(data.data(), data.size());
  written_ += data.size();
  return true;
}

BuildCache::BuildCache(std::string dir, std::uint64_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes) {}

BuildCache::~BuildCache() = default;

bool BuildCache::Open(std::string* error) {
  // mkdir -p, the last one (the cache itself) private.
  for (auto slash = dir_.find('/', 1); slash != std::string::npos;
       slash = dir_.find('/', slash + 1)) {
    const std::string parent = dir_.substr(0, slash);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
      *error = Errno("--cache-dir: cannot create " + parent);
      return false;
    }
  }
  if (!MakeDir(dir_, error)) {
    *error = "--cache-dir: " + *error;
    return false;
  }
  struct stat info = {};
  if (::stat(dir_.c_str(), &info) != 0 || info.st_uid != ::geteuid()) {
    *error = "--cache-dir: " + dir_ +
             " belongs to another user; a worker runs what its cache holds, so it must own it";
    return false;
  }
  // Whoever can write here can change what the worker executes.
  if ((info.st_mode & 077) != 0 && ::chmod(dir_.c_str(), 0700) != 0) {
    *error = Errno("--cache-dir: cannot make " + dir_ + " private (mode 0700)");
    return false;
  }
  for (const char* sub : {"/blobs", "/builds", "/tmp"}) {
    if (!MakeDir(dir_ + sub, error)) return false;
  }
  // Whatever a killed worker was writing: never half a file in the cache.
  for (const std::string& name : ListDir(dir_ + "/tmp")) RemoveTree(dir_ + "/tmp/" + name);
  Evict();
  return true;
}

std::string BuildCache::BuildId(const protocol::Manifest& manifest) {
  std::vector<std::string> lines;
  for (const auto& file : manifest.files) {
    lines.push_back(file.path + '\0' + file.digest + '\0' + std::to_string(file.mode) + '\n');
  }
  std::sort(lines.begin(), lines.end());
  Sha256 sha;
  for (const std::string& line : lines) sha.Update(line.data(), line.size());
  return sha.HexDigest();
}

std::vector<std::string> BuildCache::Missing(const protocol::Manifest& manifest,
                                             std::vector<std::string>* notes) {
  std::vector<std::string> missing;
  std::set<std::string> seen;
  for (const auto& file : manifest.files) {
    if (!seen.insert(file.digest).second) continue;
    const std::string path = BlobPath(file.digest);
    struct stat info = {};
    const bool present = ::lstat(path.c_str(), &info) == 0;
    if (present) {
      // A blob is checked whenever a build is about to use it: a disk (or a
      // test) may have changed it since it was stored.
      Stamp stamp;
      const auto known = verified_.find(file.digest);
      if (StampOf(path, &stamp) && known != verified_.end() && known->second == stamp &&
          stamp.size == file.size) {
        continue;
      }
      verified_.erase(file.digest);
      std::string digest, error;
      std::uint64_t size = 0;
      if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) == file.size &&
          DigestFile(path, &digest, &size, &error) && digest == file.digest && size == file.size) {
        if (StampOf(path, &stamp) && stamp.size == file.size) verified_[file.digest] = stamp;
        continue;
      }
      notes->push_back("cached file " + file.digest + " (" + file.path +
                       ") is corrupt (size or SHA-256 differs); fetching it again");
      ::unlink(path.c_str());
    }
    if (file.size == 0 && file.digest == kEmptyDigest) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
      if (fd >= 0) {
        ::close(fd);
        continue;
      }
    }
    missing.push_back(file.digest);
  }
  return missing;
}

std::unique_ptr<BlobUpload> BuildCache::BeginBlob(const std::string& digest, std::uint64_t size,
                                                  bool executable, std::string* error) {
  std::unique_ptr<BlobUpload> upload(new BlobUpload());
  upload->digest_ = digest;
  upload->size_ = size;
  upload->executable_ = executable;
  upload->hash_ = std::make_unique<BlobUpload::Hash>();
  upload->temp_path_ = dir_ + "/tmp/blob-" + digest.substr(0, 16) + "-" +
                       std::to_string(::getpid()) + "-" + std::to_string(++temp_counter_);
  upload->fd_ = ::open(upload->temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (upload->fd_ < 0) {
    *error = Errno("cannot create " + upload->temp_path_);
    upload->temp_path_.clear();
    return nullptr;
  }
  return upload;
}

bool BuildCache::FinishBlob(std::unique_ptr<BlobUpload> upload, std::string* error) {
  if (!upload->complete()) {
    *error = "blob " + upload->digest_ + " is incomplete";
    return false;
  }
  if (::fsync(upload->fd_) != 0) {
    *error = Errno("cannot sync " + upload->temp_path_);
    return false;
  }
  ::close(upload->fd_);
  upload->fd_ = -1;
  const std::string digest = upload->hash_->sha.HexDigest();
  if (digest != upload->digest_) {
    *error = "a file announced with SHA-256 " + upload->digest_ + " arrived with SHA-256 " +
             digest + "; refused";
    return false;
  }
  ::chmod(upload->temp_path_.c_str(), upload->executable_ ? 0555 : 0444);
  // link() fails when the blob is there already (another session stored the
  // same content meanwhile): that copy stays, builds may link to it.
  const std::string path = BlobPath(upload->digest_);
  if (::link(upload->temp_path_.c_str(), path.c_str()) != 0) {
    if (errno != EEXIST) {
      *error = Errno("cannot store " + path);
      return false;
    }
    return true;  // the copy there is checked when a build uses it
  }
  ::unlink(upload->temp_path_.c_str());
  upload->temp_path_.clear();
  Restamp(upload->digest_);  // just verified, and ctime moved with the unlink
  return true;
}

bool BuildCache::StampOf(const std::string& path, Stamp* stamp) {
  struct stat info = {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
  stamp->device = info.st_dev;
  stamp->inode = info.st_ino;
  stamp->size = static_cast<unsigned long long>(info.st_size);
  stamp->mtime_s = info.st_mtim.tv_sec;
  stamp->mtime_ns = info.st_mtim.tv_nsec;
  stamp->ctime_s = info.st_ctim.tv_sec;
  stamp->ctime_ns = info.st_ctim.tv_nsec;
  return true;
}

// After this process linked a verified blob (which moves its ctime).
void BuildCache::Restamp(const std::string& digest) {
  Stamp stamp;
  if (StampOf(BlobPath(digest), &stamp)) verified_[digest] = stamp;
}

bool BuildCache::BuildIntact(const protocol::Manifest& manifest,
                             const std::string& build_dir) const {
  for (const auto& file : manifest.files) {
    struct stat built = {}, blob = {};
    if (::lstat((build_dir + "/" + file.path).c_str(), &built) != 0 || !S_ISREG(built.st_mode)) {
      return false;
    }
    if (::stat(BlobPath(file.digest).c_str(), &blob) == 0 && blob.st_ino == built.st_ino &&
        blob.st_dev == built.st_dev) {
      continue;  // the blob itself, just verified by Missing()
    }
    std::string digest, error;
    std::uint64_t size = 0;
    if (!DigestFile(build_dir + "/" + file.path, &digest, &size, &error) || digest != file.digest) {
      return false;
    }
  }
  return true;
}

bool BuildCache::MakeBuild(const protocol::Manifest& manifest, const std::string& build_dir,
                           std::string* error) {
  if (!MakeDir(build_dir, error)) return false;
  for (const char* sub : {kBinDir, kLibDir, kWorkDir}) {
    if (!MakeDir(build_dir + "/" + sub, error)) return false;
  }
  for (const auto& file : manifest.files) {
    if (!MakeParents(build_dir, file.path, error)) return false;
    const std::string target = build_dir + "/" + file.path;
    const std::string blob = BlobPath(file.digest);
    struct stat info = {};
    if (::stat(blob.c_str(), &info) != 0) {
      *error = Errno("the cache lost " + blob);
      return false;
    }
    // A hardlink shares the blob's mode: a file that needs another one
    // (executable or not) gets a copy.
    if (WantsExec(info.st_mode) == WantsExec(file.mode)) {
      if (::link(blob.c_str(), target.c_str()) != 0) {
        *error = Errno("cannot link " + target);
        return false;
      }
    } else if (!CopyFile(blob, target, WantsExec(file.mode) ? 0555 : 0444, error)) {
      return false;
    }
  }
  return true;
}

bool BuildCache::Acquire(const protocol::Manifest& manifest, std::string* build_id,
                         std::string* build_dir, std::string* error) {
  *build_id = BuildId(manifest);
  *build_dir = dir_ + "/builds/" + *build_id;
  struct stat info = {};
  if (::lstat(build_dir->c_str(), &info) == 0 &&
      (in_use_.count(*build_id) == 0 && !BuildIntact(manifest, *build_dir))) {
    RemoveTree(*build_dir);  // changed on disk: lay it out again
  }
  if (::lstat(build_dir->c_str(), &info) != 0) {
    // Made under tmp/ and renamed: builds/ never holds half a build.
    const std::string temp =
        dir_ + "/tmp/build-" + std::to_string(::getpid()) + "-" + std::to_string(++temp_counter_);
    const bool made = MakeBuild(manifest, temp, error);
    // Missing() verified these blobs just now; the links moved their ctime.
    for (const auto& file : manifest.files) {
      if (verified_.count(file.digest) != 0) Restamp(file.digest);
    }
    if (!made) {
      RemoveTree(temp);
      return false;
    }
    if (::rename(temp.c_str(), build_dir->c_str()) != 0) {
      *error = Errno("cannot move the build into " + *build_dir);
      RemoveTree(temp);
      return false;
    }
  }
  // Its time of last use, for eviction.
  ::utimensat(AT_FDCWD, build_dir->c_str(), nullptr, 0);
  ++in_use_[*build_id];
  Evict();
  return true;
}

void BuildCache::Release(const std::string& build_id) {
  auto it = in_use_.find(build_id);
  if (it != in_use_.end() && --it->second == 0) in_use_.erase(it);
}

void BuildCache::Pin(const std::vector<std::string>& digests) {
  for (const auto& digest : digests) ++pinned_[digest];
}

void BuildCache::Unpin(const std::vector<std::string>& digests) {
  for (const auto& digest : digests) {
    auto it = pinned_.find(digest);
    if (it != pinned_.end() && --it->second == 0) pinned_.erase(it);
  }
}

BuildCache::Stats BuildCache::CurrentStats() const {
  Stats stats;
  for (const std::string& name : ListDir(dir_ + "/blobs")) {
    struct stat info = {};
    if (::lstat((dir_ + "/blobs/" + name).c_str(), &info) != 0) continue;
    ++stats.files;
    stats.bytes += static_cast<std::uint64_t>(info.st_size);
  }
  stats.builds = static_cast<int>(ListDir(dir_ + "/builds").size());
  return stats;
}

std::vector<std::string> BuildCache::Evict() {
  std::vector<std::string> notes;
  // Blobs no build links to (and no session is assembling a build from).
  auto remove_orphans = [&] {
    for (const std::string& name : ListDir(dir_ + "/blobs")) {
      const std::string path = dir_ + "/blobs/" + name;
      struct stat info = {};
      if (pinned_.count(name) != 0 || ::lstat(path.c_str(), &info) != 0) continue;
      if (info.st_nlink <= 1) ::unlink(path.c_str());
    }
  };
  while (CurrentStats().bytes > max_bytes_) {
    std::string oldest;
    struct timespec oldest_time = {};
    for (const std::string& name : ListDir(dir_ + "/builds")) {
      if (in_use_.count(name) != 0) continue;
      struct stat info = {};
      if (::lstat((dir_ + "/builds/" + name).c_str(), &info) != 0) continue;
      if (oldest.empty() || info.st_mtim.tv_sec < oldest_time.tv_sec ||
          (info.st_mtim.tv_sec == oldest_time.tv_sec &&
           info.st_mtim.tv_nsec < oldest_time.tv_nsec)) {
        oldest = name;
        oldest_time = info.st_mtim;
      }
    }
    if (oldest.empty()) {
      remove_orphans();
      if (CurrentStats().bytes > max_bytes_) {
        notes.push_back("the cache holds more than --cache-size: the rest is in use");
      }
      break;
    }
    RemoveTree(dir_ + "/builds/" + oldest);
    notes.push_back("evicted build " + oldest.substr(0, 12));
    remove_orphans();
  }
  return notes;
}

}  // namespace gtest_dist
