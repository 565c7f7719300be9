#include "gtest_dist/protocol/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace gtest_dist {
namespace {

namespace ssl = boost::asio::ssl;

// A missing or unreadable file gets the system's reason, which is clearer
// than what OpenSSL says after trying to parse nothing.
bool Readable(const std::string& flag, const std::string& path, std::string* error) {
  std::ifstream file(path);
  if (file) return true;
  *error = "--" + flag + "=" + path + ": cannot read the file: " + std::strerror(errno);
  return false;
}

bool Loaded(const std::string& flag, const std::string& path, const boost::system::error_code& code,
            std::string* error) {
  if (!code) return true;
  *error = "--" + flag + "=" + path + ": not a usable PEM file: " + DescribeTlsError(code);
  return false;
}

}  // namespace

std::unique_ptr<ssl::context> MakeTlsContext(const TlsFiles& files, TlsRole role,
                                             std::string* error) {
  if (!files.any()) return nullptr;
  if (files.cert.empty() != files.key.empty()) {
    *error = files.cert.empty() ? "--dist-tls-key is given without "
                                  "--dist-tls-cert: give both or neither"
                                : "--dist-tls-cert is given without "
                                  "--dist-tls-key: give both or neither";
    return nullptr;
  }
  if (role == TlsRole::kWorker && files.cert.empty()) {
    *error =
        "--dist-tls-ca is given without --dist-tls-cert/--dist-tls-key: a "
        "worker "
        "serves TLS with its own certificate; the CA only checks supervisors' "
        "ones";
    return nullptr;
  }
  if (role == TlsRole::kSupervisor && files.ca.empty()) {
    *error =
        "--dist-tls-cert/--dist-tls-key are given without --dist-tls-ca: the "
        "supervisor must verify the workers' certificates; give the CA that "
        "signed them";
    return nullptr;
  }
  for (const auto& [flag, path] :
       {std::pair<const char*, const std::string*>{"dist-tls-cert", &files.cert},
        {"dist-tls-key", &files.key},
        {"dist-tls-ca", &files.ca}}) {
    if (!path->empty() && !Readable(flag, *path, error)) return nullptr;
  }

  auto context = std::make_unique<ssl::context>(
      role == TlsRole::kWorker ? ssl::context::tls_server : ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code code;
  if (!files.cert.empty()) {
    context->use_certificate_chain_file(files.cert, code);
    if (!Loaded("dist-tls-cert", files.cert, code, error)) return nullptr;
    context->use_private_key_file(files.key, ssl::context::pem, code);
    // OpenSSL checks the key against the certificate as it loads it.
    if (code && DescribeTlsError(code) != "key values mismatch" &&
        !Loaded("dist-tls-key", files.key, code, error)) {
      return nullptr;
    }
    if (code || SSL_CTX_check_private_key(context->native_handle()) != 1) {
      *error = "--dist-tls-key=" + files.key + " does not belong to the certificate in " +
               "--dist-tls-cert=" + files.cert;
      return nullptr;
    }
  }
  if (!files.ca.empty()) {
    context->load_verify_file(files.ca, code);
    if (!Loaded("dist-tls-ca", files.ca, code, error)) return nullptr;
    context->set_verify_mode(role == TlsRole::kWorker
                                 ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                                 : ssl::verify_peer);
  }
  return context;
}

std::string DescribeTlsError(const boost::system::error_code& error) {
  if (error == ssl::error::stream_truncated) {
    return "the peer closed the connection during the TLS handshake";
  }
  if (error.category() == boost::asio::error::get_ssl_category()) {
    const unsigned long code = static_cast<unsigned long>(error.value());
    const char* reason = ERR_reason_error_string(code);
    if (reason != nullptr) return reason;
  }
  return error.message();
}

}  // namespace gtest_dist
