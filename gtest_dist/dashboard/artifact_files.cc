#include "gtest_dist/dashboard/artifact_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

namespace gtest_dist::dashboard {
namespace {

constexpr std::size_t kMaxPathBytes = 4096;
constexpr std::size_t kMaxPathDepth = 32;

// The components of `relative`, or empty when it is not a plain relative
// path (absolute, "", "." or "..", a control byte, too long or deep).
std::vector<std::string> Components(const std::string& relative) {
  std::vector<std::string> parts;
  if (relative.empty() || relative.size() > kMaxPathBytes || relative.front() == '/') return {};
  for (unsigned char c : relative) {
    if (c < 0x20 || c == 0x7f) return {};
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = relative.find('/', start);
    std::string part = relative.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == "..") return {};
    parts.push_back(std::move(part));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() > kMaxPathDepth) return {};
  return parts;
}

}  // namespace

std::string ArtifactContentType(const std::string& name, bool* show_inline) {
  static const std::map<std::string, std::string> kInline = {{"png", "image/png"},
                                                             {"jpg", "image/jpeg"},
                                                             {"jpeg", "image/jpeg"},
                                                             {"gif", "image/gif"},
                                                             {"webp", "image/webp"},
                                                             {"txt", "text/plain; charset=utf-8"},
                                                             {"log", "text/plain; charset=utf-8"},
                                                             {"json", "application/json"}};
  const std::size_t dot = name.rfind('.');
  const std::size_t slash = name.rfind('/');
  std::string extension;
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    extension = name.substr(dot + 1);
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  const auto found = kInline.find(extension);
  *show_inline = found != kInline.end();
  return *show_inline ? found->second : "application/octet-stream";
}

int ReadArtifactFile(const std::string& root, const std::string& relative, ArtifactFile* file,
                     std::string* error) {
  const std::vector<std::string> parts = Components(relative);
  if (parts.empty()) {
    *error = "not a stored test output's path: \"" + relative.substr(0, 200) + "\"";
    return 400;
  }
  int dir = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    *error = "the artifacts directory cannot be opened: " + std::string(std::strerror(errno));
    return 404;
  }
  int fd = -1;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    fd = openat(dir, parts[i].c_str(),
                O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (last ? 0 : O_DIRECTORY));
    close(dir);
    dir = -1;
    if (fd < 0) {
      *error = "no stored test output " + relative.substr(0, 200);
      return 404;
    }
    if (!last) {
      dir = fd;
      fd = -1;
    }
  }
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    *error = "no stored test output " + relative.substr(0, 200);
    return 404;
  }
  if (static_cast<std::uint64_t>(info.st_size) > kMaxServedArtifactBytes) {
    close(fd);
    *error = relative.substr(0, 200) + " is larger than the dashboard serves (" +
             std::to_string(kMaxServedArtifactBytes >> 20) +
             " MiB); it is in the artifacts "
             "directory";
    return 413;
  }
  file->data.assign(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t have = 0;
  while (have < file->data.size()) {
    const ssize_t n = read(fd, &file->data[have], file->data.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
  }
  close(fd);
  file->data.resize(have);
  file->content_type = ArtifactContentType(parts.back(), &file->show_inline);
  return 200;
}

}  // namespace gtest_dist::dashboard
