// SigV4 against the public AWS Signature Version 4 test suite (get-vanilla,
// get-vanilla-query-order-key-case, post-vanilla) and the S3 API reference's worked example
// ("GET Object", first ten bytes of test.txt), plus verification and its refusals.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

namespace epmock::internal {
namespace {

const SigV4Scope kSuite{"AKIDEXAMPLE", "20150830", "us-east-1", "service"};
const char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const char kSuiteDate[] = "20150830T123600Z";
const std::vector<std::string> kHostDate = {"host", "x-amz-date"};

SigV4Request Suite(const std::string& method, const std::string& query = "") {
  return {method, "/", query, {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kSuiteDate}}, ""};
}

TEST(SigV4Test, GetVanilla) {
  SigV4Request request = Suite("GET");
  EXPECT_EQ(CanonicalRequest(request, kHostDate),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign(kSuiteDate, kSuite, CanonicalRequest(request, kHostDate)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(Signature(request, kHostDate, kSuiteDate, kSuite, kSuiteSecret),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, GetVanillaQueryOrderKeyCase) {
  EXPECT_EQ(
      Signature(Suite("GET", "Param2=value2&Param1=value1"), kHostDate, kSuiteDate, kSuite, kSuiteSecret),
      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Test, PostVanilla) {
  EXPECT_EQ(Signature(Suite("POST"), kHostDate, kSuiteDate, kSuite, kSuiteSecret),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4Test, TheS3ReferenceGetObjectExample) {
  SigV4Request request{
      "GET",
      "/test.txt",
      "",
      {{"Host", "examplebucket.s3.amazonaws.com"},
       {"Range", "bytes=0-9"},
       {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
       {"x-amz-date", "20130524T000000Z"}},
      ""};
  const std::vector<std::string> names = {"host", "range", "x-amz-content-sha256", "x-amz-date"};
  const SigV4Scope scope{"AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3"};
  EXPECT_EQ(Sha256Hex(CanonicalRequest(request, names)),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(Signature(request, names, "20130524T000000Z", scope, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, SignedRequestsVerifyAndTamperedOnesDoNot) {
  SigV4Request request{"POST",
                       "/123456789/orders",
                       "",
                       {{"Host", "127.0.0.1:9324"}, {"Content-Type", "application/x-www-form-urlencoded"}},
                       "Action=SendMessage&MessageBody=hi"};
  const SigV4Scope scope{"AKIAEPMOCK", "20261123", "eu-west-1", "sqs"};
  SignRequest(&request, scope, "secret", "20261123T010203Z");
  std::string authorization;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") authorization = value;
  }
  auto parsed = ParseAuthorization(authorization);
  ASSERT_TRUE(parsed.has_value()) << authorization;
  EXPECT_EQ(parsed->scope.access_key_id, "AKIAEPMOCK");
  EXPECT_EQ(parsed->scope.region, "eu-west-1");
  EXPECT_EQ(parsed->signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
  EXPECT_EQ(VerifySignature(request, *parsed, "secret"), "");
  EXPECT_NE(VerifySignature(request, *parsed, "wrong secret"), "");
  SigV4Request tampered = request;
  tampered.payload = "Action=SendMessage&MessageBody=hello";
  EXPECT_NE(VerifySignature(tampered, *parsed, "secret"), "");
}

TEST(SigV4Test, MalformedAuthorizationHeadersAreRefused) {
  for (const char* bad :
       {"", "Bearer x",
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sqs, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"}) {
    EXPECT_FALSE(ParseAuthorization(bad).has_value()) << bad;
  }
}

TEST(SigV4Test, AmzDateIsBasicIso8601InUtc) {
  EXPECT_EQ(AmzDate(1440938160), "20150830T123600Z");
  EXPECT_EQ(AmzDate(0), "19700101T000000Z");
}

}  // namespace
}  // namespace epmock::internal
