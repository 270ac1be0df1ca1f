// AWS Signature Version 4: signing requests (the aws_sqs transport) and verifying them (the
// embedded SQS endpoint), on OpenSSL. Checked against the public AWS SigV4 test-suite
// vectors (tests/unit/sigv4_test.cc).
#ifndef EPMOCK_AWS_SIGV4_H_
#define EPMOCK_AWS_SIGV4_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace epmock::internal {

struct SigV4Request {
  std::string method;
  std::string path;                                          // as sent, percent-encoded; "/" when empty
  std::string query;                                         // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  std::string payload;
};

struct SigV4Scope {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;  // "sqs"
};

std::string Sha256Hex(const std::string& data);
// "20150830T123600Z" for epoch seconds.
std::string AmzDate(long long epoch_seconds);

// The canonical request over the named headers (lower case), as the suite spells it out.
std::string CanonicalRequest(const SigV4Request& request, const std::vector<std::string>& signed_headers);
std::string StringToSign(const std::string& amz_date, const SigV4Scope& scope,
                         const std::string& canonical_request);
// Hex signature of a request whose headers include x-amz-date (and host).
std::string Signature(const SigV4Request& request, const std::vector<std::string>& signed_headers,
                      const std::string& amz_date, const SigV4Scope& scope, const std::string& secret);

// Adds X-Amz-Date (and X-Amz-Content-Sha256 when asked) and Authorization to `request`,
// signing every header it has. `host` must be among them.
void SignRequest(SigV4Request* request, const SigV4Scope& scope, const std::string& secret,
                 const std::string& amz_date);

struct ParsedAuthorization {
  SigV4Scope scope;
  std::vector<std::string> signed_headers;
  std::string signature;
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sqs/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=...". Nullopt when it is not one.
std::optional<ParsedAuthorization> ParseAuthorization(const std::string& header);

// Why the request's signature does not hold for `secret` ("" when it does): what a
// SignatureDoesNotMatch answer says.
std::string VerifySignature(const SigV4Request& request, const ParsedAuthorization& auth,
                            const std::string& secret);

}  // namespace epmock::internal

#endif  // EPMOCK_AWS_SIGV4_H_
