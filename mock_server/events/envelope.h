// The bodies the platform delivers: the webhook envelope and the queue CloudEvent.
#ifndef EPMOCK_EVENTS_ENVELOPE_H_
#define EPMOCK_EVENTS_ENVELOPE_H_

#include <string>

#include <nlohmann/json.hpp>

#include "epmock/spec.h"
#include "store/store.h"

namespace epmock::internal {

// Whether an event key is a deletion (its payload carries only {id, type}).
bool IsDeletion(const std::string& event_type);

// {id, triggered_by, attempt, integration{id, integration_type, name, description},
//  resources (the payload as a JSON string; {id, type} for deletes), payload {data,
//  included} ({id, type} for deletes), configuration}: seeds/003 "Example: Typical payload".
nlohmann::json WebhookEnvelope(const EventRecord& event, const Integration& integration, int attempt);

// Serializes the event's webhook payload and resources once (into payload_text and
// resources_text) and validates one complete envelope of the event against the webhook
// schema, noting a failure in envelope_error. Every delivery of the event then reuses the
// text, and validates only what differs per integration and attempt (WebhookSkeleton).
void PrepareWebhookEnvelope(EventRecord* event, const Spec& spec);

// The envelope with the payload and resources of the right kind but empty: what differs
// between two deliveries of one event, for validation.
nlohmann::json WebhookSkeleton(const EventRecord& event, const Integration& integration, int attempt);

// The envelope as the body of the POST: WebhookEnvelope(...).dump(), assembled from the
// prepared texts.
std::string WebhookBody(const EventRecord& event, const Integration& integration, int attempt);

// A structured CloudEvent 1.0 with integrationid and storeid: seeds/003 "Message Queue
// Services". `source` is the platform's base URL.
nlohmann::json CloudEventEnvelope(const EventRecord& event, const std::string& integration_id,
                                  const std::string& source);

}  // namespace epmock::internal

#endif  // EPMOCK_EVENTS_ENVELOPE_H_
