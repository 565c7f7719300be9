// Reaching a private member of GoogleTest where it has no public way
// (whether a test runs, a suite's list of tests), for tail control and the
// chunk selection. Tied to GoogleTest's internals: 1.12 is the version we pin.
//
// An explicit instantiation may name a private member (C++ [temp.spec]/6). A
// tag declares the member's pointer type and a friend that returns it:
//
//   struct TestShouldRun {
//     using Type = bool testing::TestInfo::*;
//     friend Type Pointer(TestShouldRun);
//   };
//   template struct PrivateMember<TestShouldRun, &testing::TestInfo::should_run_>;
//
// and `info->*Pointer(TestShouldRun{})` is then the member. The tags and the
// instantiations live in namespace gtest_dist (an explicit instantiation must
// be in the template's namespace, and the friend is declared there), each
// named for the one member it reaches.
#ifndef GTEST_DIST_RUN_PRIVATE_MEMBER_H_
#define GTEST_DIST_RUN_PRIVATE_MEMBER_H_

namespace gtest_dist {

template <typename Tag, typename Tag::Type kMember>
struct PrivateMember {
  friend typename Tag::Type Pointer(Tag) { return kMember; }
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_PRIVATE_MEMBER_H_
