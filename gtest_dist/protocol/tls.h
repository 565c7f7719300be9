// TLS settings (--dist-tls-cert, --dist-tls-key, --dist-tls-ca) and the
// OpenSSL contexts made from them.
//
// A worker with a certificate and key serves TLS only; given a CA as well, it
// also requires and verifies a client certificate from every supervisor. A
// supervisor uses TLS when it has a CA to verify workers with (chain and host
// name: the name or address given in --workers); a certificate and key of its
// own are presented when a worker asks. TLS 1.2 or newer.
#ifndef GTEST_DIST_PROTOCOL_TLS_H_
#define GTEST_DIST_PROTOCOL_TLS_H_

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

namespace gtest_dist {

struct TlsFiles {
  std::string cert;  // PEM certificate chain
  std::string key;   // PEM private key
  std::string ca;    // PEM CA certificates to verify the peer with

  bool any() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

enum class TlsRole { kWorker, kSupervisor };

// Checks that the combination makes sense for `role` and loads the files.
// Returns a null context (and no error) when TLS is not configured; on a bad
// combination or an unreadable/invalid file returns null with `error` naming
// the flag and the file.
std::unique_ptr<boost::asio::ssl::context> MakeTlsContext(const TlsFiles& files, TlsRole role,
                                                          std::string* error);

// A TLS failure in words, with OpenSSL's reason ("certificate verify
// failed", "wrong version number") when there is one.
std::string DescribeTlsError(const boost::system::error_code& error);

}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_TLS_H_
