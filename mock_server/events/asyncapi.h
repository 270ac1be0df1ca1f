// An AsyncAPI 3.0 description of everything epmock delivers: one message per observable event
// and channel (the webhook body; the CloudEvent an SQS message carries; the same in a STOMP
// SEND frame, with its headers), each with its
// payload schema (the envelope's schema with the event's resource schema in place of its
// data) and an example built by the same code that builds real deliveries; the webhook (HTTP
// POST), SQS and STOMP channels with their bindings and headers; and the envelopes and
// resource schemas as components. Other ecosystems' generators and doc tools read it.
//
//   nlohmann::json doc = AsyncApiDocument(Spec::Default(), {});
#ifndef EPMOCK_EVENTS_ASYNCAPI_H_
#define EPMOCK_EVENTS_ASYNCAPI_H_

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "envelope/envelope.h"
#include "epmock/spec.h"

namespace epmock::internal {

struct AsyncApiOptions {
  std::uint64_t seed = 1;  // of the examples' resources: the same seed, the same examples
  std::string cloudevent_source = kCloudEventSource;
  // The hosts the servers name by default: epmock serve's embedded SQS endpoint and STOMP
  // broker, and a webhook receiver.
  std::string sqs_host = "127.0.0.1:9324";
  std::string stomp_host = "127.0.0.1:61613";
  std::string webhook_host = "127.0.0.1:8000";
};

// The names of an event's two messages in the document's components.
std::string WebhookMessageName(const std::string& event_key);     // "order.paid.webhook"
std::string CloudEventMessageName(const std::string& event_key);  // "order.paid.cloudevent"
std::string StompMessageName(const std::string& event_key);       // "order.paid.stomp"

// The document for the spec's catalog (its extensions included), as JSON.
nlohmann::json AsyncApiDocument(const std::shared_ptr<const Spec>& spec, const AsyncApiOptions& options);

}  // namespace epmock::internal

#endif  // EPMOCK_EVENTS_ASYNCAPI_H_
