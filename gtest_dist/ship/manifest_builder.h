// The supervisor's side of shipping: what a build is made of (its executable,
// the shared libraries it has loaded, the --dist-files), as a manifest with a
// SHA-256 per file, and where each file's bytes are on this machine.
#ifndef GTEST_DIST_SHIP_MANIFEST_BUILDER_H_
#define GTEST_DIST_SHIP_MANIFEST_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {

// --dist-ship-libs: which loaded shared libraries go with the executable.
enum class ShipLibs {
  kAuto,  // all but the C library's own objects (the worker has its own)
  kAll,
  kNone,
};

struct ManifestOptions {
  std::string executable;  // the running binary's path
  // Its SHA-256 when already known (the catalog's fingerprint): not read again.
  std::string executable_digest;
  // Where its bytes are read (/proc/self/exe: the file this process runs,
  // even when a rebuild has replaced `executable` since); empty: `executable`.
  std::string executable_source;
  // Shared libraries as the loader found them (LoadedLibraries()).
  std::vector<std::string> libraries;
  ShipLibs ship_libs = ShipLibs::kAuto;
  // --dist-files, each relative to `working_directory`: files, or
  // directories taken whole.
  std::vector<std::string> files;
  std::string working_directory;
  std::vector<std::string> args;  // the children's arguments after argv[0]
  // The DigestMemo file that spares a warm run reading the files again;
  // empty: every file is read and digested.
  std::string digest_memo;
};

struct ShippedBuild {
  protocol::Manifest manifest;
  // For each digest of the manifest, a file on this machine holding it.
  std::map<std::string, std::string> sources;
  std::uint64_t total_bytes = 0;
};

// Reads and digests every file. False, with `error` naming the file or the
// --dist-files entry and the problem, when one cannot be read or a
// --dist-files entry is not a relative path inside the working directory.
bool BuildManifest(const ManifestOptions& options, ShippedBuild* build, std::string* error);

// The paths of the shared objects this process has loaded (dl_iterate_phdr),
// in load order, without the executable and the vDSO.
std::vector<std::string> LoadedLibraries();

// True for a base name of the C library's own objects: libc, libm,
// libpthread, libdl, librt, libresolv, libutil, ld-linux and the like. They
// go with the kernel interface of the machine that runs them, so a worker
// uses its own.
bool IsCLibraryObject(const std::string& base_name);

// Normalises a --dist-files entry ("./data/" -> "data"). False, with `error`
// quoting it, when it is empty, absolute or leaves the working directory.
bool NormaliseDistFilesPath(const std::string& path, std::string* normal, std::string* error);

// The build of this run, made on first use (only a generic worker needs it)
// and then shared by every connection to one.
class BuildSource {
 public:
  explicit BuildSource(ManifestOptions options) : options_(std::move(options)) {}
  // Null, with `error`, when the build cannot be read.
  const ShippedBuild* Get(std::string* error);

 private:
  ManifestOptions options_;
  bool made_ = false;
  ShippedBuild build_;
  std::string error_;
};

// Parses --dist-ship-libs's value.
bool ParseShipLibs(const std::string& text, ShipLibs* value);

}  // namespace gtest_dist

#endif  // GTEST_DIST_SHIP_MANIFEST_BUILDER_H_
