// The supervisor's digest memo: a warm run takes a file's SHA-256 from it
// while the file is unchanged (device, inode, size, mtime, ctime), and reads
// the file again once anything wrote to it.
#include "gtest_dist/ship/digest_memo.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gtest_dist/base/sha256.h"
#include "gtest_dist/ship/file_digest.h"
#include "gtest_dist/ship/manifest_builder.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace {

class DigestMemoTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_.path();
    std::filesystem::create_directories(dir_ / "data");
    memo_ = (dir_ / "cache" / "digests").string();
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
  static struct stat Stat(const std::string& path) {
    struct stat info = {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info;
  }
  static std::string DigestOf(const std::string& text) {
    Sha256 sha;
    sha.Update(text.data(), text.size());
    return sha.HexDigest();
  }

  ScratchDir scratch_{"digest_memo"};
  std::filesystem::path dir_;
  std::string memo_;
};

TEST_F(DigestMemoTest, RemembersAcrossProcessesWhileTheFileIsUnchanged) {
  const std::string file = Path("data/a.txt");
  Write(file, "alpha");
  const std::string digest(64, 'c');
  {
    DigestMemo memo(memo_);
    std::string found;
    EXPECT_FALSE(memo.Lookup(file, Stat(file), &found));
    memo.Remember(file, Stat(file), digest);
    memo.Save();  // creates the directory
  }
  DigestMemo again(memo_);
  std::string found;
  ASSERT_TRUE(again.Lookup(file, Stat(file), &found));
  EXPECT_EQ(found, digest);
  // Rewritten with the same size: its ctime (and mtime) say it changed.
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  Write(file, "alphb");
  EXPECT_FALSE(again.Lookup(file, Stat(file), &found));
}

TEST_F(DigestMemoTest, AMalformedOrForeignMemoIsEmptyAndNoPathRemembersNothing) {
  std::filesystem::create_directories(dir_ / "cache");
  const std::string file = Path("data/a.txt");
  Write(file, "alpha");
  Write(memo_, "not a digest 1:2 /x\n" + std::string(64, 'g') + " 1:2 /y\nshort\n\n");
  DigestMemo memo(memo_);
  std::string found;
  EXPECT_FALSE(memo.Lookup(file, Stat(file), &found));
  DigestMemo none("");
  none.Remember(file, Stat(file), std::string(64, 'a'));
  none.Save();
  EXPECT_FALSE(none.Lookup("/nowhere", Stat(file), &found));
}

// BuildManifest takes a digest from the memo for a file that is unchanged,
// and digests a changed one again (and remembers the new digest).
TEST_F(DigestMemoTest, TheManifestReadsOnlyWhatChanged) {
  Write(Path("exe"), "executable");
  Write(Path("libown.so"), "library");
  Write(Path("data/in.txt"), "input");
  ManifestOptions options;
  options.executable = Path("exe");
  options.libraries = {Path("libown.so")};
  options.files = {"data"};
  options.working_directory = dir_.string();
  options.digest_memo = memo_;
  ShippedBuild build;
  std::string error;
  ASSERT_TRUE(BuildManifest(options, &build, &error)) << error;
  ASSERT_EQ(build.manifest.files.size(), 3u);
  EXPECT_EQ(build.manifest.files[1].digest, DigestOf("library"));

  // A planted digest for the unchanged library proves the memo is read.
  const std::string planted(64, 'b');
  {
    DigestMemo memo(memo_);
    memo.Remember(Path("libown.so"), Stat(Path("libown.so")), planted);
    memo.Save();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  Write(Path("data/in.txt"), "changed");
  ASSERT_TRUE(BuildManifest(options, &build, &error)) << error;
  EXPECT_EQ(build.manifest.files[1].path, "lib/libown.so");
  EXPECT_EQ(build.manifest.files[1].digest, planted);
  EXPECT_EQ(build.manifest.files[2].path, "work/data/in.txt");
  EXPECT_EQ(build.manifest.files[2].digest, DigestOf("changed"));
  EXPECT_EQ(build.manifest.files[2].size, 7u);
  DigestMemo memo(memo_);
  std::string found;
  ASSERT_TRUE(memo.Lookup(Path("data/in.txt"), Stat(Path("data/in.txt")), &found));
  EXPECT_EQ(found, DigestOf("changed"));
}

// The running binary (the supervisor's and the worker's catalog fingerprint)
// is read once: a warm start takes its digest from the memo.
TEST_F(DigestMemoTest, TheRunningBinaryIsDigestedOnceWhileUnchanged) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string expected;
  std::uint64_t size = 0;
  std::string error;
  ASSERT_TRUE(DigestFile(self, &expected, &size, &error)) << error;
  {
    DigestMemo memo(memo_);
    EXPECT_EQ(DigestOfRunningBinary(&memo), expected);
    memo.Save();
  }
  DigestMemo remembered(memo_);
  std::string found;
  ASSERT_TRUE(remembered.Lookup(self, Stat(self), &found));
  EXPECT_EQ(found, expected);

  // A planted digest for the unchanged binary proves the file is not read.
  const std::string planted(64, 'd');
  remembered.Remember(self, Stat(self), planted);
  EXPECT_EQ(DigestOfRunningBinary(&remembered), planted);
  // Planted under another stamp (as if the binary changed since): read again.
  struct stat other = Stat(self);
  other.st_size += 1;
  remembered.Remember(self, other, planted);
  EXPECT_EQ(DigestOfRunningBinary(&remembered), expected);
}

}  // namespace
}  // namespace gtest_dist
