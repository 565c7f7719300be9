// gtest_dist: run a GoogleTest suite over many processes and machines.
//
// Link gtest_dist::main instead of GTest::gtest_main and change no test. A
// suite with its own main() calls gtest_dist::RunAllTests() where it called
// RUN_ALL_TESTS():
//
//   int main(int argc, char** argv) {
//     testing::InitGoogleTest(&argc, argv);
//     ...  // the suite's own set-up
//     return gtest_dist::RunAllTests();
//   }
//
// With no dist flag the binary behaves exactly as a plain gtest binary.
#ifndef GTEST_DIST_GTEST_DIST_H_
#define GTEST_DIST_GTEST_DIST_H_

namespace gtest_dist {

// Runs the tests registered with GoogleTest and returns the process exit
// code: 0 when every selected test passed, 1 otherwise (2 for a configuration
// error). Call it after testing::InitGoogleTest (or InitGoogleMock), once, in
// place of RUN_ALL_TESTS().
//
// What it does depends on the dist flags found on the command line given to
// InitGoogleTest or in GTEST_DIST_* environment variables:
//   none                   RUN_ALL_TESTS(), unchanged;
//   --dist-supervisor      distribute the selected tests over --workers and
//                          report them as one run;
//   --dist-worker          serve supervisors until SIGTERM/SIGINT.
int RunAllTests();

}  // namespace gtest_dist

#endif  // GTEST_DIST_GTEST_DIST_H_
