// Shipping a build: the manifest messages and their validation (hostile
// values included), the supervisor's manifest, the worker's cache.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest_dist/base/sha256.h"
#include "gtest_dist/protocol/protocol.h"
#include "gtest_dist/ship/build_cache.h"
#include "gtest_dist/ship/file_digest.h"
#include "gtest_dist/ship/manifest_builder.h"

namespace gtest_dist {
namespace {

using protocol::Blob;
using protocol::BuildWant;
using protocol::CheckBuildPath;
using protocol::Manifest;
using protocol::ManifestEntry;
using protocol::Message;

std::string DigestOf(const std::string& data) {
  Sha256 sha;
  sha.Update(data.data(), data.size());
  return sha.HexDigest();
}

// A fresh directory under the test's temporary directory.
std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(base && *base ? base : "/tmp") + "/shipping_test_" + name + "_" +
                    std::to_string(::getpid());
  std::system(("rm -rf '" + dir + "'").c_str());
  ::mkdir(dir.c_str(), 0700);
  return dir;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool Decode(const std::string& payload, Message* message, std::string* error) {
  return protocol::DecodePayload(payload, message, error);
}

std::string ManifestJson(const std::string& files) {
  return R"({"type":"manifest","args":[],"files":[)" + files + "]}";
}

std::string Entry(const std::string& path, const std::string& digest = std::string(64, 'a'),
                  const std::string& size = "1", const std::string& mode = "493") {
  return R"({"path":")" + path + R"(","digest":")" + digest + R"(","size":)" + size +
         R"(,"mode":)" + mode + "}";
}

TEST(BuildPathTest, AcceptsTheThreePlaces) {
  EXPECT_EQ(CheckBuildPath("bin/mytests"), "");
  EXPECT_EQ(CheckBuildPath("lib/libfoo.so.1"), "");
  EXPECT_EQ(CheckBuildPath("work/testdata/input.txt"), "");
}

TEST(BuildPathTest, RefusesTraversalAndOddForms) {
  for (const char* bad :
       {"", "/etc/passwd", "work/../../etc/passwd", "work/..", "../x", "work/./a", "work//a",
        "work/a/", "bin/a/b", "lib/x/y", "etc/passwd", "work", "bin", "work/a\nb"}) {
    EXPECT_NE(CheckBuildPath(bad), "") << bad;
  }
  EXPECT_NE(CheckBuildPath("work/" + std::string(2000, 'a')), "");
  std::string deep = "work";
  for (int i = 0; i < 40; ++i) deep += "/d";
  EXPECT_NE(CheckBuildPath(deep).find("deeper"), std::string::npos);
}

TEST(ShippingMessagesTest, RoundTrip) {
  Manifest manifest;
  manifest.files = {{"bin/t", DigestOf("exe"), 3, 0755}, {"work/d/a.txt", DigestOf("a"), 1, 0644}};
  manifest.args = {"--flag"};
  Message decoded;
  std::string error;
  ASSERT_TRUE(Decode(protocol::EncodePayload(manifest), &decoded, &error)) << error;
  const auto& m = std::get<Manifest>(decoded);
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[1].path, "work/d/a.txt");
  EXPECT_EQ(m.files[0].mode, 0755);
  EXPECT_EQ(m.args, manifest.args);

  Blob blob{DigestOf("x"), 5, std::string("\0\x01\xff\x7f", 4) + "tail"};
  ASSERT_TRUE(Decode(protocol::EncodePayload(blob), &decoded, &error)) << error;
  EXPECT_EQ(std::get<Blob>(decoded).data, blob.data);
  EXPECT_EQ(std::get<Blob>(decoded).offset, 5u);

  ASSERT_TRUE(Decode(protocol::EncodePayload(BuildWant{{DigestOf("x")}}), &decoded, &error));
  EXPECT_EQ(std::get<BuildWant>(decoded).digests.size(), 1u);

  protocol::Ready ready;
  ready.slots = 2;
  ready.build_cache = true;
  ASSERT_TRUE(Decode(protocol::EncodePayload(ready), &decoded, &error)) << error;
  EXPECT_TRUE(std::get<protocol::Ready>(decoded).build_cache);
}

TEST(ShippingMessagesTest, RefusesHostileManifests) {
  Message m;
  std::string error;
  EXPECT_FALSE(
      Decode(ManifestJson(Entry("bin/t") + "," + Entry("work/../../etc/passwd")), &m, &error));
  EXPECT_NE(error.find("work/../../etc/passwd"), std::string::npos) << error;
  EXPECT_FALSE(Decode(ManifestJson(Entry("/bin/sh")), &m, &error));
  EXPECT_NE(error.find("absolute"), std::string::npos) << error;
  // No executable, or two.
  EXPECT_FALSE(Decode(ManifestJson(Entry("work/a")), &m, &error));
  EXPECT_FALSE(Decode(ManifestJson(Entry("bin/a") + "," + Entry("bin/b")), &m, &error));
  // Sizes: negative, beyond the bound, not a number.
  EXPECT_FALSE(Decode(ManifestJson(Entry("bin/t", std::string(64, 'a'), "-1")), &m, &error));
  EXPECT_FALSE(Decode(ManifestJson(Entry("bin/t", std::string(64, 'a'), "18446744073709551615")),
                      &m, &error));
  EXPECT_NE(error.find("size"), std::string::npos) << error;
  EXPECT_FALSE(Decode(ManifestJson(Entry("bin/t", std::string(64, 'a'), "\"1\"")), &m, &error));
  // Modes beyond the permission bits (setuid), digests not SHA-256.
  EXPECT_FALSE(Decode(ManifestJson(Entry("bin/t", std::string(64, 'a'), "1", "2541")), &m, &error));
  EXPECT_FALSE(Decode(ManifestJson(Entry("bin/t", "../../x")), &m, &error));
  EXPECT_FALSE(Decode(ManifestJson(Entry("bin/t", std::string(64, 'A'))), &m, &error));
  // A path twice, a file where a directory must be.
  EXPECT_FALSE(Decode(ManifestJson(Entry("bin/t") + "," + Entry("work/a") + "," + Entry("work/a")),
                      &m, &error));
  EXPECT_FALSE(Decode(
      ManifestJson(Entry("bin/t") + "," + Entry("work/a") + "," + Entry("work/a/b")), &m, &error));
  EXPECT_NE(error.find("below it"), std::string::npos) << error;
  EXPECT_TRUE(Decode(ManifestJson(Entry("bin/t") + "," + Entry("work/a/b")), &m, &error)) << error;
}

TEST(ShippingMessagesTest, RefusesHostileBlobs) {
  Message m;
  std::string error;
  const std::string digest = std::string(64, 'b');
  EXPECT_FALSE(
      Decode(R"({"type":"blob","digest":")" + digest + R"(","offset":0,"data":"a"})", &m, &error));
  EXPECT_NE(error.find("base64"), std::string::npos) << error;
  EXPECT_FALSE(
      Decode(R"({"type":"blob","digest":")" + digest + R"(","offset":-5,"data":""})", &m, &error));
  const std::string huge(((protocol::kMaxBlobPieceBytes + 2) / 3 + 1) * 4, 'A');
  EXPECT_FALSE(
      Decode(R"({"type":"blob","digest":")" + digest + R"(","offset":0,"data":")" + huge + "\"}",
             &m, &error));
  EXPECT_NE(error.find("more than"), std::string::npos) << error;
  EXPECT_FALSE(Decode(R"({"type":"build_want","digests":["nope"]})", &m, &error));
}

TEST(ManifestBuilderTest, CLibraryObjectsStayBehind) {
  for (const char* name : {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
                           "ld-linux-x86-64.so.2", "libresolv.so.2", "linux-vdso.so.1"}) {
    EXPECT_TRUE(IsCLibraryObject(name)) << name;
  }
  for (const char* name : {"libstdc++.so.6", "libgcc_s.so.1", "libssl.so.3", "libmylib.so",
                           "libcrypto.so.3", "libmagic.so.1"}) {
    EXPECT_FALSE(IsCLibraryObject(name)) << name;
  }
}

TEST(ManifestBuilderTest, NormalisesDistFiles) {
  std::string normal, error;
  ASSERT_TRUE(NormaliseDistFilesPath("./testdata/", &normal, &error));
  EXPECT_EQ(normal, "testdata");
  EXPECT_FALSE(NormaliseDistFilesPath("../secret", &normal, &error));
  EXPECT_NE(error.find(".."), std::string::npos);
  EXPECT_FALSE(NormaliseDistFilesPath("/etc", &normal, &error));
  EXPECT_NE(error.find("absolute"), std::string::npos);
  EXPECT_FALSE(NormaliseDistFilesPath(".", &normal, &error));
}

TEST(ManifestBuilderTest, ListsExecutableLibrariesAndFiles) {
  const std::string dir = TempDir("manifest");
  WriteFile(dir + "/exe", "executable");
  ::chmod((dir + "/exe").c_str(), 0755);
  WriteFile(dir + "/libown.so", "library");
  WriteFile(dir + "/libc.so.6", "c library");
  ::mkdir((dir + "/data").c_str(), 0755);
  ::mkdir((dir + "/data/sub").c_str(), 0755);
  WriteFile(dir + "/data/sub/input.txt", "input");
  WriteFile(dir + "/data/same.txt", "input");
  ManifestOptions options;
  options.executable = dir + "/exe";
  options.libraries = {dir + "/libown.so", dir + "/libc.so.6"};
  options.files = {"data"};
  options.working_directory = dir;
  ShippedBuild build;
  std::string error;
  ASSERT_TRUE(BuildManifest(options, &build, &error)) << error;
  std::vector<std::string> paths;
  for (const auto& file : build.manifest.files) paths.push_back(file.path);
  ASSERT_EQ(paths, (std::vector<std::string>{"bin/exe", "lib/libown.so", "work/data/same.txt",
                                             "work/data/sub/input.txt"}));
  EXPECT_EQ(build.manifest.files[0].mode, 0755);
  EXPECT_EQ(build.manifest.files[3].digest, DigestOf("input"));
  EXPECT_EQ(build.sources.size(), 3u);  // two files share one content
  EXPECT_EQ(build.total_bytes, 10u + 7u + 5u + 5u);

  options.ship_libs = ShipLibs::kAll;
  ASSERT_TRUE(BuildManifest(options, &build, &error)) << error;
  EXPECT_EQ(build.manifest.files.size(), 5u);
  options.ship_libs = ShipLibs::kNone;
  options.files = {"missing"};
  EXPECT_FALSE(BuildManifest(options, &build, &error));
  EXPECT_NE(error.find("--dist-files"), std::string::npos) << error;
}

// Stores `data` in the cache as a shipped blob would be.
void Store(BuildCache* cache, const std::string& data, bool executable = false) {
  std::string error;
  auto upload = cache->BeginBlob(DigestOf(data), data.size(), executable, &error);
  ASSERT_TRUE(upload) << error;
  ASSERT_TRUE(upload->Append(0, data, &error)) << error;
  ASSERT_TRUE(cache->FinishBlob(std::move(upload), &error)) << error;
}

Manifest BuildOf(const std::string& exe, const std::string& data) {
  Manifest manifest;
  manifest.files = {{"bin/t", DigestOf(exe), exe.size(), 0755},
                    {"work/data/in.txt", DigestOf(data), data.size(), 0644}};
  return manifest;
}

TEST(BuildCacheTest, VerifiesBlobsBeforeStoringThem) {
  const std::string dir = TempDir("verify");
  BuildCache cache(dir + "/cache", 1 << 20);
  std::string error;
  ASSERT_TRUE(cache.Open(&error)) << error;
  struct stat info = {};
  ASSERT_EQ(::stat((dir + "/cache").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  auto upload = cache.BeginBlob(DigestOf("right"), 5, false, &error);
  ASSERT_TRUE(upload);
  EXPECT_FALSE(upload->Append(1, "x", &error));  // out of order
  EXPECT_FALSE(upload->Append(0, "toolong", &error));
  ASSERT_TRUE(upload->Append(0, "wrong", &error));
  EXPECT_FALSE(cache.FinishBlob(std::move(upload), &error));
  EXPECT_NE(error.find("SHA-256"), std::string::npos) << error;
  EXPECT_EQ(cache.CurrentStats().files, 0u);
  // Nothing left in tmp/ either.
  EXPECT_EQ(std::system(("test -z \"$(ls -A " + dir + "/cache/tmp)\"").c_str()), 0);
}

TEST(BuildCacheTest, WantsOnlyWhatItLacksAndRefetchesCorruptBlobs) {
  const std::string dir = TempDir("missing");
  BuildCache cache(dir + "/cache", 1 << 20);
  std::string error;
  ASSERT_TRUE(cache.Open(&error)) << error;
  const Manifest manifest = BuildOf("exe-1", "data");
  std::vector<std::string> notes;
  EXPECT_EQ(cache.Missing(manifest, &notes).size(), 2u);
  Store(&cache, "exe-1", true);
  Store(&cache, "data");
  EXPECT_TRUE(cache.Missing(manifest, &notes).empty());
  std::string id, build_dir;
  ASSERT_TRUE(cache.Acquire(manifest, &id, &build_dir, &error)) << error;
  EXPECT_EQ(ReadFile(build_dir + "/" + BuildCache::kWorkDir + "/data/in.txt"), "data");
  EXPECT_EQ(::access((build_dir + "/" + BuildCache::kBinDir + "/t").c_str(), X_OK), 0);
  cache.Release(id);

  // A flipped byte on disk: found before use, the blob wanted again, and the
  // build laid out anew once it is back.
  const std::string blob = dir + "/cache/blobs/" + DigestOf("exe-1");
  ::chmod(blob.c_str(), 0644);
  WriteFile(blob, "exe-2");
  EXPECT_EQ(cache.Missing(manifest, &notes), std::vector<std::string>{DigestOf("exe-1")});
  EXPECT_NE(notes.back().find("corrupt"), std::string::npos);
  Store(&cache, "exe-1", true);
  ASSERT_TRUE(cache.Acquire(manifest, &id, &build_dir, &error)) << error;
  EXPECT_EQ(ReadFile(build_dir + "/" + BuildCache::kBinDir + "/t"), "exe-1");
  cache.Release(id);
}

TEST(BuildCacheTest, EvictsLeastRecentlyUsedBuildsButNeverOneInUse) {
  const std::string dir = TempDir("evict");
  const std::string exe(1000, 'x');
  // Room for two builds of ~1000 bytes each, not three.
  BuildCache cache(dir + "/cache", 2500);
  std::string error;
  ASSERT_TRUE(cache.Open(&error)) << error;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const std::string content = exe + std::to_string(i);
    const Manifest manifest = BuildOf(content, "");
    std::vector<std::string> notes;
    cache.Pin({DigestOf(content)});
    for (const auto& digest : cache.Missing(manifest, &notes)) {
      ASSERT_EQ(digest, DigestOf(content));
      Store(&cache, content, true);
    }
    std::string id, build_dir;
    ASSERT_TRUE(cache.Acquire(manifest, &id, &build_dir, &error)) << error;
    cache.Unpin({DigestOf(content)});
    ids.push_back(id);
    if (i == 0) continue;  // build 0 stays in use throughout
    cache.Release(id);
  }
  // Build 0 is in use: build 1, the least recent of the others, went.
  EXPECT_EQ(::access((dir + "/cache/builds/" + ids[0]).c_str(), F_OK), 0);
  EXPECT_NE(::access((dir + "/cache/builds/" + ids[1]).c_str(), F_OK), 0);
  EXPECT_EQ(::access((dir + "/cache/builds/" + ids[2]).c_str(), F_OK), 0);
  EXPECT_LE(cache.CurrentStats().bytes, 2500u);
  cache.Release(ids[0]);
}

TEST(BuildCacheTest, OpenRemovesPartialFiles) {
  const std::string dir = TempDir("partial");
  {
    BuildCache cache(dir + "/cache", 1 << 20);
    std::string error;
    ASSERT_TRUE(cache.Open(&error)) << error;
  }
  WriteFile(dir + "/cache/tmp/blob-half-written", "par");
  ::mkdir((dir + "/cache/tmp/build-1-1").c_str(), 0700);
  BuildCache cache(dir + "/cache", 1 << 20);
  std::string error;
  ASSERT_TRUE(cache.Open(&error)) << error;
  EXPECT_EQ(std::system(("test -z \"$(ls -A " + dir + "/cache/tmp)\"").c_str()), 0);
}

}  // namespace
}  // namespace gtest_dist
