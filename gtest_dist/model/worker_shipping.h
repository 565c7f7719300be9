// What shipping a build to one generic worker moved at the start of a run:
// one set of numbers, made once by the supervisor's RemoteWorker and read by
// the console line, the history store, the dashboard and `gtest_dist show`.
#ifndef GTEST_DIST_MODEL_WORKER_SHIPPING_H_
#define GTEST_DIST_MODEL_WORKER_SHIPPING_H_

#include <cstdint>
#include <string>

namespace gtest_dist {

struct WorkerShipping {
  std::string worker;  // the executor's name: "host:port" or "ssh://..."
  // Files of the build's manifest, and those of them the worker lacked.
  std::uint64_t files_total = 0;
  std::uint64_t files_shipped = 0;
  // What crossed the wire (each content once), and the size of the files the
  // worker already held.
  std::uint64_t bytes_shipped = 0;
  std::uint64_t bytes_cached = 0;
  // From the manifest sent to the worker's "build ready".
  std::int64_t elapsed_ms = 0;
};

// "0 bytes", "950 bytes", "12.4 MB": decimal units, as transfer rates are
// quoted.
std::string ShownBytes(std::uint64_t bytes);

// "HOST:PORT: shipped 3 of 41 files, 12.4 MB in 0.38 s (38 files, 71.0 MB
// cached)": the line the supervisor prints (after "gtest_dist: ") when a
// worker's build is ready.
std::string ShippingLine(const WorkerShipping& shipping);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_WORKER_SHIPPING_H_
