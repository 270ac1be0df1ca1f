// The schemas: the published documents, the overlay, the catalog and the violations.
#include "epmock/spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace epmock {
namespace {

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
  ASSERT_TRUE(published.ok()) << published.status().message();
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
  ASSERT_TRUE(from_disk.ok()) << from_disk.status().message();
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

TEST(CatalogTest, HoldsEveryObservableEventOfTheTablePlusProducts) {
  const auto& events = Spec::Default()->Events();
  std::set<std::string> keys;
  for (const auto& e : events) EXPECT_TRUE(keys.insert(e.key).second) << "duplicate " << e.key;
  EXPECT_EQ(events.size(), 54u);
  for (const char* key : {"order.paid", "order.created", "order.refunded", "cart.updated", "customer.deleted",
                          "product.created", "product.deleted", "customAPIEntryType.created",
                          "user-authentication-info.updated", "one-time-password-token-request.created",
                          "stock-transaction.created"}) {
    EXPECT_NE(Spec::Default()->FindEvent(key), nullptr) << key;
  }
  EXPECT_EQ(Spec::Default()->FindEvent("paid"), nullptr);
  const ObservableEvent* integration = Spec::Default()->FindEvent("integration.created");
  ASSERT_NE(integration, nullptr);
  EXPECT_TRUE(integration->store_level);
  EXPECT_TRUE(integration->organization_level);
  const ObservableEvent* paid = Spec::Default()->FindEvent("order.paid");
  EXPECT_EQ(paid->resource, "order");
  EXPECT_EQ(paid->action, "paid");
  EXPECT_FALSE(paid->organization_level);
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
