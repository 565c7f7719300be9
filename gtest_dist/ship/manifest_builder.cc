#include "gtest_dist/ship/manifest_builder.h"

#include <dirent.h>
#include <link.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "gtest_dist/ship/digest_memo.h"
#include "gtest_dist/ship/file_digest.h"

namespace gtest_dist {
namespace {

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// A file of the build: digests it and records where its bytes are.
bool AddFile(const std::string& build_path, const std::string& local_path, int mode,
             ShippedBuild* build, DigestMemo* memo, std::string* error,
             const std::string& known_digest = "", std::uint64_t known_size = 0) {
  const std::string problem = protocol::CheckBuildPath(build_path);
  if (!problem.empty()) {
    *error = "cannot ship " + local_path + ": " + problem;
    return false;
  }
  protocol::ManifestEntry entry;
  entry.path = build_path;
  entry.mode = mode & 0777;
  if (!known_digest.empty()) {
    entry.digest = known_digest;
    entry.size = known_size;
  } else {
    // A file digested before and unchanged since is not read again. The
    // memo knows files by absolute path.
    std::error_code ec;
    const std::string absolute = std::filesystem::absolute(local_path, ec).string();
    if (!DigestFile(local_path, memo, ec ? std::string() : absolute, &entry.digest, &entry.size,
                    error)) {
      return false;
    }
  }
  build->sources.emplace(entry.digest, local_path);
  build->total_bytes += entry.size;
  build->manifest.files.push_back(std::move(entry));
  return true;
}

// Adds `relative` (a file or a directory, recursively) below work/. Symlinks
// are followed: their targets' bytes are shipped as ordinary files.
bool AddTree(const std::string& root, const std::string& relative, int depth, ShippedBuild* build,
             DigestMemo* memo, std::string* error) {
  const std::string local = root + "/" + relative;
  struct stat info = {};
  if (::stat(local.c_str(), &info) != 0) {
    *error = "--dist-files: cannot read " + local + ": " + std::strerror(errno);
    return false;
  }
  if (S_ISREG(info.st_mode)) {
    return AddFile("work/" + relative, local, static_cast<int>(info.st_mode), build, memo, error);
  }
  if (!S_ISDIR(info.st_mode)) return true;  // sockets, devices, FIFOs: not data
  if (depth >= static_cast<int>(protocol::kMaxBuildPathDepth)) {
    *error = "--dist-files: " + local + " is nested deeper than " +
             std::to_string(protocol::kMaxBuildPathDepth) + " (a symlink loop?)";
    return false;
  }
  DIR* dir = ::opendir(local.c_str());
  if (dir == nullptr) {
    *error = "--dist-files: cannot read the directory " + local + ": " + std::strerror(errno);
    return false;
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string child = relative;
    child.append("/").append(name);
    if (!AddTree(root, child, depth + 1, build, memo, error)) return false;
  }
  return true;
}

int DlCallback(dl_phdr_info* info, size_t, void* data) {
  auto* paths = static_cast<std::vector<std::string>*>(data);
  // The executable has an empty name; the vDSO has no file ("linux-vdso.so.1"
  // names nothing on disk).
  if (info->dlpi_name == nullptr || info->dlpi_name[0] != '/') return 0;
  paths->push_back(info->dlpi_name);
  return 0;
}

}  // namespace

std::vector<std::string> LoadedLibraries() {
  std::vector<std::string> paths;
  dl_iterate_phdr(DlCallback, &paths);
  return paths;
}

bool IsCLibraryObject(const std::string& base_name) {
  static const char* const kPrefixes[] = {"libc.so",         "libm.so",
                                          "libpthread.so",   "libdl.so",
                                          "librt.so",        "libresolv.so",
                                          "libutil.so",      "libanl.so",
                                          "libnsl.so",       "libmvec.so",
                                          "libnss_",         "libBrokenLocale.so",
                                          "libthread_db.so", "libc_malloc_debug.so",
                                          "ld-linux",        "ld64.so",
                                          "ld.so",           "linux-vdso",
                                          "linux-gate"};
  for (const char* prefix : kPrefixes) {
    if (base_name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

bool NormaliseDistFilesPath(const std::string& path, std::string* normal, std::string* error) {
  if (path.empty()) {
    *error = "--dist-files: an empty entry";
    return false;
  }
  if (path.front() == '/') {
    *error = "--dist-files: \"" + path +
             "\" is absolute; give paths relative to the working directory, which the "
             "children get laid out the same way";
    return false;
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      *error = "--dist-files: \"" + path + R"(" leaves the working directory (".."))";
      return false;
    }
    parts.push_back(part);
  }
  if (parts.empty()) {
    *error = "--dist-files: \"" + path +
             "\" is the working directory itself; name the files or directories to ship";
    return false;
  }
  normal->clear();
  for (const std::string& part : parts) *normal += (normal->empty() ? "" : "/") + part;
  return true;
}

const ShippedBuild* BuildSource::Get(std::string* error) {
  if (!made_) {
    made_ = true;
    if (!BuildManifest(options_, &build_, &error_)) build_ = ShippedBuild{};
  }
  if (!error_.empty()) {
    *error = error_;
    return nullptr;
  }
  return &build_;
}

bool ParseShipLibs(const std::string& text, ShipLibs* value) {
  if (text == "auto") {
    *value = ShipLibs::kAuto;
  } else if (text == "all") {
    *value = ShipLibs::kAll;
  } else if (text == "none") {
    *value = ShipLibs::kNone;
  } else {
    return false;
  }
  return true;
}

bool BuildManifest(const ManifestOptions& options, ShippedBuild* build, std::string* error) {
  *build = ShippedBuild{};
  build->manifest.args = options.args;
  struct stat info = {};
  const std::string& source =
      options.executable_source.empty() ? options.executable : options.executable_source;
  if (::stat(source.c_str(), &info) != 0) {
    *error = "cannot read the executable " + source + ": " + std::strerror(errno);
    return false;
  }
  DigestMemo memo(options.digest_memo);
  if (!AddFile("bin/" + BaseName(options.executable), source, static_cast<int>(info.st_mode), build,
               &memo, error, options.executable_digest, static_cast<std::uint64_t>(info.st_size))) {
    return false;
  }
  if (options.ship_libs != ShipLibs::kNone) {
    std::set<std::string> names;
    for (const std::string& library : options.libraries) {
      const std::string name = BaseName(library);
      if (options.ship_libs == ShipLibs::kAuto && IsCLibraryObject(name)) continue;
      // The loader looks a library up by this name; the first one found wins,
      // as it did here.
      if (!names.insert(name).second) continue;
      if (::stat(library.c_str(), &info) != 0) continue;  // gone since it was loaded
      if (!AddFile("lib/" + name, library, static_cast<int>(info.st_mode), build, &memo, error)) {
        return false;
      }
    }
  }
  std::set<std::string> seen;
  for (const std::string& entry : options.files) {
    std::string normal;
    if (!NormaliseDistFilesPath(entry, &normal, error)) return false;
    if (!seen.insert(normal).second) continue;
    if (!AddTree(options.working_directory, normal, 0, build, &memo, error)) return false;
  }
  memo.Save();
  // Overlapping entries ("data,data/a.txt") name a file twice: keep one.
  auto& files = build->manifest.files;
  std::stable_sort(files.begin(), files.end(),
                   [](const auto& a, const auto& b) { return a.path < b.path; });
  files.erase(std::unique(files.begin(), files.end(),
                          [](const auto& a, const auto& b) { return a.path == b.path; }),
              files.end());
  build->total_bytes = 0;
  for (const auto& file : files) build->total_bytes += file.size;
  return true;
}

}  // namespace gtest_dist
