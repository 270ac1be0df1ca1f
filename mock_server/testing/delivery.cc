#include "epmock/testing/delivery.h"
#include "common/strings.h"

#include <strings.h>

namespace epmock::testing {

using nlohmann::json;

std::string Delivery::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (transport == "webhook" ? internal::EqualsIgnoreCase(key, name) : key == name) return value;
  }
  return "";
}

json Delivery::Json() const {
  json parsed = json::parse(body, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

namespace {

std::string StringAt(const json& body, const json::json_pointer& pointer) {
  if (!body.is_object() || !body.contains(pointer)) return "";
  const json& value = body.at(pointer);
  return value.is_string() ? value.get<std::string>() : "";
}

bool IsCloudEvent(const json& body) { return body.is_object() && body.contains("specversion"); }

}  // namespace

std::string Delivery::EventType() const {
  const json body = Json();
  return StringAt(body, json::json_pointer(IsCloudEvent(body) ? "/type" : "/triggered_by"));
}

std::string Delivery::EventId() const { return StringAt(Json(), json::json_pointer("/id")); }

std::string Delivery::IntegrationId() const {
  const json body = Json();
  return StringAt(body, json::json_pointer(IsCloudEvent(body) ? "/integrationid" : "/integration/id"));
}

std::string Delivery::StoreId() const {
  const json body = Json();
  return StringAt(body, json::json_pointer(IsCloudEvent(body) ? "/storeid" : "/store_id"));
}

std::string Delivery::OrgId() const {
  const json body = Json();
  return StringAt(body, json::json_pointer(IsCloudEvent(body) ? "/orgid" : "/org_id"));
}

int Delivery::Attempt() const {
  const json body = Json();
  if (!body.is_object()) return 0;
  auto attempt = body.find("attempt");
  return attempt != body.end() && attempt->is_number_integer() ? attempt->get<int>() : 0;
}

Delivery ToDelivery(const Delivery& delivery) { return delivery; }

Delivery ToDelivery(const ReceivedRequest& webhook) {
  return {"webhook", webhook.path, webhook.headers, webhook.body};
}

Delivery ToDelivery(const StompMessage& frame) {
  return {"stomp", frame.destination, frame.headers, frame.body};
}

Delivery ToDelivery(const SqsQueuedMessage& message, const std::string& queue) {
  Delivery delivery{"aws_sqs", queue, {}, message.body};
  for (const auto& [name, value] : message.attributes) delivery.headers.emplace_back(name, value);
  return delivery;
}

void PrintTo(const Delivery& d, std::ostream* os) {
  *os << d.transport << " to " << (d.destination.empty() ? "?" : d.destination) << ": ";
  const std::string type = d.EventType();
  if (type.empty()) {
    *os << "not an event";
  } else {
    *os << type;
    if (d.Attempt() > 0) *os << " attempt " << d.Attempt();
    *os << ", event " << d.EventId() << ", integration " << d.IntegrationId();
  }
  *os << ", body " << (d.body.size() > 160 ? d.body.substr(0, 157) + "..." : d.body);
}

std::ostream& operator<<(std::ostream& os, const Delivery& delivery) {
  PrintTo(delivery, &os);
  return os;
}

}  // namespace epmock::testing

namespace epmock {

void PrintTo(const ReceivedRequest& request, std::ostream* os) {
  *os << request.method << " ";
  testing::PrintTo(testing::ToDelivery(request), os);
}
void PrintTo(const StompMessage& message, std::ostream* os) {
  testing::PrintTo(testing::ToDelivery(message), os);
}
void PrintTo(const SqsQueuedMessage& message, std::ostream* os) {
  *os << "message " << message.message_id << " (received " << message.receive_count << "x) ";
  testing::PrintTo(testing::ToDelivery(message), os);
}

}  // namespace epmock
