// Memory a runner shares with its child process: a memfd the child inherits
// by descriptor and maps. Used for the event spill (event_batcher.h) and the
// tail-cut word (tail_cut.h).
#ifndef GTEST_DIST_RUN_SHARED_MEMORY_H_
#define GTEST_DIST_RUN_SHARED_MEMORY_H_

#include <cstddef>

namespace gtest_dist {

// The runner's side: `bytes` of zeroed memory in a close-on-exec memfd,
// mapped here. When the system refuses (no memfd, no memory), fd() < 0 and
// data() is null: each user then does without.
class SharedMemory {
 public:
  SharedMemory(const char* name, std::size_t bytes);
  ~SharedMemory();
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;

  int fd() const { return fd_; }
  void* data() const { return data_; }

 private:
  int fd_ = -1;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

// The child's side: maps `bytes` of the memory behind `fd` and closes `fd`
// (the mapping keeps the memory). Null when `fd` < 0 or it cannot be mapped.
void* MapSharedMemory(int fd, std::size_t bytes);

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_SHARED_MEMORY_H_
