// libFuzzer: SigV4 canonicalization and verification. The input is a request (line 1:
// method, line 2: path, line 3: query, then "name: value" header lines, a blank line, the
// payload; header lines whose name is not an HTTP token are dropped, as no HTTP stack would
// carry them). Signed with a key and verified with the same key it must hold; verified with
// another it must not; a fuzzed Authorization header must parse or be refused, never crash.
#include <strings.h>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "aws/sigv4.h"

using epmock::internal::SigV4Request;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::istringstream in(input);
  SigV4Request request;
  std::getline(in, request.method);
  std::getline(in, request.path);
  std::getline(in, request.query);
  std::string line;
  std::string authorization;
  while (std::getline(in, line) && !line.empty()) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    // Only names HTTP allows (RFC 9110 tokens): nothing else reaches a signer or a verifier.
    if (name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                               "!#$%&'*+-.^_`|~") != std::string::npos) {
      continue;
    }
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (strcasecmp(name.c_str(), "Authorization") == 0) {
      authorization = value;
      continue;
    }
    request.headers.emplace_back(name, value);
  }
  std::getline(in, request.payload, '\0');
  if (request.method.empty()) request.method = "POST";
  bool has_host = false;
  for (const auto& [name, value] : request.headers) has_host |= strcasecmp(name.c_str(), "Host") == 0;
  if (!has_host) request.headers.emplace_back("Host", "127.0.0.1:9324");

  // A fuzzed Authorization header: parsed or refused, and verification answers either way.
  if (auto parsed = epmock::internal::ParseAuthorization(authorization)) {
    (void)epmock::internal::VerifySignature(request, *parsed, "secret");
  }
  // Signed, then verified: the same key holds, another does not.
  SigV4Request signed_request = request;
  epmock::internal::SignRequest(&signed_request, {"AKIDEXAMPLE", "20150830", "us-east-1", "sqs"}, "secret",
                                "20150830T123600Z");
  std::string header;
  for (const auto& [name, value] : signed_request.headers) {
    if (name == "Authorization") header = value;
  }
  auto parsed = epmock::internal::ParseAuthorization(header);
  if (!parsed) std::abort();
  if (!epmock::internal::VerifySignature(signed_request, *parsed, "secret").empty()) std::abort();
  if (epmock::internal::VerifySignature(signed_request, *parsed, "other").empty()) std::abort();
  return 0;
}
