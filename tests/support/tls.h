// A self-signed certificate made in the test, for https receivers.
#ifndef EPMOCK_TESTS_SUPPORT_TLS_H_
#define EPMOCK_TESTS_SUPPORT_TLS_H_

#include <string>

namespace epmock::testing_support {

struct SelfSigned {
  std::string cert_path;  // PEM, CN and subjectAltName IP 127.0.0.1
  std::string key_path;   // PEM
};

// Writes a fresh EC P-256 key and a self-signed certificate for 127.0.0.1 into `dir`.
// Empty paths on failure.
SelfSigned MakeSelfSignedCertificate(const std::string& dir);

}  // namespace epmock::testing_support

#endif  // EPMOCK_TESTS_SUPPORT_TLS_H_
