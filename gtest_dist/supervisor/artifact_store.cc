#include "gtest_dist/supervisor/artifact_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "gtest_dist/model/artifact.h"
#include "gtest_dist/model/byte_size.h"

namespace gtest_dist {
namespace {

// Makes `path` and its missing parents (mkdir -p).
bool MakeDirectories(const std::string& path, std::string* error) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      *error = "cannot make " + prefix + ": " + std::strerror(errno);
      return false;
    }
    if (slash == std::string::npos) return true;
  }
}

}  // namespace

std::string ArtifactRunDirName(std::int64_t start_timestamp_ms, int pid, int iteration) {
  const std::time_t seconds = static_cast<std::time_t>(start_timestamp_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &utc);
  std::string name = std::string(text) + "-" + std::to_string(pid);
  if (iteration > 0) name += "-" + std::to_string(iteration + 1);
  return name;
}

ArtifactStore::ArtifactStore(std::string run_dir, std::uint64_t max_bytes_per_test,
                             std::uint64_t max_bytes_per_run)
    : run_dir_(std::move(run_dir)),
      max_per_test_(max_bytes_per_test),
      max_per_run_(max_bytes_per_run) {}

ArtifactStore::~ArtifactStore() {
  for (auto& [index, test] : tests_) CloseOpen(&test);
}

void ArtifactStore::Refuse(TestState* test, const std::string& name, const std::string& why) {
  test->refused[name] = true;
  test->dropped.push_back(name + ": " + why);
  for (auto it = test->files.begin(); it != test->files.end(); ++it) {
    if (it->name != name) continue;
    if (it->fd >= 0) close(it->fd);
    unlink(it->path.c_str());
    test->bytes -= it->size;
    run_bytes_ -= it->size;
    test->files.erase(it);
    break;
  }
}

void ArtifactStore::CloseOpen(TestState* test) {
  if (test->files.empty() || test->files.back().fd < 0) return;
  File& last = test->files.back();
  if (last.written < last.size) {
    Refuse(test, last.name,
           "incomplete (" + std::to_string(last.written) + " of " + std::to_string(last.size) +
               " bytes arrived); not kept");
    return;
  }
  close(last.fd);
  last.fd = -1;
}

bool ArtifactStore::OpenFile(TestState* test, File* file, std::string* error) {
  const std::size_t slash = file->name.rfind('/');
  const std::string dir =
      slash == std::string::npos ? test->dir : test->dir + "/" + file->name.substr(0, slash);
  if (!MakeDirectories(dir, error)) return false;
  // The name was checked (relative, no ".."), and the directories are ours;
  // a link found in the way is not followed.
  file->fd = open(file->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (file->fd < 0) {
    *error = "cannot write " + file->path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void ArtifactStore::Add(const std::string& test_name, const protocol::TestArtifact& piece) {
  TestState& test = tests_[piece.index];
  if (test.dir.empty()) test.dir = run_dir_ + "/" + ArtifactTestDirName(test_name);
  if (test.refused.count(piece.name) > 0) return;
  if (piece.offset == 0) {
    CloseOpen(&test);
    for (const File& file : test.files) {
      if (file.name == piece.name) {
        Refuse(&test, piece.name, "sent twice by the worker; not kept");
        return;
      }
    }
    if (piece.size > max_per_test_ - std::min(max_per_test_, test.bytes)) {
      Refuse(&test, piece.name,
             FormatByteSize(piece.size) + " would take the test past --dist-artifacts-max (" +
                 FormatByteSize(max_per_test_) + "); not kept");
      return;
    }
    if (piece.size > max_per_run_ - std::min(max_per_run_, run_bytes_)) {
      Refuse(&test, piece.name,
             "the run's artifacts reached their limit (" + FormatByteSize(max_per_run_) +
                 "); not kept");
      return;
    }
    File file;
    file.name = piece.name;
    file.path = test.dir + "/" + piece.name;
    file.size = piece.size;
    std::string error;
    if (!OpenFile(&test, &file, &error)) {
      test.refused[piece.name] = true;
      test.dropped.push_back(piece.name + ": " + error);
      return;
    }
    test.bytes += file.size;
    run_bytes_ += file.size;
    test.files.push_back(std::move(file));
  }
  if (test.files.empty() || test.files.back().fd < 0 || test.files.back().name != piece.name ||
      test.files.back().written != piece.offset) {
    Refuse(&test, piece.name, "its pieces arrived out of order; not kept");
    return;
  }
  File& file = test.files.back();
  std::size_t done = 0;
  while (done < piece.data.size()) {
    const ssize_t n = write(file.fd, piece.data.data() + done, piece.data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Refuse(&test, piece.name,
             "cannot write " + file.path + ": " + std::strerror(errno) + "; not kept");
      return;
    }
    done += static_cast<std::size_t>(n);
  }
  file.written += done;
  if (file.written == file.size) {
    close(file.fd);
    file.fd = -1;
  }
}

void ArtifactStore::Discard(int index) {
  const auto found = tests_.find(index);
  if (found == tests_.end()) return;
  for (File& file : found->second.files) {
    if (file.fd < 0) continue;
    close(file.fd);
    unlink(file.path.c_str());
    run_bytes_ -= file.size;
  }
  tests_.erase(found);
}

std::vector<std::string> ArtifactStore::Finish(TestRecord* record) {
  std::vector<std::string> lines;
  // What the worker left out comes first, as it said it.
  for (auto it = record->properties.begin(); it != record->properties.end(); ++it) {
    if (it->first != kArtifactsDroppedPropertyName) continue;
    std::size_t start = 0;
    while (start < it->second.size()) {
      std::size_t end = it->second.find('\n', start);
      if (end == std::string::npos) end = it->second.size();
      if (end > start) lines.push_back(it->second.substr(start, end - start));
      start = end + 1;
    }
    record->properties.erase(it);
    break;
  }
  const auto found = tests_.find(record->index);
  if (found != tests_.end()) {
    TestState& test = found->second;
    CloseOpen(&test);
    for (const File& file : test.files) {
      record->properties.emplace_back(kArtifactPropertyPrefix + file.name, file.path);
    }
    lines.insert(lines.end(), test.dropped.begin(), test.dropped.end());
    tests_.erase(found);
  }
  if (!lines.empty()) {
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    record->properties.emplace_back(kArtifactsDroppedPropertyName, std::move(text));
  }
  return lines;
}

}  // namespace gtest_dist
