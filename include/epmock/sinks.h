// WebhookSink: a webhook receiver for tests. It records every request and answers with a
// programmable sequence of statuses and delays.
//
//   epmock::WebhookSink sink;                 // its own ephemeral port
//   ASSERT_TRUE(sink.Start().ok());
//   sink.RespondWith({{500}, {200}});          // fail once, then succeed (the last repeats)
//   ... create a webhook integration with url = sink.Url() + "/hook", trigger ...
//   ASSERT_TRUE(sink.WaitForRequests(2, std::chrono::seconds(5)));
//   EXPECT_EQ(sink.Requests()[1].Header("x-moltin-integration-trigger"), "order.paid");
//
// The same sink is served by every epmock server at /__sink/webhook/{name} on its API
// port (read back with GET /__admin/sinks/webhook/{name}).
//
// Thread-safe.
#ifndef EPMOCK_SINKS_H_
#define EPMOCK_SINKS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/status.h"

namespace epmock {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::int64_t received_at_ms = 0;  // wall clock, ms since the epoch
  // What the sink answered it (its status and delay); 0 until it has answered.
  int answer_status = 0;
  int answer_delay_ms = 0;

  // Case-insensitive; "" when absent.
  std::string Header(const std::string& name) const;
  // The body parsed as JSON; null when it is not JSON.
  nlohmann::json Json() const;
};

// One programmed answer.
struct SinkResponse {
  int status = 200;
  int delay_ms = 0;  // real time, before answering
  std::string body = "";
};

class WebhookSink {
 public:
  WebhookSink();
  ~WebhookSink();
  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  // Listens on 127.0.0.1, an ephemeral port; after Stop, on the same port again (a
  // receiver restart, as the integration pointing at it sees one).
  Status Start();
  void Stop();
  // "http://127.0.0.1:PORT"; any path on it is recorded.
  std::string Url() const;

  // Answers in this order, the last one repeating; empty: 200 always.
  void RespondWith(std::vector<SinkResponse> responses);
  // Answers every request with what `handler` returns (called on the sink's threads, before
  // the request counts as arrived), instead of the RespondWith list. Handle(nullptr) goes
  // back to the list once the calls in flight have returned. epmock::testing's
  // MockWebhookHandler is built on it.
  void Handle(std::function<SinkResponse(const ReceivedRequest&)> handler);
  std::vector<ReceivedRequest> Requests() const;
  // A cursor for a reader that follows the sink: the requests from the `from`-th arrival on
  // (0: the first ever; those retention dropped or Clear removed are gone, and Clear does not
  // start the count again), and in *next what to pass next time.
  // Only the new ones are copied, however many the sink keeps.
  std::vector<ReceivedRequest> RequestsFrom(std::uint64_t from, std::uint64_t* next) const;
  void Clear();

  // Waits until at least `count` requests have arrived, or the timeout passes. (The
  // epmock::testing target wraps these waits in testing::AssertionResult.)
  [[nodiscard]] bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace epmock

#endif  // EPMOCK_SINKS_H_
