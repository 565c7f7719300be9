// Secret files (issue 11 item 10): refused when group or others may read
// them, as ssh refuses such a key; a guessable secret draws a warning; a new
// one is random.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest_dist/protocol/auth.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace {

class SecretFileTest : public testing::Test {
 protected:
  void SetUp() override { dir_ = scratch_.path(); }

  std::string Write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  ScratchDir scratch_{"secret"};
  std::filesystem::path dir_;
};

TEST_F(SecretFileTest, AFileOthersMayReadIsRefusedNamingItsModeAndTheFix) {
  const std::string secret = NewSecret();
  for (const mode_t mode : {0644, 0640, 0604, 0620, 0660}) {
    SCOPED_TRACE(mode);
    const std::string path = Write("open", secret + "\n", mode);
    std::string read, error;
    EXPECT_FALSE(ReadSecretFile(path, &read, &error, "--token-file"));
    EXPECT_TRUE(read.empty());
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(error.find("--token-file"), std::string::npos) << error;
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find(octal), std::string::npos) << error;
    EXPECT_NE(error.find("chmod 600 " + path), std::string::npos) << error;
  }
  for (const mode_t mode : {0600, 0400}) {
    const std::string path = Write("closed", secret + "\n", mode);
    std::string read, error, warning;
    EXPECT_TRUE(ReadSecretFile(path, &read, &error, "--dist-secret-file", &warning)) << error;
    EXPECT_EQ(read, secret);
    EXPECT_TRUE(warning.empty()) << warning;
  }
}

TEST_F(SecretFileTest, MissingShortAndDirectoryAreClearErrors) {
  std::string read, error;
  EXPECT_FALSE(ReadSecretFile((dir_ / "none").string(), &read, &error));
  EXPECT_NE(error.find("--dist-secret-file"), std::string::npos) << error;
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
  EXPECT_FALSE(ReadSecretFile(Write("short", "abc\n", 0600), &read, &error));
  EXPECT_NE(error.find("holds 3 bytes"), std::string::npos) << error;
  EXPECT_FALSE(ReadSecretFile(dir_.string(), &read, &error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
}

TEST_F(SecretFileTest, AGuessableSecretIsAcceptedWithAWarning) {
  std::string read, error, warning;
  ASSERT_TRUE(ReadSecretFile(Write("weak", "aaaaaaaaaaaaaaaa\n", 0600), &read, &error,
                             "--dist-secret-file", &warning))
      << error;
  EXPECT_NE(warning.find("guessable"), std::string::npos) << warning;
  EXPECT_NE(warning.find("gtest_dist secret"), std::string::npos) << warning;
}

TEST(SecretStrengthTest, RoughEntropyEstimate) {
  EXPECT_TRUE(SecretLooksWeak("aaaaaaaaaaaaaaaa"));
  EXPECT_TRUE(SecretLooksWeak("abababababababababababab"));
  EXPECT_TRUE(SecretLooksWeak("password12345678"));
  EXPECT_FALSE(SecretLooksWeak("tls-and-secret-0123456789abcdef"));
  EXPECT_FALSE(SecretLooksWeak("kQ2v9ZpX7rLm4TfW8bNc3HyJ"));  // 24 random base64 characters
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(SecretLooksWeak(NewSecret()));
}

TEST(SecretStrengthTest, NewSecretsAre32RandomBytesInHex) {
  const std::string a = NewSecret();
  const std::string b = NewSecret();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace gtest_dist
