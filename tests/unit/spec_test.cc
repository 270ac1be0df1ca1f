// The schemas: the published documents, the overlay, the catalog and the violations.
#include "epmock/spec.h"
#include "epmock/testing/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

json SeedExamples() {
  return ReadJson(std::string(EPMOCK_SOURCE_DIR) + "/tests/data/seed_create_examples.json");
}

std::string Describe(const std::vector<SchemaViolation>& violations) {
  std::string out;
  for (const auto& v : violations) out += "  " + v.source + ": " + v.detail + "\n";
  return out;
}

TEST(SpecTest, DefaultIsLoadedOnceAndShared) { EXPECT_EQ(Spec::Default().get(), Spec::Default().get()); }

TEST(SpecTest, SeedCreateExamplesAreValidAfterTheOverlay) {
  json examples = SeedExamples();
  for (const char* type : {"webhook", "aws_sqs", "stomp"}) {
    auto violations = Spec::Default()->ValidateRequest("CreateIntegration", examples[type]);
    EXPECT_THAT(violations, IsEmpty()) << type << ":\n" << Describe(violations);
  }
}

TEST(SpecTest, ThePublishedSchemaAloneRejectsTheSeedExamples) {
  auto published = Spec::Load(SpecOptions{/*apply_overlay=*/false, ""});
  ASSERT_THAT(published, IsOk());
  json examples = SeedExamples();
  for (const char* type : {"webhook", "aws_sqs", "stomp"}) {
    auto violations = (*published)->ValidateRequest("CreateIntegration", examples[type]);
    // 'observers' is required by the published schema, and no example has it.
    EXPECT_THAT(violations, Contains(Field(&SchemaViolation::source, "/data/observers"))) << type;
  }
  // And the overlapping oneOf: the webhook configuration matches two branches.
  json webhook = examples["webhook"];
  webhook["data"]["observers"] = json::array();
  EXPECT_THAT((*published)->ValidateRequest("CreateIntegration", webhook),
              Contains(Field(&SchemaViolation::source, "/data/configuration")));
}

TEST(SpecTest, TheSeedResponseExampleMatchesTheCorrectedResponseSchema) {
  json response = SeedExamples()["webhook_response"];
  auto violations = Spec::Default()->ValidateResponse("CreateIntegration", 201, response);
  EXPECT_THAT(violations, IsEmpty()) << Describe(violations);
}

TEST(SpecTest, EveryOverlayCorrectionGivesItsReason) {
  json overlay = ReadJson(std::string(EPMOCK_SOURCE_DIR) + "/schemas/overlay.json");
  int count = 0;
  for (const char* section : {"schemas", "openapi"}) {
    for (const json& op : overlay[section]) {
      EXPECT_FALSE(op.value("reason", "").empty()) << op.dump();
      ++count;
    }
  }
  EXPECT_FALSE(overlay["json_schema_refs"].value("reason", "").empty());
  EXPECT_GT(count, 20);
}

TEST(SpecTest, LoadsFromADirectoryLikeTheEmbeddedCopy) {
  auto from_disk = Spec::Load(SpecOptions{true, std::string(EPMOCK_SOURCE_DIR) + "/schemas"});
  ASSERT_THAT(from_disk, IsOk());
  EXPECT_EQ((*from_disk)->OpenApi(), Spec::Default()->OpenApi());
}

TEST(SpecTest, RefusesDocumentsThatDisagreeAfterCorrection) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("epmock-spec-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(fs::path(EPMOCK_SOURCE_DIR) / "schemas", dir, fs::copy_options::recursive);
  json schema = ReadJson((dir / "published/integrations.schema.json").string());
  schema["$defs"]["WebhookConfigurationObject"]["required"] = json::array({"secret_key"});
  std::ofstream(dir / "published/integrations.schema.json") << schema.dump();
  auto loaded = Spec::Load(SpecOptions{true, dir.string()});
  fs::remove_all(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("disagree"));
}

TEST(SpecTest, RefusesAnOverlayThatDoesNotApply) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("epmock-overlay-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(fs::path(EPMOCK_SOURCE_DIR) / "schemas", dir, fs::copy_options::recursive);
  json overlay = ReadJson((dir / "overlay.json").string());
  overlay["schemas"].push_back(
      {{"op", "replace"}, {"path", "/NoSuchSchema/type"}, {"value", "x"}, {"reason", "test"}});
  std::ofstream(dir / "overlay.json") << overlay.dump();
  auto loaded = Spec::Load(SpecOptions{true, dir.string()});
  fs::remove_all(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("overlay does not apply"));
}

TEST(CatalogTest, HoldsEveryObservableEventOfTheTablePlusProductsSubscriptionsAndLegacyKeys) {
  const auto& events = Spec::Default()->Events();
  std::set<std::string> keys;
  for (const auto& e : events) EXPECT_TRUE(keys.insert(e.key).second) << "duplicate " << e.key;
  // 51 of seed 003's table and products, 28 subscriptions keys (elasticpath/elasticpath-dev
  // docs/subscriptions/observable-events.mdx), 10 legacy (elasticpath/epcc-cli
  // external/resources/yaml/integrations.yaml).
  EXPECT_EQ(events.size(), 89u);
  for (const char* key : {"order.paid", "order.created", "order.refunded", "cart.updated", "customer.deleted",
                          "product.created", "product.deleted", "user-authentication-info.updated",
                          "one-time-password-token-request.created", "stock-transaction.created"}) {
    EXPECT_NE(Spec::Default()->FindEvent(key), nullptr) << key;
  }
  EXPECT_EQ(Spec::Default()->FindEvent("paid"), nullptr);
  EXPECT_FALSE(Spec::Default()->LookupEvent("customAPIEntryType.created")) << "the placeholder went";
  const ObservableEvent* integration = Spec::Default()->FindEvent("integration.created");
  ASSERT_NE(integration, nullptr);
  EXPECT_TRUE(integration->store_level);
  EXPECT_TRUE(integration->organization_level);
  const ObservableEvent* paid = Spec::Default()->FindEvent("order.paid");
  EXPECT_EQ(paid->resource, "order");
  EXPECT_EQ(paid->action, "paid");
  EXPECT_FALSE(paid->organization_level);
  EXPECT_FALSE(paid->legacy);
}

TEST(CatalogTest, HasEverySubscriptionsEventWithActionsHoldingDashesAndUnderscores) {
  std::vector<std::string> subscription_keys;
  for (const auto& e : Spec::Default()->Events()) {
    if (e.key.rfind("subscription", 0) == 0) subscription_keys.push_back(e.key);
  }
  EXPECT_EQ(subscription_keys.size(),
            28u);  // elasticpath/elasticpath-dev docs/subscriptions/observable-events.mdx
  for (const char* key :
       {"subscription.create-failed", "subscription.pending_cancel", "subscription.pending_pause",
        "subscription-invoice.created", "subscription-schedule.deleted", "subscription-job.updated"}) {
    const ObservableEvent* event = Spec::Default()->FindEvent(key);
    ASSERT_NE(event, nullptr) << key;
    EXPECT_TRUE(std::regex_match(key, std::regex(kEventKeyPattern))) << key;
    EXPECT_NE(Spec::Default()->Resource(event->resource), nullptr) << key;
  }
  EXPECT_EQ(Spec::Default()->FindEvent("subscription-invoice.updated"), nullptr);
}

TEST(CatalogTest, SubscriptionsFollowThe2026SpecAndItsDroppedKeysAreLegacy) {
  // elasticpath/epcc-cli external/openapi/specs/subscriptions.yaml (25.1231) lists 22 keys;
  // the six subscription-product.* and subscription-plan.* keys of the older page stay
  // accepted, marked legacy with their source, as brand.* is.
  std::vector<std::string> current;
  std::vector<std::string> legacy;
  for (const auto& e : Spec::Default()->Events()) {
    if (e.key.rfind("subscription", 0) != 0) continue;
    (e.legacy ? legacy : current).push_back(e.key);
    if (e.legacy) {
      EXPECT_THAT(e.source, HasSubstr("no longer")) << e.key;
    }
  }
  EXPECT_EQ(current.size(), 22u);
  EXPECT_THAT(legacy,
              ::testing::UnorderedElementsAre("subscription-product.created", "subscription-product.updated",
                                              "subscription-product.deleted", "subscription-plan.created",
                                              "subscription-plan.updated", "subscription-plan.deleted"));
}

TEST(CatalogTest, LegacyKeysAreAcceptedAndMarked) {
  for (const char* key : {"brand.created", "category.updated", "collection.deleted", "order.deleted"}) {
    const ObservableEvent* event = Spec::Default()->FindEvent(key);
    ASSERT_NE(event, nullptr) << key;
    EXPECT_TRUE(event->legacy) << key;
    // Each names the public source that shows it, as repository and path.
    EXPECT_THAT(event->source,
                ::testing::AnyOf(HasSubstr("elasticpath/epcc-cli external/resources/yaml/integrations.yaml"),
                                 HasSubstr("elasticpath/terraform-provider-epcc internal/provider/")))
        << key;
  }
}

TEST(CatalogTest, CustomApiEntryKeysFollowThePlatformsRule) {
  // elasticpath/elasticpath-dev openapispecs/commerceextensions/OpenAPISpec.yaml:
  // <api_type>.created|updated|deleted, api_type ^[a-z0-9_]{1,59}_ext$.
  auto spec = Spec::Default();
  for (const char* key : {"wishlist_ext.created", "wishlist_ext.updated", "wishlist_ext.deleted",
                          "a_ext.created", "loyalty_2_ext.deleted"}) {
    std::optional<ObservableEvent> event = spec->LookupEvent(key);
    ASSERT_TRUE(event) << key;
    EXPECT_EQ(event->resource, "custom-api-entry");
    EXPECT_TRUE(event->store_level);
  }
  EXPECT_EQ(spec->LookupEvent("wishlist_ext.created")->resource_type, "wishlist_ext");
  const std::string longest = std::string(59, 'a') + "_ext.created";
  EXPECT_TRUE(spec->LookupEvent(longest));
  for (const std::string& key : {std::string(60, 'a') + "_ext.created", std::string("_ext.created"),
                                 std::string("Wishlist_ext.created"), std::string("wishlist-ext.created"),
                                 std::string("wishlist_ext.paid"), std::string("wishlist.created")}) {
    EXPECT_FALSE(spec->LookupEvent(key)) << key;
  }
  ASSERT_EQ(spec->EventPatterns().size(), 1u);
  EXPECT_THAT(spec->EventPatterns()[0].source,
              HasSubstr("elasticpath/elasticpath-dev openapispecs/commerceextensions/OpenAPISpec.yaml"));
}

TEST(CatalogTest, TheOtpEventHasTheFlatEnvelopeAsData) {
  const ObservableEvent* otp = Spec::Default()->FindEvent("one-time-password-token-request.created");
  ASSERT_NE(otp, nullptr);
  EXPECT_EQ(otp->envelope, "flat");
  EXPECT_FALSE(otp->webhook.attempt);
  EXPECT_FALSE(otp->webhook.resources);
  EXPECT_TRUE(otp->webhook.flat_payload);
  EXPECT_FALSE(otp->webhook.org_id);
  EXPECT_EQ(otp->webhook.schema, "webhook-flat");
  EXPECT_TRUE(Spec::Default()->FindEvent("order.paid")->webhook.attempt);
}

TEST(CatalogExtensionTest, AddsKeysWithAndWithoutAResourceOfTheirOwn) {
  auto extended = Spec::Default()->Extend(json::parse(R"({
    "description": "our private events",
    "events": [
      {"key": "loyalty-points.awarded", "levels": ["store", "organization"],
       "schema": {"type": "object", "required": ["type", "id", "points"],
                  "properties": {"points": {"type": "integer", "minimum": 1}}},
       "samples": [{"data": {"type": "loyalty_points", "id": "00000000-0000-4000-8000-000000000001", "points": 50}}]},
      {"key": "gift-card.redeemed"},
      {"key": "order.archived", "resource": "order"},
      {"key": "password-hint.created", "envelope": "flat"}
    ]})"));
  ASSERT_THAT(extended, IsOk());
  const Spec& spec = **extended;
  EXPECT_EQ(spec.Events().size(), Spec::Default()->Events().size() + 4);
  const ObservableEvent* points = spec.FindEvent("loyalty-points.awarded");
  ASSERT_NE(points, nullptr);
  EXPECT_EQ(points->resource, "loyalty-points");
  EXPECT_TRUE(points->organization_level);
  EXPECT_EQ(points->source, "catalog extension");
  EXPECT_THAT(spec.ValidateResource("loyalty-points", json::parse(R"({"type":"x","id":"y","points":0})")),
              Not(IsEmpty()));
  EXPECT_EQ(spec.FindEvent("gift-card.redeemed")->resource, kGenericResource);
  EXPECT_EQ(spec.FindEvent("order.archived")->resource, "order");
  EXPECT_TRUE(spec.FindEvent("password-hint.created")->webhook.flat_payload);
  EXPECT_EQ(Spec::Default()->FindEvent("gift-card.redeemed"), nullptr) << "the default spec is untouched";
}

struct ExtensionCase {
  const char* name;
  const char* extension;
  const char* error;  // a substring of the message
};

class CatalogExtensionErrorTest : public ::testing::TestWithParam<ExtensionCase> {};

TEST_P(CatalogExtensionErrorTest, IsRefusedNamingTheEntry) {
  auto extended = Spec::Default()->Extend(json::parse(GetParam().extension));
  ASSERT_FALSE(extended.ok());
  EXPECT_THAT(extended.status().message(), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, CatalogExtensionErrorTest,
    ::testing::Values(
        ExtensionCase{"not_an_object", "[]", "a JSON object with an \"events\" array"},
        ExtensionCase{"no_events", "{}", "\"events\" array"},
        ExtensionCase{"unknown_top_member", R"({"events": [], "extra": 1})", "unknown member 'extra'"},
        ExtensionCase{"entry_not_an_object", R"({"events": [5]})", "events[0] must be an object"},
        ExtensionCase{"no_key", R"({"events": [{}]})", "events[0]: key (a string) is required"},
        ExtensionCase{"bad_key", R"({"events": [{"key": "no dot here"}]})",
                      "events[0] (no dot here): key must match"},
        ExtensionCase{"upper_case_action", R"({"events": [{"key": "a.Created"}]})", "key must match"},
        ExtensionCase{
            "long_key",
            R"({"events": [{"key": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.created"}]})",
            "at most 128 characters"},
        ExtensionCase{"duplicate_of_the_catalog", R"({"events": [{"key": "order.paid"}]})",
                      "events[0] (order.paid): the catalog already has this key"},
        ExtensionCase{"duplicate_in_the_file", R"({"events": [{"key": "a.b"}, {"key": "a.b"}]})",
                      "events[1] (a.b): the catalog already has this key"},
        ExtensionCase{"unknown_member", R"({"events": [{"key": "a.b", "colour": "red"}]})",
                      "unknown member 'colour'"},
        ExtensionCase{"bad_levels", R"({"events": [{"key": "a.b", "levels": ["planet"]}]})",
                      "levels must be"},
        ExtensionCase{"empty_levels", R"({"events": [{"key": "a.b", "levels": []}]})", "levels must be"},
        ExtensionCase{"unknown_envelope", R"({"events": [{"key": "a.b", "envelope": "soap"}]})",
                      "envelope must name one of the catalog's: flat, webhook"},
        ExtensionCase{"schema_without_samples", R"({"events": [{"key": "a.b", "schema": {}}]})",
                      "needs both schema (an object) and samples"},
        ExtensionCase{
            "schema_for_an_existing_resource",
            R"({"events": [{"key": "a.b", "resource": "order", "schema": {}, "samples": [{"data": {}}]}]})",
            "resource 'order' already exists"},
        ExtensionCase{
            "sample_breaks_its_schema",
            R"({"events": [{"key": "a.b", "schema": {"required": ["points"]}, "samples": [{"data": {}}]}]})",
            "samples[0] breaks its schema at /points"},
        ExtensionCase{"sample_without_data", R"({"events": [{"key": "a.b", "schema": {}, "samples": [{}]}]})",
                      "samples[0] needs data"},
        ExtensionCase{"schema_that_does_not_compile",
                      R"({"events": [{"key": "a.b", "schema": {"type": 5}, "samples": [{"data": {}}]}]})",
                      "events[0] (a.b): "},
        ExtensionCase{
            "pattern_with_a_look_ahead",
            R"({"events": [{"key": "a.b", "schema": {"pattern": "(?=b)a"}, "samples": [{"data": {}}]}]})",
            "without back-references or look-arounds"},
        ExtensionCase{"pattern_properties_schema_with_a_ref",
                      R"({"events": [{"key": "a.b", "schema": {"patternProperties": {"^a": {"$ref": "#"}}},
                                      "samples": [{"data": {}}]}]})",
                      "a patternProperties schema may not hold a \"$ref\""},
        ExtensionCase{"pattern_properties_schema_that_does_not_compile",
                      R"({"events": [{"key": "a.b", "schema": {"patternProperties": {"^a": {"type": 5}}},
                                      "samples": [{"data": {}}]}]})",
                      "a patternProperties schema: "},
        ExtensionCase{"epmocks_own_keyword_given",
                      R"({"events": [{"key": "a.b", "schema": {"x-epmock-pattern-properties": 0},
                                      "samples": [{"data": {}}]}]})",
                      "is epmock's own keyword"}),
    [](const ::testing::TestParamInfo<ExtensionCase>& info) { return std::string(info.param.name); });

// "pattern" and "patternProperties" are matched by RE2 (schema/patterns.h), not valijson:
// what JSON Schema says of them, "additionalProperties" beside them included, still holds.
struct PatternCase {
  const char* name;
  const char* schema;
  const char* data;
  bool valid;
};
void PrintTo(const PatternCase& c, std::ostream* os) { *os << c.name; }

class PatternKeywordTest : public ::testing::TestWithParam<PatternCase> {};

TEST_P(PatternKeywordTest, ValidatesAsJsonSchemaSays) {
  const json extension = {{"events",
                           {{{"key", "patterned.checked"},
                             {"resource", "patterned"},
                             {"schema", json::parse(GetParam().schema)},
                             {"samples", {{{"data", json::parse(GetParam().data)}}}}}}}};
  // A sample must pass its schema: an invalid case is checked with an empty sample.
  json loaded = extension;
  if (!GetParam().valid) loaded["events"][0]["samples"][0]["data"] = json::object();
  auto extended = Spec::Default()->Extend(loaded);
  ASSERT_THAT(extended, IsOk());
  EXPECT_EQ((*extended)->ValidateResource("patterned", json::parse(GetParam().data)).empty(),
            GetParam().valid);
}

INSTANTIATE_TEST_SUITE_P(
    Keywords, PatternKeywordTest,
    ::testing::Values(
        PatternCase{"pattern_found_anywhere", R"({"properties": {"a": {"pattern": "b+"}}})",
                    R"({"a": "abbc"})", true},
        PatternCase{"pattern_missing", R"({"properties": {"a": {"pattern": "^b+$"}}})", R"({"a": "abbc"})",
                    false},
        PatternCase{"pattern_ignores_other_types", R"({"properties": {"a": {"pattern": "^b$"}}})",
                    R"({"a": 5})", true},
        PatternCase{"pattern_with_a_unicode_escape", R"({"properties": {"a": {"pattern": "^\\u00e9$"}}})",
                    R"({"a": "\u00e9"})", true},
        PatternCase{"property_named_pattern", R"({"properties": {"pattern": {"type": "integer"}}})",
                    R"({"pattern": "text"})", false},
        PatternCase{"pattern_property_checks_a_matched_member",
                    R"({"patternProperties": {"^n_": {"type": "integer"}}})", R"({"n_a": "text"})", false},
        PatternCase{"pattern_property_passes_a_matched_member",
                    R"({"patternProperties": {"^n_": {"type": "integer"}}})", R"({"n_a": 1, "other": "x"})",
                    true},
        PatternCase{"every_matching_pattern_applies",
                    R"({"patternProperties": {"^n": {"type": "integer"}, "_b$": {"minimum": 10}}})",
                    R"({"n_b": 5})", false},
        PatternCase{
            "no_additional_beside_patterns_refuses_an_unmatched_member",
            R"({"properties": {"id": {}}, "patternProperties": {"^n_": {}}, "additionalProperties": false})",
            R"({"id": 1, "n_a": 2, "z": 3})", false},
        PatternCase{
            "no_additional_beside_patterns_allows_named_and_matched_members",
            R"({"properties": {"id": {}}, "patternProperties": {"^n_": {}}, "additionalProperties": false})",
            R"({"id": 1, "n_a": 2})", true},
        PatternCase{"additional_schema_beside_patterns_checks_the_rest",
                    R"({"patternProperties": {"^n_": {}}, "additionalProperties": {"type": "string"}})",
                    R"({"n_a": 2, "z": 3})", false},
        PatternCase{"additional_schema_skips_matched_members",
                    R"({"patternProperties": {"^n_": {}}, "additionalProperties": {"type": "string"}})",
                    R"({"n_a": 2, "z": "s"})", true},
        PatternCase{
            "patterns_nested_in_a_pattern_property",
            R"({"patternProperties": {"^n_": {"patternProperties": {"^m": {"pattern": "^[0-9]+$"}}}}})",
            R"({"n_a": {"m1": "12x"}})", false},
        PatternCase{"pattern_properties_ignore_other_types",
                    R"({"properties": {"a": {"patternProperties": {"^n_": {"type": "integer"}}}}})",
                    R"({"a": ["n_a"]})", true}),
    [](const ::testing::TestParamInfo<PatternCase>& info) { return std::string(info.param.name); });

TEST(CatalogExtensionTest, AFileIsReadWithLimits) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("epmock-ext-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  auto ok = Spec::Default()->ExtendFromFile(write("ok.json", R"({"events": [{"key": "a.b"}]})"));
  EXPECT_THAT(ok, IsOk());
  auto missing = Spec::Default()->ExtendFromFile((dir / "nope.json").string());
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot read the catalog extension"));
  auto broken = Spec::Default()->ExtendFromFile(write("broken.json", "{\"events\": ["));
  EXPECT_THAT(broken.status().message(), HasSubstr("is not valid JSON"));
  auto deep =
      Spec::Default()->ExtendFromFile(write("deep.json", std::string(1000, '[') + std::string(1000, ']')));
  EXPECT_THAT(deep.status().message(), HasSubstr("nested deeper than 64 levels"));
  auto huge = Spec::Default()->ExtendFromFile(
      write("huge.json", std::string(Spec::kMaxCatalogExtensionBytes + 1, ' ')));
  EXPECT_THAT(huge.status().message(), HasSubstr("at most 4194304 bytes"));
  auto named = Spec::Default()->ExtendFromFile(write("dup.json", R"({"events": [{"key": "order.paid"}]})"));
  EXPECT_THAT(named.status().message(), HasSubstr("dup.json: events[0] (order.paid)"));
  fs::remove_all(dir);
}

struct RouteCase {
  const char* method;
  const char* path;
  const char* operation;  // nullptr: no operation
};

TEST(SpecTest, MapsEveryPathToItsOperation) {
  const RouteCase cases[] = {
      {"GET", "/v2/integrations", "ListIntegrations"},
      {"POST", "/v2/integrations", "CreateIntegration"},
      {"GET", "/v2/integrations/abc", "GetIntegration"},
      {"PUT", "/v2/integrations/abc", "UpdateIntegration"},
      {"DELETE", "/v2/integrations/abc", "DeleteIntegration"},
      {"GET", "/v2/integrations/logs", "ListStoreLogs"},
      {"GET", "/v2/integrations/abc/logs", "ListIntegrationLogs"},
      {"GET", "/v2/integrations/abc/jobs", "ListIntegrationJobs"},
      {"GET", "/v2/integrations/abc/jobs/def/logs", "ListJobLogs"},
      {"PATCH", "/v2/integrations/abc", nullptr},
      {"GET", "/v2/integrations/abc/jobs/def", nullptr},
      {"GET", "/integrations", nullptr},
  };
  for (const RouteCase& c : cases) {
    auto op = Spec::Default()->OperationFor(c.method, c.path);
    if (c.operation) {
      EXPECT_EQ(op.value_or("<none>"), c.operation) << c.method << " " << c.path;
    } else {
      EXPECT_FALSE(op.has_value()) << c.method << " " << c.path << " -> " << *op;
    }
  }
}

struct ViolationCase {
  const char* name;
  const char* body;
  const char* source;
  const char* detail;
};

class ViolationTest : public ::testing::TestWithParam<ViolationCase> {};

TEST_P(ViolationTest, NamesTheFieldAndWhatWasExpected) {
  const ViolationCase& c = GetParam();
  json body = json::parse(c.body);
  auto violations = Spec::Default()->ValidateRequest("CreateIntegration", body);
  EXPECT_THAT(violations, Contains(AllOf(Field(&SchemaViolation::source, c.source),
                                         Field(&SchemaViolation::detail, c.detail))))
      << Describe(violations);
}

#define WEBHOOK_WITH(extra)                                                                                   \
  R"({"data":{"type":"integration","name":"n","integration_type":"webhook","observes":["order.paid"],)" extra \
  "}}"

INSTANTIATE_TEST_SUITE_P(
    Cases, ViolationTest,
    ::testing::Values(
        ViolationCase{"missing_data", R"({})", "/data", "data is required"},
        ViolationCase{"data_not_object", R"({"data": 42})", "/data",
                      "data must be an object, not an integer"},
        ViolationCase{
            "missing_name",
            R"({"data":{"type":"integration","integration_type":"webhook","observes":["order.paid"],"configuration":{"url":"https://x.io"}}})",
            "/data/name", "data.name is required"},
        ViolationCase{"wrong_type_value",
                      WEBHOOK_WITH(R"("configuration":{"url":"https://x.io"},"type":"product")"),
                      "/data/type", "data.type must be one of \"integration\""},
        ViolationCase{
            "unknown_integration_type",
            R"({"data":{"type":"integration","name":"n","integration_type":"email","observes":["order.paid"],"configuration":{}}})",
            "/data/integration_type",
            "data.integration_type must be one of \"webhook\", \"aws_sqs\", \"stomp\""},
        ViolationCase{"enabled_not_boolean",
                      WEBHOOK_WITH(R"("configuration":{"url":"https://x.io"},"enabled":"yes")"),
                      "/data/enabled", "data.enabled must be true or false, not a string"},
        ViolationCase{"webhook_url_missing", WEBHOOK_WITH(R"("configuration":{})"), "/data/configuration/url",
                      "data.configuration.url is required"},
        ViolationCase{"webhook_url_not_http", WEBHOOK_WITH(R"("configuration":{"url":"ftp://x.io"})"),
                      "/data/configuration/url",
                      "data.configuration.url must be an http:// or https:// URL with a host"},
        ViolationCase{
            "observes_empty",
            R"({"data":{"type":"integration","name":"n","integration_type":"webhook","observes":[],"configuration":{"url":"https://x.io"}}})",
            "/data/observes", "data.observes must not be empty"},
        ViolationCase{
            "observes_not_strings",
            R"({"data":{"type":"integration","name":"n","integration_type":"webhook","observes":[7],"configuration":{"url":"https://x.io"}}})",
            "/data/observes/0", "data.observes.0 must be a string, not an integer"},
        ViolationCase{
            "sqs_needs_keys",
            R"({"data":{"type":"integration","name":"n","integration_type":"aws_sqs","observes":["order.paid"],"configuration":{"url":"https://sqs.x.io/1/q"}}})",
            "/data/configuration/region", "data.configuration.region is required"},
        ViolationCase{
            "stomp_needs_destination",
            R"({"data":{"type":"integration","name":"n","integration_type":"stomp","observes":["order.paid"],"configuration":{"addresses":["stomp://b:61613"]}}})",
            "/data/configuration/destination", "data.configuration.destination is required"},
        ViolationCase{
            "stomp_address_scheme",
            R"({"data":{"type":"integration","name":"n","integration_type":"stomp","observes":["order.paid"],"configuration":{"addresses":["http://b"],"destination":"/queue/q"}}})",
            "/data/configuration/addresses/0",
            "data.configuration.addresses.0 must be a stomp:// or stomp+ssl:// URL with a host"}),
    [](const ::testing::TestParamInfo<ViolationCase>& info) { return std::string(info.param.name); });

TEST(SpecTest, ResponseChecksCatchWrongShapes) {
  auto spec = Spec::Default();
  EXPECT_THAT(spec->ValidateResponse("DeleteIntegration", 200,
                                     json::parse(R"({"data":{"type":"integration","id":"x"}})")),
              IsEmpty());
  EXPECT_THAT(spec->ValidateResponse("DeleteIntegration", 200, json::object()), Not(IsEmpty()));
  EXPECT_THAT(spec->ValidateResponse("DeleteIntegration", 204, json(nullptr)), Not(IsEmpty()));
  EXPECT_THAT(spec->ValidateResponse("GetIntegration", 404,
                                     json::parse(R"({"errors":[{"status":404,"title":"Not Found"}]})")),
              IsEmpty());
  EXPECT_THAT(spec->ValidateResponse("GetIntegration", 404, json::parse(R"({"error":"x"})")), Not(IsEmpty()));
  EXPECT_THAT(spec->ValidateResponse("GetIntegration", 200, json::parse(R"({"data":{}})")), Not(IsEmpty()));
  EXPECT_THAT(spec->ValidateResponse("GetIntegration", 299, json::object()), Not(IsEmpty()));
}

}  // namespace
}  // namespace epmock
