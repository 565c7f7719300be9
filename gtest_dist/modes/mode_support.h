// What the worker and supervisor modes both need from the command line: the
// secret, the TLS context, names of this host and binary.
#ifndef GTEST_DIST_MODES_MODE_SUPPORT_H_
#define GTEST_DIST_MODES_MODE_SUPPORT_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/dist_flags.h"
#include "gtest_dist/protocol/tls.h"

namespace gtest_dist {

// The exit code of a configuration error (a bad flag, an unreadable file).
constexpr int kConfigurationError = 2;

// The tests gtest registered in this binary, fingerprinted by its digest
// (taken from the user's digest memo while the binary is unchanged).
TestCatalog CatalogOfThisBinary();

std::string BaseName(const std::string& path);
std::string HostName();

// Reads --dist-secret-file into `secret` (left empty without the flag);
// false, with the message printed, when it cannot be read.
bool LoadSecret(const DistOptions& options, std::string* secret);

// The TLS context for `role`, or null without --dist-tls-*; false (with the
// message printed) on a bad combination or file.
bool LoadTls(const DistOptions& options, TlsRole role,
             std::shared_ptr<boost::asio::ssl::context>* context);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODES_MODE_SUPPORT_H_
