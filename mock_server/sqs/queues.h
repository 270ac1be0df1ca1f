// The embedded SQS endpoint's queues: at-least-once semantics as SQS has them (visibility
// timeouts, redelivery, delays, long polling, redrive to a dead-letter queue), independent
// of the wire protocol that reaches them.
//
// Thread-safe.
#ifndef EPMOCK_SQS_QUEUES_H_
#define EPMOCK_SQS_QUEUES_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "common/mutex.h"
#include "epmock/sqs.h"
#include "epmock/status.h"

namespace epmock::internal {

// SQS's own limits (Amazon SQS Developer Guide, "Quotas"), enforced as SQS enforces them so
// that a consumer tested here meets the same refusals in production.
inline constexpr int kMaxVisibilityTimeoutSeconds = 43200;  // 12 hours
inline constexpr int kMaxDelaySeconds = 900;                // 15 minutes
inline constexpr int kMaxMessageBytes = 262144;             // 256 KiB, also the default
inline constexpr int kMinMessageBytes = 1024;               // the least MaximumMessageSize
inline constexpr int kDefaultRetentionSeconds = 345600;     // 4 days
inline constexpr int kMinRetentionSeconds = 60;
inline constexpr int kMaxRetentionSeconds = 1209600;  // 14 days

struct SqsAttributeValue {
  std::string data_type;  // String, Number, Binary (with an optional ".custom" suffix)
  std::string value;      // the string value, or the raw bytes of a binary one
};
using SqsAttributes = std::map<std::string, SqsAttributeValue>;

struct SqsMessage {
  std::string id;
  std::string body;
  SqsAttributes attributes;
  std::string md5_of_body;
  std::string md5_of_attributes;  // empty when there are none
  std::int64_t sent_timestamp_ms = 0;
  std::int64_t first_receive_ms = 0;
  int receive_count = 0;
  std::string receipt_handle;   // of the latest receive
  Clock::TimePoint visible_at;  // on the queues' clock
  std::uint64_t seq = 0;        // arrival number in its queue
};

// An SQS error, in the terms both protocols need.
struct SqsError {
  int http_status = 400;
  std::string code;       // query protocol: "AWS.SimpleQueueService.NonExistentQueue"
  std::string json_type;  // JSON protocol: "QueueDoesNotExist"
  std::string message;
  bool sender_fault = true;
};

SqsError QueueDoesNotExist(const std::string& name);
SqsError InvalidParameterValue(const std::string& message);
SqsError MissingParameter(const std::string& name);
SqsError ReceiptHandleIsInvalid(const std::string& handle);

// MD5OfMessageAttributes as SQS computes it (and the AWS SDKs check it): for each attribute
// in name order, the length-prefixed name, data type, a transport byte (1 string, 2 binary)
// and the length-prefixed value.
std::string Md5OfAttributes(const SqsAttributes& attributes);

// SQS's rule for queue names: 1 to 80 letters, digits, hyphens and underscores.
bool IsQueueName(const std::string& name);

class SqsQueues {
 public:
  struct Queue;

  // A queue holds at most this many messages and bytes of body (live data: nothing is
  // dropped to stay within them but what outlives the queue's MessageRetentionPeriod); a
  // SendMessage beyond either answers OverLimit. `clock` is what visibility timeouts, delays,
  // retention and every timestamp follow (the server's: docs/CLOCK.md); a long poll's
  // WaitTimeSeconds is the caller's own time, and stays real.
  // `ids`: where message ids, receipt handles and request ids come from (common/ids.h).
  explicit SqsQueues(std::size_t max_messages = 100000, std::size_t max_bytes = 256 * 1024 * 1024,
                     Clock& clock = SteadyClock(), IdSource ids = {})
      : max_messages_(max_messages), max_bytes_(max_bytes), clock_(clock), ids_(std::move(ids)) {}
  const IdSource& ids() const { return ids_; }

  // Creates the queue, or returns the existing one (attributes applied at creation only).
  std::string Create(const std::string& name, const std::map<std::string, std::string>& attributes,
                     std::optional<SqsError>* error);
  bool Exists(const std::string& name) const;
  std::vector<std::string> List(const std::string& prefix) const;
  std::optional<SqsError> Delete(const std::string& name);
  std::optional<SqsError> Purge(const std::string& name);
  // Attribute name -> value for the names asked for ("All" for every one).
  std::optional<SqsError> Attributes(const std::string& name, const std::vector<std::string>& asked,
                                     std::map<std::string, std::string>* out) const;

  std::optional<SqsError> Send(const std::string& name, const std::string& body,
                               const SqsAttributes& attributes, int delay_seconds, SqsMessage* sent);
  // Up to `max` visible messages, each made invisible for `visibility_seconds` (-1: the
  // queue's); waits up to `wait` for the first one to arrive.
  std::optional<SqsError> Receive(const std::string& name, int max, int visibility_seconds,
                                  std::chrono::milliseconds wait, std::vector<SqsMessage>* out);
  std::optional<SqsError> DeleteMessage(const std::string& name, const std::string& receipt_handle);
  std::optional<SqsError> ChangeVisibility(const std::string& name, const std::string& receipt_handle,
                                           int visibility_seconds);

  // For tests and the admin API: every message of a queue, visible or not.
  std::vector<SqsMessage> Peek(const std::string& name) const;
  // Messages [offset, offset + limit) in arrival order, and how many the queue holds.
  std::vector<SqsMessage> PeekPage(const std::string& name, std::size_t offset, std::size_t limit,
                                   std::size_t* total) const;
  // Waits until the queue holds at least `count` messages.
  [[nodiscard]] bool WaitForCount(const std::string& name, std::size_t count,
                                  std::chrono::milliseconds timeout) const;
  SqsQueueActivity Activity(const std::string& name) const;
  [[nodiscard]] bool WaitForActivity(const std::string& name, std::uint64_t version,
                                     std::chrono::milliseconds timeout) const;
  // Faults on the consumers' calls (epmock/sqs.h, SqsFault): checked and kept; the first
  // matching one a call of `action` on `queue` takes (spending one of its requests) says the
  // error it answers instead.
  StatusOr<SqsFault> AddFault(SqsFault fault);
  std::vector<SqsFault> Faults() const;
  void ClearFaults();
  std::optional<SqsError> TakeFault(const std::string& action, const std::string& queue);

  // Wakes long polls so that the endpoint can stop; until Resume, polls return at once.
  void Shutdown();
  // Long polls wait again: the endpoint has started again.
  void Resume();
  void Reset();

 private:
  std::int64_t NowMillisOnClock() const { return clock_.EpochNanos() / 1000000; }
  // Drops the queue's messages sent longer than its retention period ago (the oldest come
  // first). Called with mu_ held.
  void Expire(Queue& queue) const EPMOCK_REQUIRES(mu_);
  // The queue changed: its version moves on and whoever waits on its activity looks again.
  void Touched(Queue& queue) const EPMOCK_REQUIRES(mu_);

  const std::size_t max_messages_;
  const std::size_t max_bytes_;
  Clock& clock_;
  const IdSource ids_;
  mutable Mutex mu_;
  mutable CondVar arrived_;
  mutable CondVar changed_;  // any queue's version moved on
  std::map<std::string, std::shared_ptr<Queue>> queues_ EPMOCK_GUARDED_BY(mu_);
  bool shutdown_ EPMOCK_GUARDED_BY(mu_) = false;
  mutable Mutex faults_mu_;
  std::vector<SqsFault> faults_ EPMOCK_GUARDED_BY(faults_mu_);
  std::uint64_t faults_added_ EPMOCK_GUARDED_BY(faults_mu_) = 0;
};

}  // namespace epmock::internal

#endif  // EPMOCK_SQS_QUEUES_H_
