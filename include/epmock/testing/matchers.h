// gMock matchers for deliveries, and a MockWebhookHandler for EXPECT_CALL.
//
//   using namespace epmock::testing;
//   EXPECT_THAT(harness.WebhookDeliveries(),
//               Contains(AllOf(IsEventType("order.paid"), HasAttempt(1),
//                              HasHeader("x-moltin-integration-trigger", "order.paid"),
//                              HasJsonField("/payload/data/status", "complete"),
//                              IsValidWebhookEnvelope())));
//   EXPECT_THAT(harness.SqsMessages("orders")[0], IsValidCloudEvent());
//
// Every matcher takes a Delivery, an epmock::ReceivedRequest (a sink's webhook), an
// epmock::StompMessage or an epmock::SqsQueuedMessage.
#ifndef EPMOCK_TESTING_MATCHERS_H_
#define EPMOCK_TESTING_MATCHERS_H_

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "epmock/sinks.h"
#include "epmock/testing/delivery.h"

namespace epmock::testing {

namespace internal {
// "" when valid, else the first violations, one per line.
std::string EnvelopeViolations(const std::string& kind, const Delivery& delivery);
// The value at a JSON pointer of the body; false when the body is not JSON or has none.
bool JsonAt(const Delivery& delivery, const std::string& pointer, nlohmann::json* value);
}  // namespace internal

// The event key: triggered_by of a webhook envelope, type of a CloudEvent.
MATCHER_P(IsEventType, type, "is a delivery of a " + ::testing::PrintToString(type) + " event") {
  const std::string actual = ToDelivery(arg).EventType();
  *result_listener << "whose event type is \"" << actual << "\"";
  return actual == std::string(type);
}

// A header (webhook: its name compared without regard to case, as HTTP does), message
// attribute (SQS) or frame header (STOMP), by value or matcher.
MATCHER_P2(HasHeader, name, value_matcher,
           "has header " + std::string(name) + " that " +
               ::testing::DescribeMatcher<const std::string&>(value_matcher)) {
  const std::string actual = ToDelivery(arg).Header(name);
  *result_listener << "whose " << name << " is \"" << actual << "\"";
  return ::testing::ExplainMatchResult(value_matcher, actual, result_listener);
}

// The webhook envelope's attempt number (1 for the first).
MATCHER_P(HasAttempt, attempt, "is attempt " + ::testing::PrintToString(attempt)) {
  const int actual = ToDelivery(arg).Attempt();
  *result_listener << "which is attempt " << actual;
  return actual == attempt;
}

// Delivered for this integration (integration.id or integrationid).
MATCHER_P(ForIntegration, integration_id, "is delivered for integration " + std::string(integration_id)) {
  const std::string actual = ToDelivery(arg).IntegrationId();
  *result_listener << "which is for integration \"" << actual << "\"";
  return actual == std::string(integration_id);
}

// Carries this store id (store_id of a webhook, storeid of a CloudEvent).
MATCHER_P(ForStore, store_id, "is delivered for store " + std::string(store_id)) {
  const std::string actual = ToDelivery(arg).StoreId();
  *result_listener << "which is for store \"" << actual << "\"";
  return actual == std::string(store_id);
}

// Carries this organization id (org_id, orgid); "" matches a delivery that carries none.
MATCHER_P(ForOrganization, org_id, "is delivered for organization \"" + std::string(org_id) + "\"") {
  const std::string actual = ToDelivery(arg).OrgId();
  *result_listener << "which is for organization \"" << actual << "\"";
  return actual == std::string(org_id);
}

// The body's value at a JSON pointer ("/payload/data/id") matches a value or a matcher of
// nlohmann::json.
MATCHER_P2(HasJsonField, pointer, value_matcher,
           "has JSON field " + std::string(pointer) + " that " +
               ::testing::DescribeMatcher<const nlohmann::json&>(value_matcher)) {
  nlohmann::json value;
  if (!internal::JsonAt(ToDelivery(arg), pointer, &value)) {
    *result_listener << "which has no " << pointer;
    return false;
  }
  *result_listener << "whose " << pointer << " is " << value.dump();
  return ::testing::ExplainMatchResult(value_matcher, value, result_listener);
}

// The body validates against its webhook envelope schema (schemas/envelopes/): the one its
// event's catalog entry names (the OTP event's flat layout), the standard one otherwise.
MATCHER(IsValidWebhookEnvelope, "is a valid webhook envelope") {
  const std::string violations = internal::EnvelopeViolations("webhook", ToDelivery(arg));
  if (!violations.empty()) *result_listener << "which is not: " << violations;
  return violations.empty();
}

// The body validates against the CloudEvent schema of queue deliveries.
MATCHER(IsValidCloudEvent, "is a valid CloudEvent") {
  const std::string violations = internal::EnvelopeViolations("cloudevent", ToDelivery(arg));
  if (!violations.empty()) *result_listener << "which is not: " << violations;
  return violations.empty();
}

// Delivered to this webhook path, queue name or STOMP destination.
MATCHER_P(DeliveredTo, destination, "is delivered to " + std::string(destination)) {
  const Delivery delivery = ToDelivery(arg);
  *result_listener << "which went to " << delivery.transport << " " << delivery.destination;
  return delivery.destination == std::string(destination);
}

// A webhook receiver for EXPECT_CALL: while it lives, every request reaching the sink is
// handed to OnDelivery, whose SinkResponse is the answer (200 unless told otherwise).
//
//   epmock::testing::MockWebhookHandler handler(harness.sink());
//   EXPECT_CALL(handler, OnDelivery(IsEventType("order.paid")))
//       .WillOnce(Return(epmock::SinkResponse{500}))   // first attempt fails
//       .WillOnce(Return(epmock::SinkResponse{200}));  // the retry succeeds
//   ... trigger ...
//   ASSERT_TRUE(harness.WaitForDeliveries(2));
class MockWebhookHandler {
 public:
  explicit MockWebhookHandler(WebhookSink& sink);
  ~MockWebhookHandler();  // detaches, after the calls in flight return
  MockWebhookHandler(const MockWebhookHandler&) = delete;
  MockWebhookHandler& operator=(const MockWebhookHandler&) = delete;

  MOCK_METHOD(SinkResponse, OnDelivery, (const Delivery& delivery));

 private:
  WebhookSink& sink_;
};

}  // namespace epmock::testing

#endif  // EPMOCK_TESTING_MATCHERS_H_
