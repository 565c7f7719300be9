#include "gtest_dist/modes/mode_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "gtest_dist/protocol/auth.h"
#include "gtest_dist/ship/digest_memo.h"
#include "gtest_dist/ship/file_digest.h"

namespace gtest_dist {

TestCatalog CatalogOfThisBinary() {
  DigestMemo memo(DigestMemo::DefaultPath());
  TestCatalog catalog =
      TestCatalog::FromUnitTest(*testing::UnitTest::GetInstance(), DigestOfRunningBinary(&memo));
  memo.Save();
  return catalog;
}

std::string BaseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string HostName() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? name : "unknown";
}

bool LoadSecret(const DistOptions& options, std::string* secret) {
  if (options.secret_file.empty()) return true;
  std::string error;
  std::string warning;
  if (!ReadSecretFile(options.secret_file, secret, &error, "--dist-secret-file", &warning)) {
    std::fprintf(stderr, "gtest_dist: %s\n", error.c_str());
    return false;
  }
  if (!warning.empty()) std::fprintf(stderr, "gtest_dist: warning: %s\n", warning.c_str());
  return true;
}

bool LoadTls(const DistOptions& options, TlsRole role,
             std::shared_ptr<boost::asio::ssl::context>* context) {
  std::string error;
  *context = MakeTlsContext({options.tls_cert, options.tls_key, options.tls_ca}, role, &error);
  if (!error.empty()) {
    std::fprintf(stderr, "gtest_dist: %s\n", error.c_str());
    return false;
  }
  return true;
}

}  // namespace gtest_dist
