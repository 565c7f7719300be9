// libpq, PostgreSQL's client library, loaded with dlopen when a postgresql://
// store is opened, so that a test binary (and every worker running it) links
// no libpq, nor the Kerberos, LDAP, GnuTLS and SASL libraries it pulls in.
//
// Only what postgres_database.cc calls is declared here, as libpq-fe.h
// declares it: the functions and the three status values are part of
// libpq.so.5's ABI (its soname changes when that breaks), so building needs no
// libpq-dev either.
#ifndef GTEST_DIST_HISTORY_LIBPQ_H_
#define GTEST_DIST_HISTORY_LIBPQ_H_

#include <string>

namespace gtest_dist {
namespace history {

// libpq's handles, only ever held by pointer.
struct PGconn;
struct PGresult;
using Oid = unsigned int;

// ConnStatusType and ExecStatusType values we test for.
constexpr int kConnectionOk = 0;    // CONNECTION_OK
constexpr int kPgresCommandOk = 1;  // PGRES_COMMAND_OK
constexpr int kPgresTuplesOk = 2;   // PGRES_TUPLES_OK

// The functions we call, each looked up by its libpq name (PQconnectdb,
// PQstatus, ...) in the loaded library.
struct Libpq {
  PGconn* (*connectdb)(const char* conninfo);
  int (*status)(const PGconn* conn);
  char* (*error_message)(const PGconn* conn);
  void (*finish)(PGconn* conn);
  PGresult* (*exec_params)(PGconn* conn, const char* command, int n_params, const Oid* param_types,
                           const char* const* param_values, const int* param_lengths,
                           const int* param_formats, int result_format);
  int (*result_status)(const PGresult* res);
  int (*ntuples)(const PGresult* res);
  int (*nfields)(const PGresult* res);
  char* (*getvalue)(const PGresult* res, int row, int column);
  int (*getlength)(const PGresult* res, int row, int column);
  int (*getisnull)(const PGresult* res, int row, int column);
  void (*clear)(PGresult* res);
};

// The library to load: $GTEST_DIST_LIBPQ when set (another path or name),
// else "libpq.so.5", found the way the dynamic linker finds libraries.
std::string LibpqFileName();

// Loads `file` (never unloaded) and looks up every function of Libpq.
// Throws DatabaseError naming the file, what failed and how to install
// libpq (Debian package libpq5).
Libpq LoadLibpq(const std::string& file);

}  // namespace history
}  // namespace gtest_dist

#endif  // GTEST_DIST_HISTORY_LIBPQ_H_
