#include "events/asyncapi.h"

#include <cstdio>
#include <optional>
#include <random>
#include <set>

#include "common/clock.h"
#include "epmock/version.h"
#include "events/synthesizer.h"
#include "store/store.h"

namespace epmock::internal {

namespace {

using json = nlohmann::json;

constexpr char kWebhookUserAgent[] = "moltin/integrations";

// A version 4 UUID from the seeded generator: examples reproduce by seed.
std::string SchemaRef(const std::string& name) { return "#/components/schemas/" + name; }
std::string ResourceSchemaName(const std::string& resource) { return "resource." + resource; }

// What a deletion carries in place of its resource: {id, type}, nothing else.
json DeletedResourceSchema() {
  return {
      {"type", "object"},
      {"description", "A deleted resource: its id and type, nothing else (seeds/003 'Deleted resources')."},
      {"required", {"id", "type"}},
      {"properties", {{"id", {{"type", "string"}}}, {"type", {{"type", "string"}}}}},
      {"additionalProperties", false}};
}

// The schema a message's resource has: the catalog's for its resource, {id, type} for a deletion.
json DataSchema(const ObservableEvent& event) {
  if (IsDeletion(event.key)) return {{"$ref", SchemaRef("deleted-resource")}};
  return {{"$ref", SchemaRef(ResourceSchemaName(event.resource))}};
}

// The event's key in a payload: the exact key, or the pattern a family of keys matches.
json KeySchema(const ObservableEvent& event, const std::string& pattern) {
  if (!pattern.empty()) return {{"type", "string"}, {"pattern", pattern}};
  return {{"const", event.key}};
}

json WebhookPayloadSchema(const ObservableEvent& event, const std::string& pattern) {
  const std::string envelope = event.webhook.schema;  // "webhook" or "webhook-flat"
  json payload =
      event.webhook.flat_payload
          ? DataSchema(event)
          : json{{"type", "object"},
                 {"properties", {{"data", DataSchema(event)}, {"included", {{"type", "object"}}}}}};
  return {{"allOf",
           {{{"$ref", SchemaRef("envelope." + envelope)}},
            {{"type", "object"},
             {"properties", {{"triggered_by", KeySchema(event, pattern)}, {"payload", payload}}}}}}};
}

json CloudEventPayloadSchema(const ObservableEvent& event, const std::string& pattern) {
  return {{"allOf",
           {{{"$ref", SchemaRef("envelope.cloudevent")}},
            {{"type", "object"},
             {"properties",
              {{"type", KeySchema(event, pattern)},
               {"data", DataSchema(event)},
               {"included",
                {{"type", "object"},
                 {"description",
                  "The resource's included documents, or {\"meta\":{\"includes_elided\":true}} when the "
                  "whole message would exceed SQS's 256 KiB."}}}}}}}}};
}

json WebhookHeadersSchema(const ObservableEvent& event, const std::string& pattern) {
  return {{"type", "object"},
          {"description",
           "The names as they are on the wire, in the platform's case; HTTP compares them without "
           "regard to case, but a proxy that passes the header map on as sent (an API Gateway REST "
           "proxy) does not."},
          {"required", {"User-Agent", "x-moltin-integration-trigger", "content-type", "accept-encoding"}},
          {"properties",
           {{"User-Agent", {{"const", kWebhookUserAgent}}},
            {"x-moltin-integration-trigger", KeySchema(event, pattern)},
            {"content-type", {{"const", "application/json"}}},
            {"accept-encoding", {{"const", "gzip"}}},
            {"x-moltin-secret-key",
             {{"type", "string"},
              {"description",
               "The integration's configuration.secret_key; absent when it has none. Check it: a "
               "request without the right one is not from the platform."}}}}}};
}

json StompHeadersSchema() {
  return {{"type", "object"},
          {"required", {"destination", "content-type", "persistent"}},
          {"properties",
           {{"destination",
             {{"type", "string"}, {"description", "The integration's configuration.destination."}}},
            {"content-type", {{"const", "application/json"}}},
            {"content-length", {{"type", "string"}, {"pattern", "^[0-9]+$"}}},
            {"persistent", {{"const", "true"}}}}}};
}

// One event's examples, built as real deliveries are (envelope/envelope.h); null when the
// resource cannot be synthesized.
struct Examples {
  json webhook;
  json cloudevent;
};

std::optional<Examples> BuildExamples(const Spec& spec, const ObservableEvent& event,
                                      Synthesizer& synthesizer, std::mt19937_64& ids,
                                      const AsyncApiOptions& options) {
  StatusOr<Resource> resource = synthesizer.Synthesize(event);
  if (!resource.ok()) return std::nullopt;
  EventRecord record;
  record.id = UuidFrom(ids);
  record.type = event.key;
  const std::string store_id = UuidFrom(ids), org_id = UuidFrom(ids);
  if (event.store_level || !event.organization_level) {
    record.store_id = store_id;
    record.org_id = org_id;
  } else {
    record.org_id = org_id;
  }
  record.webhook = event.webhook;
  record.created_at_ms = NowMillis();
  if (IsDeletion(event.key)) {
    record.data = DeletionResource(resource->data);
  } else {
    record.data = std::move(resource->data);
    record.included = std::move(resource->included);
  }
  auto bodies = BuildEventBodies(record, spec, {true, true, options.cloudevent_source});
  if (!bodies->webhook_error.empty() || !bodies->cloudevent_error.empty()) return std::nullopt;
  Integration webhook;
  webhook.id = UuidFrom(ids);
  webhook.integration_type = "webhook";
  webhook.name = "Order handler";
  webhook.description = "Sends events to the shop's backend";
  webhook.enabled = true;
  webhook.observes = {event.key};
  webhook.configuration = {{"url", "http://" + options.webhook_host + "/webhooks"},
                           {"secret_key", "example-secret"}};
  Examples out;
  out.webhook = json::parse(WebhookBody(record, *bodies, webhook, 1));
  out.cloudevent = json::parse(CloudEventBody(*bodies, UuidFrom(ids)));
  return out;
}

struct Messages {
  json components = json::object();
  json webhook = json::object();  // channel messages: name -> $ref
  json sqs = json::object();
  json stomp = json::object();
};

void AddMessages(const Spec& spec, const ObservableEvent& event, const std::string& name,
                 const std::string& pattern, Synthesizer& synthesizer, std::mt19937_64& ids,
                 const AsyncApiOptions& options, Messages* out) {
  const std::string what = pattern.empty() ? "'" + event.key + "'" : "Keys matching " + pattern;
  json common = {{"title", pattern.empty() ? event.key : name},
                 {"contentType", "application/json"},
                 {"tags", {{{"name", event.resource}}}},
                 {"x-epmock-levels", json::array()}};
  if (event.store_level) common["x-epmock-levels"].push_back("store");
  if (event.organization_level) common["x-epmock-levels"].push_back("organization");
  if (event.legacy) common["x-epmock-legacy"] = true;
  if (!event.source.empty()) common["x-epmock-source"] = event.source;

  json stomp = common;  // filled in below, from the CloudEvent's
  json webhook = common;
  webhook["name"] = WebhookMessageName(name);
  webhook["summary"] = what + " as a webhook integration receives it: an HTTP POST of this JSON body.";
  webhook["headers"] = WebhookHeadersSchema(event, pattern);
  webhook["payload"] = WebhookPayloadSchema(event, pattern);
  webhook["bindings"] = {
      {"http", {{"headers", WebhookHeadersSchema(event, pattern)}, {"bindingVersion", "0.3.0"}}}};
  json cloudevent = common;
  cloudevent["name"] = CloudEventMessageName(name);
  cloudevent["summary"] =
      what + " as an aws_sqs integration receives it: the body of a structured-mode CloudEvent 1.0 message.";
  cloudevent["payload"] = CloudEventPayloadSchema(event, pattern);

  // A family of keys comes as one key it accepts (wishlist_ext.created): the example is that key's.
  {
    if (std::optional<Examples> examples = BuildExamples(spec, event, synthesizer, ids, options)) {
      webhook["examples"] = {{{"name", "attempt-1"},
                              {"summary", "The first attempt to deliver a synthesized " + event.resource},
                              {"headers",
                               {{"User-Agent", kWebhookUserAgent},
                                {"x-moltin-integration-trigger", event.key},
                                {"content-type", "application/json"},
                                {"accept-encoding", "gzip"},
                                {"x-moltin-secret-key", "example-secret"}}},
                              {"payload", examples->webhook}}};
      cloudevent["examples"] = {{{"name", "message"},
                                 {"summary", "The message body for a synthesized " + event.resource},
                                 {"payload", examples->cloudevent}}};
    }
  }
  // STOMP carries the same CloudEvent, in a SEND frame with headers of its own.
  stomp = cloudevent;
  stomp["name"] = StompMessageName(name);
  stomp["summary"] =
      what + " as a stomp integration receives it: a structured-mode CloudEvent 1.0 in a SEND frame.";
  stomp["headers"] = StompHeadersSchema();
  if (stomp.contains("examples")) {
    stomp["examples"][0]["headers"] = {{"destination", "/queue/epmock-events"},
                                       {"content-type", "application/json"},
                                       {"persistent", "true"}};
  }
  const std::string webhook_name = WebhookMessageName(name), cloudevent_name = CloudEventMessageName(name),
                    stomp_name = StompMessageName(name);
  out->components[webhook_name] = std::move(webhook);
  out->components[cloudevent_name] = std::move(cloudevent);
  out->components[stomp_name] = std::move(stomp);
  out->webhook[name] = {{"$ref", "#/components/messages/" + webhook_name}};
  out->sqs[name] = {{"$ref", "#/components/messages/" + cloudevent_name}};
  out->stomp[name] = {{"$ref", "#/components/messages/" + stomp_name}};
}

json MessageRefs(const std::string& channel, const json& messages) {
  json refs = json::array();
  for (const auto& [name, ref] : messages.items()) {
    (void)ref;
    refs.push_back({{"$ref", "#/channels/" + channel + "/messages/" + name}});
  }
  return refs;
}

json Server(const std::string& host, const std::string& protocol, const std::string& description) {
  return {{"host", "{host}"},
          {"protocol", protocol},
          {"description", description},
          {"variables", {{"host", {{"default", host}, {"description", "host:port"}}}}}};
}

}  // namespace

std::string WebhookMessageName(const std::string& event_key) { return event_key + ".webhook"; }
std::string CloudEventMessageName(const std::string& event_key) { return event_key + ".cloudevent"; }
std::string StompMessageName(const std::string& event_key) { return event_key + ".stomp"; }

json AsyncApiDocument(const std::shared_ptr<const Spec>& spec_ptr, const AsyncApiOptions& options) {
  const Spec& spec = *spec_ptr;
  Synthesizer synthesizer(spec_ptr, options.seed);
  std::mt19937_64 ids(options.seed);
  Messages messages;
  std::set<std::string> resources;
  for (const ObservableEvent& event : spec.Events()) {
    AddMessages(spec, event, event.key, "", synthesizer, ids, options, &messages);
    resources.insert(event.resource);
  }
  // A family of keys accepted by rule (Custom API entries): one message per action it names.
  for (const EventPattern& family : spec.EventPatterns()) {
    for (const char* action : {"created", "updated", "deleted"}) {
      std::optional<ObservableEvent> sample = spec.LookupEvent("wishlist_ext." + std::string(action));
      if (!sample || sample->resource != family.resource) continue;
      AddMessages(spec, *sample, family.resource + "." + action, family.pattern, synthesizer, ids, options,
                  &messages);
      resources.insert(family.resource);
    }
  }

  json schemas = json::object();
  for (const char* kind : {"webhook", "webhook-flat", "cloudevent"}) {
    if (const json* schema = spec.EnvelopeSchema(kind)) schemas["envelope." + std::string(kind)] = *schema;
  }
  schemas["deleted-resource"] = DeletedResourceSchema();
  for (const std::string& resource : resources) {
    if (const json* entry = spec.Resource(resource); entry && entry->contains("schema"))
      schemas[ResourceSchemaName(resource)] = entry->at("schema");
  }

  json doc;
  doc["asyncapi"] = "3.0.0";
  doc["id"] = "urn:epmock:integrations-events";
  doc["info"] = {
      {"title", "Elastic Path Commerce Cloud integration events"},
      {"version", Version()},
      {"description",
       "Every event the Integrations service delivers, as epmock " + std::string(Version()) +
           " delivers it (catalog of Integrations API " + SchemaRevision() +
           "): to webhook integrations as an HTTP POST with the platform's headers and envelope, "
           "and to aws_sqs and stomp integrations as a structured-mode CloudEvent 1.0. Delivery is "
           "at least once: a receiver answering anything but 2xx (or not at all) is retried, and an "
           "event may arrive twice or out of order."}};
  doc["defaultContentType"] = "application/json";
  doc["servers"] = {
      {"webhook-receiver",
       Server(options.webhook_host, "http",
              "Your webhook receiver: the host of a webhook integration's configuration.url.")},
      {"sqs", Server(options.sqs_host, "sqs",
                     "An SQS endpoint: epmock serve's embedded one by default, or AWS: the host of an "
                     "aws_sqs integration's configuration.url.")},
      {"stomp", Server(options.stomp_host, "stomp",
                       "A STOMP 1.2 broker: epmock serve's embedded one by default, or one of a stomp "
                       "integration's configuration.addresses.")}};
  doc["channels"] = {
      {"webhook",
       {{"address", nullptr},
        {"title", "Webhook integrations"},
        {"description",
         "An HTTP POST to the integration's configuration.url; the address is per integration. "
         "2xx ends the delivery; anything else, or no answer, is retried."},
        {"servers", {{{"$ref", "#/servers/webhook-receiver"}}}},
        {"messages", messages.webhook}}},
      {"sqs",
       {{"address", "{queue_url}"},
        {"title", "aws_sqs integrations"},
        {"description",
         "SendMessage (JSON protocol, signed with SigV4) to the queue at the integration's "
         "configuration.url."},
        {"parameters", {{"queue_url", {{"description", "The integration's configuration.url."}}}}},
        {"servers", {{{"$ref", "#/servers/sqs"}}}},
        {"messages", messages.sqs},
        {"bindings",
         {{"sqs",
           {{"queue", {{"name", "{queue_url}"}, {"fifoQueue", false}}}, {"bindingVersion", "0.2.0"}}}}}}},
      {"stomp",
       {{"address", "{destination}"},
        {"title", "stomp integrations"},
        {"description",
         "A SEND frame (persistent, with a receipt) to the integration's configuration.destination."},
        {"parameters", {{"destination", {{"description", "The integration's configuration.destination."}}}}},
        {"servers", {{{"$ref", "#/servers/stomp"}}}},
        {"messages", messages.stomp}}}};
  doc["operations"] = {
      {"deliverWebhook",
       {{"action", "send"},
        {"channel", {{"$ref", "#/channels/webhook"}}},
        {"summary", "The platform POSTs each observed event to a webhook integration."},
        {"bindings", {{"http", {{"method", "POST"}, {"bindingVersion", "0.3.0"}}}}},
        {"messages", MessageRefs("webhook", messages.webhook)}}},
      {"sendToSqs",
       {{"action", "send"},
        {"channel", {{"$ref", "#/channels/sqs"}}},
        {"summary", "The platform sends each observed event to an aws_sqs integration's queue."},
        {"messages", MessageRefs("sqs", messages.sqs)}}},
      {"sendToStomp",
       {{"action", "send"},
        {"channel", {{"$ref", "#/channels/stomp"}}},
        {"summary", "The platform sends each observed event to a stomp integration's destination."},
        {"messages", MessageRefs("stomp", messages.stomp)}}}};
  doc["components"] = {{"schemas", std::move(schemas)}, {"messages", std::move(messages.components)}};
  return doc;
}

}  // namespace epmock::internal
