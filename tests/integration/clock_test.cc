// The server's clock (docs/CLOCK.md): a real one refuses every operation but being read; a
// virtual one (--clock virtual) stands still until advanced, and an advance runs what falls
// due in order, each attempt made and stamped at its own due time, and answers once that work
// has ended, so a test needs no wait after it. Idle on it means nothing in flight or due by now.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

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

std::string Rfc3339(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

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
  // (Less than the hour a token lasts: this test's token is on the clock too.)
  Reply advanced = Advance({{"by_ms", 1800000}});
  ASSERT_EQ(advanced.status, 200) << advanced.body;
  EXPECT_EQ(advanced.json["data"]["now"], "2030-01-01T00:30:00.000Z");
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

// --- The C++ front door, RunUntilIdle, freezing and resuming -------------------------------

TEST_F(ClockTest, RunUntilIdleRunsFiveAttemptsWithDoublingBackOffAndStopsWhereTheLastWas) {
  Start(Virtual());
  Webhook("down");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/down", {{"responses", {{{"status", 500}}}}}).status, 204);
  const std::string event = Trigger();
  ASSERT_THAT(server_->Clock().RunUntilIdle(std::chrono::hours(1)), IsOk());
  EXPECT_EQ(SinkRequests("down"), 5);
  EXPECT_THAT(AttemptTimes(event),
              ElementsAre("2030-01-01T00:00:00.000000000Z", "2030-01-01T00:00:01.000000000Z",
                          "2030-01-01T00:00:03.000000000Z", "2030-01-01T00:00:07.000000000Z",
                          "2030-01-01T00:00:15.000000000Z"));
  const ServerClock::State state = server_->Clock().Read();
  EXPECT_TRUE(state.is_virtual);
  EXPECT_EQ(state.now, ServerClock::TimePoint(std::chrono::milliseconds(k2030 + 15000)))
      << "idle where the last attempt was, not at the limit";
  EXPECT_EQ(state.next_due, std::nullopt);
  EXPECT_EQ(state.pending, 0u);
}

// Many retries scheduled at once, while the dispatcher's timer keeps waking to wait again:
// an advance never steps past a due time it has not seen yet.
TEST_F(ClockTest, ThreeHundredDeliveriesFailingAtOnceEachGetEveryAttemptAtItsOwnTime) {
  Start(Virtual());
  Webhook("never-reached");
  ASSERT_EQ(api_->Post("/__admin/faults", {{"fail_first_attempts", 5}}).status, 201);
  for (int i = 0; i < 300; ++i) Trigger();
  ASSERT_THAT(server_->Clock().Advance(std::chrono::minutes(30)), IsOk());
  const std::vector<IntegrationLog> logs = server_->Logs(api_->client_id());
  ASSERT_EQ(logs.size(), 1500u);
  const std::int64_t due_ms[] = {0, 0, 1000, 3000, 7000, 15000};  // by attempt
  for (const IntegrationLog& log : logs) {
    ASSERT_EQ(log.created_at_ms, k2030 + due_ms[log.attempt]) << "attempt " << log.attempt;
  }
  EXPECT_EQ(server_->Clock().Read().pending, 0u);
}

TEST_F(ClockTest, RunUntilIdleWithWorkBeyondItsLimitSaysWhatIsStillScheduled) {
  Start(Virtual());
  Webhook("down");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/down", {{"responses", {{{"status", 500}}}}}).status, 204);
  const std::string event = Trigger();
  Reply short_run = api_->Post("/__admin/clock/run-until-idle", {{"max_ms", 2000}});
  EXPECT_EQ(short_run.status, 408) << short_run.body;
  EXPECT_THAT(short_run.body, HasSubstr("the next due at 2030-01-01T00:00:03.000Z"));
  EXPECT_THAT(short_run.body, HasSubstr("attempt 3 of job"));
  EXPECT_THAT(short_run.body, HasSubstr(event));
  EXPECT_EQ(Clock()["now"], "2030-01-01T00:00:02.000Z") << "the clock went as far as it was let";
  EXPECT_EQ(SinkRequests("down"), 2);
  Reply rest = api_->Post("/__admin/clock/run-until-idle", json::object());
  ASSERT_EQ(rest.status, 200) << rest.body;
  EXPECT_EQ(rest.json["data"]["now"], "2030-01-01T00:00:15.000Z");
  EXPECT_EQ(SinkRequests("down"), 5);
}

TEST_F(ClockTest, AResumedClockRunsOnFromItsVirtualNowAndAFrozenOneStandsStill) {
  Start(Virtual());
  ASSERT_EQ(Advance({{"by_ms", 1800000}}).status, 200);
  Reply resumed = api_->Post("/__admin/clock", {{"running", true}});
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.json["data"]["running"], true);
  EXPECT_GE(resumed.json["data"]["now_ms"].get<std::int64_t>(), k2030 + 1800000) << "never backwards";
  // It moves by itself now: wait (bounded) for a reading past the first.
  const std::int64_t first = Clock()["now_ms"];
  std::int64_t later = first;
  for (int i = 0; i < 1000 && later == first; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    later = Clock()["now_ms"];
  }
  EXPECT_GT(later, first);
  // A webhook delivery with a retry due a second later is met by real time passing.
  Webhook("down");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/down", {{"responses", {{{"status", 500}}, {{"status", 204}}}}})
                .status,
            204);
  Trigger();
  ASSERT_TRUE(server_->WaitForIdle(std::chrono::seconds(10)));
  for (int i = 0; i < 1000 && SinkRequests("down") < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(SinkRequests("down"), 2);
  Reply frozen = api_->Post("/__admin/clock", {{"running", false}});
  ASSERT_EQ(frozen.status, 200) << frozen.body;
  EXPECT_EQ(frozen.json["data"]["running"], false);
  const std::int64_t at = frozen.json["data"]["now_ms"];
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(Clock()["now_ms"], at);
}

TEST_F(ClockTest, ARealClockRefusesFreezingResumingAndRunningUntilIdle) {
  Start(ServerOptions{});
  for (const auto& [path, body] : {std::pair{"/__admin/clock", json{{"running", false}}},
                                   std::pair{"/__admin/clock/run-until-idle", json::object()}}) {
    Reply refused = api_->Post(path, body);
    EXPECT_EQ(refused.status, 409) << path;
    EXPECT_EQ(refused.json["errors"][0]["detail"], kRealClock);
  }
  EXPECT_EQ(server_->Clock().Advance(std::chrono::seconds(1)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(server_->Clock().RunUntilIdle().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(server_->Clock().Freeze().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(server_->Clock().Read().is_virtual);
}

// --- Tokens, rate limits, the journal and the logs on the clock -----------------------------

TEST_F(ClockTest, ATokenExpiresWhenItsHourIsAdvancedAndANewOneWorks) {
  Start(Virtual());
  httplib::Client http(server_->Url());
  auto granted =
      http.Post("/oauth/access_token", "grant_type=client_credentials&client_id=expiry&client_secret=s",
                "application/x-www-form-urlencoded");
  ASSERT_TRUE(granted);
  const json token = json::parse(granted->body);
  EXPECT_EQ(token["expires"], k2030 / 1000 + 3600) << "expires is on the server's clock";
  EXPECT_EQ(token["expires_in"], 3600);
  const httplib::Headers bearer = {{"Authorization", "Bearer " + token["access_token"].get<std::string>()}};
  EXPECT_EQ(http.Get("/v2/integrations", bearer)->status, 200);
  ASSERT_THAT(server_->Clock().Advance(std::chrono::seconds(3599)), IsOk());
  EXPECT_EQ(http.Get("/v2/integrations", bearer)->status, 200) << "a second before expires";
  ASSERT_THAT(server_->Clock().Advance(std::chrono::seconds(1)), IsOk());
  EXPECT_EQ(http.Get("/v2/integrations", bearer)->status, 401) << "expired at expires";
  auto renewed =
      http.Post("/oauth/access_token", "grant_type=client_credentials&client_id=expiry&client_secret=s",
                "application/x-www-form-urlencoded");
  ASSERT_TRUE(renewed);
  EXPECT_EQ(json::parse(renewed->body)["expires"], k2030 / 1000 + 7200);
}

TEST_F(ClockTest, ARateLimitWindowRefillsWhenTheClockIsAdvanced) {
  ServerOptions options = Virtual();
  options.rate_limits = true;
  options.development_store_rate_limit = 3;
  Start(options);
  ASSERT_EQ(api_->Put("/__admin/store", {{"kind", "development"}}).status, 200);
  const auto allowed = [&] {
    int ok = 0;
    for (int i = 0; i < 5; ++i) ok += api_->Get("/v2/integrations").status == 200;
    return ok;
  };
  EXPECT_EQ(allowed(), 3);
  EXPECT_EQ(allowed(), 0) << "the clock stands still: the window never ends by itself";
  ASSERT_EQ(Advance({{"by_ms", 1000}}).status, 200);
  EXPECT_EQ(allowed(), 3) << "a second of the clock later, a new window";
}

TEST_F(ClockTest, TheLogAndTheJournalTellTheClocksTimeAndKeepTheRealFigureAside) {
  Start(Virtual());
  Webhook("shop");
  const std::string event = Trigger();
  ASSERT_EQ(Advance({{"by_ms", 0}}).status, 200);
  Reply got = api_->Get("/__admin/events/" + event);
  ASSERT_EQ(got.json["data"]["logs"].size(), 1u) << got.body;
  const json& log = got.json["data"]["logs"][0];
  EXPECT_EQ(log["processing_time"], 0.0) << "a frozen clock's time does not pass";
  EXPECT_GT(log["real_processing_ms"].get<double>(), 0.0);
  Reply logs = api_->Get(
      "/v2/integrations/" +
      got.json["data"]["logs"][0]["relationships"]["integration"]["data"]["id"].get<std::string>() + "/logs");
  ASSERT_EQ(logs.status, 200) << logs.body;
  EXPECT_FALSE(logs.json["data"][0].contains("real_processing_ms"))
      << "the platform's API shows its own fields";
  Reply journal = api_->Get("/__admin/requests?path=/v2/integrations");
  ASSERT_EQ(journal.status, 200) << journal.body;
  ASSERT_FALSE(journal.json["data"].empty()) << journal.body;
  const json& entry = journal.json["data"][0];
  EXPECT_EQ(entry["received_at"], "2030-01-01T00:00:00.000Z");
  EXPECT_EQ(entry["duration_ms"], 0.0);
  EXPECT_TRUE(entry.contains("real_duration_ms"));
}

TEST_F(ClockTest, AStorysStepsFireAtTheirPlannedTimesOnTheClock) {
  Start(Virtual());
  Webhook("shop");
  Reply started =
      api_->Post("/__admin/stories/checkout", {{"concurrent", true}, {"max_jitter_ms", 60000}, {"seed", 7}});
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string run = started.json["data"]["id"];
  // Nothing held back fires before the clock gets there.
  ASSERT_EQ(Advance({{"by_ms", 0}}).status, 200);
  Reply now = api_->Get("/__admin/stories/runs/" + run);
  int held_back = 0;
  for (const json& event : now.json["data"]["events"]) {
    held_back += event["held_back_ms"].get<int>() > 0;
    EXPECT_EQ(event["event_id"].is_null(), event["held_back_ms"].get<int>() > 0) << event.dump();
  }
  ASSERT_GT(held_back, 0) << "the seed holds some steps back";
  // One run until idle fires each at its own time, and the run ends delivered.
  Reply idle = api_->Post("/__admin/clock/run-until-idle", json::object());
  ASSERT_EQ(idle.status, 200) << idle.body;
  Reply ended = api_->Get("/__admin/stories/runs/" + run);
  EXPECT_EQ(ended.json["data"]["state"], "delivered") << ended.body;
  for (const json& planned : ended.json["data"]["events"]) {
    ASSERT_TRUE(planned["event_id"].is_string()) << planned.dump();
    Reply event = api_->Get("/__admin/events/" + planned["event_id"].get<std::string>());
    EXPECT_EQ(event.json["data"]["created_at"], Rfc3339(k2030 + planned["held_back_ms"].get<int>()))
        << planned.dump();
  }
}

// --- SQS on the clock: SentTimestamp, delays, visibility timeouts, retention, long polls ---

class SqsClockTest : public ClockTest {
 protected:
  void SetUp() override {
    ServerOptions options = Virtual();
    options.sqs_port = 0;
    Start(options);
    sqs_ = std::make_unique<httplib::Client>(server_->Sqs()->Url());
    sqs_->set_read_timeout(10);  // real time: a long poll not woken by an advance fails the test
  }
  // An SQS JSON-protocol call (what the AWS SDKs send), its answer.
  json Sqs(const std::string& action, json body) {
    auto answer =
        sqs_->Post("/", {{"X-Amz-Target", "AmazonSQS." + action}}, body.dump(), "application/x-amz-json-1.0");
    EXPECT_TRUE(answer) << action << " had no answer";
    if (!answer) return json();
    EXPECT_EQ(answer->status, 200) << action << ": " << answer->body;
    return json::parse(answer->body, nullptr, false);
  }
  std::string Queue(json attributes = json::object()) {
    return Sqs("CreateQueue", {{"QueueName", "jobs"}, {"Attributes", attributes}})["QueueUrl"];
  }
  json Receive(const std::string& url, int wait_s = 0) {
    json messages = Sqs("ReceiveMessage", {{"QueueUrl", url},
                                           {"WaitTimeSeconds", wait_s},
                                           {"AttributeNames", {"All"}},
                                           {"VisibilityTimeout", 30}})["Messages"];
    return messages.is_null() ? json::array() : messages;
  }
  std::unique_ptr<httplib::Client> sqs_;
};

TEST_F(SqsClockTest, ADelayedMessageAppearsExactlyAtItsDueTimeStampedByTheClock) {
  const std::string url = Queue();
  Sqs("SendMessage", {{"QueueUrl", url}, {"MessageBody", "later"}, {"DelaySeconds", 60}});
  EXPECT_TRUE(Receive(url).empty());
  ASSERT_THAT(server_->Clock().Advance(std::chrono::milliseconds(59999)), IsOk());
  EXPECT_TRUE(Receive(url).empty()) << "a millisecond early";
  ASSERT_THAT(server_->Clock().Advance(std::chrono::milliseconds(1)), IsOk());
  const json received = Receive(url);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["Body"], "later");
  EXPECT_EQ(received[0]["Attributes"]["SentTimestamp"], std::to_string(k2030));
  EXPECT_EQ(received[0]["Attributes"]["ApproximateFirstReceiveTimestamp"], std::to_string(k2030 + 60000));
}

TEST_F(SqsClockTest, AMessageReceivedAndNotDeletedComesBackWhenItsVisibilityTimeoutIsAdvanced) {
  const std::string url = Queue();
  Sqs("SendMessage", {{"QueueUrl", url}, {"MessageBody", "work"}});
  ASSERT_EQ(Receive(url).size(), 1u);  // the worker "crashes": no DeleteMessage
  ASSERT_THAT(server_->Clock().Advance(std::chrono::seconds(29)), IsOk());
  EXPECT_TRUE(Receive(url).empty()) << "still in flight";
  ASSERT_THAT(server_->Clock().Advance(std::chrono::seconds(1)), IsOk());
  const json again = Receive(url);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]["Attributes"]["ApproximateReceiveCount"], "2");
}

TEST_F(SqsClockTest, ALongPollWaitingForAMessageWakesAtTheAdvanceThatMakesItVisible) {
  const std::string url = Queue();
  Sqs("SendMessage", {{"QueueUrl", url}, {"MessageBody", "work"}});
  ASSERT_EQ(Receive(url).size(), 1u);
  json polled;
  std::thread poll([&] { polled = Receive(url, /*wait_s=*/20); });  // 20 s > the client's 10 s
  // The poll waits on the clock for the message's time; the advance wakes it and waits for it.
  for (int i = 0; i < 1000 && !server_->Clock().Read().next_due; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(server_->Clock().Read().next_due,
            ServerClock::TimePoint(std::chrono::milliseconds(k2030 + 30000)));
  ASSERT_THAT(server_->Clock().Advance(std::chrono::seconds(30)), IsOk());
  poll.join();
  ASSERT_EQ(polled.size(), 1u) << "woken by the advance, within the client's read timeout";
  EXPECT_EQ(polled[0]["Body"], "work");
}

TEST_F(SqsClockTest, MessagesOlderThanTheQueuesRetentionPeriodAreGone) {
  const std::string url = Queue({{"MessageRetentionPeriod", "60"}});
  Sqs("SendMessage", {{"QueueUrl", url}, {"MessageBody", "old"}});
  ASSERT_THAT(server_->Clock().Advance(std::chrono::seconds(30)), IsOk());
  Sqs("SendMessage", {{"QueueUrl", url}, {"MessageBody", "new"}});
  ASSERT_THAT(server_->Clock().Advance(std::chrono::seconds(30)), IsOk());
  const json attributes =
      Sqs("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}})["Attributes"];
  EXPECT_EQ(attributes["ApproximateNumberOfMessages"], "1");
  EXPECT_EQ(attributes["MessageRetentionPeriod"], "60");
  EXPECT_EQ(attributes["CreatedTimestamp"], std::to_string(k2030 / 1000));
  const json left = Receive(url);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["Body"], "new");
}

struct HostileAdvance {
  const char* name;
  std::string body;  // raw JSON text
  int status;
  const char* says;
  const char* path = "/__admin/clock/advance";
};

class HostileClockTest : public ClockTest, public ::testing::WithParamInterface<HostileAdvance> {};

TEST_P(HostileClockTest, GetsAClearErrorAndTheClockDoesNotMove) {
  Start(Virtual());
  ASSERT_EQ(Advance({{"by_ms", 60000}}).status, 200);
  const HostileAdvance& row = GetParam();
  Reply refused = api_->Send("POST", row.path, row.body, "application/json");
  EXPECT_EQ(refused.status, row.status) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr(row.says));
  EXPECT_EQ(Clock()["now"], "2030-01-01T00:01:00.000Z");
  EXPECT_EQ(Clock()["running"], false);
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
        HostileAdvance{"deep", std::string(5000, '[') + std::string(5000, ']'), 400, ""},
        HostileAdvance{"idle_negative_max", R"({"max_ms": -1})", 422, "max_ms",
                       "/__admin/clock/run-until-idle"},
        HostileAdvance{"idle_huge_max", R"({"max_ms": 3153600000001})", 422, "100 years",
                       "/__admin/clock/run-until-idle"},
        HostileAdvance{"idle_string_max", R"({"max_ms": "1h"})", 422, "whole number",
                       "/__admin/clock/run-until-idle"},
        HostileAdvance{"idle_fraction_max", R"({"max_ms": 0.5})", 422, "whole number",
                       "/__admin/clock/run-until-idle"},
        HostileAdvance{"idle_unknown_member", R"({"by_ms": 1})", 422, "only max_ms and timeout_ms",
                       "/__admin/clock/run-until-idle"},
        HostileAdvance{"idle_timeout_zero", R"({"timeout_ms": 0})", 422, "timeout_ms",
                       "/__admin/clock/run-until-idle"},
        HostileAdvance{"idle_not_an_object", R"("go")", 400, "JSON object", "/__admin/clock/run-until-idle"},
        HostileAdvance{"running_a_string", R"({"running": "yes"})", 422, "running: true", "/__admin/clock"},
        HostileAdvance{"running_missing", R"({})", 422, "running: true", "/__admin/clock"},
        HostileAdvance{"running_null", R"({"running": null})", 422, "running: true", "/__admin/clock"},
        HostileAdvance{"running_and_more", R"({"running": true, "by_ms": 5})", 422, "only running",
                       "/__admin/clock"},
        HostileAdvance{"running_malformed", R"({"running": tru)", 400, "", "/__admin/clock"}),
    [](const ::testing::TestParamInfo<HostileAdvance>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace epmock
