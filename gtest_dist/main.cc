// The main() of gtest_dist::main, the drop-in for GTest::gtest_main.
#include <gtest/gtest.h>

#include "gtest_dist/gtest_dist.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  return gtest_dist::RunAllTests();
}
