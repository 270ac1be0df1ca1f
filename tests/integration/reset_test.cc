// One reset forgets all of a store, whichever door asks (POST /__admin/reset, Server::ResetStore),
// a running story run included, and nothing of another store; Server::Reset forgets every
// store's runs too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "epmock/testing/harness.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using ::testing::IsEmpty;
using json = nlohmann::json;
using testing_support::ApiClient;
using testing_support::Reply;

// Everything a store can hold, put into one through the admin API and /v2: an integration
// whose deliveries reach the API port's sink, an event delivered there, the sink's answers,
// a delivery fault, an API fault, its kind and page length, and a story run still running.
// Returns the run's id.
std::string Fill(ApiClient& api, const std::string& url, Server& server) {
  json integration = testing_support::WebhookCreateBody();
  integration["data"]["observes"] = {"order.paid"};
  integration["data"]["configuration"]["url"] = url + "/__sink/webhook/reset";
  EXPECT_EQ(api.Post("/v2/integrations", integration).status, 201);
  EXPECT_EQ(api.Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  EXPECT_TRUE(server.WaitForIdle(std::chrono::seconds(10)));
  EXPECT_EQ(api.Put("/__admin/sinks/webhook/reset", {{"responses", {{{"status", 202}}}}}).status, 204);
  EXPECT_EQ(api.Post("/__admin/faults", {{"duplicate", 1}}).status, 201);
  EXPECT_EQ(
      api.Post("/__admin/api-faults", {{"status", 503}, {"method", "DELETE"}, {"path", "/v2/none/*"}}).status,
      201);
  EXPECT_EQ(api.Put("/__admin/store", {{"kind", "development"}, {"page_length", 5}}).status, 200);
  // Concurrent with a minute's jitter: some step is held back, so the run is still running.
  const Reply run = api.Post("/__admin/stories/checkout", {{"concurrent", true}, {"max_jitter_ms", 60000}});
  EXPECT_EQ(run.status, 202) << run.body;
  EXPECT_EQ(run.json["data"]["state"], "running");
  return run.json["data"].value("id", "");
}

// What the store holds, as its own token sees it: counts, and its settings.
json Holdings(ApiClient& api) {
  const auto count = [&](const std::string& path) { return api.Get(path).json["data"].size(); };
  // The journal first: the /v2 read below is journaled.
  const std::size_t journal = count("/__admin/requests");
  const Reply store = api.Get("/__admin/store");
  const Reply sink = api.Get("/__admin/sinks/webhook/reset");
  std::size_t own_sink_requests = 0;
  for (const json& r : sink.json["data"]) own_sink_requests += r["store_id"].is_string();
  return {{"integrations", count("/v2/integrations")},
          {"events", count("/__admin/events")},
          {"deliveries", count("/__admin/deliveries")},
          {"faults", count("/__admin/faults")},
          {"api_faults", count("/__admin/api-faults")},
          {"story_runs", count("/__admin/stories/runs")},
          {"journal", journal},
          {"sink_requests", own_sink_requests},
          {"kind", store.json["data"]["kind"]},
          {"page_length", store.json["data"]["page_length"]}};
}

enum class Door { kHttp, kCpp };

class ResetTest : public epmock::testing::EpmockTest, public ::testing::WithParamInterface<Door> {};

TEST_P(ResetTest, NothingOfTheResetStoreSurvivesAndNothingOfAnother) {
  Server& server = epmock().server();
  ApiClient mine(server.Url());
  ApiClient theirs(server.Url());
  const std::string run = Fill(mine, server.Url(), server);
  Fill(theirs, server.Url(), server);
  const json full = Holdings(mine);
  EXPECT_EQ(full["integrations"], 1);
  EXPECT_GE(full["events"], 2);  // the trigger's and the run's first
  EXPECT_GE(full["sink_requests"], 1);
  EXPECT_EQ(full["story_runs"], 1);
  EXPECT_EQ(full["kind"], "development");
  const json theirs_before = Holdings(theirs);

  if (GetParam() == Door::kHttp) {
    EXPECT_EQ(mine.Post("/__admin/reset", json::object()).status, 204);
  } else {
    server.ResetStore(mine.client_id());
  }

  EXPECT_EQ(mine.Get("/__admin/stories/runs/" + run).status, 404);
  ASSERT_TRUE(server.WaitForIdle(std::chrono::seconds(10)));
  const json empty = {{"integrations", 0},    {"events", 0},      {"deliveries", 0}, {"faults", 0},
                      {"api_faults", 0},      {"story_runs", 0},  {"journal", 0},    {"sink_requests", 0},
                      {"kind", "production"}, {"page_length", 25}};
  EXPECT_EQ(Holdings(mine), empty);
  EXPECT_EQ(mine.Get("/__admin/events").json["meta"]["dropped"], 0);
  // The other store keeps all it had, its run included (it may have fired more since).
  json theirs_after = Holdings(theirs);
  EXPECT_GE(theirs_after["events"], theirs_before["events"]);
  EXPECT_EQ(theirs_after["journal"], theirs_before["journal"].get<int>() + 1);  // Holdings' own /v2 read
  theirs_after.erase("journal");
  theirs_after.erase("events");
  theirs_after.erase("deliveries");
  json theirs_expected = theirs_before;
  theirs_expected.erase("events");
  theirs_expected.erase("deliveries");
  theirs_expected.erase("journal");
  EXPECT_EQ(theirs_after, theirs_expected);
}

INSTANTIATE_TEST_SUITE_P(Doors, ResetTest, ::testing::Values(Door::kHttp, Door::kCpp),
                         [](const ::testing::TestParamInfo<Door>& info) {
                           return std::string(info.param == Door::kHttp ? "Http" : "Cpp");
                         });

// Server::Reset forgets every store, story runs included (a run used to survive it).
TEST(ServerResetTest, ForgetsEveryStoresStoryRuns) {
  epmock::testing::Harness epmock;
  ASSERT_TRUE(epmock.started());
  StoryOptions options;
  options.concurrent = true;
  options.max_jitter_ms = 60000;
  StatusOr<StoryRun> run = epmock.RunStory("checkout", options);
  ASSERT_THAT(run, IsOk());
  ASSERT_EQ(run->state, "running");
  epmock.server().Reset();
  EXPECT_FALSE(epmock.server().StoryRunOf(epmock.client_id(), run->id).has_value());
  EXPECT_THAT(epmock.server().Events(epmock.client_id()), IsEmpty());
  ASSERT_TRUE(epmock.WaitForIdle());
  EXPECT_THAT(epmock.server().Events(epmock.client_id()), IsEmpty()) << "a forgotten run fired";
}

}  // namespace
}  // namespace epmock
