// A client's resilience, on demand: API faults (429, 500, 503, late answers, reset
// connections) and the platform's rate limits (elasticpath/elasticpath-dev
// guides/Getting-Started/rate-limits.md), opt-in. Counts are asserted, never wall-clock time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "api/rate_limit.h"
#include "common/virtual_clock.h"
#include "epmock/server.h"
#include "epmock/testing/status_matchers.h"
#include "sinks/recorder.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using ::epmock::testing::StatusIs;

using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ApiClient;
using testing_support::Reply;
using testing_support::WebhookCreateBody;

class ApiFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(server_.Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_.Url());
  }
  Server server_{ServerOptions{}};
  std::unique_ptr<ApiClient> api_;
};

TEST_F(ApiFaultTest, TheNextRequestsAnswerTheStatusThenAllIsWell) {
  Reply added = api_->Post("/__admin/api-faults", {{"status", 503}, {"requests", 2}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json["data"]["requests"], 2);
  const json unavailable = json::parse(R"({"errors":[{"status":503,"title":"Service Unavailable"}]})");
  EXPECT_EQ(api_->Get("/v2/integrations").json, unavailable);
  EXPECT_EQ(api_->Get("/__admin/api-faults").json["data"][0]["requests"], 1) << "one left";
  EXPECT_EQ(api_->Get("/v2/integrations").status, 503);
  EXPECT_EQ(api_->Get("/v2/integrations").status, 200);
  EXPECT_EQ(api_->Get("/__admin/api-faults").json["data"], json::array()) << "spent, gone";
  // The journal says why.
  int explained = 0;
  for (const RequestRecord& r : server_.Requests()) {
    if (r.status == 503) explained += r.errors.size() == 1 && r.errors[0].find("API fault") == 0;
  }
  EXPECT_EQ(explained, 2);
}

TEST_F(ApiFaultTest, AMethodAndPathPatternNarrowIt) {
  ASSERT_EQ(
      api_->Post("/__admin/api-faults", {{"status", 429}, {"method", "POST"}, {"path", "/v2/integrations"}})
          .status,
      201);
  ASSERT_EQ(api_->Post("/__admin/api-faults", {{"status", 500}, {"path", "/v2/integrations/*/logs"}}).status,
            201);
  EXPECT_EQ(api_->Get("/v2/integrations").status, 200) << "a GET is not a POST";
  EXPECT_EQ(api_->Post("/v2/integrations", WebhookCreateBody()).status, 429);
  Reply created = api_->Post("/v2/integrations", WebhookCreateBody());
  ASSERT_EQ(created.status, 201);
  const std::string id = created.json["data"]["id"];
  EXPECT_EQ(api_->Get("/v2/integrations/" + id).status, 200) << "'*' is one segment";
  EXPECT_EQ(api_->Get("/v2/integrations/" + id + "/logs").status, 500);
  EXPECT_EQ(api_->Get("/v2/integrations/" + id + "/logs").status, 200);
}

TEST_F(ApiFaultTest, FaultsArePerStore) {
  ApiClient other(server_.Url());
  ASSERT_EQ(api_->Post("/__admin/api-faults", {{"status", 500}, {"requests", 5}}).status, 201);
  EXPECT_EQ(other.Get("/v2/integrations").status, 200);
  EXPECT_EQ(other.Get("/__admin/api-faults").json["data"], json::array());
  EXPECT_EQ(api_->Send("DELETE", "/__admin/api-faults", "", "").status, 204);
  EXPECT_EQ(api_->Get("/v2/integrations").status, 200) << "cleared";
}

TEST_F(ApiFaultTest, ALateAnswerMeetsTheClientsTimeout) {
  ApiFault late;
  late.delay_ms = 5000;
  ASSERT_THAT(server_.AddApiFault(api_->client_id(), late), IsOk());
  httplib::Client http(server_.Url());
  http.set_read_timeout(0, 200 * 1000);  // 200 ms, far below the fault's 5 s
  auto res = http.Get("/v2/integrations", {{"Authorization", "Bearer " + api_->token()}});
  EXPECT_FALSE(res) << "the answer came within the client's timeout";
  EXPECT_EQ(res.error(), httplib::Error::Read);
  EXPECT_EQ(server_.ApiFaults(api_->client_id()).size(), 0u);
}

TEST_F(ApiFaultTest, AResetConnectionGetsNoAnswerAtAll) {
  ApiFault reset;
  reset.reset = true;
  ASSERT_THAT(server_.AddApiFault(api_->client_id(), reset), IsOk());
  httplib::Client http(server_.Url());
  auto res = http.Get("/v2/integrations", {{"Authorization", "Bearer " + api_->token()}});
  EXPECT_FALSE(res) << "status " << (res ? res->status : 0);
  auto again = http.Get("/v2/integrations", {{"Authorization", "Bearer " + api_->token()}});
  ASSERT_TRUE(again) << "the server is still up";
  EXPECT_EQ(again->status, 200);
}

struct FaultCase {
  const char* name;
  const char* json;
  const char* error;
};

class ApiFaultSpecTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(ApiFaultSpecTest, IsRefusedWithTheFieldNamed) {
  StatusOr<ApiFault> fault = ApiFault::FromJson(json::parse(GetParam().json));
  ASSERT_FALSE(fault.ok());
  EXPECT_THAT(fault.status().message(), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, ApiFaultSpecTest,
    ::testing::Values(
        FaultCase{"not_an_object", "[]", "a JSON object"}, FaultCase{"does_nothing", "{}", "does nothing"},
        FaultCase{"unknown_field", R"({"status": 503, "colour": 1})", "unknown API fault field 'colour'"},
        FaultCase{"status_not_allowed", R"({"status": 418})", "status must be 429, 500 or 503"},
        FaultCase{"status_a_string", R"({"status": "503"})", "status must be"},
        FaultCase{"delay_negative", R"({"delay_ms": -1})", "delay_ms must be a whole number from 0 to 60000"},
        FaultCase{"delay_too_long", R"({"delay_ms": 60001})", "delay_ms must be"},
        FaultCase{"requests_zero", R"({"status": 500, "requests": 0})",
                  "requests must be a whole number from 1"},
        FaultCase{"requests_huge", R"({"status": 500, "requests": 100001})", "requests must be"},
        FaultCase{"reset_not_bool", R"({"reset": 1})", "reset must be true or false"},
        FaultCase{"reset_and_status", R"({"reset": true, "status": 503})", "set status or reset, not both"},
        FaultCase{"method_unknown", R"({"status": 500, "method": "PATCH"})", "method must be GET, POST"},
        FaultCase{"path_not_v2", R"({"status": 500, "path": "/__admin/health"})",
                  "path must be a /v2/ path"}),
    [](const ::testing::TestParamInfo<FaultCase>& info) { return std::string(info.param.name); });

TEST(ApiFaultSpecLimitTest, APathPatternIsAtMost512Characters) {
  const std::string longest = "/v2/" + std::string(508, 'x');
  EXPECT_THAT(ApiFault::FromJson({{"status", 500}, {"path", longest}}), IsOk());
  StatusOr<ApiFault> fault = ApiFault::FromJson({{"status", 500}, {"path", longest + "x"}});
  ASSERT_FALSE(fault.ok());
  EXPECT_THAT(fault.status().message(), HasSubstr("at most 512 characters"));
}

TEST(ApiFaultSpecLimitTest, APathologicalPatternIsMatchedWithoutBacktrackingBlowUp) {
  // 253 stars against a 4,000-character segment: exponential backtracking would never end.
  std::string pattern = "/v2/";
  for (int i = 0; i < 253; ++i) pattern += "*a";
  pattern += "b";
  StatusOr<ApiFault> fault = ApiFault::FromJson({{"status", 500}, {"path", pattern}});
  ASSERT_THAT(fault, IsOk());
  EXPECT_FALSE(fault->Matches("GET", "/v2/" + std::string(4000, 'a')));
  EXPECT_TRUE(fault->Matches("GET", "/v2/" + std::string(4000, 'a') + "b"));
}

TEST_F(ApiFaultTest, TheAdminApiRefusesBadFaultsAndCapsThem) {
  Reply bad = api_->Post("/__admin/api-faults", {{"status", 418}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(bad.json["errors"][0]["detail"].get<std::string>(),
              HasSubstr("status must be 429, 500 or 503"));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(api_->Post("/__admin/api-faults", {{"status", 500}}).status, 201);
  EXPECT_EQ(api_->Post("/__admin/api-faults", {{"status", 500}}).status, 429) << "at most 100 a store";
  EXPECT_EQ(api_->Get("/__admin/api-faults").json["data"].size(), 100u);
  EXPECT_FALSE(server_.AddApiFault(api_->client_id(), ApiFault{}).ok())
      << "C++ checks it as the admin API does";
}

TEST_F(ApiFaultTest, DeliveryFaultsAreCappedAsApiFaultsAreWithTheSameWordsAtEachDoor) {
  for (int i = 0; i < 100; ++i) ASSERT_EQ(api_->Post("/__admin/faults", {{"duplicate", 1}}).status, 201);
  Reply over = api_->Post("/__admin/faults", {{"duplicate", 1}});
  EXPECT_EQ(over.status, 429) << "at most 100 a store";
  Fault fault;
  fault.duplicate = 1;
  StatusOr<Fault> in_cpp = server_.AddFault(api_->client_id(), fault);
  EXPECT_THAT(in_cpp,
              StatusIs(StatusCode::kResourceExhausted, over.json["errors"][0]["detail"].get<std::string>()));
  EXPECT_EQ(api_->Get("/__admin/faults").json["data"].size(), 100u) << "the refused ones added nothing";
  ASSERT_EQ(api_->Delete("/__admin/faults").status, 204);
  EXPECT_EQ(api_->Post("/__admin/faults", {{"duplicate", 1}}).status, 201) << "room again once cleared";
}

// --- rate limits ----------------------------------------------------------------------------

class RateLimitTest : public ::testing::Test {
 protected:
  void Start(bool on) {
    ServerOptions options;
    options.rate_limits = on;
    options.organization_rate_limit = 4;
    options.production_store_rate_limit = 3;
    options.development_store_rate_limit = 2;
    options.time_scale = 1000;  // a second of the engine's clock lasts 1,000 s: one window per test
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
  }

  // How many of `n` GET /v2/integrations answer 200; every other must be the platform's 429.
  int Allowed(ApiClient& client, int n) {
    int ok = 0;
    for (int i = 0; i < n; ++i) {
      Reply r = client.Get("/v2/integrations");
      if (r.status == 200) {
        ++ok;
      } else {
        EXPECT_EQ(r.json, json::parse(R"({"errors":[{"status":429,"title":"Too Many Requests"}]})"));
      }
    }
    return ok;
  }

  std::unique_ptr<Server> server_;
};

TEST_F(RateLimitTest, OffByDefault) {
  Start(false);
  ApiClient client(server_->Url());
  EXPECT_EQ(Allowed(client, 50), 50);
}

TEST_F(RateLimitTest, EachStoreAndOrganizationIsCountedOnItsOwnByItsKind) {
  Start(true);
  ApiClient production(server_->Url()), development(server_->Url()), org(server_->Url()),
      member(server_->Url());
  ASSERT_THAT(server_->SetStoreKind(development.client_id(), "development"), IsOk());
  EXPECT_FALSE(server_->SetStoreKind(development.client_id(), "staging").ok());
  ASSERT_THAT(server_->DeclareOrganization(org.client_id(), {member.client_id()}), IsOk());
  EXPECT_EQ(Allowed(production, 10), 3);
  EXPECT_EQ(Allowed(development, 10), 2);
  EXPECT_EQ(Allowed(org, 10), 4) << "the organization's level has its own count";
  EXPECT_EQ(Allowed(member, 10), 3) << "and its store its own";
  // Only /v2 counts: tokens and the admin API are not limited.
  EXPECT_EQ(production.Get("/__admin/requests").status, 200);
  EXPECT_EQ(
      production
          .Send("POST", "/oauth/access_token", "grant_type=client_credentials&client_id=x&client_secret=y",
                "application/x-www-form-urlencoded", false)
          .status,
      200);
  std::vector<RequestRecord> journal = server_->Requests();
  ASSERT_FALSE(journal.empty());
  bool explained = false;
  for (const RequestRecord& r : journal) {
    for (const std::string& e : r.errors)
      explained |= e.find("over the rate limit of 3") != std::string::npos;
  }
  EXPECT_TRUE(explained);
}

TEST_F(RateLimitTest, TheAdminApiSetsAStoresKind) {
  Start(true);
  ApiClient client(server_->Url());
  Reply store = client.Get("/__admin/store");
  EXPECT_EQ(store.json["data"]["kind"], "production");
  EXPECT_EQ(client.Put("/__admin/store", {{"kind", "development"}}).json["data"]["kind"], "development");
  EXPECT_EQ(client.Put("/__admin/store", {{"kind", "staging"}}).status, 422);
  EXPECT_EQ(client.Put("/__admin/store", {{"kind", "production"}, {"x", 1}}).status, 422);
  EXPECT_EQ(Allowed(client, 5), 2);
}

TEST(RateLimiterTest, AWindowOpensWithTheFirstRequestAndLastsAScaledSecondAndIsForgottenWithItsStore) {
  internal::Store a("a");
  internal::Store b("b");
  const auto steady = [] { return internal::SteadyClock().Now(); };
  internal::RateLimiter slow(1000, steady);  // windows of 1,000 s
  EXPECT_TRUE(slow.Allow(a, 2));
  EXPECT_TRUE(slow.Allow(a, 2));
  EXPECT_FALSE(slow.Allow(a, 2));
  EXPECT_TRUE(slow.Allow(b, 2)) << "another store, another count";
  a.Clear();  // the window is a part of the store: a reset forgets it
  EXPECT_TRUE(slow.Allow(a, 2));
  internal::Store c("c");
  internal::RateLimiter fast(0.001, steady);  // windows of 1 ms: the next one opens soon
  EXPECT_TRUE(fast.Allow(c, 1));
  bool reopened = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!reopened && std::chrono::steady_clock::now() < deadline) {
    reopened = fast.Allow(c, 1);
    if (!reopened) std::this_thread::yield();
  }
  EXPECT_TRUE(reopened);
}

TEST(RateLimiterTest, OnAVirtualClockAWindowRefillsWhenTheClockIsAdvancedPastIt) {
  internal::VirtualClock clock(1893456000000);
  internal::RateLimiter limiter(1, [&clock] { return clock.Now(); });
  internal::Store store("s");
  EXPECT_TRUE(limiter.Allow(store, 2));
  EXPECT_TRUE(limiter.Allow(store, 2));
  EXPECT_FALSE(limiter.Allow(store, 2));
  ASSERT_TRUE(clock.Advance(std::chrono::milliseconds(999)));
  EXPECT_FALSE(limiter.Allow(store, 2)) << "the window is a second of the clock's time";
  ASSERT_TRUE(clock.Advance(std::chrono::milliseconds(1)));
  EXPECT_TRUE(limiter.Allow(store, 2)) << "a second later, a new window";
  EXPECT_TRUE(limiter.Allow(store, 2));
  EXPECT_FALSE(limiter.Allow(store, 2));
}

}  // namespace
}  // namespace epmock

namespace epmock {
namespace {

// --- admin lists: pages, totals, cursors, retention (issue 14) ------------------------------

class AdminListTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options) {
    options.time_scale = 0.0001;
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_->Url());
  }
  std::vector<std::string> Ids(const Reply& r) {
    std::vector<std::string> out;
    for (const json& e : r.json["data"]) out.push_back(e.value("id", ""));
    return out;
  }
  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(AdminListTest, EventsPageNewestFirstWithTotalsAndAStableCursor) {
  Start(ServerOptions{});
  std::vector<std::string> fired;  // oldest first
  for (int i = 0; i < 7; ++i) {
    auto e = server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt});
    ASSERT_THAT(e, IsOk());
    fired.push_back(e->id);
  }
  Reply page = api_->Get("/__admin/events?page[limit]=3&page[offset]=2");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(Ids(page), (std::vector<std::string>{fired[4], fired[3], fired[2]}));
  EXPECT_EQ(page.json["meta"]["page"], (json{{"limit", 3}, {"offset", 2}, {"total", 7}}));
  EXPECT_EQ(api_->Get("/__admin/events").json["meta"]["page"]["limit"], 100) << "the default";

  // The cursor: what came after an entry, oldest first; more events meanwhile are neither
  // skipped nor repeated.
  Reply after = api_->Get("/__admin/events?page[after]=" + fired[1] + "&page[limit]=2");
  EXPECT_EQ(Ids(after), (std::vector<std::string>{fired[2], fired[3]}));
  EXPECT_EQ(after.json["meta"]["page"]["total"], 5);
  const std::string next = after.json["meta"]["page"]["next"];
  EXPECT_EQ(next, fired[3]);
  auto late = server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt});
  Reply rest = api_->Get("/__admin/events?page[after]=" + next);
  EXPECT_EQ(Ids(rest), (std::vector<std::string>{fired[4], fired[5], fired[6], late->id}));
  Reply none = api_->Get("/__admin/events?page[after]=" + late->id);
  EXPECT_EQ(none.json["data"], json::array());
  EXPECT_EQ(none.json["meta"]["page"]["next"], late->id) << "call again with the same cursor";

  EXPECT_EQ(api_->Get("/__admin/events?page[after]=nope").status, 404);
  for (const char* bad : {"page[limit]=0", "page[limit]=1001", "page[offset]=-1",
                          "page[after]=", "page[after]=x&page[offset]=1"}) {
    EXPECT_EQ(api_->Get(std::string("/__admin/events?") + bad).status, 400) << bad;
  }
}

TEST_F(AdminListTest, DeliveriesRequestsAndSinksPageToo) {
  Start(ServerOptions{});
  Reply hook = api_->Post("/v2/integrations",
                          {{"data",
                            {{"type", "integration"},
                             {"name", "sink"},
                             {"integration_type", "webhook"},
                             {"enabled", true},
                             {"observes", {"order.paid"}},
                             {"configuration", {{"url", server_->Url() + "/__sink/webhook/paged"}}}}}});
  ASSERT_EQ(hook.status, 201);
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt}), IsOk());
  }
  ASSERT_TRUE(server_->WaitForIdle(std::chrono::seconds(20)));
  Reply deliveries = api_->Get("/__admin/deliveries?page[limit]=2");
  EXPECT_EQ(deliveries.json["data"].size(), 2u);
  EXPECT_EQ(deliveries.json["meta"]["page"]["total"], 5);
  const std::string oldest = api_->Get("/__admin/deliveries?page[offset]=4").json["data"][0]["id"];
  EXPECT_EQ(api_->Get("/__admin/deliveries?page[after]=" + oldest).json["data"].size(), 4u);

  Reply sink = api_->Get("/__admin/sinks/webhook/paged?page[limit]=2&page[offset]=4");
  EXPECT_EQ(sink.json["data"].size(), 1u);
  EXPECT_EQ(sink.json["meta"]["page"]["total"], 5);
  EXPECT_EQ(sink.json["meta"]["dropped"], 0);

  for (int i = 0; i < 3; ++i) ASSERT_EQ(api_->Get("/v2/integrations").status, 200);
  Reply requests = api_->Get("/__admin/requests?page[limit]=1");
  ASSERT_EQ(requests.json["data"].size(), 1u);
  const std::uint64_t first = requests.json["data"][0]["sequence"];
  EXPECT_GE(requests.json["meta"]["page"]["total"], 2);
  Reply after = api_->Get("/__admin/requests?page[after]=" + std::to_string(first));
  ASSERT_FALSE(after.json["data"].empty());
  EXPECT_GT(after.json["data"][0]["sequence"].get<std::uint64_t>(), first);
  EXPECT_EQ(api_->Get("/__admin/requests?page[after]=abc").status, 404);
}

TEST_F(AdminListTest, EachRetentionDropsTheOldestFirstAndCountsThem) {
  ServerOptions options;
  options.event_retention = 3;
  options.log_retention = 4;
  options.sink_retention = 2;
  options.journal_capacity = 5;
  Start(options);
  ASSERT_EQ(api_->Post("/v2/integrations",
                       {{"data",
                         {{"type", "integration"},
                          {"name", "sink"},
                          {"integration_type", "webhook"},
                          {"enabled", true},
                          {"observes", {"order.paid"}},
                          {"configuration", {{"url", server_->Url() + "/__sink/webhook/kept"}}}}}})
                .status,
            201);
  std::vector<std::string> fired;
  for (int i = 0; i < 6; ++i) {
    auto e = server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt});
    ASSERT_THAT(e, IsOk());
    fired.push_back(e->id);
  }
  ASSERT_TRUE(server_->WaitForIdle(std::chrono::seconds(20)));
  ASSERT_TRUE(server_->WaitForSinkRequests("kept", 6, std::chrono::seconds(20)))
      << "waiting counts every arrival";
  Reply events = api_->Get("/__admin/events");
  EXPECT_EQ(Ids(events), (std::vector<std::string>{fired[5], fired[4], fired[3]}));
  EXPECT_EQ(events.json["meta"]["dropped"], 4) << "the integration.created event counts too";
  EXPECT_EQ(api_->Get("/__admin/events?page[after]=" + fired[0]).status, 404)
      << "dropped: the cursor says so";
  Reply deliveries = api_->Get("/__admin/deliveries");
  EXPECT_EQ(deliveries.json["data"].size(), 4u);
  EXPECT_EQ(deliveries.json["meta"]["dropped"], 2);
  Reply sink = api_->Get("/__admin/sinks/webhook/kept");
  EXPECT_EQ(sink.json["data"].size(), 2u);
  EXPECT_EQ(sink.json["meta"]["dropped"], 4);
  for (int i = 0; i < 6; ++i) api_->Get("/v2/integrations");
  Reply journal = api_->Get("/__admin/requests");
  EXPECT_EQ(journal.json["data"].size(), 5u);
  EXPECT_GT(journal.json["meta"]["dropped"].get<int>(), 0);
}

TEST(SinkRetentionTest, BytesAreBoundedToo) {
  internal::SinkRecorder recorder(internal::SinkRetention{100, 1000});
  for (int i = 0; i < 5; ++i) {
    ReceivedRequest r;
    r.body = std::string(400, 'x');
    recorder.Record(std::move(r));
  }
  EXPECT_EQ(recorder.Requests().size(), 2u);  // 800 bytes; a third would pass 1,000
  EXPECT_EQ(recorder.Dropped(), 3u);
  EXPECT_EQ(recorder.Total(), 5u);
  EXPECT_TRUE(recorder.WaitForRequests(5, std::chrono::milliseconds(1)));
}

}  // namespace
}  // namespace epmock
