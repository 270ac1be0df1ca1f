#include "events/envelope.h"

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

json WebhookEnvelope(const EventRecord& event, const Integration& integration, int attempt) {
  json payload;
  json resources;
  if (IsDeletion(event.type)) {
    payload = {{"type", event.data.value("type", "")}, {"id", event.data.value("id", "")}};
    resources = {{"id", event.data.value("id", "")}, {"type", event.data.value("type", "")}};
  } else {
    payload = {{"data", event.data}};
    if (!event.included.is_null()) payload["included"] = event.included;
    // Deprecated by the platform but still sent: the same payload as a JSON string.
    resources = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return {{"id", event.id},
          {"triggered_by", event.type},
          {"attempt", attempt},
          {"integration", IntegrationBlock(integration)},
          {"resources", std::move(resources)},
          {"payload", std::move(payload)},
          {"configuration", integration.configuration}};
}

void PrepareWebhookEnvelope(EventRecord* event, const Spec& spec) {
  Integration reference;
  reference.id = "00000000-0000-4000-8000-000000000000";
  reference.integration_type = "webhook";
  reference.configuration = {{"url", "https://example.com/"}};
  json full = WebhookSkeleton(*event, reference, 1);
  const bool deletion = IsDeletion(event->type);
  if (!deletion) {
    // The resource moves into the envelope for its one validation and back after: no copy.
    json payload = json::object();
    payload["data"] = std::move(event->data);
    if (!event->included.is_null()) payload["included"] = std::move(event->included);
    event->payload_text = Dump(payload);
    full["payload"] = std::move(payload);
    full["resources"] = event->payload_text;
    event->resources_text = Quote(event->payload_text);
  } else {
    event->payload_text = Dump(full["payload"]);
    event->resources_text = Dump(full["resources"]);
  }
  std::vector<SchemaViolation> violations = spec.ValidateEnvelope("webhook", full);
  event->envelope_error = violations.empty() ? ""
                                             : "The webhook body failed its schema at " +
                                                   violations[0].source + ": " + violations[0].detail;
  if (!deletion) {
    json& payload = full["payload"];
    event->data = std::move(payload["data"]);
    if (payload.contains("included")) event->included = std::move(payload["included"]);
  }
}

json WebhookSkeleton(const EventRecord& event, const Integration& integration, int attempt) {
  json skeleton = {{"id", event.id},
                   {"triggered_by", event.type},
                   {"attempt", attempt},
                   {"integration", IntegrationBlock(integration)},
                   {"configuration", integration.configuration}};
  if (IsDeletion(event.type)) {
    skeleton["payload"] = {{"type", event.data.value("type", "")}, {"id", event.data.value("id", "")}};
    skeleton["resources"] = skeleton["payload"];
  } else {
    skeleton["payload"] = {{"data", json::object()}};
    skeleton["resources"] = "{}";
  }
  return skeleton;
}

std::string WebhookBody(const EventRecord& event, const Integration& integration, int attempt) {
  if (event.payload_text.empty()) return Dump(WebhookEnvelope(event, integration, attempt));
  // Keys in the order nlohmann::json writes them, so both paths give the same bytes.
  std::string body;
  body.reserve(event.payload_text.size() + event.resources_text.size() + 512);
  body += "{\"attempt\":" + std::to_string(attempt);
  body += ",\"configuration\":" + Dump(integration.configuration);
  body += ",\"id\":" + Dump(event.id);
  body += ",\"integration\":" + Dump(IntegrationBlock(integration));
  body += ",\"payload\":" + event.payload_text;
  body += ",\"resources\":" + event.resources_text;
  body += ",\"triggered_by\":" + Dump(event.type);
  body += "}";
  return body;
}

json CloudEventEnvelope(const EventRecord& event, const std::string& integration_id,
                        const std::string& source) {
  json data = event.data;
  if (IsDeletion(event.type)) {
    data = {{"id", event.data.value("id", "")}, {"type", event.data.value("type", "")}};
  }
  return {{"data", std::move(data)},
          {"datacontenttype", "application/json"},
          {"id", event.id},
          {"integrationid", integration_id},
          {"source", source},
          {"specversion", "1.0"},
          {"storeid", event.store_id},
          {"type", event.type}};
}

}  // namespace epmock::internal
