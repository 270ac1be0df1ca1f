// Harness: an epmock Server with its sinks, started in one line inside a test, and waits
// that return testing::AssertionResult and say what did arrive when they fail (in the
// style of Envoy's FakeUpstream).
//
//   TEST(OrderPaid, ReachesTheHandler) {
//     epmock::testing::Harness epmock;                       // started, or the test fails
//     auto id = epmock.CreateWebhookIntegration({"order.paid"}, "/orders");
//     ASSERT_TRUE(id.ok()) << id.status().message();
//     ASSERT_TRUE(epmock.Trigger("order.paid").ok());
//     ASSERT_TRUE(epmock.WaitForDeliveries(1));
//     EXPECT_THAT(epmock.WebhookDeliveries()[0], IsEventType("order.paid"));
//   }
//
// Each harness is its own server on ephemeral ports (API, SQS endpoint, STOMP broker), a
// webhook sink, and a client of its own: tests run in parallel without sharing anything.
// Or derive the fixture from epmock::testing::EpmockTest and use `epmock()`.
//
// Thread-safe, like the Server it wraps.
#ifndef EPMOCK_TESTING_HARNESS_H_
#define EPMOCK_TESTING_HARNESS_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "epmock/certify.h"
#include "epmock/contract.h"
#include "epmock/server.h"
#include "epmock/sinks.h"
#include "epmock/testing/delivery.h"

namespace epmock::testing {

inline constexpr std::chrono::milliseconds kDefaultTimeout{10000};

// ServerOptions for a harness: every port ephemeral, the embedded SQS endpoint and STOMP
// broker on, retries fast (first retry after 10 ms) so failure paths finish quickly.
ServerOptions HarnessOptions();
// The same on a virtual clock (docs/CLOCK.md) that starts at `start_ms` (ms since the epoch;
// 2030-01-01T00:00:00Z unless told) and moves only when the test advances it, with the
// platform's own back-off (first retry after a second): hours of retries pass in a call.
ServerOptions VirtualClockHarnessOptions(std::int64_t start_ms = 1893456000000);

class Harness {
 public:
  // Starts everything; on failure the current test gets a failure saying why (and
  // started() is false).
  explicit Harness(ServerOptions options = HarnessOptions());
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  [[nodiscard]] ::testing::AssertionResult started() const;

  Server& server() { return server_; }
  WebhookSink& sink() { return sink_; }
  // The server's embedded SQS endpoint and STOMP broker (only once started()).
  SqsEndpoint& sqs();
  StompBroker& stomp();

  // The client this harness authenticates as (its store), and its bearer token.
  const std::string& client_id() const { return client_id_; }
  std::string token();
  std::string Url() const { return server_.Url(); }
  // The sink's URL for a path: what a webhook integration's configuration.url should be.
  std::string WebhookUrl(const std::string& path = "/webhook") const;

  // --- Integrations, created through the HTTP API as any client would -------------------
  // `data` is the body's "data" object; returns the created integration.
  StatusOr<nlohmann::json> CreateIntegration(const nlohmann::json& data);
  // Each returns the integration's id. Enabled, observing `observes`.
  StatusOr<std::string> CreateWebhookIntegration(const std::vector<std::string>& observes,
                                                 const std::string& path = "/webhook",
                                                 const std::string& secret_key = "");
  // Creates the queue on the embedded endpoint too.
  StatusOr<std::string> CreateSqsIntegration(const std::vector<std::string>& observes,
                                             const std::string& queue = "events");
  StatusOr<std::string> CreateStompIntegration(const std::vector<std::string>& observes,
                                               const std::string& destination = "/queue/events");

  // --- Events and faults -------------------------------------------------------------------
  StatusOr<TriggeredEvent> Trigger(const std::string& type,
                                   std::optional<nlohmann::json> data = std::nullopt);
  StatusOr<Fault> AddFault(Fault fault);
  // The next API requests of this harness's store misbehave (429, 500, 503, late, reset).
  StatusOr<ApiFault> AddApiFault(ApiFault fault);
  std::vector<IntegrationLog> Logs() const;
  // A story (epmock/story.h) in this harness's store: its events planned when this returns.
  StatusOr<StoryRun> RunStory(const std::string& story, const StoryOptions& options = {});
  // COUNT runs of it at once, each about resources of its own (Server::RunStories).
  StatusOr<std::vector<StoryRun>> RunStories(const std::string& story, std::size_t count,
                                             const StoryOptions& options = {});
  // Ends a running run of this harness's store as "stopped" (Server::StopStory).
  StatusOr<StoryRun> StopStory(const StoryRun& run);
  // Many varied events of a type (epmock/event.h BatchRequest).
  StatusOr<std::vector<BatchEvent>> TriggerBatch(const BatchRequest& request);

  // --- The clock (epmock/clock.h) -----------------------------------------------------------
  ServerClock clock() { return server_.Clock(); }
  // Moves a virtual clock on, running what falls due: the work has ended when it succeeds.
  [[nodiscard]] ::testing::AssertionResult Advance(std::chrono::milliseconds by,
                                                   std::chrono::milliseconds timeout = kDefaultTimeout);
  // Advances until nothing is in flight or due, at most `max` of the clock's time.
  [[nodiscard]] ::testing::AssertionResult RunUntilIdle(
      std::chrono::milliseconds max = std::chrono::hours(24),
      std::chrono::milliseconds timeout = kDefaultTimeout);

  // --- What arrived --------------------------------------------------------------------------
  std::vector<Delivery> WebhookDeliveries() const;
  std::vector<Delivery> SqsMessages(const std::string& queue = "events") const;
  std::vector<Delivery> StompFrames(const std::string& destination = "/queue/events") const;
  // Everything above: the sink, every queue and destination created through the harness.
  std::vector<Delivery> Deliveries() const;

  // --- Waits ----------------------------------------------------------------------------------
  // At least `count` requests at the webhook sink.
  [[nodiscard]] ::testing::AssertionResult WaitForDeliveries(
      std::size_t count, std::chrono::milliseconds timeout = kDefaultTimeout) const;
  // A delivery of an event of this type, by any transport the harness watches.
  [[nodiscard]] ::testing::AssertionResult WaitForEvent(
      const std::string& type, std::chrono::milliseconds timeout = kDefaultTimeout) const;
  // Messages on the queue now: a consumer that deletes them makes them leave it.
  [[nodiscard]] ::testing::AssertionResult WaitForSqsMessages(
      const std::string& queue, std::size_t count = 1,
      std::chrono::milliseconds timeout = kDefaultTimeout) const;
  [[nodiscard]] ::testing::AssertionResult WaitForStompFrames(
      const std::string& destination, std::size_t count = 1,
      std::chrono::milliseconds timeout = kDefaultTimeout) const;
  // No delivery scheduled, queued or in flight (retries included).
  // Every event of the run fired and every delivery of them ended; on failure, says step by
  // step what fired and how many of its deliveries ended and succeeded.
  [[nodiscard]] ::testing::AssertionResult WaitForStory(
      const StoryRun& run, std::chrono::milliseconds timeout = kDefaultTimeout) const;
  [[nodiscard]] ::testing::AssertionResult WaitForIdle(
      std::chrono::milliseconds timeout = kDefaultTimeout) const;

  // Replays every contract below `dir` against this harness's server.
  [[nodiscard]] ::testing::AssertionResult VerifyContracts(const std::string& dir) const;

 private:
  ServerOptions options_;
  Server server_;
  WebhookSink sink_;
  SqsEndpoint* sqs_ = nullptr;  // the server's, set once started
  StompBroker* stomp_ = nullptr;
  std::string client_id_;
  std::string start_error_;
  // What it learns as it goes (its token, the queues and destinations it made), under a
  // lock of its own: defined in harness.cc.
  struct Learned;
  std::unique_ptr<Learned> learned_;
};

// A fixture: `class MyTest : public epmock::testing::EpmockTest {};`, then `epmock()` in
// each TEST_F. SetUp fails the test if the harness did not start.
class EpmockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(harness_.started()); }
  Harness& epmock() { return harness_; }

 private:
  Harness harness_;
};

// Every result passed, or one failure listing each contract's differences.
::testing::AssertionResult ContractsPassed(const std::vector<ContractResult>& results);

// Certifies a webhook consumer (epmock/certify.h, docs/CERTIFY.md) on a virtual-clock server
// of its own: success when every check passed (or, with allow_inconclusive, none failed);
// else a failure naming each check that did not pass and why, then the whole report.
//
//   EXPECT_TRUE(epmock::testing::Certify(options));
[[nodiscard]] ::testing::AssertionResult Certify(const CertifyOptions& options,
                                                 bool allow_inconclusive = false);
// The same for an SQS worker and a STOMP consumer: start an in-process one from the options'
// `ready` callback, or give `run` a command.
//
//   epmock::CertifySqsOptions sqs;
//   sqs.queue = "orders";
//   sqs.observes = {"order.paid"};
//   sqs.ready = [&](const std::string& endpoint, const std::string& queue_url) {
//     worker = std::make_unique<MyWorker>(endpoint, queue_url);
//   };
//   EXPECT_TRUE(epmock::testing::Certify(sqs));
[[nodiscard]] ::testing::AssertionResult Certify(const CertifySqsOptions& options,
                                                 bool allow_inconclusive = false);
[[nodiscard]] ::testing::AssertionResult Certify(const CertifyStompOptions& options,
                                                 bool allow_inconclusive = false);

}  // namespace epmock::testing

#endif  // EPMOCK_TESTING_HARNESS_H_
