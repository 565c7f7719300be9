// How a child runs exactly its chunk's tests (issue 15, cheap chunks).
//
// gtest decides what runs in FilterTests, a pass over every registered test
// that writes four flags into each TestInfo, and RUN_ALL_TESTS clears every
// test's result and, at exit, deletes every TestInfo. In a process forked
// from a template (warm_child.h) each of those writes copies a page the
// template shares: on a binary of 100,000 tests, tens of milliseconds per
// chunk, which dominated a run of small chunks. A --gtest_filter of the
// chunk's full names cost as much again to build, copy and hash.
//
// Instead, before RUN_ALL_TESTS, each suite's list of tests is narrowed to
// the chunk's tests of it, in their registered order (a suite with none of
// them is left empty), and the filter is "*": FilterTests, and the clearing
// of results before the tests run, then visit exactly the chunk's tests,
// with gtest's own rules for the rest (DISABLED_ tests run only with
// also_run_disabled_tests, which the child sets when the chunk holds one,
// as before). When the tests start, every suite is whole again: a test, an
// Environment or a listener that looks through the registry (gtest's own
// RegisterTest.WasRegistered does) sees every registered test, as under a
// --gtest_filter, and the tests left out, never selected, do not run (gtest
// only reads them). At the program's end the suites are narrowed again, so
// gtest's clean-up deletes only the chunk's tests; the others stay
// reachable and are never deleted, as the template's would not be either.
//
// Not for a shuffled chunk: gtest shuffles by the seed over every registered
// suite and test, so narrowing the lists would change the order a seed gives;
// a shuffled chunk keeps the filter of names.
#ifndef GTEST_DIST_RUN_CHUNK_SELECTION_H_
#define GTEST_DIST_RUN_CHUNK_SELECTION_H_

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace gtest_dist {

// Each registered suite's first test index (the child's catalog numbers tests
// suite by suite in gtest's order), one entry per suite in gtest's order.
std::vector<int> SuiteFirstIndices();

// Narrows every registered suite to the tests of `tests` (indices, any
// order, each within the catalog) and sets --gtest_filter to "*". Call once,
// before RUN_ALL_TESTS, in a process that has not run tests yet.
// `suite_first`: SuiteFirstIndices() of the unchanged registry. Returns the
// listener that makes the suites whole while the tests run: append it before
// any other listener of the child's.
std::unique_ptr<testing::TestEventListener> SelectChunkTests(const std::vector<int>& tests,
                                                             const std::vector<int>& suite_first);

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_CHUNK_SELECTION_H_
