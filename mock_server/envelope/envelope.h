// What each receiver of an event gets: the webhook envelope and the queue CloudEvent, built
// in this one module. When an event fires, BuildEventBodies computes, once, everything that
// does not depend on the receiver (the webhook payload and resources texts, the CloudEvent
// around its integration id, the 256 KiB elision) and validates it; each delivery then
// splices in what is its own (integration, configuration, attempt) and transports only add
// their headers and send.
//
//   auto bodies = BuildEventBodies(event, spec, {.webhook = true, .cloudevent = false});
//   std::string body = WebhookBody(event, *bodies, integration, attempt);
//
// The rule "a deletion carries only {id, type}" lives here (DeletionResource).
#ifndef EPMOCK_ENVELOPE_ENVELOPE_H_
#define EPMOCK_ENVELOPE_ENVELOPE_H_

#include <cstddef>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "epmock/spec.h"
#include "store/store.h"

namespace epmock::internal {

// The CloudEvent `source` the platform's messages carry (seeds/003's examples).
inline constexpr char kCloudEventSource[] = "https://epcc-integration.global.ssl.fastly.net";
// SQS's limit on a message: above it the event's `included` is elided.
inline constexpr std::size_t kSqsMessageLimit = 256 * 1024;

// Whether an event key is a deletion.
bool IsDeletion(const std::string& event_type);

// The resource a deletion records and delivers: {id, type} of `data`, nothing else. The
// trigger has checked that both are strings.
nlohmann::json DeletionResource(const nlohmann::json& data);

// Everything about one event's deliveries that no receiver changes. Immutable once built;
// shared by every delivery of the event (and rebuilt, not stored, for a replay of an event
// nobody observed when it fired).
struct EventBodies {
  bool has_webhook = false;
  std::string webhook_payload;    // the payload's JSON text
  std::string webhook_resources;  // the resources member's JSON text (a string, or {id, type})
  std::string webhook_error;      // why the event's part of the envelope fails its schema
  bool has_cloudevent = false;
  std::string cloudevent_head;  // the CloudEvent's JSON text before the integration id ...
  std::string cloudevent_tail;  // ... and after it
  std::string cloudevent_error;
};

struct BodyKinds {
  bool webhook = false;
  bool cloudevent = false;  // aws_sqs and stomp
  // The CloudEvent `source` (ServerOptions::cloudevent_source).
  std::string cloudevent_source = kCloudEventSource;
};

// What keeping the event costs, approximately: its resources and its bodies (the value of
// EventRecord::bytes, which the store's byte retention counts).
std::size_t RetainedBytes(const EventRecord& event);

// Builds the kinds asked for. The event is read, never changed.
std::shared_ptr<const EventBodies> BuildEventBodies(const EventRecord& event, const Spec& spec,
                                                    BodyKinds kinds);

// {id, triggered_by, attempt, integration{id, integration_type, name, description},
//  resources (the payload as a JSON string; {id, type} for deletes), payload {data,
//  included} ({id, type} for deletes), configuration}: seeds/003 "Example: Typical payload";
// with store_id and org_id as the event has them (elasticpath/elasticpath-dev
// guides/How-To/Authentication/how-to-utilize-one-time-password-tokens.md), and configuration.secret_key
// "" when none was set (elasticpath/epcc-composable-commerce-reference
// src/modules/elasticsearch/functions/updateElasticsearchIndex/test/assets/product-updated.json). The event's
// WebhookShape (from the catalog) leaves out attempt or resources, or makes the payload the resource itself
// (elasticpath/composable-frontend
// examples/shopper-accounts-authentication/src/app/api/webhooks/one-time-password/route.ts).
nlohmann::json WebhookEnvelope(const EventRecord& event, const Integration& integration, int attempt);

// The envelope with the payload and resources of the right kind but empty: what differs
// between two deliveries of one event, for validation.
nlohmann::json WebhookSkeleton(const EventRecord& event, const Integration& integration, int attempt);

// The configuration a webhook body carries: the integration's, with secret_key "" when no
// secret was set (elasticpath/epcc-composable-commerce-reference
// src/modules/elasticsearch/functions/updateElasticsearchIndex/test/assets/product-updated.json).
nlohmann::json DeliveredConfiguration(const Integration& integration);

// The POST body: WebhookEnvelope(...).dump(), byte for byte, assembled from the bodies.
std::string WebhookBody(const EventRecord& event, const EventBodies& bodies, const Integration& integration,
                        int attempt);

// A structured CloudEvent 1.0 with integrationid and storeid: seeds/003 "Message Queue
// Services"; orgid beside or instead of storeid as the event has them. `source` is the
// platform's base URL by default (kCloudEventSource).
nlohmann::json CloudEventEnvelope(const EventRecord& event, const std::string& integration_id,
                                  const std::string& source);

// The queue message body: the CloudEvent, with `included` (when the event has any) as an
// extension attribute, replaced by {"meta":{"includes_elided":true}} when the whole would
// exceed SQS's 256 KiB.
std::string CloudEventBody(const EventBodies& bodies, const std::string& integration_id);

}  // namespace epmock::internal

#endif  // EPMOCK_ENVELOPE_ENVELOPE_H_
