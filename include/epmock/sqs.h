// SqsEndpoint: an SQS-compatible endpoint for tests, speaking both wire protocols (the query
// protocol with XML answers, as Debian's boto3 does, and AWS JSON 1.0, as current SDKs do),
// with SQS's at-least-once semantics: visibility timeouts, redelivery, long polling, and a
// RedrivePolicy that moves a message to a dead-letter queue after maxReceiveCount receives.
//
//   epmock::SqsEndpoint sqs;                         // ephemeral port on 127.0.0.1
//   ASSERT_TRUE(sqs.Start().ok());
//   std::string url = sqs.CreateQueue("orders");     // http://127.0.0.1:PORT/000000000000/orders
//   ... an aws_sqs integration with configuration.url = url, trigger ...
//   ASSERT_TRUE(sqs.WaitForMessages("orders", 1, std::chrono::seconds(5)));
//
// With credentials set it verifies every request's SigV4 signature and answers 403 to
// anything else. Thread-safe.
#ifndef EPMOCK_SQS_H_
#define EPMOCK_SQS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "epmock/status.h"

namespace epmock {

struct SqsEndpointOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: ephemeral
  // When both are set, requests must be SigV4-signed with this key (any region).
  std::string access_key_id;
  std::string secret_access_key;
  // What one queue may hold: messages not yet deleted are live data, never dropped to save
  // memory; a SendMessage beyond either limit answers OverLimit (an epmock delivery fails its
  // attempt, logged and retried).
  std::size_t max_queue_messages = 100000;
  std::size_t max_queue_bytes = 256 * 1024 * 1024;
  // Host headers answered beyond IP literals, localhost, *.localhost and names without a
  // dot (ServerOptions::allow_hosts); "*" answers any.
  std::vector<std::string> allow_hosts;
  // Queue URLs are handed out under `advertised_url` ("http://sqs.test:4566") when set, else
  // under `advertised_host` on the endpoint's own port, else under the request's Host (so a
  // client behind a port mapping gets URLs it can use). A name in either is answered.
  std::string advertised_url;
  std::string advertised_host;
  // Told the Host header of every request answered, and the port it reached (epmock::Server
  // learns from it the names its endpoint is known by).
  std::function<void(const std::string& host_header, int port)> host_seen;
};

// A message as it sits on a queue.
struct SqsQueuedMessage {
  std::string message_id;
  std::string body;
  std::map<std::string, std::string> attributes;  // message attributes: name -> string value
  int receive_count = 0;
  std::int64_t sent_at_ms = 0;  // SentTimestamp: when the queue took it, ms since the epoch
};

// A queue as the endpoint holds it now (SqsEndpoint::Queues).
struct SqsQueueSummary {
  std::string name;
  std::string url;
  std::size_t visible = 0;         // ApproximateNumberOfMessages
  std::size_t in_flight = 0;       // ApproximateNumberOfMessagesNotVisible
  std::size_t delayed = 0;         // ApproximateNumberOfMessagesDelayed
  std::string dead_letter_target;  // the RedrivePolicy's deadLetterTargetArn; "" for none
};

// What consumers have done with a queue (SqsEndpoint::Activity), for a test that waits on it.
struct SqsQueueActivity {
  std::uint64_t receive_calls = 0;  // ReceiveMessage calls that reached it (not those a fault answered)
  // Moves on at every change: a message sent, received, deleted or made visible, a purge, a
  // call that a fault answered.
  std::uint64_t version = 0;
};

// A fault on a consumer's own calls to the endpoint, so that a worker's retries can be
// tested: the next `requests` matching calls fail as SQS's own do, then all is well.
//
//   epmock::SqsFault busy;
//   busy.action = "ReceiveMessage";
//   busy.error = "throttled";
//   busy.requests = 2;                 // two throttled receives, then messages again
//   server.Sqs()->AddFault(busy);
//
// Errors: "throttled" (400 ThrottlingException; RequestThrottled in the query protocol: SDKs
// retry it), "internal_error" (500 InternalError), and for DeleteMessage "stale_receipt"
// (400 ReceiptHandleIsInvalid, as for a handle from an earlier receive: the message is not
// deleted, and comes back once its visibility timeout ends). Also from the admin API: POST
// /__admin/sqs/faults with the same fields as JSON.
struct SqsFault {
  std::string id;      // set by AddFault
  std::string action;  // "ReceiveMessage" or "DeleteMessage"
  std::string error;   // "throttled", "internal_error", "stale_receipt" (DeleteMessage only)
  std::string queue;   // only calls on this queue; empty: any
  int requests = 1;    // how many matching calls, 1 to 1,000; it is gone after the last
};
inline constexpr std::size_t kMaxSqsFaults = 100;

class SqsEndpoint {
 public:
  explicit SqsEndpoint(SqsEndpointOptions options = {});
  ~SqsEndpoint();
  SqsEndpoint(const SqsEndpoint&) = delete;
  SqsEndpoint& operator=(const SqsEndpoint&) = delete;

  // Start after Stop listens on the same port again, every queue and message kept.
  Status Start();
  void Stop();
  // http://HOST:PORT, as bound (a wildcard as loopback), or the advertised URL when set.
  std::string Url() const;
  int Port() const;  // the bound port (0 before the first Start)

  // Creates the queue (if needed) and returns its URL.
  std::string CreateQueue(const std::string& name);
  std::string QueueUrl(const std::string& name) const;
  // Deletes every message of the queue, as PurgeQueue does; false when there is no such queue.
  bool PurgeQueue(const std::string& name);
  // Every queue, by name, with its counts (the dashboard's list; at most 1,000).
  std::vector<SqsQueueSummary> Queues() const;
  // Every message of the queue, visible or in flight, oldest first.
  std::vector<SqsQueuedMessage> Messages(const std::string& queue) const;
  // One page of them: [offset, offset + limit), oldest first, and how many the queue holds
  // (only the page is copied).
  std::vector<SqsQueuedMessage> MessagesPage(const std::string& queue, std::size_t offset, std::size_t limit,
                                             std::size_t* total) const;
  [[nodiscard]] bool WaitForMessages(const std::string& queue, std::size_t count,
                                     std::chrono::milliseconds timeout) const;
  // Puts a message on the queue as a SendMessage does: its MessageId, or NOT_FOUND for no
  // such queue, INVALID_ARGUMENT for a body SQS refuses (empty, too large).
  StatusOr<std::string> SendMessage(const std::string& queue, const std::string& body);
  // The queue's activity (zeros for no such queue), and a wait, at most `timeout`, until its
  // version is no longer `version`: what a test watching a consumer wakes on.
  SqsQueueActivity Activity(const std::string& queue) const;
  [[nodiscard]] bool WaitForActivity(const std::string& queue, std::uint64_t version,
                                     std::chrono::milliseconds timeout) const;

  // Faults on the consumers' own calls (SqsFault): InvalidArgument naming the bad field,
  // ResourceExhausted beyond kMaxSqsFaults. Faults() lists those not used up, oldest first.
  StatusOr<SqsFault> AddFault(SqsFault fault);
  std::vector<SqsFault> Faults() const;
  void ClearFaults();

  class Impl;
  // An endpoint made by epmock::Server, whose queues follow the server's clock (Impl is
  // internal: sqs/endpoint_clock.h).
  explicit SqsEndpoint(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace epmock

#endif  // EPMOCK_SQS_H_
