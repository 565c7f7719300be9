// The main() of gtest_dist::gmock_main, the drop-in for GTest::gmock_main.
#include <gmock/gmock.h>

#include "gtest_dist/gtest_dist.h"

int main(int argc, char** argv) {
  testing::InitGoogleMock(&argc, argv);
  return gtest_dist::RunAllTests();
}
