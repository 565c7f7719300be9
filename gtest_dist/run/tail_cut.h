// Tail control (issue 15): an idle slot takes the tests of a running chunk
// that have not started. The runner and its child agree on which tests those
// are through one 64-bit word in memory they share (a memfd the runner makes
// and passes at kTailCutFd), so a cut is decided at once, while the child is
// inside a long test, with no message to the child and no race:
//
//   high 32 bits: the limit L. Tests of index >= L are cut (none at first).
//   low 32 bits:  the claim C. The child may run tests of index < C.
//
// A non-shuffled child runs its tests in ascending index (the catalog is
// gtest's order), so before the next test starts the child raises C past it
// (ClaimThrough) and sees L; the runner, to cut from index F, sets L to
// max(F, C) (CutFrom). Both are compare-and-swap on the one word: a test is
// either claimed (it runs here) or cut (it runs elsewhere), never both.
#ifndef GTEST_DIST_RUN_TAIL_CUT_H_
#define GTEST_DIST_RUN_TAIL_CUT_H_

#include <atomic>
#include <cstdint>

#include "gtest_dist/run/shared_memory.h"

namespace gtest_dist {

// Environment variable naming the word's descriptor in a child; internal,
// set by ChunkRunner, read and unset by the child.
constexpr char kTailCutEnv[] = "GTEST_DIST_INTERNAL_CUT";
// Beside the channel (1023), the event spill (1022) and a warm template's
// control socket (1021). The child maps it and closes it.
constexpr int kTailCutFd = 1020;
// No limit: nothing is cut.
constexpr std::uint32_t kNoCut = 0xffffffffu;

using TailCutWord = std::atomic<std::uint64_t>;
static_assert(TailCutWord::is_always_lock_free, "the word is shared between processes");

// A fresh word: nothing claimed, nothing cut.
void ResetTailCut(TailCutWord* word);
// The child, before test `index` may start: claims every test below
// index + 1 unless the limit already cut it. Returns the limit.
std::uint32_t ClaimThrough(TailCutWord* word, std::uint32_t index);
// The runner: cuts the tests of index >= max(`from`, claim). Returns the
// limit now in force (a later cut never lowers it below a claim, and never
// raises it: what was cut stays cut).
std::uint32_t CutFrom(TailCutWord* word, std::uint32_t from);

// The runner's side: the shared word in a memfd of one page.
class TailCutRegion {
 public:
  // fd() < 0 when it cannot be made: then nothing is ever cut.
  TailCutRegion();

  int fd() const { return memory_.fd(); }
  TailCutWord* word() { return word_; }

 private:
  SharedMemory memory_;
  TailCutWord* word_ = nullptr;
};

// The child's side: maps the word named by kTailCutEnv (unsets it, closes
// the descriptor); null when there is none (an old runner, or no memfd).
TailCutWord* TakeTailCutWord();

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_TAIL_CUT_H_
