// Synthesis, envelopes, URLs and fault specs: the event engine's data side.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "envelope/envelope.h"
#include "epmock/faults.h"
#include "epmock/spec.h"
#include "epmock/testing/status_matchers.h"
#include "events/asyncapi.h"
#include "events/synthesizer.h"
#include "events/variety.h"
#include "http/url.h"

namespace epmock::internal {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using ::testing::IsEmpty;
using ::testing::Not;

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
      ASSERT_THAT(resource, IsOk());
      auto violations = spec->ValidateResource(event.resource, resource->data);
      EXPECT_THAT(violations, IsEmpty()) << event.key << "\n" << Describe(violations);
      // A flat payload (the OTP's) is the resource's fields alone, as the platform sends it.
      if (!event.webhook.flat_payload) {
        EXPECT_TRUE(resource->data.contains("type")) << event.key;
      }
      EXPECT_EQ(resource->data.dump().find("{{"), std::string::npos) << event.key << " left a placeholder";
      EXPECT_EQ(resource->data.dump().find("00000000-0000-4000-8000-"), std::string::npos)
          << event.key << " left a template id";
    }
  }
}

TEST(SynthesisTest, PatternAndExtensionKeysGetAResourceOfTheirOwnType) {
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 7);
  std::optional<ObservableEvent> wishlist = spec->LookupEvent("wishlist_ext.updated");
  ASSERT_TRUE(wishlist);
  StatusOr<Resource> entry = synthesizer.Synthesize(*wishlist);
  ASSERT_THAT(entry, IsOk());
  EXPECT_EQ(entry->data["type"], "wishlist_ext");
  std::optional<ObservableEvent> loyalty = spec->LookupEvent("loyalty_points_ext.created");
  ASSERT_TRUE(loyalty);
  EXPECT_EQ(synthesizer.Synthesize(*loyalty)->data["type"], "loyalty_points_ext");

  auto extended = spec->Extend(json::parse(R"({"events": [{"key": "gift-card.redeemed"}]})"));
  ASSERT_THAT(extended, IsOk());
  Synthesizer generic(*extended, 7);
  StatusOr<Resource> card = generic.Synthesize(*(*extended)->FindEvent("gift-card.redeemed"));
  ASSERT_THAT(card, IsOk());
  EXPECT_EQ(card->data["type"], "gift-card");
  EXPECT_THAT(card->data["id"].get<std::string>(), ::testing::MatchesRegex("[0-9a-f-]{36}"));
}

TEST(SynthesisTest, TheOtpResourceHasEveryFieldTheOfficialHandlerReads) {
  // elasticpath/composable-frontend
  // examples/shopper-accounts-authentication/src/app/api/webhooks/one-time-password/route.ts:
  // composable-frontend's handler reads payload.one_time_password_token; the guide's example has these
  // fields.
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 3);
  StatusOr<Resource> otp =
      synthesizer.Synthesize(*spec->FindEvent("one-time-password-token-request.created"));
  ASSERT_THAT(otp, IsOk());
  EXPECT_THAT(otp->data["one_time_password_token"].get<std::string>(),
              ::testing::MatchesRegex("[a-z0-9]{6}"));
  for (const char* field :
       {"authentication_realm_id", "password_profile_id", "purpose", "created_at", "updated_at"}) {
    EXPECT_TRUE(otp->data.contains(field)) << field;
  }
  for (const char* field : {"email", "id", "name"})
    EXPECT_TRUE(otp->data["user_authentication_info"].contains(field));
  for (const char* field : {"id", "password_profile_id", "username"}) {
    EXPECT_TRUE(otp->data["user_authentication_password_profile_info"].contains(field));
  }
  EXPECT_EQ(otp->data["password_profile_id"],
            otp->data["user_authentication_password_profile_info"]["password_profile_id"]);
}

TEST(SynthesisTest, ATransactionCarriesItsTypeUnderBothNamesWithOneValue) {
  // elasticpath/epcc-cli external/openapi/specs/carts-and-orders.yaml TransactionResponse and
  // elasticpath/js-sdk src/types/transaction.d.ts name it transaction_type; older examples
  // (moltin/docs.moltin.com payments/transactions.md) carry transaction-type beside it.
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 5);
  for (const char* key : {"transaction.created", "transaction.updated"}) {
    StatusOr<Resource> transaction = synthesizer.Synthesize(*spec->FindEvent(key));
    ASSERT_THAT(transaction, IsOk());
    ASSERT_TRUE(transaction->data.contains("transaction_type")) << key;
    EXPECT_THAT(transaction->data["transaction_type"].get<std::string>(),
                ::testing::AnyOf("purchase", "authorize", "capture", "refund"));
    EXPECT_EQ(transaction->data["transaction_type"], transaction->data["transaction-type"]) << key;
  }
}

TEST(SynthesisTest, AFileHasItsUrlAsLinkHrefBesideLinksSelf) {
  // elasticpath/elasticpath-dev openapispecs/files/files.yaml and elasticpath/js-sdk
  // src/types/file.d.ts: link.href (singular) is the file's URL; links holds self.
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 9);
  for (const char* key : {"file.created", "file.deleted"}) {
    StatusOr<Resource> file = synthesizer.Synthesize(*spec->FindEvent(key));
    ASSERT_THAT(file, IsOk());
    EXPECT_THAT(file->data["link"]["href"].get<std::string>(), ::testing::StartsWith("https://")) << key;
    EXPECT_THAT(file->data["links"]["self"].get<std::string>(), ::testing::HasSubstr("/v2/files/")) << key;
    EXPECT_FALSE(file->data["links"].contains("href")) << key;
  }
}

// The members consumers read, by name, as the CLI's current specs and the JS SDK's types list
// them (elasticpath/epcc-cli external/openapi/specs/carts-and-orders.yaml, files.yaml,
// subscriptions.yaml; elasticpath/js-sdk src/types/), and the captured product deliveries:
// written here as field names, not copied schemas. "a.b" is b inside a.
struct FieldList {
  const char* resource;
  std::vector<const char*> events;  // synthesized for each
  std::vector<const char*> fields;
};

bool HasField(const json& data, const std::string& dotted) {
  const json* at = &data;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    const std::size_t dot = std::min(dotted.find('.', start), dotted.size());
    const std::string name = dotted.substr(start, dot - start);
    if (!at->is_object() || !at->contains(name)) return false;
    at = &(*at)[name];
    start = dot + 1;
  }
  return true;
}

TEST(SynthesisTest, EverySampleAndSynthesizedResourceHasTheFieldsConsumersRead) {
  const std::vector<FieldList> lists = {
      {"transaction",
       {"transaction.created", "transaction.updated"},
       {"id", "type", "reference", "gateway", "amount", "refunded_amount", "currency", "transaction_type",
        "status", "relationships", "meta.display_price", "meta.display_refunded_amount.total",
        "meta.timestamps"}},
      {"file",
       {"file.created"},
       {"id", "type", "file_name", "mime_type", "file_size", "public", "link.href", "links.self",
        "meta.timestamps"}},
      {"product",
       {"product.created", "product.updated"},
       {"id", "type", "name", "slug", "sku", "manage_stock", "description", "price", "status",
        "commodity_type", "weight", "relationships", "meta.timestamps", "meta.stock",
        "meta.variation_matrix"}},
      {"order",
       {"order.created", "order.paid", "order.fulfilled"},
       {"id",
        "type",
        "status",
        "payment",
        "shipping",
        "anonymized",
        "order_number",
        "customer.name",
        "customer.email",
        "shipping_address.region",
        "billing_address.region",
        "meta.is_manual",
        "meta.timestamps",
        "meta.display_price.with_tax",
        "meta.display_price.without_tax",
        "meta.display_price.tax",
        "meta.display_price.discount",
        "meta.display_price.balance_owing",
        "meta.display_price.paid",
        "meta.display_price.authorized",
        "meta.display_price.without_discount",
        "meta.display_price.shipping",
        "meta.display_price.shipping_discount"}},
      {"subscription",
       {"subscription.created", "subscription.resumed"},
       {"id",
        "type",
        "attributes.account_id",
        "attributes.pricing_option_id",
        "attributes.plan_id",
        "attributes.offering",
        "attributes.currency",
        "attributes.name",
        "attributes.email",
        "meta.owner",
        "meta.timestamps",
        "meta.status",
        "meta.canceled",
        "meta.paused",
        "meta.closed",
        "meta.pending",
        "meta.suspended",
        "meta.invoice_after",
        "meta.manual_payments",
        "meta.first_invoice_prepaid"}},
      {"subscription-offering",
       {"subscription-offering.created"},
       {"id", "type", "attributes.name", "meta.owner", "meta.timestamps", "meta.external_plan_refs"}},
  };
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 17);
  for (const FieldList& list : lists) {
    const json* resource = spec->Resource(list.resource);
    ASSERT_NE(resource, nullptr) << list.resource;
    std::vector<json> checked;
    for (const json& sample : (*resource)["samples"]) checked.push_back(sample["data"]);
    for (const char* key : list.events) {
      for (int i = 0; i < 4; ++i) {
        StatusOr<Resource> synthesized = synthesizer.Synthesize(*spec->FindEvent(key));
        ASSERT_THAT(synthesized, IsOk()) << key;
        checked.push_back(synthesized->data);
      }
    }
    for (const json& data : checked) {
      for (const char* field : list.fields)
        EXPECT_TRUE(HasField(data, field))
            << list.resource << " lacks " << field << ": " << data.dump().substr(0, 300);
    }
  }
}

TEST(SynthesisTest, SubscriptionsAndOfferingsCarryThe2026Fields) {
  // elasticpath/epcc-cli external/openapi/specs/subscriptions.yaml (25.1231):
  // SubscriptionAttributes, SubscriptionMeta and OfferingMeta's required fields.
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 13);
  for (const char* key : {"subscription.created", "subscription.paused", "subscription.closed"}) {
    StatusOr<Resource> subscription = synthesizer.Synthesize(*spec->FindEvent(key));
    ASSERT_THAT(subscription, IsOk());
    const nlohmann::json& attributes = subscription->data["attributes"];
    for (const char* field :
         {"account_id", "pricing_option_id", "plan_id", "offering", "currency", "name", "email"})
      EXPECT_TRUE(attributes.contains(field)) << key << " lacks attributes." << field;
    const nlohmann::json& meta = subscription->data["meta"];
    for (const char* field : {"owner", "timestamps", "status", "canceled", "paused", "closed", "pending",
                              "suspended", "invoice_after", "manual_payments", "first_invoice_prepaid"})
      EXPECT_TRUE(meta.contains(field)) << key << " lacks meta." << field;
    EXPECT_TRUE(attributes["offering"]["meta"]["external_plan_refs"].is_array()) << key;
  }
  for (const char* key : {"subscription-offering.created", "subscription-offering.updated"}) {
    StatusOr<Resource> offering = synthesizer.Synthesize(*spec->FindEvent(key));
    ASSERT_THAT(offering, IsOk());
    EXPECT_TRUE(offering->data["meta"]["external_plan_refs"].is_array()) << key;
    EXPECT_TRUE(offering->data["relationships"].contains("pricing_options")) << key;
    EXPECT_FALSE(offering->data["relationships"].contains("products")) << key << ": no products in 2026";
  }
}

TEST(SynthesisTest, AProductIsShapedAsTheCapturedDeliveries) {
  // elasticpath/epcc-composable-commerce-reference
  // src/modules/elasticsearch/functions/updateElasticsearchIndex/test/assets/product-updated.json
  // and elasticpath/catalog-syndication sync-catalog-to-coveo/test/assets/: offset timestamps
  // without a fraction, weight, meta.stock, meta.variation_matrix, no links; display_price in
  // one capture and not in the other.
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 11);
  int with_display_price = 0, without = 0;
  for (int i = 0; i < 40; ++i) {
    StatusOr<Resource> product = synthesizer.Synthesize(*spec->FindEvent("product.updated"));
    ASSERT_THAT(product, IsOk());
    const json& data = product->data;
    EXPECT_THAT(data["meta"]["timestamps"]["created_at"].get<std::string>(),
                ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+00:00"));
    for (const char* unit : {"g", "kg", "lb", "oz"}) EXPECT_TRUE(data["weight"][unit].is_number()) << unit;
    EXPECT_TRUE(data["meta"]["stock"].contains("availability"));
    EXPECT_TRUE(data["meta"]["variation_matrix"].is_array());
    EXPECT_FALSE(data.contains("links"));
    (data["meta"].contains("display_price") ? with_display_price : without)++;
  }
  EXPECT_GT(with_display_price, 0);
  EXPECT_GT(without, 0);
}

TEST(SynthesisTest, AnOtpRequestsTimestampsAreInTheGuidesForm) {
  // elasticpath/elasticpath-dev guides/How-To/Authentication/how-to-utilize-one-time-password-tokens.md:
  // "2023-09-05T14:53:01.584+00:00".
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 4);
  StatusOr<Resource> otp =
      synthesizer.Synthesize(*spec->FindEvent("one-time-password-token-request.created"));
  ASSERT_THAT(otp, IsOk());
  for (const char* field : {"created_at", "updated_at"}) {
    EXPECT_THAT(
        otp->data[field].get<std::string>(),
        ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}\\+00:00"))
        << field;
  }
}

// elasticpath/epcc-cli external/openapi/specs/carts-and-orders.yaml OrderResponse and
// OrderMeta: order_number, anonymized, meta.is_manual, and every display_price block, with
// what is paid, authorized and owing following the order's payment state.
TEST(SynthesisTest, AnOrdersMoneyFollowsItsPaymentState) {
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 21);
  struct Case {
    const char* key;
    bool paid, authorized, owing;  // whether each block holds the total
  };
  for (const Case& c :
       {Case{"order.created", false, false, true}, Case{"order.authorized", false, true, true},
        Case{"order.paid", true, false, false}, Case{"order.fulfilled", true, false, false}}) {
    StatusOr<Resource> order = synthesizer.Synthesize(*spec->FindEvent(c.key));
    ASSERT_THAT(order, IsOk());
    const json& data = order->data;
    EXPECT_TRUE(data["order_number"].is_string()) << c.key;
    EXPECT_EQ(data["anonymized"], false) << c.key;
    EXPECT_EQ(data["meta"]["is_manual"], false) << c.key;
    const json& price = data["meta"]["display_price"];
    for (const char* block : {"with_tax", "without_tax", "tax", "discount", "balance_owing", "paid",
                              "authorized", "without_discount", "shipping", "shipping_discount"}) {
      EXPECT_TRUE(price[block]["amount"].is_number_integer()) << c.key << " " << block;
    }
    const long long total = price["with_tax"]["amount"].get<long long>();
    ASSERT_GT(total, 0);
    EXPECT_EQ(price["paid"]["amount"].get<long long>(), c.paid ? total : 0) << c.key;
    EXPECT_EQ(price["authorized"]["amount"].get<long long>(), c.authorized ? total : 0) << c.key;
    EXPECT_EQ(price["balance_owing"]["amount"].get<long long>(), c.owing ? total : 0) << c.key;
    EXPECT_EQ(price["without_discount"]["amount"].get<long long>(), total) << c.key;
    EXPECT_EQ(price["balance_owing"]["currency"], price["with_tax"]["currency"]) << c.key;
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
    ASSERT_THAT(order, IsOk());
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

// The edge-cases profile is real variety: within 90 orders every edge case is reached, the
// names are many and in several scripts, every resource stays valid against its schema (and
// holds nothing of the forward-compatible profile), and a payload near SQS's limit takes the CloudEvent's
// includes_elided path. The same seed gives the same cases.
TEST(VarietyTest, EveryEdgeCaseIsReachedAndEveryResourceStaysValid) {
  auto spec = Spec::Default();
  const ObservableEvent* paid = spec->FindEvent("order.paid");
  Synthesizer synthesizer(spec, 5);
  std::mt19937_64 rng(5);
  std::map<std::string, int> reached;
  std::set<std::string> names, currencies, amounts;
  bool rtl = false, elided = false, forty = false;
  std::vector<std::vector<std::string>> first_run;
  for (std::size_t n = 0; n < 90; ++n) {
    Resource resource = *synthesizer.Synthesize(*paid);
    std::vector<std::string> cases = ApplyEdgeCases(resource, "order", *spec, rng, n);
    first_run.push_back(cases);
    // What a later platform may add is sent only when the forward-compatible profile is asked for.
    EXPECT_EQ((resource.data.dump() + resource.included.dump()).find("epmock_future"), std::string::npos)
        << n;
    for (const std::string& c : cases) ++reached[c];
    ASSERT_THAT(spec->ValidateResource("order", resource.data), IsEmpty())
        << n << ": " << Describe(spec->ValidateResource("order", resource.data));
    names.insert(resource.data["customer"]["name"].get<std::string>());
    rtl |= resource.data["customer"]["name"].get<std::string>().find("\xd7\xa9") != std::string::npos ||
           resource.data["customer"]["name"].get<std::string>().find("\xd9\x85") != std::string::npos;
    currencies.insert(resource.data["meta"]["display_price"]["with_tax"]["currency"].get<std::string>());
    amounts.insert(resource.data["meta"]["display_price"]["with_tax"]["amount"].dump());
    forty |= resource.included["items"].size() == 40;
    if (std::find(cases.begin(), cases.end(), "near_sqs_limit") != cases.end()) {
      EventRecord event;
      event.id = "c138854a-5311-4543-a368-01e099f5519b";
      event.type = "order.paid";
      event.store_id = "b33e328f-31a8-4d57-b0a3-ebf1039b3756";
      event.data = resource.data;
      event.included = resource.included;
      auto bodies = BuildEventBodies(event, *spec, {true, true});
      EXPECT_TRUE(bodies->cloudevent_error.empty()) << bodies->cloudevent_error;
      EXPECT_NE(CloudEventBody(*bodies, "af7bbcc7-f77f-4a8f-abdb-4f039c5c9d81").find("includes_elided"),
                std::string::npos);
      EXPECT_GT(bodies->webhook_payload.size(), kSqsMessageLimit);
      elided = true;
    }
  }
  for (const std::string& name : EdgeCaseNames()) EXPECT_GT(reached[name], 0) << name << " never reached";
  EXPECT_GT(names.size(), 20u);
  EXPECT_TRUE(rtl);
  EXPECT_GE(currencies.size(), 3u);
  EXPECT_TRUE(amounts.count("0"));
  EXPECT_TRUE(amounts.count("999999999999"));
  EXPECT_TRUE(forty);
  EXPECT_TRUE(elided);
  // Reproducible: the same seed, the same cases for the same resources.
  Synthesizer again(spec, 5);
  std::mt19937_64 rng_again(5);
  for (std::size_t n = 0; n < 90; ++n) {
    Resource resource = *again.Synthesize(*paid);
    EXPECT_EQ(ApplyEdgeCases(resource, "order", *spec, rng_again, n), first_run[n]) << n;
  }
}

TEST(SynthesisTest, AProductHasThePlatformsFields) {
  auto spec = Spec::Default();
  Synthesizer synthesizer(spec, 5);
  auto product = synthesizer.Synthesize(*spec->FindEvent("product.created"));
  ASSERT_THAT(product, IsOk());
  for (const char* field :
       {"name", "slug", "sku", "manage_stock", "description", "price", "status", "commodity_type", "meta"}) {
    EXPECT_TRUE(product->data.contains(field)) << field;
  }
  EXPECT_TRUE(product->data["price"][0]["amount"].is_number_integer());
}

TEST(EnvelopeSchemaTest, TheSeedsOwnPayloadExamplesPassWithTheIdentitySeed003Promises) {
  auto spec = Spec::Default();
  json seeds = SeedPayloads();
  // The seeds' webhook examples leave out the store_id their own text promises ("Store-level
  // events contain store_id and org_id") and the OTP example shows (elasticpath/elasticpath-dev
  // guides/How-To/Authentication/how-to-utilize-one-time-password-tokens.md).
  for (const char* example : {"webhook_typical", "webhook_deleted"}) {
    EXPECT_THAT(spec->ValidateEnvelope("webhook", seeds[example]), Not(IsEmpty())) << example;
    json with_store = seeds[example];
    with_store["store_id"] = "b33e328f-31a8-4d57-b0a3-ebf1039b3756";
    EXPECT_THAT(spec->ValidateEnvelope("webhook", with_store), IsEmpty()) << example;
  }
  EXPECT_THAT(spec->ValidateEnvelope("cloudevent", seeds["queue_typical"]), IsEmpty());
  EXPECT_THAT(spec->ValidateEnvelope("cloudevent", seeds["queue_deleted"]), IsEmpty());
}

TEST(EnvelopeSchemaTest, RejectsWhatThePlatformWouldNotSend) {
  auto spec = Spec::Default();
  json seeds = SeedPayloads();
  json no_attempt = seeds["webhook_typical"];
  no_attempt["store_id"] = "b33e328f-31a8-4d57-b0a3-ebf1039b3756";
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
  EXPECT_EQ(body["store_id"], event.store_id);
  EXPECT_FALSE(body.contains("org_id")) << "a store in no organization has no org_id key";
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
    ASSERT_THAT(resource, IsOk());
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

TEST(EnvelopeTest, TheIdentitiesFollowTheStoreAndItsOrganization) {
  // elasticpath/elasticpath-dev guides/How-To/Authentication/how-to-utilize-one-time-password-tokens.md, the
  // four cases: a store in an organization, a store in none, an organization-level event, and the OTP's own
  // layout.
  auto spec = Spec::Default();
  const std::string store = "b33e328f-31a8-4d57-b0a3-ebf1039b3756";
  const std::string org = "7b4d2f3a-1c0e-4e5a-9f6b-2d8c3a4b5e6f";
  EventRecord in_org = Event("order.paid", {{"type", "order"}, {"id", "x"}});
  in_org.org_id = org;
  json body = WebhookEnvelope(in_org, Hook(), 1);
  EXPECT_EQ(body["store_id"], store);
  EXPECT_EQ(body["org_id"], org);
  json message = CloudEventEnvelope(in_org, Hook().id, kCloudEventSource);
  EXPECT_EQ(message["storeid"], store);
  EXPECT_EQ(message["orgid"], org);

  EventRecord alone = Event("order.paid", {{"type", "order"}, {"id", "x"}});
  EXPECT_FALSE(WebhookEnvelope(alone, Hook(), 1).contains("org_id"));
  EXPECT_FALSE(CloudEventEnvelope(alone, Hook().id, kCloudEventSource).contains("orgid"));

  EventRecord org_level = Event("integration.created", {{"type", "integration"}, {"id", "y"}});
  org_level.store_id.clear();
  org_level.org_id = org;
  json org_body = WebhookEnvelope(org_level, Hook(), 1);
  EXPECT_FALSE(org_body.contains("store_id"));
  EXPECT_EQ(org_body["org_id"], org);
  EXPECT_THAT(spec->ValidateEnvelope("webhook", org_body), IsEmpty());
  json org_message = CloudEventEnvelope(org_level, Hook().id, kCloudEventSource);
  EXPECT_FALSE(org_message.contains("storeid"));
  EXPECT_THAT(spec->ValidateEnvelope("cloudevent", org_message), IsEmpty());
  org_body.erase("org_id");
  EXPECT_THAT(spec->ValidateEnvelope("webhook", org_body), Not(IsEmpty())) << "one identity at least";
}

TEST(EnvelopeTest, TheOtpEventHasTheOfficialExamplesLayout) {
  // elasticpath/composable-frontend
  // examples/shopper-accounts-authentication/src/app/api/webhooks/one-time-password/route.ts: top-level
  // store_id, payload the flat resource, no attempt, no resources.
  auto spec = Spec::Default();
  const ObservableEvent& otp = *spec->FindEvent("one-time-password-token-request.created");
  Synthesizer synthesizer(spec, 5);
  EventRecord event = Event(otp.key, synthesizer.Synthesize(otp)->data);
  event.webhook = otp.webhook;
  event.org_id = "7b4d2f3a-1c0e-4e5a-9f6b-2d8c3a4b5e6f";
  Integration hook = Hook();
  hook.configuration.erase("secret_key");
  const json body = WebhookEnvelope(event, hook, 1);
  std::set<std::string> keys;
  for (const auto& [key, value] : body.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"id", "store_id", "triggered_by", "integration", "payload",
                                         "configuration"}));
  EXPECT_EQ(body["payload"], event.data);
  EXPECT_EQ(body["payload"]["one_time_password_token"].get<std::string>().size(), 6u);
  EXPECT_EQ(body["configuration"]["secret_key"], "");
  EXPECT_THAT(spec->ValidateEnvelope("webhook-flat", body), IsEmpty());
  auto bodies = BuildEventBodies(event, *spec, {/*webhook=*/true, /*cloudevent=*/false});
  EXPECT_EQ(bodies->webhook_error, "");
  EXPECT_EQ(WebhookBody(event, *bodies, hook, 1), body.dump());
}

TEST(EnvelopeTest, AnUnsetSecretIsAnEmptyStringInTheBody) {
  // elasticpath/epcc-composable-commerce-reference
  // src/modules/elasticsearch/functions/updateElasticsearchIndex/test/assets/product-updated.json:
  // "configuration": {"secret_key": "", "url": ...}.
  Integration hook = Hook();
  hook.configuration = {{"url", "https://webhook.url"}};
  EXPECT_EQ(DeliveredConfiguration(hook), (json{{"secret_key", ""}, {"url", "https://webhook.url"}}));
  EXPECT_EQ(DeliveredConfiguration(Hook()), Hook().configuration);
}

TEST(EnvelopeTest, TheCloudEventSourceIsConfigurable) {
  EventRecord event = Event("cart.updated", {{"type", "cart"}, {"id", "c"}});
  BodyKinds kinds{/*webhook=*/false, /*cloudevent=*/true, "https://epcc-integration.example.test"};
  auto bodies = BuildEventBodies(event, *Spec::Default(), kinds);
  EXPECT_EQ(json::parse(CloudEventBody(*bodies, Hook().id))["source"],
            "https://epcc-integration.example.test");
  EXPECT_EQ(BodyKinds{}.cloudevent_source, "https://epcc-integration.global.ssl.fastly.net");
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
  ASSERT_THAT(fault, IsOk());
  EXPECT_EQ(fault->duplicate, 1);
  EXPECT_EQ(fault->events, 3);
  EXPECT_EQ(fault->integration_id, "abc");
  for (const char* bad : {R"({})", R"({"duplicate": -1})", R"({"duplicate": "x"})", R"({"explode": 1})",
                          R"({"delay_ms": 1.5})", R"([])", R"({"duplicate": 1, "integration_id": 5})"}) {
    EXPECT_FALSE(Fault::FromJson(json::parse(bad)).ok()) << bad;
  }
}

// The AsyncAPI document: every key of the catalog (and of an extension) has its three
// messages, each example is what epmock really sends and passes the schemas epmock checks
// deliveries against, and the seed fixes the examples. The official parser's verdict is a
// peer test (tests/peers/asyncapi.test.js).
TEST(AsyncApiTest, EveryObservableEventHasAMessagePerChannelWithAValidExample) {
  auto spec = Spec::Default();
  const json doc = AsyncApiDocument(spec, {});
  EXPECT_EQ(doc["asyncapi"], "3.0.0");
  const json& messages = doc["components"]["messages"];
  ASSERT_FALSE(spec->Events().empty());
  for (const ObservableEvent& event : spec->Events()) {
    SCOPED_TRACE(event.key);
    for (const char* channel : {"webhook", "sqs", "stomp"})
      EXPECT_TRUE(doc["channels"][channel]["messages"].contains(event.key)) << channel;
    const json& webhook = messages.at(WebhookMessageName(event.key));
    const json& cloudevent = messages.at(CloudEventMessageName(event.key));
    const json& stomp = messages.at(StompMessageName(event.key));
    ASSERT_TRUE(webhook.contains("examples"));
    ASSERT_TRUE(cloudevent.contains("examples"));
    ASSERT_TRUE(stomp.contains("examples"));
    const json& body = webhook["examples"][0]["payload"];
    EXPECT_THAT(spec->ValidateEnvelope(event.webhook.schema, body), IsEmpty());
    EXPECT_EQ(body.value("triggered_by", ""), event.key);
    EXPECT_EQ(webhook["examples"][0]["headers"]["x-moltin-integration-trigger"], event.key);
    EXPECT_EQ(webhook["headers"]["properties"]["x-moltin-integration-trigger"]["const"], event.key);
    EXPECT_EQ(webhook["headers"]["properties"]["accept-encoding"]["const"], "gzip");
    EXPECT_FALSE(webhook["headers"]["properties"].contains("Accept"));
    const json& message = cloudevent["examples"][0]["payload"];
    EXPECT_THAT(spec->ValidateEnvelope("cloudevent", message), IsEmpty());
    EXPECT_EQ(message["type"], event.key);
    EXPECT_EQ(stomp["examples"][0]["payload"], message);
    EXPECT_EQ(stomp["headers"]["properties"]["persistent"]["const"], "true");
    if (!IsDeletion(event.key)) {
      const json& data = event.webhook.flat_payload ? body["payload"] : body["payload"]["data"];
      EXPECT_THAT(spec->ValidateResource(event.resource, data), IsEmpty());
      EXPECT_THAT(spec->ValidateResource(event.resource, message["data"]), IsEmpty());
      // The payload schema names the event's resource schema, which the document carries.
      const std::string ref = "resource." + event.resource;
      EXPECT_TRUE(doc["components"]["schemas"].contains(ref));
      EXPECT_NE(webhook["payload"].dump().find("#/components/schemas/" + ref), std::string::npos);
    } else {
      EXPECT_EQ(message["data"].size(), 2u);  // {id, type}
    }
  }
  // Every message a channel names exists, and each operation sends all of its channel's.
  for (const auto& [name, channel] : doc["channels"].items()) {
    for (const auto& [key, ref] : channel["messages"].items()) {
      const std::string target = ref["$ref"];
      EXPECT_TRUE(messages.contains(target.substr(target.rfind('/') + 1))) << name << " " << key;
    }
  }
  for (const auto& [name, operation] : doc["operations"].items())
    EXPECT_EQ(operation["action"], "send") << name;
  EXPECT_EQ(doc["operations"]["deliverWebhook"]["messages"].size(),
            doc["channels"]["webhook"]["messages"].size());
  EXPECT_EQ(doc["operations"]["deliverWebhook"]["bindings"]["http"]["method"], "POST");
  // Custom API entries, a family of keys: one message per action, its key a pattern.
  const json& entry = messages.at(WebhookMessageName("custom-api-entry.created"));
  EXPECT_TRUE(entry["payload"]["allOf"][1]["properties"]["triggered_by"].contains("pattern"));
  EXPECT_EQ(entry["examples"][0]["payload"]["triggered_by"], "wishlist_ext.created");
}

TEST(AsyncApiTest, TheSeedFixesTheExamplesAndAnExtensionAddsItsKeys) {
  auto spec = Spec::Default();
  const json a = AsyncApiDocument(spec, {.seed = 5});
  const json b = AsyncApiDocument(spec, {.seed = 5});
  const json c = AsyncApiDocument(spec, {.seed = 6});
  // The ids the seed draws (the event's, the resource's), message by message: the clock's
  // values may differ between two documents made a second apart, these may not.
  const auto ids = [](const json& doc) {
    std::vector<std::string> out;
    for (const auto& [name, message] : doc["components"]["messages"].items()) {
      const json& payload = message["examples"][0]["payload"];
      const json& data =
          payload.contains("data") ? payload["data"] : payload["payload"].value("data", payload["payload"]);
      out.push_back(name + " " + payload.value("id", "") + " " + data.value("id", ""));
    }
    return out;
  };
  EXPECT_EQ(ids(a), ids(b));
  EXPECT_NE(ids(a), ids(c));
  EXPECT_EQ(a["channels"], b["channels"]);
  const auto example = [](const json& doc) {
    return doc["components"]["messages"]["order.paid.webhook"]["examples"][0]["payload"];
  };
  EXPECT_NE(example(a)["id"], example(c)["id"]);
  EXPECT_NE(example(a)["payload"]["data"]["id"], example(c)["payload"]["data"]["id"]);

  auto extended = spec->Extend(json::parse(R"({"events": [{"key": "loyalty-points.awarded",
      "schema": {"type": "object", "required": ["type", "id", "points"]},
      "samples": [{"data": {"type": "loyalty_points", "id": "00000000-0000-4000-8000-000000000001", "points": 5}}]}]})"));
  ASSERT_THAT(extended, IsOk());
  const json doc = AsyncApiDocument(*extended, {});
  const json& message = doc["components"]["messages"]["loyalty-points.awarded.webhook"];
  EXPECT_EQ(message["examples"][0]["payload"]["payload"]["data"]["points"], 5);
  EXPECT_TRUE(doc["components"]["schemas"].contains("resource.loyalty-points"));
  EXPECT_FALSE(a["components"]["messages"].contains("loyalty-points.awarded.webhook"));
}

}  // namespace
}  // namespace epmock::internal
