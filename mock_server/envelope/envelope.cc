#include "envelope/envelope.h"

#include "common/ids.h"

namespace epmock::internal {

using nlohmann::json;

namespace {

json IntegrationBlock(const Integration& integration) {
  return {{"id", integration.id},
          {"integration_type", integration.integration_type},
          {"name", integration.name.value_or("")},
          {"description", integration.description.value_or("")}};
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// `text` (valid UTF-8, as Dump produces it) as a JSON string literal: what
// json(text).dump() gives, without a second pass through the serializer.
std::string Quote(const std::string& text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 2);
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace

bool IsDeletion(const std::string& event_type) {
  const std::string suffix = ".deleted";
  return event_type.size() > suffix.size() &&
         event_type.compare(event_type.size() - suffix.size(), suffix.size(), suffix) == 0;
}

json DeletionResource(const json& data) {
  return {{"id", data.value("id", "")}, {"type", data.value("type", "")}};
}

json DeliveredConfiguration(const Integration& integration) {
  json configuration = integration.configuration;
  if (configuration.is_object()) {
    auto secret = configuration.find("secret_key");
    if (secret == configuration.end() || !secret->is_string()) configuration["secret_key"] = "";
  }
  return configuration;
}

json WebhookEnvelope(const EventRecord& event, const Integration& integration, int attempt) {
  json skeleton = WebhookSkeleton(event, integration, attempt);
  if (event.webhook.flat_payload) {
    skeleton["payload"] = event.data;
  } else if (!IsDeletion(event.type)) {
    json payload = {{"data", event.data}};
    if (!event.included.is_null()) payload["included"] = event.included;
    // Deprecated by the platform but still sent: the same payload as a JSON string.
    if (event.webhook.resources) skeleton["resources"] = Dump(payload);
    skeleton["payload"] = std::move(payload);
  }
  return skeleton;
}

json WebhookSkeleton(const EventRecord& event, const Integration& integration, int attempt) {
  const WebhookShape& shape = event.webhook;
  json skeleton = {{"id", event.id},
                   {"triggered_by", event.type},
                   {"integration", IntegrationBlock(integration)},
                   {"configuration", DeliveredConfiguration(integration)}};
  if (shape.attempt) skeleton["attempt"] = attempt;
  if (!event.store_id.empty()) skeleton["store_id"] = event.store_id;
  if (shape.org_id && !event.org_id.empty()) skeleton["org_id"] = event.org_id;
  if (shape.flat_payload) {
    skeleton["payload"] = json::object({{"flat", true}});
  } else if (IsDeletion(event.type)) {
    // payload and resources are both {id, type} (the record holds DeletionResource already).
    skeleton["payload"] = {{"type", event.data.value("type", "")}, {"id", event.data.value("id", "")}};
    if (shape.resources) skeleton["resources"] = skeleton["payload"];
  } else {
    skeleton["payload"] = {{"data", json::object()}};
    if (shape.resources) skeleton["resources"] = "{}";
  }
  return skeleton;
}

namespace {

std::string FirstViolation(const char* what, const std::vector<SchemaViolation>& violations) {
  return violations.empty() ? ""
                            : std::string("The ") + what + " failed its schema at " + violations[0].source +
                                  ": " + violations[0].detail;
}

void BuildWebhook(const EventRecord& event, const Spec& spec, EventBodies* bodies) {
  // One complete envelope of the event, validated once; a reference integration stands in
  // for the receivers, whose own part each transport validates once per integration version.
  Integration reference;
  reference.id = "00000000-0000-4000-8000-000000000000";
  reference.integration_type = "webhook";
  reference.configuration = {{"url", "https://example.com/"}};
  json full = WebhookSkeleton(event, reference, 1);
  if (event.webhook.flat_payload) {
    full["payload"] = event.data;
    bodies->webhook_payload = Dump(full["payload"]);
  } else if (IsDeletion(event.type)) {
    bodies->webhook_payload = Dump(full["payload"]);
    if (event.webhook.resources) bodies->webhook_resources = Dump(full["resources"]);
  } else {
    json payload = {{"data", event.data}};  // the one copy, for the one validation
    if (!event.included.is_null()) payload["included"] = event.included;
    bodies->webhook_payload = Dump(payload);
    // resources is the payload as a JSON string: quoted from the text, not serialized again.
    if (event.webhook.resources) {
      bodies->webhook_resources = Quote(bodies->webhook_payload);
      full["resources"] = bodies->webhook_payload;
    }
    full["payload"] = std::move(payload);
  }
  if (!event.base_data.is_null()) {
    // Forward-compatible: checked as the resource was before the additions, which are allowed.
    json base = {{"data", event.base_data}};
    if (!event.base_included.is_null()) base["included"] = event.base_included;
    if (event.webhook.flat_payload) {
      full["payload"] = event.base_data;
    } else if (!IsDeletion(event.type)) {
      if (event.webhook.resources) full["resources"] = Dump(base);
      full["payload"] = std::move(base);
    }
  }
  bodies->webhook_error = FirstViolation("webhook body", spec.ValidateEnvelope(event.webhook.schema, full));
  bodies->has_webhook = true;
}

void BuildCloudEvent(const EventRecord& event, const Spec& spec, const std::string& source,
                     EventBodies* bodies) {
  // A placeholder no resource can contain marks where each delivery's integration id goes.
  const std::string placeholder = NewUuid();
  const std::string marker = "\"integrationid\":\"" + placeholder + "\"";
  json message = CloudEventEnvelope(event, placeholder, source);
  const bool has_included = !event.included.is_null() && !IsDeletion(event.type);
  if (has_included) message["included"] = event.included;
  std::string text = Dump(message);
  // Integration ids are UUIDs, as long as the placeholder: the size is the delivered size.
  if (text.size() > kSqsMessageLimit && has_included) {
    message["included"] = {{"meta", {{"includes_elided", true}}}};
    text = Dump(message);
  }
  if (!event.base_data.is_null()) {
    // Forward-compatible: checked as the resource was before the additions, which are allowed.
    message["data"] = event.base_data;
    if (message.contains("included") && !message["included"].contains("meta")) {
      if (event.base_included.is_null()) {
        message.erase("included");
      } else {
        message["included"] = event.base_included;
      }
    }
  }
  bodies->cloudevent_error = FirstViolation("queue message", spec.ValidateEnvelope("cloudevent", message));
  // Head ends with `"integrationid":`; the tail starts after the quoted placeholder.
  const std::size_t value_at = text.find(marker) + marker.size() - placeholder.size() - 2;
  bodies->cloudevent_head = text.substr(0, value_at);
  bodies->cloudevent_tail = text.substr(value_at + placeholder.size() + 2);
  bodies->has_cloudevent = true;
}

}  // namespace

std::size_t RetainedBytes(const EventRecord& event) {
  std::size_t bytes = sizeof(EventRecord) + event.id.size() + event.type.size() + event.store_id.size() +
                      event.org_id.size() + ApproximateBytes(event.data) + ApproximateBytes(event.included) +
                      ApproximateBytes(event.base_data) + ApproximateBytes(event.base_included) +
                      event.jobs.size() * (sizeof(EventJob) + 96) +
                      event.skipped.size() * sizeof(SkippedIntegration);
  for (const auto& receiver : event.receivers) {
    if (!receiver) continue;
    bytes += sizeof(Integration) + receiver->id.size() + ApproximateBytes(receiver->configuration) +
             receiver->name.value_or("").size() + receiver->description.value_or("").size();
    for (const std::string& key : receiver->observes) bytes += sizeof(std::string) + key.size();
  }
  if (event.bodies) {
    const EventBodies& b = *event.bodies;
    bytes += sizeof(EventBodies) + b.webhook_payload.size() + b.webhook_resources.size() +
             b.webhook_error.size() + b.cloudevent_head.size() + b.cloudevent_tail.size() +
             b.cloudevent_error.size();
  }
  return bytes;
}

std::shared_ptr<const EventBodies> BuildEventBodies(const EventRecord& event, const Spec& spec,
                                                    BodyKinds kinds) {
  auto bodies = std::make_shared<EventBodies>();
  if (kinds.webhook) BuildWebhook(event, spec, bodies.get());
  if (kinds.cloudevent) BuildCloudEvent(event, spec, kinds.cloudevent_source, bodies.get());
  return bodies;
}

std::string WebhookBody(const EventRecord& event, const EventBodies& bodies, const Integration& integration,
                        int attempt) {
  if (!bodies.has_webhook) return Dump(WebhookEnvelope(event, integration, attempt));
  // Keys in the order nlohmann::json writes them, so both paths give the same bytes.
  const WebhookShape& shape = event.webhook;
  std::string body;
  body.reserve(bodies.webhook_payload.size() + bodies.webhook_resources.size() + 512);
  body += "{";
  if (shape.attempt) body += "\"attempt\":" + std::to_string(attempt) + ",";
  body += "\"configuration\":" + Dump(DeliveredConfiguration(integration));
  body += ",\"id\":" + Dump(event.id);
  body += ",\"integration\":" + Dump(IntegrationBlock(integration));
  if (shape.org_id && !event.org_id.empty()) body += ",\"org_id\":" + Dump(event.org_id);
  body += ",\"payload\":" + bodies.webhook_payload;
  if (shape.resources) body += ",\"resources\":" + bodies.webhook_resources;
  if (!event.store_id.empty()) body += ",\"store_id\":" + Dump(event.store_id);
  body += ",\"triggered_by\":" + Dump(event.type);
  body += "}";
  return body;
}

std::string CloudEventBody(const EventBodies& bodies, const std::string& integration_id) {
  return bodies.cloudevent_head + Dump(integration_id) + bodies.cloudevent_tail;
}

json CloudEventEnvelope(const EventRecord& event, const std::string& integration_id,
                        const std::string& source) {
  json message = {{"data", IsDeletion(event.type) ? DeletionResource(event.data) : event.data},
                  {"datacontenttype", "application/json"},
                  {"id", event.id},
                  {"integrationid", integration_id},
                  {"source", source},
                  {"specversion", "1.0"},
                  {"type", event.type}};
  if (!event.store_id.empty()) message["storeid"] = event.store_id;
  if (!event.org_id.empty()) message["orgid"] = event.org_id;
  return message;
}

}  // namespace epmock::internal
