// The recorded contracts under contracts/ replayed against an in-process server, and the
// matcher's rules (it must be able to fail).
#include "epmock/contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "epmock/server.h"
#include "epmock/testing/harness.h"
#include "epmock/testing/status_matchers.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The harness's server (its SQS endpoint and STOMP broker on), which the verifier is
// pointed at as a user's CI points it at an epmock serve.
class ContractTest : public epmock::testing::EpmockTest {
 protected:
  Server& server_ = epmock().server();
};

TEST_F(ContractTest, EveryRecordedApiContractHolds) {
  ContractVerifier verifier({server_.Url(), ""});
  auto results = verifier.VerifyDirectory(std::string(EPMOCK_SOURCE_DIR) + "/contracts/api");
  EXPECT_GE(results.size(), 15u);
  for (const ContractResult& r : results) {
    EXPECT_TRUE(r.passed()) << r.Report();
    EXPECT_GT(r.interactions, 0) << r.file;
  }
}

TEST_F(ContractTest, EveryRecordedDeliveryContractHolds) {
  ContractVerifier verifier({server_.Url(), ""});
  auto results = verifier.VerifyDirectory(std::string(EPMOCK_SOURCE_DIR) + "/contracts/deliveries");
  EXPECT_GE(results.size(), 6u);
  for (const ContractResult& r : results) {
    EXPECT_TRUE(r.passed()) << r.Report();
    EXPECT_EQ(r.interactions, 1) << r.file;
  }
}

TEST_F(ContractTest, ADeliveryDifferenceIsReported) {
  json contract = json::parse(R"({
    "description": "wrong delivery expectations",
    "delivery": {
      "integration": {"integration_type": "webhook", "name": "n", "observes": ["order.paid"],
                      "configuration": {"secret_key": "k"}},
      "trigger": {"type": "order.paid", "data": {"type": "order", "id": "o-1"}},
      "expect": {
        "headers": {"X-Moltin-Integration-Trigger": "order.created", "X-Moltin-Secret-Key": "k"},
        "body": {"id": "${event_id}", "store_id": "${store_id}", "triggered_by": "order.created", "attempt": 1,
                 "integration": {"id": "${integration_id}", "integration_type": "webhook", "name": "n", "description": ""},
                 "resources": {"{{json}}": {"data": {"type": "order", "id": "o-2"}}},
                 "payload": {"data": {"type": "order", "id": "o-1"}},
                 "configuration": {"url": "${delivery_url}", "secret_key": "k"}}}}})");
  ContractResult r = ContractVerifier({server_.Url(), ""}).Verify(contract, "inline");
  EXPECT_FALSE(r.passed());
  EXPECT_THAT(r.mismatches,
              Contains(HasSubstr(
                  "header X-Moltin-Integration-Trigger: expected \"order.created\", got \"order.paid\"")));
  EXPECT_THAT(r.mismatches, Contains(HasSubstr("/triggered_by: expected \"order.created\"")));
  EXPECT_THAT(r.mismatches, Contains(HasSubstr("/resources/data/id: expected \"o-2\", got \"o-1\"")));
  EXPECT_EQ(r.mismatches.size(), 3u) << r.Report();
}

TEST(ContractDeliveryTest, ATargetWithoutQueuesSaysSo) {
  Server plain;  // no embedded SQS endpoint or broker
  ASSERT_THAT(plain.Start(), IsOk());
  ContractResult r =
      ContractVerifier({plain.Url(), ""})
          .VerifyFile(std::string(EPMOCK_SOURCE_DIR) + "/contracts/deliveries/sqs-deleted-product.json");
  EXPECT_FALSE(r.passed());
  EXPECT_THAT(r.Report(), HasSubstr("No embedded SQS endpoint runs"));
}

TEST(ContractDeliveryTest, NothingDeliveredIsADifference) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  json contract = json::parse(R"({
    "delivery": {
      "integration": {"integration_type": "webhook", "name": "n", "observes": ["order.created"]},
      "trigger": {"type": "order.paid"},
      "expect": {"body": {}}}})");
  ContractOptions options{server.Url(), ""};
  options.delivery_timeout = std::chrono::milliseconds(200);
  ContractResult r = ContractVerifier(options).Verify(contract, "inline");
  EXPECT_THAT(r.Report(), HasSubstr("nothing was delivered within 200 ms"));
}

TEST_F(ContractTest, ADifferenceIsReportedWithItsPlace) {
  json contract = json::parse(R"({
    "description": "wrong expectations",
    "interactions": [{
      "request": {"method": "GET", "path": "/v2/integrations/8cb9e689-ede7-4f6d-b61a-6aa970d572dd"},
      "response": {"status": 200, "body": {"errors": [{"status": 404, "title": "Gone", "detail": "{{string}}"}]}}
    }]})");
  ContractResult r = ContractVerifier({server_.Url(), ""}).Verify(contract, "inline");
  EXPECT_FALSE(r.passed());
  EXPECT_THAT(r.mismatches, Contains(HasSubstr("status: expected 200, got 404")));
  EXPECT_THAT(r.mismatches, Contains(HasSubstr("/errors/0/title: expected \"Gone\", got \"Not Found\"")));
  EXPECT_THAT(r.Report(), HasSubstr("FAILED"));
}

// A contract is a file a person wrote: wrong types anywhere are a failed contract that
// says so, never an exception (before, a number for a method or a description threw).
TEST_F(ContractTest, WrongTypesAnywhereInAContractAreAFailureNotACrash) {
  ContractVerifier verifier({server_.Url(), ""});
  for (
      const char* text :
      {R"([1, 2, 3])", R"({"description": 5, "interactions": []})",
       R"({"interactions": [{"request": {"method": 7, "path": "/v2/integrations"}, "response": {"status": 200}}]})",
       R"({"interactions": [{"request": {"method": "GET", "path": ["/v2"]}, "response": {"status": "ok"}}]})",
       R"({"interactions": 3})", R"({"delivery": {"integration": 4, "trigger": "x"}})",
       R"({"delivery": {"integration": {"integration_type": 9}, "trigger": {"type": []}}})"}) {
    ContractResult r = verifier.Verify(json::parse(text), "inline");
    EXPECT_FALSE(r.passed()) << text;
    EXPECT_FALSE(r.mismatches.empty()) << text;
  }
}

TEST_F(ContractTest, AnUnreachableTargetFailsTheContract) {
  ContractResult r = ContractVerifier({"http://127.0.0.1:1", ""})
                         .VerifyFile(std::string(EPMOCK_SOURCE_DIR) + "/contracts/api/create-webhook.json");
  EXPECT_FALSE(r.passed());
}

struct RuleCase {
  const char* expected;
  const char* actual;
  bool match;
};

TEST(ContractRulesTest, PlaceholdersAcceptWhatTheySayAndNothingElse) {
  const RuleCase cases[] = {
      {R"("{{uuid}}")", R"("8cb9e689-ede7-4f6d-b61a-6aa970d572dd")", true},
      {R"("{{uuid}}")", R"("8cb9e689")", false},
      {R"("{{timestamp}}")", R"("2018-04-30T09:35:32.202Z")", true},
      {R"("{{timestamp}}")", R"("yesterday")", false},
      {R"("{{masked}}")", R"("****************PSYQ")", true},
      {R"("{{masked}}")", R"("ASIAJLVYNHUWCPKOPSYQ")", false},
      {R"("{{integer}}")", "12", true},
      {R"("{{integer}}")", R"("12")", false},
      {R"("{{string}}")", "null", false},
      {R"("{{any}}")", "null", true},
      {R"("{{url}}")", R"("https://x.io/a")", true},
      {R"({"a": 1})", R"({"a": 1, "b": 2})", false},
      {R"({"a": 1, "b": 2})", R"({"a": 1})", false},
      {R"([1, 2])", R"([1, 2, 3])", false},
      {R"("plain")", R"("plain")", true},
      {R"({"{{json}}": {"a": "{{integer}}"}})", R"("{\"a\": 1}")", true},
      {R"({"{{json}}": {"a": "{{integer}}"}})", R"("{\"a\": \"1\"}")", false},
      {R"({"{{json}}": {"a": 1}})", R"({"a": 1})", false},
      {R"({"{{json}}": {"a": 1}})", R"("not json")", false},
  };
  for (const RuleCase& c : cases) {
    std::map<std::string, std::string> variables;
    std::vector<std::string> mismatches;
    MatchContractValue(json::parse(c.expected), json::parse(c.actual), "", variables, &mismatches);
    EXPECT_EQ(mismatches.empty(), c.match) << c.expected << " vs " << c.actual;
  }
}

TEST(ContractRulesTest, CapturesBecomeVariables) {
  std::map<std::string, std::string> variables{{"base", "http://h"}};
  std::vector<std::string> mismatches;
  json expected = json::parse(R"({"id": "{{uuid:id}}", "self": "${base}/v2/integrations/${id}"})");
  json actual = json::parse(R"({"id": "8cb9e689-ede7-4f6d-b61a-6aa970d572dd",
                                "self": "http://h/v2/integrations/8cb9e689-ede7-4f6d-b61a-6aa970d572dd"})");
  MatchContractValue(expected, actual, "", variables, &mismatches);
  EXPECT_THAT(mismatches, IsEmpty());
  EXPECT_EQ(variables["id"], "8cb9e689-ede7-4f6d-b61a-6aa970d572dd");
}

}  // namespace
}  // namespace epmock
