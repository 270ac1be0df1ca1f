// The server's clock (docs/CLOCK.md): a real one refuses every operation but being read; a
// virtual one (--clock virtual) stands still until advanced, and an advance runs what falls
// due in order, each attempt made and stamped at its own due time, and answers once that work
// has ended, so a test needs no wait after it. Idle on it means nothing in flight or due by now.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "epmock/server.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_support::ApiClient;
using testing_support::Reply;

constexpr std::int64_t k2030 = 1893456000000;  // 2030-01-01T00:00:00Z
constexpr char kRealClock[] =
    "This server's clock is real and shared by its stores; start one with --clock virtual";

ServerOptions Virtual() {
  ServerOptions options;
  options.clock = ServerOptions::ClockMode::kVirtual;
  options.clock_start_ms = k2030;
  return options;
}

class ClockTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options) {
    server_ = std::make_unique<Server>(std::move(options));
    ASSERT_THAT(server_->Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_->Url());
  }
  // A webhook integration observing order.paid that posts to sink `sink` of this server.
  std::string Webhook(const std::string& sink) {
    json body = testing_support::WebhookCreateBody(sink);
    body["data"]["observes"] = {"order.paid"};
    body["data"]["configuration"]["url"] = server_->Url() + "/__sink/webhook/" + sink;
    Reply created = api_->Post("/v2/integrations", body);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json["data"]["id"];
  }
  std::string Trigger() {
    Reply fired = api_->Post("/__admin/events", {{"type", "order.paid"}});
    EXPECT_EQ(fired.status, 201) << fired.body;
    return fired.json["data"]["id"];
  }
  json Clock() {
    Reply clock = api_->Get("/__admin/clock");
    EXPECT_EQ(clock.status, 200) << clock.body;
    return clock.json["data"];
  }
  Reply Advance(const json& body) { return api_->Post("/__admin/clock/advance", body); }
  int SinkRequests(const std::string& sink) {
    return static_cast<int>(api_->Get("/__admin/sinks/webhook/" + sink).json["data"].size());
  }
  // Each attempt's log of the event, oldest first: its time on the server's clock.
  std::vector<std::string> AttemptTimes(const std::string& event) {
    Reply got = api_->Get("/__admin/events/" + event);
    std::vector<std::string> times;
    for (const json& log : got.json["data"]["logs"]) {
      times.insert(times.begin(), log["meta"]["timestamps"]["created_at"].get<std::string>());
    }
    return times;
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(ClockTest, ARealClockIsReadButRefusesEveryOtherOperation) {
  Start(ServerOptions{});
  const json clock = Clock();
  EXPECT_EQ(clock["mode"], "real");
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_NEAR(clock["now_ms"].get<double>(), static_cast<double>(now_ms), 60000.0);
  for (const json& body :
       {json{{"by_ms", 1000}}, json{{"to", "2030-01-01T00:00:00Z"}}, json{{"by_ms", "x"}}}) {
    Reply refused = Advance(body);
    EXPECT_EQ(refused.status, 409) << body;
    EXPECT_EQ(refused.json["errors"][0]["detail"], kRealClock);
  }
}

TEST_F(ClockTest, AVirtualClockStandsStillAndEverythingItStampsSaysItsTime) {
  Start(Virtual());
  Webhook("shop");
  const std::string event = Trigger();
  ASSERT_EQ(Advance({{"by_ms", 0}}).status, 200);              // the first attempt, made and logged
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // real time passes; the clock's does not
  const json clock = Clock();
  EXPECT_EQ(clock["mode"], "virtual");
  EXPECT_EQ(clock["now"], "2030-01-01T00:00:00.000Z");
  Reply got = api_->Get("/__admin/events/" + event);
  EXPECT_EQ(got.json["data"]["created_at"], "2030-01-01T00:00:00.000Z") << got.body;
  EXPECT_THAT(AttemptTimes(event), ElementsAre("2030-01-01T00:00:00.000000000Z"));
  Reply integrations = api_->Get("/v2/integrations");
  EXPECT_EQ(integrations.json["data"][0]["meta"]["timestamps"]["created_at"], "2030-01-01T00:00:00.000Z")
      << integrations.body;
}

TEST_F(ClockTest, OneAdvanceRunsEveryRetryInOrderEachAtItsDueTime) {
  Start(Virtual());
  Webhook("down");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/down", {{"responses", {{{"status", 500}}}}}).status, 204);
  const std::string event = Trigger();
  Reply advanced = Advance({{"by_ms", 3600000}});
  ASSERT_EQ(advanced.status, 200) << advanced.body;
  EXPECT_EQ(advanced.json["data"]["now"], "2030-01-01T01:00:00.000Z");
  EXPECT_EQ(advanced.json["data"]["pending"], 0);
  EXPECT_TRUE(advanced.json["data"]["next_due"].is_null());
  // No wait: five attempts with doubling back-off (1 s, 2 s, 4 s, 8 s), made and logged.
  EXPECT_EQ(SinkRequests("down"), 5);
  EXPECT_THAT(AttemptTimes(event),
              ElementsAre("2030-01-01T00:00:00.000000000Z", "2030-01-01T00:00:01.000000000Z",
                          "2030-01-01T00:00:03.000000000Z", "2030-01-01T00:00:07.000000000Z",
                          "2030-01-01T00:00:15.000000000Z"));
  Reply got = api_->Get("/__admin/events/" + event);
  EXPECT_EQ(got.json["data"]["status"], "failed");
}

TEST_F(ClockTest, AStepShortOfADueTimeRunsNothingAndTheClockSaysWhatIsDue) {
  Start(Virtual());
  Webhook("down");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/down", {{"responses", {{{"status", 500}}}}}).status, 204);
  Trigger();
  Reply first = Advance({{"by_ms", 999}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(SinkRequests("down"), 1);
  EXPECT_EQ(first.json["data"]["next_due"], "2030-01-01T00:00:01.000Z");
  EXPECT_EQ(first.json["data"]["pending"], 1);
  Reply second = Advance({{"to", "2030-01-01T00:00:01Z"}});
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(SinkRequests("down"), 2);
  EXPECT_EQ(second.json["data"]["next_due"], "2030-01-01T00:00:03.000Z");
}

TEST_F(ClockTest, IdleOnAVirtualClockMeansNothingDueByNowAndListsWhatIsDueLater) {
  Start(Virtual());
  Webhook("down");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/down", {{"responses", {{{"status", 500}}}}}).status, 204);
  const std::string event = Trigger();
  // The first attempt is made; the retry waits for the clock, not for idle.
  Reply idle = api_->Get("/__admin/idle?timeout_ms=10000");
  ASSERT_EQ(idle.status, 200) << idle.body;
  EXPECT_EQ(SinkRequests("down"), 1);
  ASSERT_EQ(idle.json["scheduled"].size(), 1u) << idle.body;
  EXPECT_EQ(idle.json["scheduled"][0]["due"], "2030-01-01T00:00:01.000Z");
  EXPECT_EQ(idle.json["scheduled"][0]["what"], "attempt");
  EXPECT_EQ(idle.json["scheduled"][0]["attempt"], 2);
  EXPECT_EQ(idle.json["scheduled"][0]["event_id"], event);
  EXPECT_TRUE(server_->WaitForIdle(std::chrono::seconds(10))) << "the C++ front door alike";
  // Another store is idle too, and sees none of this store's work.
  ApiClient other(server_->Url(), "another-store");
  Reply others = other.Get("/__admin/idle?timeout_ms=10000");
  ASSERT_EQ(others.status, 200) << others.body;
  EXPECT_EQ(others.json["scheduled"].size(), 0u);
  // Advanced past the last retry, nothing is scheduled.
  ASSERT_EQ(Advance({{"by_ms", 60000}}).status, 200);
  EXPECT_EQ(api_->Get("/__admin/idle?timeout_ms=10000").json["scheduled"].size(), 0u);
}

TEST_F(ClockTest, TwoAdvancesAtOnceRunOneAfterTheOther) {
  Start(Virtual());
  std::vector<std::thread> advances;
  std::vector<int> statuses(2);
  for (int i = 0; i < 2; ++i) {
    advances.emplace_back([this, i, &statuses] {
      ApiClient api(server_->Url());
      statuses[i] = api.Post("/__admin/clock/advance", {{"by_ms", 60000}}).status;
    });
  }
  for (std::thread& t : advances) t.join();
  EXPECT_THAT(statuses, ElementsAre(200, 200));
  EXPECT_EQ(Clock()["now"], "2030-01-01T00:02:00.000Z") << "the second started where the first ended";
}

TEST_F(ClockTest, AScaledVirtualClockIsRefusedAtStart) {
  ServerOptions options = Virtual();
  options.time_scale = 0.001;
  Server server(options);
  Status started = server.Start();
  EXPECT_FALSE(started.ok());
  EXPECT_THAT(started.message(), HasSubstr("time_scale"));
}

struct HostileAdvance {
  const char* name;
  std::string body;  // raw JSON text
  int status;
  const char* says;
};

class HostileClockTest : public ClockTest, public ::testing::WithParamInterface<HostileAdvance> {};

TEST_P(HostileClockTest, GetsAClearErrorAndTheClockDoesNotMove) {
  Start(Virtual());
  ASSERT_EQ(Advance({{"by_ms", 60000}}).status, 200);
  const HostileAdvance& row = GetParam();
  Reply refused = api_->Send("POST", "/__admin/clock/advance", row.body, "application/json");
  EXPECT_EQ(refused.status, row.status) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr(row.says));
  EXPECT_EQ(Clock()["now"], "2030-01-01T00:01:00.000Z");
  EXPECT_EQ(Advance({{"by_ms", 1}}).status, 200) << "the server still advances";
}

INSTANTIATE_TEST_SUITE_P(
    Rows, HostileClockTest,
    ::testing::Values(
        HostileAdvance{"negative", R"({"by_ms": -1})", 422, "time never runs backwards"},
        HostileAdvance{"fraction", R"({"by_ms": 1.5})", 422, "whole number"},
        HostileAdvance{"string", R"({"by_ms": "1000"})", 422, "whole number"},
        HostileAdvance{"huge", R"({"by_ms": 3153600000001})", 422, "100 years"},
        HostileAdvance{"beyond_int64", R"({"by_ms": 99999999999999999999999})", 422, "whole number"},
        HostileAdvance{"backwards_to", R"({"to": "2029-12-31T23:59:59Z"})", 422, "time never runs backwards"},
        HostileAdvance{"to_not_a_time", R"({"to": "tomorrow"})", 422, "RFC 3339"},
        HostileAdvance{"to_no_such_day", R"({"to": "2030-02-29T00:00:00Z"})", 422, "RFC 3339"},
        HostileAdvance{"to_a_number", R"({"to": 1893456000000})", 422, "RFC 3339"},
        HostileAdvance{"to_far_future", R"({"to": "2200-01-01T00:00:00Z"})", 422, "100 years"},
        HostileAdvance{"both", R"({"by_ms": 1, "to": "2030-01-02T00:00:00Z"})", 422, "one of them"},
        HostileAdvance{"neither", R"({})", 422, "one of them"},
        HostileAdvance{"unknown_member", R"({"by_ms": 1, "speed": 2})", 422, "only by_ms, to and timeout_ms"},
        HostileAdvance{"timeout_zero", R"({"by_ms": 1, "timeout_ms": 0})", 422, "timeout_ms"},
        HostileAdvance{"timeout_huge", R"({"by_ms": 1, "timeout_ms": 600001})", 422, "timeout_ms"},
        HostileAdvance{"not_an_object", R"([1000])", 400, "JSON object"},
        HostileAdvance{"malformed", R"({"by_ms": )", 400, ""},
        HostileAdvance{"deep", std::string(5000, '[') + std::string(5000, ']'), 400, ""}),
    [](const ::testing::TestParamInfo<HostileAdvance>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace epmock
