// The suite that ship_test.py runs on generic workers (gtest_dist worker):
// one test reads test data relative to its working directory, one calls a
// shared library of the project's own that is installed nowhere.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

int ShipOwnLibraryAnswer();  // ship_own_lib.cc, in libship_own_lib.so

TEST(ShipData, ReadsInputRelativeToWorkingDirectory) {
  std::ifstream in("testdata/input.txt");
  ASSERT_TRUE(in.good()) << "cannot open testdata/input.txt in the working directory";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "shipped input\n");
}

TEST(ShipLib, CallsTheProjectsOwnLibrary) { EXPECT_EQ(ShipOwnLibraryAnswer(), 42); }
