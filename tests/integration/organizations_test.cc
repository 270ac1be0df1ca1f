// Organizations (elasticpath/elasticpath-dev
// guides/How-To/Authentication/how-to-utilize-one-time-password-tokens.md; elasticpath/elasticpath-dev
// guides/key-concepts/organizations/organization_authentication.md; elasticpath/js-sdk
// src/factories/request.js): declaring one, organization-level integrations, events and logs, acting on a
// store with X-Moltin-Auth-Store, the identities each delivery carries, and isolation between stores and
// organizations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "epmock/server.h"
#include "epmock/sinks.h"
#include "epmock/spec.h"
#include "epmock/testing/matchers.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ApiClient;
using testing_support::Reply;

constexpr std::chrono::seconds kWait(20);

json Hook(const std::string& url, const std::vector<std::string>& observes) {
  return {{"data",
           {{"type", "integration"},
            {"name", "hook"},
            {"integration_type", "webhook"},
            {"enabled", true},
            {"observes", observes},
            {"configuration", {{"url", url}}}}}};
}

// Hand-written, not EpmockTest: three clients act on one server (an organization and two of
// its stores); the harness acts as one client.
class OrganizationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.time_scale = 0.0001;
    options.sqs_port = 0;
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    ASSERT_THAT(sink_.Start(), IsOk());
    org_ = std::make_unique<ApiClient>(server_->Url());
    store_a_ = std::make_unique<ApiClient>(server_->Url());
    store_b_ = std::make_unique<ApiClient>(server_->Url());
    Reply declared =
        org_->Put("/__admin/organization", {{"stores", {store_a_->client_id(), store_b_->client_id()}}});
    ASSERT_EQ(declared.status, 200) << declared.body;
    org_id_ = declared.json["data"]["id"];
  }

  std::string StoreA() const { return Server::StoreIdFor(store_a_->client_id()); }

  std::string Create(ApiClient& client, const std::string& path, const std::vector<std::string>& observes) {
    Reply r = client.Post("/v2/integrations", Hook(sink_.Url() + path, observes));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json["data"].value("id", "");
  }

  std::map<std::string, json> ReceivedByPath() {
    std::map<std::string, json> out;
    for (const ReceivedRequest& r : sink_.Requests()) out[r.path] = r.Json();
    return out;
  }

  std::unique_ptr<Server> server_;
  WebhookSink sink_;
  std::unique_ptr<ApiClient> org_, store_a_, store_b_;
  std::string org_id_;
};

TEST_F(OrganizationsTest, TheDeclarationIsReadBackAndItsIdIsStable) {
  Reply got = org_->Get("/__admin/organization");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json["data"]["id"], Server::StoreIdFor(org_->client_id()));
  EXPECT_EQ(got.json["data"]["store_ids"], (json{StoreA(), Server::StoreIdFor(store_b_->client_id())}));
  EXPECT_EQ(store_a_->Get("/__admin/organization").status, 404) << "a store declared none";

  StatusOr<Organization> cpp = server_->DeclareOrganization(org_->client_id(), {store_a_->client_id()});
  ASSERT_THAT(cpp, IsOk());
  EXPECT_EQ(cpp->id, org_id_);
  EXPECT_EQ(cpp->store_ids, (std::vector<std::string>{StoreA()}));
}

TEST_F(OrganizationsTest, BadDeclarationsAreRefusedNamingTheEntry) {
  ApiClient other(server_->Url());
  struct Case {
    json body;
    int status;
    const char* detail;
  };
  const Case cases[] = {
      {json::object(), 422, "stores is required"},
      {{{"stores", "a"}}, 422, "stores is required"},
      {{{"stores", {5}}}, 422, "stores[0] must be a client_id"},
      {{{"stores", {""}}}, 422, "stores[0] must be a client_id of 1 to 256 characters"},
      {{{"stores", {std::string(257, 'x')}}}, 422, "1 to 256 characters"},
      {{{"stores", {"x", "x"}}}, 422, "stores[1]: 'x' is listed twice"},
      {{{"stores", {other.client_id()}}}, 422, "an organization is not a store of its own"},
      {{{"stores", {store_a_->client_id()}}}, 409, "already belongs to the organization of"},
      {{{"stores", {org_->client_id()}}}, 409, "is an organization"},
  };
  for (const Case& c : cases) {
    Reply r = other.Put("/__admin/organization", c.body);
    EXPECT_EQ(r.status, c.status) << c.body;
    EXPECT_THAT(r.json["errors"][0]["detail"].get<std::string>(), HasSubstr(c.detail)) << c.body;
  }
  json too_many = json::array();
  for (std::size_t i = 0; i <= kMaxOrganizationStores; ++i) too_many.push_back("s" + std::to_string(i));
  EXPECT_EQ(other.Put("/__admin/organization", {{"stores", too_many}}).status, 422);
  EXPECT_EQ(other.Get("/__admin/organization").status, 404) << "nothing was half-declared";
  EXPECT_EQ(org_->Get("/__admin/organization").json["data"]["store_ids"].size(), 2u) << "the first is intact";
}

TEST_F(OrganizationsTest, TheOrganizationHasItsOwnIntegrationsObservingOnlyOrganizationLevelEvents) {
  const std::string org_hook = Create(*org_, "/org", {"integration.created", "catalog-release.created"});
  Reply refused = org_->Post("/v2/integrations", Hook(sink_.Url() + "/x", {"order.paid"}));
  ASSERT_EQ(refused.status, 422);
  EXPECT_THAT(refused.json["errors"][0]["detail"].get<std::string>(),
              HasSubstr("'order.paid' is a store-level event; an organization raises and observes only"));
  // Isolated both ways: the organization's list is its own, and so are the stores'.
  Create(*store_a_, "/a", {"order.paid"});
  Reply org_list = org_->Get("/v2/integrations");
  ASSERT_EQ(org_list.json["data"].size(), 1u);
  EXPECT_EQ(org_list.json["data"][0]["id"], org_hook);
  EXPECT_EQ(store_a_->Get("/v2/integrations").json["data"].size(), 1u);
  EXPECT_EQ(store_b_->Get("/v2/integrations").json["data"].size(), 0u);
  EXPECT_EQ(store_a_->Get("/v2/integrations/" + org_hook).status, 404);
}

TEST_F(OrganizationsTest, AnOrganizationTokenActsOnItsStoreWithXMoltinAuthStore) {
  org_->set_header("X-Moltin-Auth-Store", StoreA());
  const std::string id = Create(*org_, "/a", {"order.paid"});
  EXPECT_EQ(store_a_->Get("/v2/integrations/" + id).status, 200) << "created in store A";
  EXPECT_EQ(org_->Get("/v2/integrations").json["data"].size(), 1u);
  org_->set_header("X-Moltin-Auth-Store", "");
  EXPECT_EQ(org_->Get("/v2/integrations").json["data"].size(), 0u) << "without it, the organization's level";

  // A store of no organization of this token, or a store token naming another store: 403.
  const json forbidden = json::parse(R"({"errors":[{"status":403,"title":"Forbidden"}]})");
  org_->set_header("X-Moltin-Auth-Store", Server::StoreIdFor("somebody-else"));
  Reply r = org_->Get("/v2/integrations");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json, forbidden);
  store_b_->set_header("X-Moltin-Auth-Store", StoreA());
  EXPECT_EQ(store_b_->Get("/v2/integrations").json, forbidden);
  std::vector<RequestRecord> journal = server_->Requests();
  ASSERT_FALSE(journal.empty());
  EXPECT_THAT(journal.back().errors, ::testing::ElementsAre(HasSubstr("this token is a store's")));
  store_b_->set_header("X-Moltin-Auth-Store", Server::StoreIdFor(store_b_->client_id()));
  EXPECT_EQ(store_b_->Get("/v2/integrations").status, 200) << "naming its own store is fine";
}

TEST_F(OrganizationsTest, EachDeliveryCarriesTheIdentitiesOfItsLevel) {
  // elasticpath/elasticpath-dev guides/How-To/Authentication/how-to-utilize-one-time-password-tokens.md: a
  // store in an organization: store_id and org_id; an organization-level event: org_id alone, and only to
  // organization-level integrations.
  Create(*store_a_, "/store-a", {"order.paid", "catalog-release.created"});
  Create(*org_, "/org", {"catalog-release.created"});
  auto paid = server_->Trigger(store_a_->client_id(), {"order.paid", std::nullopt, std::nullopt});
  ASSERT_THAT(paid, IsOk());
  EXPECT_EQ(paid->org_id, org_id_);
  auto release = server_->Trigger(org_->client_id(), {"catalog-release.created", std::nullopt, std::nullopt});
  ASSERT_THAT(release, IsOk());
  EXPECT_EQ(release->store_id, "");
  EXPECT_EQ(release->org_id, org_id_);
  ASSERT_EQ(release->jobs.size(), 1u) << "the store's integration does not hear the organization's event";
  // An organization raises only organization-level events.
  auto refused = server_->Trigger(org_->client_id(), {"order.paid", std::nullopt, std::nullopt});
  EXPECT_THAT(refused.status().message(), HasSubstr("store-level event"));
  ASSERT_TRUE(server_->WaitForIdle(kWait));

  std::map<std::string, json> by_path = ReceivedByPath();
  ASSERT_EQ(by_path.size(), 2u);
  const json& store_body = by_path["/store-a"];
  EXPECT_EQ(store_body["triggered_by"], "order.paid");
  EXPECT_EQ(store_body["store_id"], StoreA());
  EXPECT_EQ(store_body["org_id"], org_id_);
  const json& org_body = by_path["/org"];
  EXPECT_EQ(org_body["triggered_by"], "catalog-release.created");
  EXPECT_FALSE(org_body.contains("store_id"));
  EXPECT_EQ(org_body["org_id"], org_id_);
  for (const ReceivedRequest& r : sink_.Requests()) {
    EXPECT_THAT(r, testing::IsValidWebhookEnvelope());
    EXPECT_THAT(r, testing::ForOrganization(org_id_));
  }

  // The organization reads its own integration's logs, and the store its own.
  EXPECT_EQ(org_->Get("/v2/integrations/logs").json["results"]["total"], 1);
  EXPECT_EQ(store_a_->Get("/v2/integrations/logs").json["results"]["total"], 1);
}

TEST_F(OrganizationsTest, QueueMessagesCarryStoreidAndOrgidAsTheirLevelHasThem) {
  const std::string queue = server_->Sqs()->CreateQueue("org-events");
  auto sqs = [&](const std::vector<std::string>& observes) {
    return json{{"data",
                 {{"type", "integration"},
                  {"name", "queue"},
                  {"integration_type", "aws_sqs"},
                  {"enabled", true},
                  {"observes", observes},
                  {"configuration",
                   {{"url", queue},
                    {"aws_access_key_id", "AKIAORG"},
                    {"aws_secret_access_key", "secret"},
                    {"region", "us-east-1"}}}}}};
  };
  ASSERT_EQ(org_->Post("/v2/integrations", sqs({"catalog-release.updated"})).status, 201);
  ASSERT_EQ(store_a_->Post("/v2/integrations", sqs({"cart.updated"})).status, 201);
  ASSERT_TRUE(
      server_->Trigger(org_->client_id(), {"catalog-release.updated", std::nullopt, std::nullopt}).ok());
  ASSERT_THAT(server_->Trigger(store_a_->client_id(), {"cart.updated", std::nullopt, std::nullopt}), IsOk());
  ASSERT_TRUE(server_->Sqs()->WaitForMessages("org-events", 2, kWait));
  std::map<std::string, json> by_type;
  for (const SqsQueuedMessage& m : server_->Sqs()->Messages("org-events")) {
    json message = json::parse(m.body);
    by_type[message["type"]] = message;
    EXPECT_THAT(Spec::Default()->ValidateEnvelope("cloudevent", message), ::testing::IsEmpty());
  }
  EXPECT_FALSE(by_type["catalog-release.updated"].contains("storeid"));
  EXPECT_EQ(by_type["catalog-release.updated"]["orgid"], org_id_);
  EXPECT_EQ(by_type["cart.updated"]["storeid"], StoreA());
  EXPECT_EQ(by_type["cart.updated"]["orgid"], org_id_);
}

TEST_F(OrganizationsTest, OrganizationLevelIntegrationEventsGoToTheOrganizationAlone) {
  Create(*org_, "/org", {"integration.created"});
  Create(*store_a_, "/store", {"integration.created"});
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  std::map<std::string, json> by_path = ReceivedByPath();
  // Each integration hears of its own creation, each at its own level.
  ASSERT_EQ(by_path.size(), 2u);
  EXPECT_FALSE(by_path["/org"].contains("store_id"));
  EXPECT_EQ(by_path["/org"]["org_id"], org_id_);
  EXPECT_EQ(by_path["/store"]["store_id"], StoreA());
  EXPECT_EQ(by_path["/store"]["org_id"], org_id_);
}

TEST_F(OrganizationsTest, ForgettingTheOrganizationMakesEveryClientAStoreOfItsOwnAgain) {
  EXPECT_EQ(org_->Send("DELETE", "/__admin/organization", "", "").status, 204);
  EXPECT_EQ(org_->Send("DELETE", "/__admin/organization", "", "").status, 404);
  Create(*store_a_, "/a", {"order.paid"});
  auto paid = server_->Trigger(store_a_->client_id(), {"order.paid", std::nullopt, std::nullopt});
  ASSERT_THAT(paid, IsOk());
  EXPECT_EQ(paid->org_id, "");
  ASSERT_TRUE(sink_.WaitForRequests(1, kWait));
  EXPECT_FALSE(sink_.Requests()[0].Json().contains("org_id"));
  EXPECT_EQ(org_->Post("/v2/integrations", Hook(sink_.Url() + "/x", {"order.paid"})).status, 201)
      << "a store again, it observes store-level events";
}

}  // namespace
}  // namespace epmock
