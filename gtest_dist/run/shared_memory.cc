#include "gtest_dist/run/shared_memory.h"

#include <sys/mman.h>
#include <unistd.h>

namespace gtest_dist {

SharedMemory::SharedMemory(const char* name, std::size_t bytes) {
  const int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) return;
  void* data = MAP_FAILED;
  if (ftruncate(fd, static_cast<off_t>(bytes)) == 0) {
    data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
  if (data == MAP_FAILED) {
    close(fd);
    return;
  }
  fd_ = fd;
  data_ = data;
  bytes_ = bytes;
}

SharedMemory::~SharedMemory() {
  if (data_ != nullptr) munmap(data_, bytes_);
  if (fd_ >= 0) close(fd_);
}

void* MapSharedMemory(int fd, std::size_t bytes) {
  if (fd < 0) return nullptr;
  void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return data == MAP_FAILED ? nullptr : data;
}

}  // namespace gtest_dist
