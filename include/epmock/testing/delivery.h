// Delivery: one thing epmock delivered, whatever carried it: a webhook POST that reached a
// sink, a message on an SQS queue, a frame on a STOMP destination. The matchers of
// epmock/testing/matchers.h take a Delivery, or any of the three records it is made from.
//
//   for (const epmock::testing::Delivery& d : harness.WebhookDeliveries())
//     std::cout << d.EventType() << " attempt " << d.Attempt() << "\n";
#ifndef EPMOCK_TESTING_DELIVERY_H_
#define EPMOCK_TESTING_DELIVERY_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/sinks.h"
#include "epmock/sqs.h"
#include "epmock/stomp.h"

namespace epmock::testing {

struct Delivery {
  std::string transport;    // "webhook", "aws_sqs" or "stomp"
  std::string destination;  // the webhook's path, the queue's name, the STOMP destination
  // HTTP headers; SQS message attributes; STOMP frame headers.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive for webhooks, exact for STOMP and SQS; "" when absent.
  std::string Header(const std::string& name) const;
  // The body as JSON; null when it is not JSON.
  nlohmann::json Json() const;
  // From the body: a webhook envelope's triggered_by, a CloudEvent's type.
  std::string EventType() const;
  // The event id (the same on every attempt and every duplicate).
  std::string EventId() const;
  // integration.id of a webhook envelope, integrationid of a CloudEvent.
  std::string IntegrationId() const;
  // The identities it carries (elasticpath/elasticpath-dev
  // guides/How-To/Authentication/how-to-utilize-one-time-password-tokens.md): store_id / storeid and org_id /
  // orgid; "" when absent (an organization-level event has no store id, a store in no organization no org
  // id).
  std::string StoreId() const;
  std::string OrgId() const;
  // A webhook envelope's attempt; 0 for CloudEvents, which do not carry one.
  int Attempt() const;
};

Delivery ToDelivery(const Delivery& delivery);
Delivery ToDelivery(const ReceivedRequest& webhook);
Delivery ToDelivery(const StompMessage& frame);
// A queue message does not know its queue; Harness::SqsMessages fills it in.
Delivery ToDelivery(const SqsQueuedMessage& message, const std::string& queue = "");

// "webhook POST /orders: order.paid attempt 1, event 4f.., integration 9c.., {"attempt":...}"
void PrintTo(const Delivery& delivery, std::ostream* os);
std::ostream& operator<<(std::ostream& os, const Delivery& delivery);

}  // namespace epmock::testing

namespace epmock {
// gtest prints these in failure messages (found by argument-dependent lookup).
void PrintTo(const ReceivedRequest& request, std::ostream* os);
void PrintTo(const StompMessage& message, std::ostream* os);
void PrintTo(const SqsQueuedMessage& message, std::ostream* os);
}  // namespace epmock

#endif  // EPMOCK_TESTING_DELIVERY_H_
