// Makes sure no process a test started outlives its chunk, even one that
// called setsid() or double-forked out of the child's process group.
//
// Two layers, both built on Linux's child subreaper (PR_SET_CHILD_SUBREAPER),
// which needs no privilege:
//  * The test child is a subreaper: whatever its tests leave orphaned is
//    reparented to it, so its whole tree stays below it. At the end of its
//    chunk it kills every descendant (KillAndReapDescendants); a parent that
//    times a child out stops it and kills its tree the same way (KillTree).
//  * The parent (worker, supervisor's local slots) is a subreaper too: when a
//    child dies by itself (a crash), its orphans are reparented to the
//    parent. Each child's environment carries kTreeTokenEnv; a process that
//    reaches the parent carrying one of the parent's tokens is a leftover of a
//    dead child's tree and is killed (KillStrays).
// Where there is no /proc, nothing is found and only process groups are
// killed, as before.
#ifndef GTEST_DIST_RUN_PROCESS_TREE_REAPER_H_
#define GTEST_DIST_RUN_PROCESS_TREE_REAPER_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace gtest_dist {

// Set in every child's environment to "<parent pid>.<serial>" and inherited by
// whatever its tests start (unless they clear their environment).
constexpr char kTreeTokenEnv[] = "GTEST_DIST_INTERNAL_TREE";

// Makes this process a child subreaper. False where the kernel has none.
bool BecomeSubreaper();

// A new token for a child of this process.
std::string NewTreeToken();

// The live descendants of `root` (not `root` itself), from /proc; zombies
// are left out.
std::vector<pid_t> LiveDescendants(pid_t root);

// Stops `root`, kills every descendant of it, then kills `root` and its
// process group. For a child that is a subreaper this is its whole tree.
// Does not reap `root`.
void KillTree(pid_t root);

// In a subreaper: kills every descendant of this process and reaps the
// direct children, until none is left (bounded, for a tree that forks as
// fast as it is killed).
void KillAndReapDescendants();

// The parent's side: notes a child this process started (never a stray) and
// forgets it once reaped.
void RegisterChild(pid_t pid);
void UnregisterChild(pid_t pid);

// Kills the processes reparented to this process that carry one of its tree
// tokens and are not registered children, and reaps those it killed before.
// Returns how many it killed now.
int KillStrays();

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_PROCESS_TREE_REAPER_H_
