#include "epmock/testing/matchers.h"

#include "epmock/spec.h"

namespace epmock::testing {

namespace internal {

std::string EnvelopeViolations(const std::string& kind, const Delivery& delivery) {
  const nlohmann::json body = delivery.Json();
  if (body.is_null()) return "the body is not JSON";
  std::string out;
  int shown = 0;
  std::string schema = kind;
  if (kind == "webhook") {
    if (auto event = Spec::Default()->LookupEvent(delivery.EventType())) schema = event->webhook.schema;
  }
  for (const SchemaViolation& v : Spec::Default()->ValidateEnvelope(schema, body)) {
    if (shown++ == 5) break;
    if (!out.empty()) out += "; ";
    out += (v.source.empty() ? "/" : v.source) + ": " + v.detail;
  }
  return out;
}

bool JsonAt(const Delivery& delivery, const std::string& pointer, nlohmann::json* value) {
  const nlohmann::json body = delivery.Json();
  try {
    const nlohmann::json::json_pointer at(pointer);
    if (!body.contains(at)) return false;
    *value = body.at(at);
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;  // not a JSON pointer
  }
}

}  // namespace internal

MockWebhookHandler::MockWebhookHandler(WebhookSink& sink) : sink_(sink) {
  ON_CALL(*this, OnDelivery(::testing::_)).WillByDefault(::testing::Return(SinkResponse{}));
  sink_.Handle([this](const ReceivedRequest& request) { return OnDelivery(ToDelivery(request)); });
}

MockWebhookHandler::~MockWebhookHandler() { sink_.Handle(nullptr); }

}  // namespace epmock::testing
