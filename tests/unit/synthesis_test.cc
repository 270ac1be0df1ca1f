// Synthesis, envelopes, URLs and fault specs: the event engine's data side.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "envelope/envelope.h"
#include "epmock/faults.h"
#include "epmock/spec.h"
#include "events/synthesizer.h"
#include "http/url.h"

namespace epmock::internal {
namespace {

using nlohmann::json;
using ::testing::IsEmpty;

json SeedPayloads() {
  std::ifstream in(std::string(EPMOCK_SOURCE_DIR) + "/tests/data/seed_payloads.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::string Describe(const std::vector<SchemaViolation>& violations) {
  std::string out;
  for (const auto& v : violations) out += "  " + v.source + ": " + v.detail + "\n";
  return out;
}

// Drops the values that follow the clock, so two syntheses can be compared.
json WithoutTimes(json j) {
  if (j.is_object()) {
    for (const char* key : {"timestamps", "created_at", "updated_at", "expires_at", "published_at"})
      j.erase(key);
    for (auto& [k, v] : j.items()) v = WithoutTimes(v);
  } else if (j.is_array()) {
    for (auto& v : j) v = WithoutTimes(v);
  }
  return j;
}

TEST(SynthesisTest, EveryEventOfTheCatalogGetsAResourceValidAgainstItsSchema) {
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 7);
  for (const ObservableEvent& event : spec->Events()) {
    for (int i = 0; i < 5; ++i) {  // several draws, so every sample variant is likely used
      StatusOr<Resource> resource = synthesizer.Synthesize(event);
      ASSERT_TRUE(resource.ok()) << event.key << ": " << resource.status().message();
      auto violations = spec->ValidateResource(event.resource, resource->data);
      EXPECT_THAT(violations, IsEmpty()) << event.key << "\n" << Describe(violations);
      EXPECT_TRUE(resource->data.contains("type")) << event.key;
      EXPECT_EQ(resource->data.dump().find("{{"), std::string::npos) << event.key << " left a placeholder";
      EXPECT_EQ(resource->data.dump().find("00000000-0000-4000-8000-"), std::string::npos)
          << event.key << " left a template id";
    }
  }
}

TEST(SynthesisTest, TheSameSeedGivesTheSameResources) {
  auto spec = Spec::Default();
  Synthesizer a(spec, 42), b(spec, 42), c(spec, 43);
  const ObservableEvent* paid = spec->FindEvent("order.paid");
  bool differs_with_other_seed = false;
  for (int i = 0; i < 10; ++i) {
    auto ra = a.Synthesize(*paid), rb = b.Synthesize(*paid), rc = c.Synthesize(*paid);
    EXPECT_EQ(WithoutTimes(ra->data), WithoutTimes(rb->data));
    EXPECT_EQ(WithoutTimes(ra->included), WithoutTimes(rb->included));
    differs_with_other_seed |= WithoutTimes(ra->data) != WithoutTimes(rc->data);
  }
  EXPECT_TRUE(differs_with_other_seed);
}

TEST(SynthesisTest, AnOrderIsConsistentWithItselfAndWithItsEvent) {
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 3);
  for (int i = 0; i < 20; ++i) {
    auto order = synthesizer.Synthesize(*spec->FindEvent("order.paid"));
    ASSERT_TRUE(order.ok());
    const json& data = order->data;
    EXPECT_EQ(data["status"], "complete");
    EXPECT_EQ(data["payment"], "paid");
    // relationships.items names exactly the included items.
    std::vector<std::string> related, included;
    for (const json& r : data["relationships"]["items"]["data"]) related.push_back(r["id"]);
    for (const json& item : order->included["items"]) included.push_back(item["id"]);
    EXPECT_EQ(related, included);
    // Money is integer minor units; the display blocks agree with the items.
    long long total = 0;
    for (const json& item : order->included["items"]) {
      EXPECT_TRUE(item["unit_price"]["amount"].is_number_integer());
      EXPECT_EQ(item["value"]["amount"].get<long long>(),
                item["unit_price"]["amount"].get<long long>() * item["quantity"].get<long long>());
      total += item["value"]["amount"].get<long long>();
    }
    const json& with_tax = data["meta"]["display_price"]["with_tax"];
    EXPECT_EQ(with_tax["amount"].get<long long>(), total);
    char formatted[32];
    std::snprintf(formatted, sizeof formatted, "£%lld.%02lld", total / 100, total % 100);
    EXPECT_EQ(with_tax["formatted"], formatted);
    EXPECT_EQ(data["customer"]["email"].get<std::string>().find(' '), std::string::npos);
  }
  auto created = synthesizer.Synthesize(*spec->FindEvent("order.created"));
  EXPECT_EQ(created->data["payment"], "unpaid");
  auto fulfilled = synthesizer.Synthesize(*spec->FindEvent("order.fulfilled"));
  EXPECT_EQ(fulfilled->data["shipping"], "fulfilled");
}

TEST(SynthesisTest, AProductHasThePlatformsFields) {
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 5);
  auto product = synthesizer.Synthesize(*spec->FindEvent("product.created"));
  ASSERT_TRUE(product.ok());
  for (const char* field :
       {"name", "slug", "sku", "manage_stock", "description", "price", "status", "commodity_type", "meta"}) {
    EXPECT_TRUE(product->data.contains(field)) << field;
  }
  EXPECT_TRUE(product->data["price"][0]["amount"].is_number_integer());
}

TEST(EnvelopeSchemaTest, TheSeedsOwnPayloadExamplesPass) {
  auto spec = Spec::Default();
  json seeds = SeedPayloads();
  EXPECT_THAT(spec->ValidateEnvelope("webhook", seeds["webhook_typical"]), IsEmpty());
  EXPECT_THAT(spec->ValidateEnvelope("webhook", seeds["webhook_deleted"]), IsEmpty());
  EXPECT_THAT(spec->ValidateEnvelope("cloudevent", seeds["queue_typical"]), IsEmpty());
  EXPECT_THAT(spec->ValidateEnvelope("cloudevent", seeds["queue_deleted"]), IsEmpty());
}

TEST(EnvelopeSchemaTest, RejectsWhatThePlatformWouldNotSend) {
  auto spec = Spec::Default();
  json seeds = SeedPayloads();
  json no_attempt = seeds["webhook_typical"];
  no_attempt.erase("attempt");
  EXPECT_THAT(spec->ValidateEnvelope("webhook", no_attempt), ::testing::Not(IsEmpty()));
  json deleted_with_data = seeds["webhook_deleted"];
  deleted_with_data["payload"] = seeds["webhook_typical"]["payload"];
  EXPECT_THAT(spec->ValidateEnvelope("webhook", deleted_with_data), ::testing::Not(IsEmpty()));
  json wrong_version = seeds["queue_typical"];
  wrong_version["specversion"] = "0.3";
  EXPECT_THAT(spec->ValidateEnvelope("cloudevent", wrong_version), ::testing::Not(IsEmpty()));
}

EventRecord Event(const std::string& type, json data, json included = nullptr) {
  EventRecord e;
  e.id = "21a361c9-b117-4d16-be2d-5ed2dbdaa95b";
  e.type = type;
  e.store_id = "b33e328f-31a8-4d57-b0a3-ebf1039b3756";
  e.data = std::move(data);
  e.included = std::move(included);
  return e;
}

Integration Hook() {
  Integration i;
  i.id = "af7bbcc7-f77f-4a8f-abdb-4f039c5c9d81";
  i.integration_type = "webhook";
  i.name = "Order paid notification";
  i.description = "Fire an event on order paid";
  i.configuration = {{"secret_key", "secret_squirrel"}, {"url", "https://webhook.url"}};
  return i;
}

TEST(EnvelopeTest, TheWebhookBodyHasTheDocumentedShape) {
  json seeds = SeedPayloads();
  const json& expected = seeds["webhook_typical"];
  EventRecord event = Event("order.paid", expected["payload"]["data"], expected["payload"]["included"]);
  json body = WebhookEnvelope(event, Hook(), 1);
  EXPECT_EQ(body["id"], expected["id"]);
  EXPECT_EQ(body["triggered_by"], "order.paid");
  EXPECT_EQ(body["attempt"], 1);
  EXPECT_EQ(body["integration"], expected["integration"]);
  EXPECT_EQ(body["payload"], expected["payload"]);
  EXPECT_EQ(body["configuration"], expected["configuration"]);
  // resources is the payload again, as a JSON string.
  EXPECT_EQ(json::parse(body["resources"].get<std::string>()),
            json::parse(expected["resources"].get<std::string>()));
  EXPECT_THAT(Spec::Default()->ValidateEnvelope("webhook", body), IsEmpty());
}

TEST(EnvelopeTest, TheAssembledBodyIsTheEnvelopeByteForByte) {
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 11);
  for (const char* type : {"order.paid", "cart.updated", "product.deleted", "customer.created"}) {
    auto resource = synthesizer.Synthesize(*spec->FindEvent(type));
    ASSERT_TRUE(resource.ok());
    EventRecord event = Event(
        type,
        IsDeletion(type) ? json{{"id", resource->data.value("id", "x")}, {"type", resource->data["type"]}}
                         : resource->data,
        IsDeletion(type) ? json(nullptr) : resource->included);
    event.data["note"] = "quotes \" and \\ backslashes, a tab\t, a newline\n, and £";
    if (IsDeletion(type)) event.data.erase("note");
    const EventRecord before = event;
    const json expected = WebhookEnvelope(event, Hook(), 3);
    auto bodies = BuildEventBodies(event, *spec, {/*webhook=*/true, /*cloudevent=*/true});
    EXPECT_EQ(bodies->webhook_error, "") << type;
    EXPECT_EQ(WebhookBody(event, *bodies, Hook(), 3), expected.dump()) << type;
    // The CloudEvent too: the integration id spliced where the envelope has it.
    json message = CloudEventEnvelope(event, Hook().id, kCloudEventSource);
    if (!event.included.is_null() && !IsDeletion(type)) message["included"] = event.included;
    EXPECT_EQ(bodies->cloudevent_error, "") << type;
    EXPECT_EQ(CloudEventBody(*bodies, Hook().id), message.dump()) << type;
    EXPECT_EQ(event.data, before.data) << type << ": the event is read, never changed";
  }
}

TEST(EnvelopeTest, DeletionsCarryOnlyIdAndType) {
  json seeds = SeedPayloads();
  EventRecord event =
      Event("product.deleted", {{"id", "a34a378b-2c39-41e4-a240-6b7e65f5bb55"}, {"type", "product"}});
  json body = WebhookEnvelope(event, Hook(), 2);
  EXPECT_EQ(body["payload"], seeds["webhook_deleted"]["payload"]);
  EXPECT_EQ(body["resources"], seeds["webhook_deleted"]["resources"]);
  EXPECT_THAT(Spec::Default()->ValidateEnvelope("webhook", body), IsEmpty());

  json message = CloudEventEnvelope(event, "e17db0d8-467b-4bf3-9c26-3dfe8b96e9d7",
                                    "https://epcc-integration.global.ssl.fastly.net");
  EXPECT_EQ(message["data"], (json{{"id", "a34a378b-2c39-41e4-a240-6b7e65f5bb55"}, {"type", "product"}}));
  EXPECT_THAT(Spec::Default()->ValidateEnvelope("cloudevent", message), IsEmpty());
}

TEST(EnvelopeTest, TheQueueMessageIsTheDocumentedCloudEvent) {
  json expected = SeedPayloads()["queue_typical"];
  EventRecord event = Event("cart.updated", expected["data"]);
  event.id = expected["id"];
  event.store_id = expected["storeid"];
  json message = CloudEventEnvelope(event, expected["integrationid"], expected["source"]);
  EXPECT_EQ(message, expected);
}

TEST(UrlTest, SplitsWhatIntegrationsAreConfiguredWith) {
  struct Case {
    const char* in;
    const char* scheme;
    const char* host;
    int port;
    const char* path;
  };
  const Case cases[] = {
      {"https://yourwebsite.com/order-created-notification", "https", "yourwebsite.com", 443,
       "/order-created-notification"},
      {"http://127.0.0.1:8080", "http", "127.0.0.1", 8080, "/"},
      {"http://h:1/a?b=c", "http", "h", 1, "/a?b=c"},
      {"http://h?x=1", "http", "h", 80, "/?x=1"},
      {"HTTP://user:pw@h/", "http", "h", 80, "/"},
      {"http://[::1]:9/x", "http", "::1", 9, "/x"},
      {"stomp+ssl://b-1.mq.us-west-2.amazonaws.com:61614", "stomp+ssl", "b-1.mq.us-west-2.amazonaws.com",
       61614, "/"},
      {"stomp://useast.api.elasticpath.com", "stomp", "useast.api.elasticpath.com", 61613, "/"},
  };
  for (const Case& c : cases) {
    auto url = ParseUrl(c.in);
    ASSERT_TRUE(url.has_value()) << c.in;
    EXPECT_EQ(url->scheme, c.scheme) << c.in;
    EXPECT_EQ(url->host, c.host) << c.in;
    EXPECT_EQ(url->port, c.port) << c.in;
    EXPECT_EQ(url->path, c.path) << c.in;
  }
  for (const char* bad : {"", "nohost", "http://", "http://h:0", "http://h:99999", "http://h:x", "ftp://h"}) {
    EXPECT_FALSE(ParseUrl(bad).has_value()) << bad;
  }
  EXPECT_EQ(ParseUrl("http://[::1]:9/x")->Origin(), "http://[::1]:9");
}

TEST(FaultTest, ReadsTheAdminJsonAndRefusesNonsense) {
  auto fault = Fault::FromJson(json::parse(R"({"duplicate": 1, "events": 3, "integration_id": "abc"})"));
  ASSERT_TRUE(fault.ok()) << fault.status().message();
  EXPECT_EQ(fault->duplicate, 1);
  EXPECT_EQ(fault->events, 3);
  EXPECT_EQ(fault->integration_id, "abc");
  for (const char* bad : {R"({})", R"({"duplicate": -1})", R"({"duplicate": "x"})", R"({"explode": 1})",
                          R"({"delay_ms": 1.5})", R"([])", R"({"duplicate": 1, "integration_id": 5})"}) {
    EXPECT_FALSE(Fault::FromJson(json::parse(bad)).ok()) << bad;
  }
}

}  // namespace
}  // namespace epmock::internal
