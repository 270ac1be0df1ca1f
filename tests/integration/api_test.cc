// The fake Integrations API over real HTTP, in process: auth, CRUD, pagination, masking,
// errors. Every response is also checked against its schema by ApiClient.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fstream>
#include <functional>

#include <future>
#include <regex>
#include <set>
#include <thread>

#include "epmock/server.h"
#include "epmock/testing/status_matchers.h"
#include "epmock/version.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using ::epmock::testing::StatusIs;

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing_support::ApiClient;
using testing_support::Reply;
using testing_support::SqsCreateBody;
using testing_support::StompCreateBody;
using testing_support::WebhookCreateBody;

const char kTimestamp[] = R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z)";
const char kUuid[] = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(ServerOptions{}); }

  void StartServer(ServerOptions options) {
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_->Url());
  }

  std::string CreateWebhook(const std::string& name = "hook") {
    Reply r = api_->Post("/v2/integrations", WebhookCreateBody(name));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json["data"].value("id", "");
  }

  std::size_t StoredCount() { return server_->Integrations(api_->client_id()).size(); }

  // The journal's record of the newest request.
  RequestRecord LastRequest() {
    std::vector<RequestRecord> records = server_->Requests();
    return records.empty() ? RequestRecord{} : records.back();
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
};

// --- auth -------------------------------------------------------------------------------

TEST_F(ApiTest, ClientCredentialsGrantReturnsWhatTheSdkReads) {
  httplib::Client http(server_->Url());
  auto res = http.Post("/oauth/access_token", "grant_type=client_credentials&client_id=abc&client_secret=def",
                       "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json body = json::parse(res->body);
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["identifier"], "client_credentials");
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_GT(body["expires"].get<std::int64_t>(), std::time(nullptr));
  EXPECT_EQ(body["access_token"].get<std::string>().size(), 40u);
}

// elasticpath/elasticpath-dev docs/authentication/Tokens/client-credential-token.mdx: the platform's docs
// post the form fields labelled application/json; a real JSON object is taken too, and JSON that is broken is
// still refused.
TEST_F(ApiTest, TokenRequestsAreReadAsFormFieldsWhateverTheirContentTypeSays) {
  struct Case {
    const char* name;
    const char* body;
    const char* content_type;
    int status;
  };
  const Case cases[] = {
      {"form_labelled_json", "grant_type=client_credentials&client_id=abc&client_secret=def",
       "application/json", 200},
      {"form_labelled_form", "grant_type=implicit&client_id=abc", "application/x-www-form-urlencoded", 200},
      {"form_without_a_label", "grant_type=implicit&client_id=abc", "", 200},
      {"json_object", R"({"grant_type": "implicit", "client_id": "abc"})", "application/json", 200},
      {"json_object_labelled_form", R"({"grant_type": "implicit", "client_id": "abc"})",
       "application/x-www-form-urlencoded", 200},
      {"broken_json", R"({"grant_type": "implicit", )", "application/json", 400},
  };
  for (const Case& c : cases) {
    Reply r = api_->Send("POST", "/oauth/access_token", c.body, c.content_type, false);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    if (c.status == 200) {
      EXPECT_EQ(r.json["access_token"].get<std::string>().size(), 40u) << c.name;
    }
  }
}

TEST_F(ApiTest, ImplicitGrantNeedsNoSecret) {
  httplib::Client http(server_->Url());
  auto res = http.Post("/oauth/access_token", "grant_type=implicit&client_id=abc",
                       "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["identifier"], "implicit");
}

TEST_F(ApiTest, ImplicitTokensAreForbiddenOnEveryIntegrationsRoute) {
  // elasticpath/elasticpath-dev docs/authentication/Tokens/permissions.mdx: implicit tokens have neither read
  // nor write access to integrations.
  auto res = httplib::Client(server_->Url())
                 .Post("/oauth/access_token", "grant_type=implicit&client_id=" + api_->client_id(),
                       "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  const std::string id = CreateWebhook();
  api_->set_token(json::parse(res->body)["access_token"]);
  const std::pair<const char*, std::string> routes[] = {
      {"GET", "/v2/integrations"},
      {"POST", "/v2/integrations"},
      {"GET", "/v2/integrations/" + id},
      {"PUT", "/v2/integrations/" + id},
      {"DELETE", "/v2/integrations/" + id},
      {"GET", "/v2/integrations/logs"},
      {"GET", "/v2/integrations/" + id + "/logs"},
      {"GET", "/v2/integrations/" + id + "/jobs"},
  };
  for (const auto& [method, path] : routes) {
    Reply r = api_->Send(method, path, WebhookCreateBody().dump(), "application/json");
    EXPECT_EQ(r.status, 403) << method << " " << path;
    EXPECT_EQ(r.json, json::parse(R"({"errors":[{"status":403,"title":"Forbidden"}]})")) << r.body;
    EXPECT_THAT(LastRequest().errors, ::testing::ElementsAre(HasSubstr("implicit token"))) << path;
  }
  EXPECT_EQ(StoredCount(), 1u);
}

TEST_F(ApiTest, NoV2OrOauthErrorCarriesASourceButTheJournalKeepsIt) {
  // elasticpath/epcc-cli docs/tutorial.md: the platform's errors have no JSON-pointer source. Every kind of
  // error the API gives, each checked for it; the admin API (epmock's own) keeps its pointers.
  const std::string id = CreateWebhook();
  json six = WebhookCreateBody();
  six["data"]["observes"] = {"order.paid",      "order.created",   "order.updated",
                             "order.fulfilled", "order.cancelled", "order.refunded"};
  struct Case {
    const char* method;
    std::string path;
    std::string body;
    const char* content_type;
    int status;
  };
  const Case cases[] = {
      {"POST", "/v2/integrations", "{not json", "application/json", 400},
      {"POST", "/v2/integrations", "[1,2", "application/json", 400},
      {"POST", "/v2/integrations", "{}", "text/plain", 415},
      {"POST", "/v2/integrations", "", "application/json", 400},
      {"POST", "/v2/integrations", six.dump(), "application/json", 422},
      {"POST", "/v2/integrations", R"({"data":{"type":"integration"}})", "application/json", 422},
      {"PUT", "/v2/integrations/" + id, R"({"data":{"type":"integration","observes":["nope.no"]}})",
       "application/json", 422},
      {"GET", "/v2/integrations?page[limit]=0", "", "", 400},
      {"GET", "/v2/integrations/logs?page[offset]=x", "", "", 400},
      {"POST", "/oauth/access_token", "grant_type=password&client_id=a", "application/x-www-form-urlencoded",
       400},
  };
  for (const Case& c : cases) {
    Reply r = api_->Send(c.method, c.path, c.body, c.content_type);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body;
    ASSERT_TRUE(r.json.contains("errors")) << r.body;
    for (const json& e : r.json["errors"]) EXPECT_FALSE(e.contains("source")) << c.path << ": " << e;
    const RequestRecord last = LastRequest();
    EXPECT_FALSE(last.errors.empty() && last.validation_errors.empty())
        << c.path << " left no reason in the journal";
  }
  Reply admin = api_->Post("/__admin/events", json::object());
  EXPECT_EQ(admin.json["errors"][0]["source"], "/type") << "the admin API keeps its pointer";
}

TEST_F(ApiTest, BadTokenRequestsAreRefusedWithTheParameterNamed) {
  struct Case {
    const char* body;
    int status;
    const char* source;
  };
  const Case cases[] = {
      {"client_id=abc", 400, "grant_type"},
      {"grant_type=password&client_id=abc", 400, "grant_type"},
      {"grant_type=implicit", 400, "client_id"},
      {"grant_type=client_credentials&client_id=abc", 401, "client_secret"},
      {"grant_type=implicit&client_id=%zz", 400, nullptr},
  };
  for (const Case& c : cases) {
    Reply r = api_->Send("POST", "/oauth/access_token", c.body, "application/x-www-form-urlencoded", false);
    EXPECT_EQ(r.status, c.status) << c.body;
    // The platform's errors carry no source; the journal names the parameter.
    EXPECT_FALSE(r.json["errors"][0].contains("source")) << r.body;
    if (c.source) {
      EXPECT_THAT(LastRequest().errors, ::testing::ElementsAre(::testing::StartsWith(c.source))) << c.body;
    }
  }
}

TEST_F(ApiTest, V2WithoutAValidBearerTokenIs401) {
  // elasticpath/elasticpath-dev guides/Getting-Started/errors.md: the platform's exact body; the journal says
  // which case it was.
  const json platform =
      json::parse(R"({"errors":[{"status":401,"title":"Unable to validate access token"}]})");
  Reply none = api_->Send("GET", "/v2/integrations", "", "", /*authenticate=*/false);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.json, platform);
  EXPECT_THAT(LastRequest().errors, ::testing::ElementsAre(HasSubstr("no Authorization")));
  api_->set_token("0123456789abcdef0123456789abcdef01234567");
  Reply r = api_->Get("/v2/integrations");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json, platform);
  EXPECT_THAT(LastRequest().errors, ::testing::ElementsAre(HasSubstr("unknown or has expired")));
}

// moltin/gomo client_requests.go: the official Go SDK and the docs' curl examples send "Bearer: <token>", a
// bare token works too; every other form is 401, and the journal says which form it saw.
struct AuthorizationForm {
  const char* name;
  std::function<std::string(const std::string&)> header;  // of the token
  int status;
  const char* journal;  // RequestRecord::authorization
};
void PrintTo(const AuthorizationForm& c, std::ostream* os) { *os << c.name; }

class AuthorizationFormTest : public ApiTest, public ::testing::WithParamInterface<AuthorizationForm> {};

TEST_P(AuthorizationFormTest, IsTakenOrRefusedAsThePlatformDoes) {
  httplib::Client http(server_->Url());
  auto res = http.Get("/v2/integrations", {{"Authorization", GetParam().header(api_->token())}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, GetParam().status) << res->body;
  if (GetParam().status == 401) {
    EXPECT_EQ(json::parse(res->body),
              json::parse(R"({"errors":[{"status":401,"title":"Unable to validate access token"}]})"));
  }
  EXPECT_THAT(LastRequest().authorization, ::testing::StartsWith(GetParam().journal));
}

INSTANTIATE_TEST_SUITE_P(
    Forms, AuthorizationFormTest,
    ::testing::Values(
        AuthorizationForm{"bearer_space", [](const std::string& t) { return "Bearer " + t; }, 200, "Bearer"},
        AuthorizationForm{"bearer_in_lower_case", [](const std::string& t) { return "bearer " + t; }, 200,
                          "Bearer"},
        AuthorizationForm{"bearer_in_upper_case", [](const std::string& t) { return "BEARER " + t; }, 200,
                          "Bearer"},
        AuthorizationForm{"bearer_two_spaces", [](const std::string& t) { return "Bearer  " + t; }, 200,
                          "Bearer"},
        AuthorizationForm{"bearer_colon_space", [](const std::string& t) { return "Bearer: " + t; }, 200,
                          "Bearer:"},
        AuthorizationForm{"bearer_colon_no_space", [](const std::string& t) { return "Bearer:" + t; }, 200,
                          "Bearer:"},
        AuthorizationForm{"bearer_colon_in_lower_case", [](const std::string& t) { return "bearer: " + t; },
                          200, "Bearer:"},
        AuthorizationForm{"bare_token", [](const std::string& t) { return t; }, 200, "bare"},
        AuthorizationForm{"another_scheme", [](const std::string& t) { return "Basic " + t; }, 401,
                          "refused: the scheme \"Basic\" is not Bearer"},
        AuthorizationForm{"bearer_without_a_token", [](const std::string&) { return "Bearer"; }, 401,
                          "refused: \"Bearer\" without a token"},
        AuthorizationForm{"bearer_colon_without_a_token", [](const std::string&) { return "Bearer:"; }, 401,
                          "refused: \"Bearer:\" without a token"},
        AuthorizationForm{"two_tokens", [](const std::string& t) { return "Bearer " + t + " " + t; }, 401,
                          "refused: two tokens"},
        AuthorizationForm{"token_with_a_space", [](const std::string& t) { return "Bearer: ab " + t; }, 401,
                          "refused: two tokens, or a token with a space in it"},
        AuthorizationForm{"bearer_glued_to_the_token", [](const std::string& t) { return "Bearer" + t; }, 401,
                          "bare"}),  // one unknown token: "Bearer" is part of it
    [](const ::testing::TestParamInfo<AuthorizationForm>& info) { return std::string(info.param.name); });

// Seeds 000 and 001 (Create an Integration) show this request: the header and body, as
// written there, with the host and token filled in, create the integration.
TEST_F(ApiTest, TheSeedsOwnCreateRequestCreatesAnIntegration) {
  std::ifstream in(std::string(EPMOCK_SOURCE_DIR) + "/tests/data/seed_create_examples.json");
  const json examples = json::parse(in);
  for (const char* example : {"webhook", "webhook_001"}) {
    httplib::Client http(server_->Url());
    auto res = http.Post("/v2/integrations", {{"Authorization", "Bearer: " + api_->token()}},
                         examples[example].dump(2), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 201) << example << ": " << res->body;
    EXPECT_EQ(LastRequest().authorization, "Bearer:");
  }
}

TEST_F(ApiTest, EachClientIdIsAnIsolatedStore) {
  std::string id = CreateWebhook();
  ApiClient other(server_->Url());
  EXPECT_EQ(other.Get("/v2/integrations").json["data"].size(), 0u);
  EXPECT_EQ(other.Get("/v2/integrations/" + id).status, 404);
  EXPECT_EQ(other.Delete("/v2/integrations/" + id).status, 404);
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).status, 200);
  // A second token for the same client_id sees the same store.
  ApiClient same(server_->Url(), api_->client_id());
  EXPECT_EQ(same.Get("/v2/integrations/" + id).status, 200);
}

// --- create -----------------------------------------------------------------------------

TEST_F(ApiTest, CreateReturns201WithTheIntegrationAsTheDocsShowIt) {
  Reply r = api_->Post("/v2/integrations", WebhookCreateBody("Order shipping notification"));
  ASSERT_EQ(r.status, 201) << r.body;
  const json& data = r.json["data"];
  EXPECT_THAT(data["id"].get<std::string>(), MatchesRegex(kUuid));
  EXPECT_EQ(data["type"], "integration");
  EXPECT_EQ(data["integration_type"], "webhook");
  EXPECT_EQ(data["name"], "Order shipping notification");
  EXPECT_EQ(data["description"], "Send a shipping notification via email with discount code.");
  EXPECT_EQ(data["enabled"], true);
  EXPECT_EQ(data["observes"], json::array({"order.fulfilled"}));
  EXPECT_EQ(data["configuration"]["url"], "https://yourwebsite.com/order-created-notification");
  std::string self = server_->Url() + "/v2/integrations/" + data["id"].get<std::string>();
  EXPECT_EQ(data["links"]["self"], self);
  EXPECT_EQ(r.Header("Location"), self);
  EXPECT_THAT(data["meta"]["timestamps"]["created_at"].get<std::string>(), MatchesRegex(kTimestamp));
  EXPECT_EQ(data["meta"]["timestamps"]["created_at"], data["meta"]["timestamps"]["updated_at"]);
}

TEST_F(ApiTest, AttributesTheClientNeverSetAreNotInventedButEnabledDefaultsToFalse) {
  // The docs' STOMP example has no description or enabled. Its response has no description
  // either, but enabled is always there, false when never set ("Default: false": moltin/docs.moltin.com
  // docs/integrations/integrations-api/create-an-integration.md).
  Reply r = api_->Post("/v2/integrations", StompCreateBody());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(r.json["data"].contains("description"));
  EXPECT_EQ(r.json["data"]["enabled"], false);
  const std::string id = r.json["data"]["id"];
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).json["data"]["enabled"], false);
  EXPECT_EQ(api_->Get("/v2/integrations").json["data"][0]["enabled"], false);
}

TEST_F(ApiTest, UrlsAndKeysThePlatformDoesNotCheckAreAccepted) {
  // Fact 36 (elasticpath/terraform-provider-epcc internal/provider/resource_epcc_integration_test.go,
  // against a real store): no format checks beyond the schema's.
  json sqs = SqsCreateBody();
  sqs["data"]["configuration"]["url"] = "https://webhook-updated";
  sqs["data"]["configuration"]["aws_access_key_id"] = "FOOFOOFOOFOOFOO";
  sqs["data"]["configuration"]["aws_secret_access_key"] = "FOOFOOFOOFOOFOO";
  Reply created = api_->Post("/v2/integrations", sqs);
  EXPECT_EQ(created.status, 201) << created.body;
  json webhook = WebhookCreateBody();
  webhook["data"]["configuration"]["url"] = "https://webhook";
  created = api_->Post("/v2/integrations", webhook);
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["data"]["configuration"]["url"], "https://webhook");
}

TEST_F(ApiTest, AMaskedCredentialKeepsItsLengthAndItsLastFour) {
  // Fact 37 (moltin/docs.moltin.com docs/integrations/integration-types.md).
  json sqs = SqsCreateBody();
  sqs["data"]["configuration"]["aws_access_key_id"] = "ABCDEFGHIJ";
  sqs["data"]["configuration"]["aws_secret_access_key"] = "12345";
  Reply created = api_->Post("/v2/integrations", sqs);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["data"]["configuration"]["aws_access_key_id"], "******GHIJ");
  EXPECT_EQ(created.json["data"]["configuration"]["aws_secret_access_key"], "*2345");
}

TEST_F(ApiTest, SqsKeysAreMaskedInEveryResponse) {
  Reply created = api_->Post("/v2/integrations", SqsCreateBody());
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.json["data"]["id"];
  json expected = {{"url", "https://sqs.eu-west-1.amazonaws.com/123456789/epcc-external-queue"},
                   {"aws_access_key_id", "****************PSYQ"},
                   {"aws_secret_access_key", "************************************pUSJ"},
                   {"region", "eu-west-1"}};
  EXPECT_EQ(created.json["data"]["configuration"], expected);
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).json["data"]["configuration"], expected);
  EXPECT_EQ(api_->Get("/v2/integrations").json["data"][0]["configuration"], expected);
  Reply updated =
      api_->Put("/v2/integrations/" + id, {{"data", {{"type", "integration"}, {"name", "renamed"}}}});
  EXPECT_EQ(updated.json["data"]["configuration"], expected);
  EXPECT_THAT(created.body, ::testing::Not(HasSubstr("mgJteE7d")));
}

TEST_F(ApiTest, StompPasswordIsMaskedAndWebhookSecretIsNot) {
  Reply stomp = api_->Post("/v2/integrations", StompCreateBody());
  EXPECT_EQ(stomp.json["data"]["configuration"]["password"], "***********d123");
  EXPECT_EQ(stomp.json["data"]["configuration"]["username"], "user1");
  json body = WebhookCreateBody();
  body["data"]["configuration"]["secret_key"] = "secret_squirrel";
  Reply hook = api_->Post("/v2/integrations", body);
  EXPECT_EQ(hook.json["data"]["configuration"]["secret_key"], "secret_squirrel");
}

TEST_F(ApiTest, MoreThanFiveObservedEventsGetsThePlatformsMessage) {
  json body = WebhookCreateBody();
  body["data"]["observes"] = {"order.paid",      "order.created",   "order.updated",
                              "order.fulfilled", "order.cancelled", "order.refunded"};
  Reply r = api_->Post("/v2/integrations", body);
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.json["errors"][0]["detail"], "You have reached the integration event limit of 5");
  EXPECT_FALSE(r.json["errors"][0].contains("source"));
  EXPECT_THAT(LastRequest().validation_errors,
              ::testing::ElementsAre("/data/observes: You have reached the integration event limit of 5 "
                                     "[rule maxItems, value 6 events]"));
  body["data"]["observes"].erase(5);
  EXPECT_EQ(api_->Post("/v2/integrations", body).status, 201);
}

TEST_F(ApiTest, UnknownObservableKeysAreRejected) {
  json body = WebhookCreateBody();
  body["data"]["observes"] = {"order.paid", "order.shipped"};
  Reply r = api_->Post("/v2/integrations", body);
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.json["errors"].size(), 1u);
  EXPECT_THAT(r.json["errors"][0]["detail"].get<std::string>(),
              ::testing::StartsWith("The data.observes.1 field 'order.shipped' is not an observable event"));
  EXPECT_THAT(LastRequest().validation_errors,
              ::testing::ElementsAre(::testing::StartsWith("/data/observes/1: ")));
}

TEST_F(ApiTest, EveryViolationIsReportedAtOnce) {
  json body = {{"data",
                {{"type", "integration"},
                 {"integration_type", "webhook"},
                 {"observes", {"order.paid"}},
                 {"enabled", "yes"},
                 {"configuration", {{"url", 5}}}}}};
  Reply r = api_->Post("/v2/integrations", body);
  ASSERT_EQ(r.status, 422);
  // elasticpath/epcc-cli docs/tutorial.md: worded as the platform's legacy API family words them, no source.
  std::set<std::string> details;
  for (const json& e : r.json["errors"]) {
    details.insert(e["detail"].get<std::string>());
    EXPECT_EQ(e["status"], 422);
    EXPECT_EQ(e["title"], "Failed Validation");
    EXPECT_FALSE(e.contains("source")) << e;
  }
  EXPECT_EQ(details,
            (std::set<std::string>{"The data.name field is required.",
                                   "The data.enabled field must be true or false, not a string.",
                                   "The data.configuration.url field must be a string, not an integer."}));
  // The journal keeps the pointer, the failed rule and the value.
  EXPECT_THAT(
      LastRequest().validation_errors,
      ::testing::UnorderedElementsAre("/data/name: data.name is required [rule required]",
                                      "/data/enabled: data.enabled must be true or false, not a string "
                                      "[rule type, value \"yes\"]",
                                      "/data/configuration/url: data.configuration.url must be a string, "
                                      "not an integer [rule type, value 5]"));
}

TEST_F(ApiTest, TheConfigurationMustMatchTheIntegrationType) {
  json body = WebhookCreateBody();
  body["data"]["integration_type"] = "aws_sqs";
  Reply r = api_->Post("/v2/integrations", body);
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.json["errors"].size(), 3u) << r.body;  // the three missing SQS keys
}

TEST_F(ApiTest, TheIntegrationLimitPerStoreIsEnforced) {
  ServerOptions options;
  options.integration_limit = 3;
  StartServer(options);
  for (int i = 0; i < 3; ++i) CreateWebhook();
  Reply r = api_->Post("/v2/integrations", WebhookCreateBody());
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(r.json["errors"][0]["detail"].get<std::string>(), HasSubstr("integration limit of 3"));
  EXPECT_EQ(StoredCount(), 3u);
  // Other stores have their own allowance.
  ApiClient other(server_->Url());
  EXPECT_EQ(other.Post("/v2/integrations", WebhookCreateBody()).status, 201);
}

TEST_F(ApiTest, AZeroIntegrationLimitLiftsIt) {
  ServerOptions options;
  options.integration_limit = 0;
  StartServer(options);
  for (int i = 0; i < 120; ++i) CreateWebhook();
  EXPECT_EQ(StoredCount(), 120u);
}

// --- read, update, delete ---------------------------------------------------------------

TEST_F(ApiTest, GetReturnsTheStoredIntegration) {
  std::string id = CreateWebhook("one");
  Reply r = api_->Get("/v2/integrations/" + id);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json["data"]["id"], id);
  EXPECT_EQ(r.json["data"]["name"], "one");
}

TEST_F(ApiTest, UnknownIdsAre404InThePlatformsWords) {
  for (const std::string& id :
       {std::string("8cb9e689-ede7-4f6d-b61a-6aa970d572dd"), std::string("not-a-uuid")}) {
    Reply r = api_->Get("/v2/integrations/" + id);
    ASSERT_EQ(r.status, 404);
    EXPECT_EQ(
        r.json,
        json::parse(
            R"({"errors":[{"status":404,"title":"Not Found","detail":"The resource could not be found"}]})"));
    EXPECT_EQ(api_->Put("/v2/integrations/" + id, {{"data", {{"type", "integration"}}}}).status, 404);
    EXPECT_EQ(api_->Delete("/v2/integrations/" + id).status, 404);
  }
}

TEST_F(ApiTest, UpdateChangesOnlyTheGivenAttributes) {
  json body = WebhookCreateBody("before");
  body["data"]["configuration"]["secret_key"] = "s3cret";
  Reply created = api_->Post("/v2/integrations", body);
  std::string id = created.json["data"]["id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let the clock move a little
  Reply r = api_->Put("/v2/integrations/" + id,
                      {{"data", {{"type", "integration"}, {"name", "after"}, {"enabled", false}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json expected = created.json["data"];
  expected["name"] = "after";
  expected["enabled"] = false;
  expected["meta"]["timestamps"]["updated_at"] = r.json["data"]["meta"]["timestamps"]["updated_at"];
  EXPECT_EQ(r.json["data"], expected);
  EXPECT_GT(r.json["data"]["meta"]["timestamps"]["updated_at"].get<std::string>(),
            created.json["data"]["meta"]["timestamps"]["created_at"].get<std::string>());
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).json["data"], r.json["data"]);
}

TEST_F(ApiTest, AnUpdateWithNoAttributesChangesNothing) {
  Reply created = api_->Post("/v2/integrations", WebhookCreateBody());
  std::string id = created.json["data"]["id"];
  Reply r = api_->Put("/v2/integrations/" + id, {{"data", {{"type", "integration"}}}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json["data"], created.json["data"]);
}

TEST_F(ApiTest, AnUpdateIsValidatedAsAWhole) {
  std::string id = CreateWebhook();
  Reply before = api_->Get("/v2/integrations/" + id);
  // Switching to aws_sqs without an SQS configuration leaves an invalid integration.
  Reply r = api_->Put("/v2/integrations/" + id,
                      {{"data", {{"type", "integration"}, {"integration_type", "aws_sqs"}}}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_THAT(r.json["errors"][0]["detail"].get<std::string>(),
              ::testing::StartsWith("The data.configuration."));
  EXPECT_THAT(LastRequest().validation_errors[0], ::testing::StartsWith("/data/configuration/"));
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).json, before.json);
  // So is each attribute on its own.
  Reply bad = api_->Put("/v2/integrations/" + id,
                        {{"data", {{"type", "integration"}, {"observes", {"nope.never"}}}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).json, before.json);
}

TEST_F(ApiTest, DeleteAnswers200WithTheDeletedIdentityAndTheIntegrationIsGone) {
  std::string id = CreateWebhook();
  Reply r = api_->Delete("/v2/integrations/" + id);
  // moltin/docs.moltin.com docs/integrations/integrations-api/delete-an-integration.md: 200 with {"data":
  // {"type": "integration", "id": ...}}.
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json, (json{{"data", {{"type", "integration"}, {"id", id}}}}));
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).status, 404);
  EXPECT_EQ(api_->Delete("/v2/integrations/" + id).status, 404);
  EXPECT_EQ(StoredCount(), 0u);
}

// --- lists --------------------------------------------------------------------------------

TEST_F(ApiTest, ListsPaginateWith25ByDefault) {
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(CreateWebhook("n" + std::to_string(i)));
  Reply first = api_->Get("/v2/integrations");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.json["data"].size(), 25u);
  EXPECT_EQ(first.json["data"][0]["id"], ids[0]);  // creation order
  EXPECT_EQ(first.json["meta"]["page"], json::parse(R"({"limit":25,"offset":0,"current":1,"total":2})"));
  EXPECT_EQ(first.json["meta"]["results"]["total"], 30);
  EXPECT_TRUE(first.json["links"]["prev"].is_null());
  EXPECT_TRUE(first.json["links"]["last"].is_string());
  std::string next = first.json["links"]["next"];
  EXPECT_EQ(next, server_->Url() + "/v2/integrations?page[offset]=25&page[limit]=25");

  Reply second = api_->Get(next.substr(server_->Url().size()));
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.json["data"].size(), 5u);
  EXPECT_EQ(second.json["data"][4]["id"], ids[29]);
  EXPECT_EQ(second.json["meta"]["page"]["current"], 2);
  EXPECT_TRUE(second.json["links"]["next"].is_null());
  EXPECT_FALSE(second.json["links"]["prev"].is_null());

  Reply small = api_->Get("/v2/integrations?page%5Blimit%5D=7&page%5Boffset%5D=14");
  EXPECT_EQ(small.json["data"].size(), 7u);
  EXPECT_EQ(small.json["data"][0]["id"], ids[14]);
  EXPECT_EQ(small.json["meta"]["page"], json::parse(R"({"limit":7,"offset":14,"current":3,"total":5})"));
}

TEST_F(ApiTest, TheStoresPageLengthIsTheLengthOfEveryListThatGivesNoLimit) {
  for (int i = 0; i < 3; ++i) CreateWebhook("hook " + std::to_string(i));
  Reply store = api_->Get("/__admin/store");
  EXPECT_EQ(store.json["data"]["page_length"], 25);
  EXPECT_EQ(store.json["data"]["kind"], "production");

  store = api_->Put("/__admin/store", {{"page_length", 2}});
  ASSERT_EQ(store.status, 200) << store.body;
  EXPECT_EQ(store.json["data"]["page_length"], 2);
  EXPECT_EQ(store.json["data"]["kind"], "production") << "only what is given changes";
  Reply page = api_->Get("/v2/integrations");
  EXPECT_EQ(page.json["data"].size(), 2u);
  EXPECT_EQ(page.json["meta"]["page"]["limit"], 2);
  EXPECT_EQ(page.json["meta"]["page"]["total"], 2) << "three integrations, two pages";
  EXPECT_EQ(api_->Get("/v2/integrations?page[limit]=3").json["data"].size(), 3u) << "a given limit wins";
  const std::string id = page.json["data"][0]["id"];
  EXPECT_EQ(api_->Get("/v2/integrations/" + id + "/logs").json["meta"]["limit"], 2) << "logs too";
  EXPECT_EQ(api_->Get("/v2/integrations/logs").json["meta"]["limit"], 2);

  store = api_->Put("/__admin/store", {{"kind", "development"}});
  EXPECT_EQ(store.json["data"]["page_length"], 2);
  EXPECT_EQ(store.json["data"]["kind"], "development");
  // A refused body changes nothing, not even the part that was right.
  EXPECT_EQ(api_->Put("/__admin/store", {{"kind", "production"}, {"page_length", 0}}).status, 422);
  store = api_->Get("/__admin/store");
  EXPECT_EQ(store.json["data"]["kind"], "development");
  EXPECT_EQ(store.json["data"]["page_length"], 2);
  // Another store keeps its own.
  ApiClient other(server_->Url());
  EXPECT_EQ(other.Get("/__admin/store").json["data"]["page_length"], 25);

  // From C++ as over HTTP; a reset of the store brings 25 back.
  EXPECT_THAT(server_->SetPageLength(api_->client_id(), 0), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(server_->SetPageLength(api_->client_id(), 101), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_THAT(server_->SetPageLength(api_->client_id(), 1), IsOk());
  EXPECT_EQ(api_->Get("/v2/integrations").json["data"].size(), 1u);
  ASSERT_EQ(api_->Post("/__admin/reset", json::object()).status, 204);
  EXPECT_EQ(api_->Get("/__admin/store").json["data"]["page_length"], 25);
}

TEST_F(ApiTest, BadPageParametersAre400NamingTheParameter) {
  for (const char* query : {"page[limit]=101", "page[limit]=0", "page[limit]=x", "page[offset]=-1"}) {
    for (const char* path : {"/v2/integrations?", "/v2/integrations/logs?"}) {
      Reply r = api_->Get(std::string(path) + query);
      EXPECT_EQ(r.status, 400) << path << query;
      EXPECT_THAT(r.json["errors"][0]["detail"].get<std::string>(), ::testing::StartsWith("page["));
      EXPECT_THAT(LastRequest().errors, ::testing::ElementsAre(::testing::StartsWith("page[")));
    }
  }
}

TEST_F(ApiTest, LogAndJobEndpointsAnswerForKnownIntegrationsAnd404Otherwise) {
  std::string id = CreateWebhook();
  for (const std::string& path : {std::string("/v2/integrations/logs"), "/v2/integrations/" + id + "/logs",
                                  "/v2/integrations/" + id + "/jobs"}) {
    Reply r = api_->Get(path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.json["data"], json::array());
    EXPECT_EQ(r.json["results"]["total"], 0);
    EXPECT_EQ(r.json["meta"]["limit"], 25);
    EXPECT_TRUE(r.json["links"]["last"].is_null())
        << "a single page has no last (elasticpath/elasticpath-dev guides/Getting-Started/links.md)";
  }
  EXPECT_TRUE(api_->Get("/v2/integrations").json["links"]["last"].is_null());
  const std::string unknown = "8cb9e689-ede7-4f6d-b61a-6aa970d572dd";
  for (const std::string& path :
       {"/v2/integrations/" + unknown + "/logs", "/v2/integrations/" + unknown + "/jobs",
        "/v2/integrations/" + id + "/jobs/" + unknown + "/logs"}) {
    EXPECT_EQ(api_->Get(path).status, 404) << path;
  }
}

// --- routing --------------------------------------------------------------------------------

TEST_F(ApiTest, UnknownRoutesAre404AndWrongMethods405) {
  EXPECT_EQ(api_->Get("/v2/products").status, 404);
  EXPECT_EQ(api_->Get("/nowhere").status, 404);
  Reply r = api_->Send("PATCH", "/v2/integrations/abc", "{}", "application/json");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, PUT, DELETE");
  EXPECT_EQ(api_->Send("DELETE", "/v2/integrations", "", "").status, 405);
  EXPECT_EQ(api_->Get("/oauth/access_token").status, 405);
}

// --- journal, admin -------------------------------------------------------------------------

TEST_F(ApiTest, TheJournalRecordsEveryRequestWithItsValidationOutcome) {
  CreateWebhook();
  api_->Post("/v2/integrations", {{"data", {{"type", "integration"}}}});
  api_->Get("/v2/integrations");
  std::string store = Server::StoreIdFor(api_->client_id());
  std::vector<RequestRecord> records;
  for (const RequestRecord& r : server_->Requests()) {
    if (r.store_id == store) records.push_back(r);
  }
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].method, "POST");
  EXPECT_EQ(records[0].operation_id, "CreateIntegration");
  EXPECT_EQ(records[0].status, 201);
  EXPECT_EQ(records[0].validation, RequestRecord::Validation::kPassed);
  EXPECT_EQ(records[1].status, 422);
  EXPECT_EQ(records[1].validation, RequestRecord::Validation::kFailed);
  EXPECT_FALSE(records[1].validation_errors.empty());
  EXPECT_EQ(records[2].operation_id, "ListIntegrations");
  EXPECT_EQ(records[2].validation, RequestRecord::Validation::kNotApplicable);
  EXPECT_LT(records[0].sequence, records[1].sequence);

  Reply journal = api_->Get("/__admin/requests");
  ASSERT_EQ(journal.status, 200);
  ASSERT_EQ(journal.json["data"].size(), 3u);
  EXPECT_EQ(journal.json["data"][1]["validation"], "failed");
  EXPECT_EQ(journal.json["data"][1]["path"], "/v2/integrations");
  EXPECT_EQ(journal.json["meta"]["store_id"], store);
}

TEST_F(ApiTest, TheAdminJournalShowsOnlyTheCallersStore) {
  CreateWebhook();
  ApiClient other(server_->Url());
  other.Get("/v2/integrations");
  Reply mine = api_->Get("/__admin/requests");
  ASSERT_EQ(mine.json["data"].size(), 1u);
  EXPECT_EQ(mine.json["data"][0]["method"], "POST");
  EXPECT_EQ(api_->Send("GET", "/__admin/requests", "", "", false).status, 401);
}

TEST_F(ApiTest, TheJournalIsBoundedAndCountsWhatItDrops) {
  ServerOptions options;
  options.journal_capacity = 5;
  StartServer(options);
  for (int i = 0; i < 12; ++i) api_->Get("/v2/integrations");
  EXPECT_EQ(server_->Requests().size(), 5u);
  EXPECT_EQ(server_->DroppedRequests(), 8u);  // 12 lists + the token request - 5 kept
  // The admin API reads the journal without adding to it.
  EXPECT_EQ(api_->Get("/__admin/requests").json["meta"]["dropped"], 8);
}

TEST_F(ApiTest, AdminResetClearsOnlyTheCallersStore) {
  CreateWebhook();
  ApiClient other(server_->Url());
  other.Post("/v2/integrations", WebhookCreateBody());
  Reply r = api_->Send("POST", "/__admin/reset", "", "");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(api_->Get("/v2/integrations").json["data"].size(), 0u);
  EXPECT_EQ(other.Get("/v2/integrations").json["data"].size(), 1u);
  EXPECT_EQ(api_->Get("/__admin/requests").json["data"].size(), 1u);  // the list just now
}

TEST_F(ApiTest, HealthNeedsNoTokenAndNamesTheVersion) {
  Reply r = api_->Send("GET", "/__admin/health", "", "", false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json["status"], "ok");
  EXPECT_EQ(r.json["version"], Version());
  EXPECT_EQ(r.json["schema_revision"], "26.0212.7184796");  // the seed OpenAPI's info.version
}

// --- request ids (fact 26: moltin/php-sdk src/Request.php) ------------------------------------

TEST_F(ApiTest, EveryAnswerCarriesARequestIdAndTheJournalKeepsTheSame) {
  std::set<std::string> seen;
  auto id_of = [&](const Reply& r) {
    const std::string id = r.Header("X-Moltin-Request-Id");
    EXPECT_THAT(id, MatchesRegex(kUuid)) << r.status << " " << r.body;
    EXPECT_TRUE(seen.insert(id).second) << "a request id given twice: " << id;
    return id;
  };
  const Reply listed = api_->Get("/v2/integrations");
  EXPECT_EQ(id_of(listed), LastRequest().request_id);
  const Reply missing = api_->Get("/v2/integrations/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(id_of(missing), LastRequest().request_id);
  const Reply unauthorized = api_->Send("GET", "/v2/integrations", "", "", /*authorized=*/false);
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(id_of(unauthorized), LastRequest().request_id);
  const Reply token = api_->Send("POST", "/oauth/access_token", "grant_type=implicit&client_id=x",
                                 "application/x-www-form-urlencoded", false);
  EXPECT_EQ(token.status, 200);
  EXPECT_EQ(id_of(token), LastRequest().request_id);
  // epmock's own routes carry one too, though the journal records only the platform's.
  const Reply journal = api_->Get("/__admin/requests");
  id_of(journal);
  id_of(api_->Send("GET", "/__admin/health", "", "", false));
  id_of(api_->Send("GET", "/nowhere", "", "", false));
  // The journal as the admin API shows it.
  ASSERT_EQ(journal.status, 200);
  EXPECT_EQ(journal.json["data"][0]["request_id"], listed.Header("X-Moltin-Request-Id"));
}

TEST_F(ApiTest, A500IsThePlatformsBodyWithItsRequestIdAndTheJournalSaysWhy) {
  ASSERT_EQ(api_->Post("/__admin/api-faults", {{"status", 500}, {"requests", 1}}).status, 201);
  const Reply failed = api_->Get("/v2/integrations");
  ASSERT_EQ(failed.status, 500);
  const std::string id = failed.Header("X-Moltin-Request-Id");
  ASSERT_THAT(id, MatchesRegex(kUuid));
  // elasticpath/elasticpath-dev guides/Getting-Started/errors.md, word for word.
  const json expected = {
      {"errors",
       {{{"status", 500},
         {"title", "Internal Server Error"},
         {"detail", "There was an internal server error, you can report with your request id."},
         {"request_id", id}}}}};
  EXPECT_EQ(failed.json, expected);
  const RequestRecord record = LastRequest();
  EXPECT_EQ(record.request_id, id);
  EXPECT_THAT(record.errors, ::testing::Contains(HasSubstr("API fault")));
}

TEST(RequestIdTest, FollowTheServersSeed) {
  auto ids = [](std::uint64_t seed) {
    ServerOptions options;
    options.seed = seed;
    Server server(options);
    EXPECT_THAT(server.Start(), IsOk());
    ApiClient api(server.Url(), "seeded-client");  // its token request takes the first id
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i) out.push_back(api.Get("/v2/integrations").Header("X-Moltin-Request-Id"));
    return out;
  };
  const std::vector<std::string> first = ids(7);
  EXPECT_THAT(first[0], MatchesRegex(kUuid));
  EXPECT_EQ(ids(7), first) << "the same seed, the same ids";
  EXPECT_NE(ids(8), first);
  EXPECT_NE(ids(0), ids(0)) << "no seed, random ids";
}

// --- bad input ------------------------------------------------------------------------------

struct BadInput {
  const char* name;
  const char* method;
  const char* path;  // "{id}" is replaced by an existing integration's id
  std::string body;
  const char* content_type;
  int status;
  const char* detail_part;
};

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

class BadInputTest : public ApiTest, public ::testing::WithParamInterface<BadInput> {};

TEST_P(BadInputTest, GetsAClearErrorAndChangesNothing) {
  const BadInput& c = GetParam();
  std::string id = CreateWebhook("kept");
  json before = api_->Get("/v2/integrations/" + id).json;
  std::string path = std::regex_replace(c.path, std::regex("\\{id\\}"), id);

  Reply r = api_->Send(c.method, path, c.body, c.content_type);
  EXPECT_EQ(r.status, c.status) << r.body;
  ASSERT_TRUE(r.json.contains("errors")) << r.body;
  EXPECT_EQ(r.json["errors"][0]["status"], c.status);
  EXPECT_THAT(r.json["errors"][0]["detail"].get<std::string>(), HasSubstr(c.detail_part));
  // The server still serves, and what was stored is as it was.
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).json, before);
  EXPECT_EQ(StoredCount(), 1u);
}

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

INSTANTIATE_TEST_SUITE_P(
    Cases, BadInputTest,
    ::testing::Values(
        BadInput{"malformed_json", "POST", "/v2/integrations", R"({"data":)", "application/json", 400,
                 "not valid JSON"},
        BadInput{"trailing_garbage", "POST", "/v2/integrations", R"({"data":{}} x)", "application/json", 400,
                 "not valid JSON"},
        BadInput{"invalid_utf8", "POST", "/v2/integrations", "{\"data\":{\"name\":\"\xff\xfe\"}}",
                 "application/json", 400, "not valid JSON"},
        BadInput{"empty_body", "POST", "/v2/integrations", "", "application/json", 400, "empty"},
        BadInput{"text_plain", "POST", "/v2/integrations", "{}", "text/plain", 415, "application/json"},
        BadInput{"form_encoded", "PUT", "/v2/integrations/{id}", "a=b", "application/x-www-form-urlencoded",
                 415, "application/json"},
        BadInput{"nested_200000_deep", "POST", "/v2/integrations", Nested(200000), "application/json", 400,
                 "levels deep"},
        BadInput{"nested_100_deep", "POST", "/v2/integrations", Nested(100), "application/json", 400,
                 "levels deep"},
        BadInput{"body_is_array", "POST", "/v2/integrations", "[]", "application/json", 422,
                 "must be an object"},
        BadInput{"body_is_number", "PUT", "/v2/integrations/{id}", "1e999999", "application/json", 400,
                 "not valid JSON"},
        BadInput{"data_is_string", "PUT", "/v2/integrations/{id}", R"({"data":"x"})", "application/json", 422,
                 "must be an object"},
        BadInput{"update_wrong_type", "PUT", "/v2/integrations/{id}",
                 R"({"data":{"type":"integration","name":42}})", "application/json", 422, "must be a string"},
        BadInput{
            "update_observes_over_limit", "PUT", "/v2/integrations/{id}",
            R"({"data":{"type":"integration","observes":["order.paid","order.created","order.updated","order.fulfilled","order.cancelled","order.refunded"]}})",
            "application/json", 422, "integration event limit of 5"},
        BadInput{"bad_percent_encoding", "GET", "/v2/integrations?page[limit]=%zz", "", "", 400,
                 "percent-encoding"},
        BadInput{"over_body_limit", "POST", "/v2/integrations", std::string(2 * 1024 * 1024, ' '),
                 "application/json", 413, "larger than"},
        BadInput{
            "duplicate_keys", "POST", "/v2/integrations",
            R"({"data":{"type":"integration","name":"a","name":"b","integration_type":"webhook","observes":["order.paid"],"configuration":{"url":"https://x.io"}}})",
            "application/json", 400, "repeats the key \"name\""},
        BadInput{
            "duplicate_keys_in_an_array", "PUT", "/v2/integrations/{id}",
            R"({"data":{"type":"integration","observes":["order.paid"],"configuration":{"url":"https://x.io","url":"https://y.io"}}})",
            "application/json", 400, "repeats the key \"url\""},
        BadInput{"huge_float", "POST", "/v2/integrations", R"({"data":{"type":"integration","name":1e400}})",
                 "application/json", 400, "number overflow"},
        BadInput{"huge_integer", "PUT", "/v2/integrations/{id}",
                 R"({"data":{"type":"integration","name":123456789012345678901234567890123456789}})",
                 "application/json", 422, "must be a string"},
        BadInput{"nul_byte", "POST", "/v2/integrations", std::string("{\"data\":\0{}}", 12),
                 "application/json", 400, "not valid JSON"},
        BadInput{"nul_in_a_string", "POST", "/v2/integrations",
                 std::string("{\"data\":{\"name\":\"a\0b\"}}", 23), "application/json", 400,
                 "not valid JSON"},
        BadInput{"admin_duplicate_keys", "POST", "/__admin/events",
                 R"({"type":"order.paid","type":"order.created"})", "application/json", 400,
                 "repeats the key"},
        BadInput{"asyncapi_seed_not_a_number", "GET", "/__admin/asyncapi?seed=abc", "", "", 400,
                 "seed must be a whole number"},
        BadInput{"asyncapi_seed_negative", "GET", "/__admin/asyncapi?seed=-1", "", "", 400,
                 "seed must be a whole number"},
        BadInput{"asyncapi_seed_too_long", "GET", "/__admin/asyncapi?seed=123456789012345678901", "", "", 400,
                 "seed must be a whole number"},
        BadInput{"asyncapi_seed_empty", "GET", "/__admin/asyncapi?seed=", "", "", 400,
                 "seed must be a whole number"},
        BadInput{"admin_bad_queue_name", "PUT", "/__admin/sqs/queues/bad!name", "", "", 404,
                 "No embedded SQS"},
        BadInput{"store_page_length_zero", "PUT", "/__admin/store", R"({"page_length":0})",
                 "application/json", 422, "page_length"},
        BadInput{"store_page_length_101", "PUT", "/__admin/store", R"({"page_length":101})",
                 "application/json", 422, "page_length"},
        BadInput{"store_page_length_negative", "PUT", "/__admin/store", R"({"page_length":-1})",
                 "application/json", 422, "page_length"},
        BadInput{"store_page_length_fraction", "PUT", "/__admin/store", R"({"page_length":2.5})",
                 "application/json", 422, "page_length"},
        BadInput{"store_page_length_string", "PUT", "/__admin/store", R"({"page_length":"25"})",
                 "application/json", 422, "page_length"},
        BadInput{"store_page_length_huge", "PUT", "/__admin/store", R"({"page_length":1e300})",
                 "application/json", 422, "page_length"},
        BadInput{"store_page_length_beside_an_unknown_key", "PUT", "/__admin/store",
                 R"({"page_length":5,"colour":"red"})", "application/json", 422, "page_length"},
        BadInput{"store_empty_object", "PUT", "/__admin/store", "{}", "application/json", 422,
                 "page_length"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST_F(ApiTest, ABodyWithoutAContentTypeIs415) {
  // httplib's client adds a Content-Type of its own, so this one goes over a raw socket.
  std::string request = "POST /v2/integrations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                        api_->token() + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
  std::string answer = testing_support::RawExchange(server_->Port(), request);
  EXPECT_EQ(answer.rfind("HTTP/1.1 415", 0), 0u) << answer;
  EXPECT_THAT(answer, HasSubstr("none was given"));
  EXPECT_EQ(StoredCount(), 0u);
}

// --- the server itself ---------------------------------------------------------------------

TEST(ServerTest, IsReadyWhenStartReturnsAndManyRunSideBySide) {
  Server a, b;
  ASSERT_THAT(a.Start(), IsOk());
  ASSERT_THAT(b.Start(), IsOk());
  EXPECT_NE(a.Port(), b.Port());
  EXPECT_TRUE(a.Running());
  ApiClient on_a(a.Url(), "shared-client");
  ApiClient on_b(b.Url(), "shared-client");
  EXPECT_EQ(on_a.Post("/v2/integrations", WebhookCreateBody()).status, 201);
  EXPECT_EQ(on_b.Get("/v2/integrations").json["data"].size(), 0u);  // servers share nothing
}

TEST(ServerTest, StopIsIdempotentAndTheServerCanStartAgain) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  server.Stop();
  server.Stop();
  EXPECT_FALSE(server.Running());
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  EXPECT_EQ(api.Get("/v2/integrations").status, 200);
}

TEST(ServerTest, StartingTwiceIsAnError) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  EXPECT_FALSE(server.Start().ok());
}

TEST(ServerTest, ATakenPortIsAnErrorNotACrash) {
  Server first;
  ASSERT_THAT(first.Start(), IsOk());
  ServerOptions options;
  options.port = first.Port();
  Server second(options);
  Status s = second.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(std::to_string(first.Port())));
}

TEST(ServerTest, StopDoesNotWaitForIdleKeepAliveConnections) {
  ServerOptions options;
  options.idle_timeout_seconds = 3600;  // a stop that waited for idle connections would hang
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  httplib::Client client(server.Url());
  client.set_keep_alive(true);
  auto res = client.Get("/__admin/health");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);  // the connection now sits idle, kept alive
  auto stopped = std::async(std::launch::async, [&] { server.Stop(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  stopped.wait();
}

TEST(ServerTest, ResetForgetsStoresTokensAndJournal) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  ASSERT_EQ(api.Post("/v2/integrations", WebhookCreateBody()).status, 201);
  server.Reset();
  EXPECT_EQ(server.Integrations(api.client_id()).size(), 0u);
  EXPECT_TRUE(server.Requests().empty());
  EXPECT_EQ(api.Get("/v2/integrations").status, 401);  // the token is gone too
}

TEST(ServerTest, ConcurrentClientsLoseNothing) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  constexpr int kThreads = 8, kEach = 12;
  std::vector<std::thread> threads;
  std::vector<std::set<std::string>> ids(kThreads);
  ApiClient shared(server.Url());
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client http(server.Url());
      http.set_tcp_nodelay(true);
      for (int i = 0; i < kEach; ++i) {
        auto res = http.Post("/v2/integrations", {{"Authorization", "Bearer " + shared.token()}},
                             WebhookCreateBody().dump(), "application/json");
        if (res && res->status == 201) ids[t].insert(json::parse(res->body)["data"]["id"].get<std::string>());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& s : ids) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(server.Integrations(shared.client_id()).size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace epmock
