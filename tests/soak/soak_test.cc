// The soak: many events across webhook, SQS and STOMP integrations, with failures injected
// at the source (faults) and at the receivers (error answers, restarts mid-run). Every job
// must end in exactly one final log, success or failure; the counts reconcile exactly; every
// success is at its receiver; nothing arrives that was not sent.
//
// EPMOCK_SOAK_EVENTS sets the size (default 5,000: what CI runs). The full size:
//   EPMOCK_SOAK_EVENTS=100000 ./build/tests/soak_tests
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "epmock/server.h"
#include "epmock/sinks.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using testing_support::ApiClient;

std::size_t SoakEvents() {
  const char* size = std::getenv("EPMOCK_SOAK_EVENTS");
  return size && std::atol(size) > 0 ? static_cast<std::size_t>(std::atol(size)) : 5000;
}

// Event ids seen in a delivered body, by integration.
void Collect(const std::string& body, std::map<std::string, std::multiset<std::string>>* seen) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return;
  const std::string integration = j.contains("integrationid")
                                      ? j.value("integrationid", "")
                                      : j.value("/integration/id"_json_pointer, std::string());
  (*seen)[integration].insert(j.value("id", ""));
}

TEST(Soak, EveryEventEndsInOneFinalLogAndTheCountsReconcile) {
  const std::size_t events = SoakEvents();
  ServerOptions options;
  options.sqs_port = 0;
  options.stomp_port = 0;
  options.max_attempts = 8;
  options.retry_delay_ms = 5;  // 5, 10, 20, ... 640 ms: outlasts a receiver's restart
  options.delivery_timeout_ms = 5000;
  options.event_retention = events + 100;
  options.log_retention = events * 3 * 10;
  options.journal_capacity = 100;
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  WebhookSink sink;
  ASSERT_THAT(sink.Start(), IsOk());
  // The receiver fails now and then by itself: every 13th request gets a 503.
  std::atomic<int> webhook_requests{0};
  sink.Handle([&](const ReceivedRequest&) { return SinkResponse{++webhook_requests % 13 == 0 ? 503 : 200}; });

  const std::string client = "soak";
  ApiClient api(server.Url(), client);
  std::vector<std::string> integrations;
  for (const json& configuration :
       {json{{"url", sink.Url() + "/soak"}},
        json{{"url", server.Sqs()->CreateQueue("soak")},
             {"aws_access_key_id", "AKIASOAK"},
             {"aws_secret_access_key", "soak"},
             {"region", "us-east-1"}},
        json{{"addresses", {server.Stomp()->Url()}}, {"destination", "/queue/soak"}}}) {
    const std::string type = configuration.contains("addresses") ? "stomp"
                             : configuration.contains("region")  ? "aws_sqs"
                                                                 : "webhook";
    testing_support::Reply created = api.Post("/v2/integrations", {{"data",
                                                                    {{"type", "integration"},
                                                                     {"name", "soak " + type},
                                                                     {"integration_type", type},
                                                                     {"enabled", true},
                                                                     {"observes", {"order.paid"}},
                                                                     {"configuration", configuration}}}});
    ASSERT_EQ(created.status, 201) << created.body;
    integrations.push_back(created.json["data"]["id"]);
  }
  // Failures at the source: the first tenth of the events fail their first two attempts,
  // a twentieth later on arrive twice, and a fiftieth near the end fail for good.
  Fault fail_twice;
  fail_twice.fail_first_attempts = 2;
  fail_twice.events = static_cast<int>(events / 10);
  ASSERT_THAT(server.AddFault(client, fail_twice), IsOk());

  // Receivers restart mid-run, one after the other, while events keep coming.
  std::atomic<std::size_t> triggered{0};
  std::thread chaos([&] {
    for (int round = 1; round <= 3; ++round) {
      while (triggered < events * round / 4) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (round == 2) {
        Fault twice;
        twice.duplicate = 1;
        twice.events = static_cast<int>(events / 20);
        ASSERT_THAT(server.AddFault(client, twice), IsOk());
      }
      if (round == 3) {  // a fiftieth of the events fail every attempt: final failures
        Fault never;
        never.fail_first_attempts = options.max_attempts;
        never.events = static_cast<int>(events / 50);
        ASSERT_THAT(server.AddFault(client, never), IsOk());
      }
      sink.Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ASSERT_THAT(sink.Start(), IsOk());
      server.Sqs()->Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ASSERT_THAT(server.Sqs()->Start(), IsOk());
      server.Stomp()->Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ASSERT_THAT(server.Stomp()->Start(), IsOk());
    }
  });
  std::set<std::string> event_ids;
  for (std::size_t i = 0; i < events; ++i) {
    auto event = server.Trigger(
        client, {"order.paid", json{{"type", "order"}, {"id", "order-" + std::to_string(i)}}, std::nullopt});
    ASSERT_THAT(event, IsOk());
    ASSERT_EQ(event->jobs.size(), 3u);
    event_ids.insert(event->id);
    ++triggered;
    // Keep a bounded backlog: the test is about outcomes, not about queueing everything.
    if (i % 1000 == 999) {
      ASSERT_TRUE(server.WaitForIdle(std::chrono::minutes(5)));
    }
  }
  chaos.join();
  ASSERT_TRUE(server.WaitForIdle(std::chrono::minutes(10)));

  // Every job: exactly one final log.
  const std::vector<IntegrationJob> jobs = server.Jobs(client);
  ASSERT_EQ(jobs.size(), events * 3);
  std::map<std::string, const IntegrationJob*> by_id;
  for (const IntegrationJob& job : jobs) by_id[job.id] = &job;
  std::map<std::string, int> finals;
  std::size_t succeeded = 0, failed = 0, attempts = 0;
  std::map<std::string, std::set<std::string>> delivered;  // integration -> event ids of successful jobs
  for (const IntegrationLog& log : server.Logs(client)) {
    ++attempts;
    ASSERT_TRUE(by_id.count(log.job_id)) << "a log of no job: " << log.job_id;
    if (!log.final) continue;
    ++finals[log.job_id];
    if (log.succeeded) {
      ++succeeded;
      delivered[log.integration_id].insert(log.event_id);
    } else {
      ++failed;
    }
  }
  for (const IntegrationJob& job : jobs)
    EXPECT_EQ(finals[job.id], 1) << "job " << job.id << " of " << job.triggered_by;
  EXPECT_EQ(succeeded + failed, jobs.size());
  EXPECT_GE(failed, 3 * (events / 50));  // at least the jobs whose every attempt was failed

  // What the receivers hold: every success, and nothing that was never sent.
  std::map<std::string, std::multiset<std::string>> seen;
  for (const ReceivedRequest& r : sink.Requests()) Collect(r.body, &seen);
  for (const SqsQueuedMessage& m : server.Sqs()->Messages("soak")) Collect(m.body, &seen);
  for (const StompMessage& m : server.Stomp()->Messages("/queue/soak")) Collect(m.body, &seen);
  std::size_t duplicates = 0;
  for (const std::string& integration : integrations) {
    const std::multiset<std::string>& got = seen[integration];
    for (const std::string& id : delivered[integration]) {
      EXPECT_TRUE(got.count(id)) << "event " << id << " logged as delivered to " << integration
                                 << " but not there";
    }
    for (const std::string& id : got) EXPECT_TRUE(event_ids.count(id)) << "a delivery of no event: " << id;
    duplicates += got.size() - std::set<std::string>(got.begin(), got.end()).size();
  }
  std::size_t paid = 0;
  for (const TriggeredEvent& e : server.Events(client)) paid += e.type == "order.paid";
  EXPECT_EQ(paid, events);
  std::printf(
      "soak: %zu events, %zu jobs, %zu attempts: %zu delivered, %zu failed for good, %zu duplicates "
      "received (faults and retries after lost answers)\n",
      events, jobs.size(), attempts, succeeded, failed, duplicates);
}

}  // namespace
}  // namespace epmock
