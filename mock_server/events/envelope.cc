#include "events/envelope.h"

namespace epmock::internal {

using nlohmann::json;

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
          {"integration",
           {{"id", integration.id},
            {"integration_type", integration.integration_type},
            {"name", integration.name.value_or("")},
            {"description", integration.description.value_or("")}}},
          {"resources", std::move(resources)},
          {"payload", std::move(payload)},
          {"configuration", integration.configuration}};
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
