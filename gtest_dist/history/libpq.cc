#include "gtest_dist/history/libpq.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

#include "gtest_dist/history/database.h"

namespace gtest_dist {
namespace history {
namespace {

constexpr char kDefaultFile[] = "libpq.so.5";

const char kInstallHint[] =
    "a postgresql:// history store needs libpq, PostgreSQL's client library: install it "
    "(Debian/Ubuntu: apt-get install libpq5) or set GTEST_DIST_LIBPQ to its path";

// `symbol` from `handle` as a pointer of `*function`'s type.
template <typename Function>
void Find(void* handle, const std::string& file, const char* symbol, Function* function) {
  dlerror();
  void* address = dlsym(handle, symbol);
  if (address == nullptr) {
    const char* error = dlerror();
    throw DatabaseError("cannot use " + file + ": it has no " + symbol + " (" +
                        (error ? error : "null symbol") + "); " + kInstallHint);
  }
  // POSIX guarantees an object pointer from dlsym converts to a function's.
  static_assert(sizeof(address) == sizeof(*function));
  std::memcpy(function, &address, sizeof(address));
}

}  // namespace

std::string LibpqFileName() {
  const char* file = std::getenv("GTEST_DIST_LIBPQ");
  return file != nullptr && *file != '\0' ? file : kDefaultFile;
}

Libpq LoadLibpq(const std::string& file) {
  // RTLD_LOCAL: libpq's own dependencies stay out of our symbol lookups.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    throw DatabaseError("cannot load " + file + " (" + (error ? error : "unknown error") + "); " +
                        kInstallHint);
  }
  // Never dlclose'd: libpq registers process-wide state (OpenSSL, locale)
  // that must outlive any connection; dlopen of a loaded library only counts.
  Libpq pq{};
  try {
    Find(handle, file, "PQconnectdb", &pq.connectdb);
    Find(handle, file, "PQstatus", &pq.status);
    Find(handle, file, "PQerrorMessage", &pq.error_message);
    Find(handle, file, "PQfinish", &pq.finish);
    Find(handle, file, "PQexecParams", &pq.exec_params);
    Find(handle, file, "PQresultStatus", &pq.result_status);
    Find(handle, file, "PQntuples", &pq.ntuples);
    Find(handle, file, "PQnfields", &pq.nfields);
    Find(handle, file, "PQgetvalue", &pq.getvalue);
    Find(handle, file, "PQgetlength", &pq.getlength);
    Find(handle, file, "PQgetisnull", &pq.getisnull);
    Find(handle, file, "PQclear", &pq.clear);
  } catch (const DatabaseError&) {
    dlclose(handle);  // not libpq after all
    throw;
  }
  return pq;
}

}  // namespace history
}  // namespace gtest_dist
