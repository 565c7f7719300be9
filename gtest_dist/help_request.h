// Whether this run is a request for help, decided exactly as GoogleTest
// decides it, and the help a gtest_dist binary prints for it.
#ifndef GTEST_DIST_HELP_REQUEST_H_
#define GTEST_DIST_HELP_REQUEST_H_

namespace gtest_dist {

// True when InitGoogleTest() took the command line (or --gtest_flagfile) as a
// request for help: --help, or a --gtest_ flag it does not know (GoogleTest's
// rule for a misspelt flag). GoogleTest has then printed its help already,
// and RUN_ALL_TESTS() runs nothing and returns 0.
bool GtestHelpRequested();

// What a plain gtest binary does on a help request (RUN_ALL_TESTS(), which
// runs no test), followed by the dist flags' help. No worker is contacted and
// no child started, whatever mode the flags or environment ask for. Returns
// the exit code: 0, as GoogleTest.
int RunHelpRequest();

}  // namespace gtest_dist

#endif  // GTEST_DIST_HELP_REQUEST_H_
