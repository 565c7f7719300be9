// libpq loaded on demand: what a machine without it is told.
#include "gtest_dist/history/libpq.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "gtest_dist/history/database.h"

namespace gtest_dist {
namespace history {
namespace {

constexpr char kMissing[] = "/nonexistent/gtest_dist/libpq.so.5";

// The message of the DatabaseError `action` throws ("" when none).
template <typename Action>
std::string ErrorOf(Action action) {
  try {
    action();
  } catch (const DatabaseError& e) {
    return e.what();
  }
  return "";
}

class LibpqTest : public testing::Test {
 protected:
  void SetUp() override {
    if (const char* value = std::getenv("GTEST_DIST_LIBPQ")) saved_ = value;
  }
  void TearDown() override {
    if (saved_) {
      setenv("GTEST_DIST_LIBPQ", saved_->c_str(), 1);
    } else {
      unsetenv("GTEST_DIST_LIBPQ");
    }
  }

 private:
  std::optional<std::string> saved_;
};

TEST_F(LibpqTest, TheLibraryIsLibpqSo5UnlessTheEnvironmentNamesAnother) {
  unsetenv("GTEST_DIST_LIBPQ");
  EXPECT_EQ(LibpqFileName(), "libpq.so.5");
  setenv("GTEST_DIST_LIBPQ", "", 1);
  EXPECT_EQ(LibpqFileName(), "libpq.so.5");
  setenv("GTEST_DIST_LIBPQ", "/opt/pg/lib/libpq.so.5", 1);
  EXPECT_EQ(LibpqFileName(), "/opt/pg/lib/libpq.so.5");
}

TEST_F(LibpqTest, AMissingLibraryIsNamedWithThePackageToInstall) {
  const std::string error = ErrorOf([] { LoadLibpq(kMissing); });
  EXPECT_NE(error.find(std::string("cannot load ") + kMissing), std::string::npos) << error;
  EXPECT_NE(error.find("apt-get install libpq5"), std::string::npos) << error;
  EXPECT_NE(error.find("GTEST_DIST_LIBPQ"), std::string::npos) << error;
}

TEST_F(LibpqTest, ALibraryThatIsNotLibpqIsRefused) {
  const std::string error = ErrorOf([] { LoadLibpq("libc.so.6"); });
  EXPECT_NE(error.find("libc.so.6: it has no PQconnectdb"), std::string::npos) << error;
}

TEST_F(LibpqTest, OpeningAPostgresStoreWithoutLibpqNamesTheStoreAndTheLibrary) {
  setenv("GTEST_DIST_LIBPQ", kMissing, 1);
  const std::string error =
      ErrorOf([] { OpenDatabase("postgresql://ci:secret@127.0.0.1:1/history"); });
  EXPECT_NE(error.find("cannot open PostgreSQL postgresql://ci:***@127.0.0.1:1/history"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find(kMissing), std::string::npos) << error;
  EXPECT_NE(error.find("libpq5"), std::string::npos) << error;
  EXPECT_EQ(error.find("secret"), std::string::npos) << error;
}

TEST_F(LibpqTest, TheInstalledLibpqHasEveryFunctionWeCall) {
  unsetenv("GTEST_DIST_LIBPQ");
  Libpq pq{};
  const std::string error = ErrorOf([&pq] { pq = LoadLibpq(LibpqFileName()); });
  if (error.find("cannot load") != std::string::npos) GTEST_SKIP() << error;
  ASSERT_EQ(error, "");
  EXPECT_NE(pq.connectdb, nullptr);
  EXPECT_NE(pq.exec_params, nullptr);
  EXPECT_NE(pq.clear, nullptr);
}

}  // namespace
}  // namespace history
}  // namespace gtest_dist
