#include "sqs/queues.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <unordered_map>

#include "aws/md5.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/mutex.h"
#include "common/strings.h"

namespace epmock::internal {

struct SqsQueues::Queue {
  std::string name;
  std::int64_t created_s = 0;
  int visibility_timeout_s = 30;
  int delay_s = 0;
  int retention_s = kDefaultRetentionSeconds;
  int max_message_size = kMaxMessageBytes;
  std::string redrive_target;  // dead-letter queue name
  int max_receive_count = 0;
  std::string redrive_policy;  // as given
  // In arrival order, numbered (SqsMessage::seq) so that a message is found by a binary
  // search from its id's number, not by a scan; consumers delete near the front, where a
  // deque's erase moves little.
  std::deque<SqsMessage> messages;
  std::unordered_map<std::string, std::uint64_t> seq_by_id;
  std::uint64_t next_seq = 0;
  std::size_t bytes = 0;  // of the bodies of `messages`
  std::uint64_t receive_calls = 0;
  std::uint64_t version = 0;  // SqsQueueActivity::version

  void Append(SqsMessage message) {
    message.seq = next_seq++;
    seq_by_id[message.id] = message.seq;
    bytes += message.body.size();
    messages.push_back(std::move(message));
  }
  std::deque<SqsMessage>::iterator Locate(const std::string& id) {
    auto it = seq_by_id.find(id);
    if (it == seq_by_id.end()) return messages.end();
    auto at = std::lower_bound(messages.begin(), messages.end(), it->second,
                               [](const SqsMessage& m, std::uint64_t seq) { return m.seq < seq; });
    return at != messages.end() && at->seq == it->second ? at : messages.end();
  }
  std::deque<SqsMessage>::iterator Erase(std::deque<SqsMessage>::iterator at) {
    seq_by_id.erase(at->id);
    bytes -= at->body.size();
    return messages.erase(at);
  }
  void Clear() {
    messages.clear();
    seq_by_id.clear();
    bytes = 0;
  }
};

namespace {

std::string Arn(const std::string& name) { return "arn:aws:sqs:elasticmq:000000000000:" + name; }

bool ParseSeconds(const std::string& text, int max, int* out) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  *out = std::atoi(text.c_str());
  return *out <= max;
}

void PutLength(std::string* out, std::size_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((n >> shift) & 0xff));
}

}  // namespace

SqsError QueueDoesNotExist(const std::string& name) {
  return {400, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
          "The specified queue " + name + " does not exist for this wsdl version.", true};
}
SqsError InvalidParameterValue(const std::string& message) {
  return {400, "InvalidParameterValue", "InvalidParameterValue", message, true};
}
SqsError MissingParameter(const std::string& name) {
  return {400, "MissingParameter", "MissingParameter", "The request must contain the parameter " + name + ".",
          true};
}
SqsError ReceiptHandleIsInvalid(const std::string& handle) {
  return {400, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid",
          "The input receipt handle \"" + handle + "\" is not a valid receipt handle.", true};
}

std::string Md5OfAttributes(const SqsAttributes& attributes) {
  if (attributes.empty()) return "";
  std::string buffer;
  for (const auto& [name, attribute] : attributes) {  // std::map: name order
    PutLength(&buffer, name.size());
    buffer += name;
    PutLength(&buffer, attribute.data_type.size());
    buffer += attribute.data_type;
    const bool binary = attribute.data_type.rfind("Binary", 0) == 0;
    buffer.push_back(static_cast<char>(binary ? 2 : 1));
    PutLength(&buffer, attribute.value.size());
    buffer += attribute.value;
  }
  return Md5Hex(buffer);
}

bool IsQueueName(const std::string& name) {
  return !name.empty() && name.size() <= 80 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::string SqsQueues::Create(const std::string& name, const std::map<std::string, std::string>& attributes,
                              std::optional<SqsError>* error) {
  *error = std::nullopt;
  if (!IsQueueName(name)) {
    *error = InvalidParameterValue(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
    return "";
  }
  auto queue = std::make_shared<Queue>();
  queue->name = name;
  queue->created_s = NowMillisOnClock() / 1000;
  for (const auto& [key, value] : attributes) {
    int seconds = 0;
    if (key == "VisibilityTimeout") {
      if (!ParseSeconds(value, kMaxVisibilityTimeoutSeconds, &seconds)) {
        *error = InvalidParameterValue("Invalid value for the parameter VisibilityTimeout.");
        return "";
      }
      queue->visibility_timeout_s = seconds;
    } else if (key == "DelaySeconds") {
      if (!ParseSeconds(value, kMaxDelaySeconds, &seconds)) {
        *error = InvalidParameterValue("Invalid value for the parameter DelaySeconds.");
        return "";
      }
      queue->delay_s = seconds;
    } else if (key == "MessageRetentionPeriod") {
      if (!ParseSeconds(value, kMaxRetentionSeconds, &seconds) || seconds < kMinRetentionSeconds) {
        *error = InvalidParameterValue("Invalid value for the parameter MessageRetentionPeriod.");
        return "";
      }
      queue->retention_s = seconds;
    } else if (key == "RedrivePolicy") {
      // {"deadLetterTargetArn":"arn:...:dlq","maxReceiveCount":"3"}
      const auto arn_at = value.find("deadLetterTargetArn");
      const auto count_at = value.find("maxReceiveCount");
      if (arn_at == std::string::npos || count_at == std::string::npos) {
        *error = InvalidParameterValue("Invalid value for the parameter RedrivePolicy.");
        return "";
      }
      std::size_t arn_start = value.find(':', arn_at + 19);
      arn_start = value.find('"', arn_start) + 1;
      const std::string arn = value.substr(arn_start, value.find('"', arn_start) - arn_start);
      queue->redrive_target = arn.substr(arn.rfind(':') + 1);
      std::size_t digits = value.find_first_of("0123456789", count_at);
      queue->max_receive_count = digits == std::string::npos ? 0 : std::atoi(value.c_str() + digits);
      if (queue->max_receive_count < 1) {
        *error = InvalidParameterValue(
            "Invalid value for the parameter RedrivePolicy: maxReceiveCount must be at least 1.");
        return "";
      }
      queue->redrive_policy = value;
    } else if (key == "MaximumMessageSize") {
      if (!ParseSeconds(value, kMaxMessageBytes, &seconds) || seconds < kMinMessageBytes) {
        *error = InvalidParameterValue("Invalid value for the parameter MaximumMessageSize.");
        return "";
      }
      queue->max_message_size = seconds;
    }
  }
  MutexLock lock(&mu_);
  if (!queue->redrive_target.empty() && !queues_.count(queue->redrive_target)) {
    *error = InvalidParameterValue(
        "Value " + queue->redrive_policy +
        " for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.");
    return "";
  }
  queues_.emplace(name, queue);  // an existing queue stays as it is
  return name;
}

bool SqsQueues::Exists(const std::string& name) const {
  MutexLock lock(&mu_);
  return queues_.count(name) > 0;
}

std::vector<std::string> SqsQueues::List(const std::string& prefix) const {
  MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, queue] : queues_) {
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  return out;
}

std::optional<SqsError> SqsQueues::Delete(const std::string& name) {
  MutexLock lock(&mu_);
  if (!queues_.erase(name)) return QueueDoesNotExist(name);
  return std::nullopt;
}

std::optional<SqsError> SqsQueues::Purge(const std::string& name) {
  MutexLock lock(&mu_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return QueueDoesNotExist(name);
  it->second->Clear();
  Touched(*it->second);
  return std::nullopt;
}

std::optional<SqsError> SqsQueues::Attributes(const std::string& name, const std::vector<std::string>& asked,
                                              std::map<std::string, std::string>* out) const {
  MutexLock lock(&mu_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return QueueDoesNotExist(name);
  Expire(*it->second);
  const Queue& q = *it->second;
  const auto now = clock_.Now();
  std::size_t visible = 0, in_flight = 0, delayed = 0;
  for (const SqsMessage& m : q.messages) {
    if (m.visible_at <= now)
      ++visible;
    else if (m.receive_count > 0)
      ++in_flight;
    else
      ++delayed;
  }
  std::map<std::string, std::string> all = {
      {"ApproximateNumberOfMessages", std::to_string(visible)},
      {"ApproximateNumberOfMessagesNotVisible", std::to_string(in_flight)},
      {"ApproximateNumberOfMessagesDelayed", std::to_string(delayed)},
      {"VisibilityTimeout", std::to_string(q.visibility_timeout_s)},
      {"DelaySeconds", std::to_string(q.delay_s)},
      {"MaximumMessageSize", std::to_string(q.max_message_size)},
      {"MessageRetentionPeriod", std::to_string(q.retention_s)},
      {"ReceiveMessageWaitTimeSeconds", "0"},
      {"CreatedTimestamp", std::to_string(q.created_s)},
      {"LastModifiedTimestamp", std::to_string(q.created_s)},
      {"QueueArn", Arn(q.name)}};
  if (!q.redrive_policy.empty()) all["RedrivePolicy"] = q.redrive_policy;
  const bool every = asked.empty() || std::find(asked.begin(), asked.end(), "All") != asked.end();
  for (const auto& [key, value] : all) {
    if (every || std::find(asked.begin(), asked.end(), key) != asked.end()) (*out)[key] = value;
  }
  return std::nullopt;
}

std::optional<SqsError> SqsQueues::Send(const std::string& name, const std::string& body,
                                        const SqsAttributes& attributes, int delay_seconds,
                                        SqsMessage* sent) {
  if (body.empty()) return MissingParameter("MessageBody");
  MutexLock lock(&mu_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return QueueDoesNotExist(name);
  Queue& q = *it->second;
  Expire(q);
  std::size_t size = body.size();
  for (const auto& [key, attribute] : attributes)
    size += key.size() + attribute.data_type.size() + attribute.value.size();
  if (size > static_cast<std::size_t>(q.max_message_size)) {
    return InvalidParameterValue("One or more parameters are invalid. Reason: Message must be shorter than " +
                                 std::to_string(q.max_message_size) + " bytes.");
  }
  if (q.messages.size() >= max_messages_ || q.bytes + body.size() > max_bytes_) {
    return SqsError{403, "AWS.SimpleQueueService.OverLimit", "OverLimit",
                    "The queue " + name + " holds its limit of " + std::to_string(max_messages_) +
                        " messages or " + std::to_string(max_bytes_) +
                        " bytes (epmock's bound); receive and delete some first",
                    true};
  }
  if (delay_seconds < 0) delay_seconds = q.delay_s;
  if (delay_seconds > kMaxDelaySeconds)
    return InvalidParameterValue("Value " + std::to_string(delay_seconds) +
                                 " for parameter DelaySeconds is invalid. Reason: must be <= " +
                                 std::to_string(kMaxDelaySeconds) + ".");
  SqsMessage message;
  // Its queue and its content: two runs of a test give each message the same id, whatever
  // order concurrent senders reached the queue in.
  message.id = ids_.ForContent("sqs/" + name, body + '\n' + Md5OfAttributes(attributes));
  message.body = body;
  message.attributes = attributes;
  message.md5_of_body = Md5Hex(body);
  message.md5_of_attributes = Md5OfAttributes(attributes);
  message.sent_timestamp_ms = NowMillisOnClock();
  message.visible_at = clock_.Now() + std::chrono::seconds(delay_seconds);
  *sent = message;
  q.Append(std::move(message));
  arrived_.SignalAll();
  Touched(q);
  return std::nullopt;
}

std::optional<SqsError> SqsQueues::Receive(const std::string& name, int max, int visibility_seconds,
                                           std::chrono::milliseconds wait, std::vector<SqsMessage>* out) {
  if (max < 1 || max > 10) {
    return InvalidParameterValue(
        "Value " + std::to_string(max) +
        " for parameter MaxNumberOfMessages is invalid. Reason: must be between 1 and 10, if provided.");
  }
  if (visibility_seconds > kMaxVisibilityTimeoutSeconds)
    return InvalidParameterValue("Value for parameter VisibilityTimeout is invalid. Reason: must be <= " +
                                 std::to_string(kMaxVisibilityTimeoutSeconds) + ".");
  MutexLock lock(&mu_);
  const auto deadline = std::chrono::steady_clock::now() + wait;  // the caller's time: real
  bool counted = false;
  for (;;) {
    auto it = queues_.find(name);
    if (it == queues_.end()) return QueueDoesNotExist(name);
    std::shared_ptr<Queue> queue = it->second;  // stays valid if the queue is deleted meanwhile
    if (!counted) {
      counted = true;
      ++queue->receive_calls;
      Touched(*queue);
    }
    Expire(*queue);
    const auto now = clock_.Now();
    const int visibility = visibility_seconds >= 0 ? visibility_seconds : queue->visibility_timeout_s;
    // When the first message that is not visible now becomes visible (delayed, or in flight).
    Clock::TimePoint next_visible = Clock::TimePoint::max();
    for (auto m = queue->messages.begin();
         m != queue->messages.end() && static_cast<int>(out->size()) < max;) {
      if (m->visible_at > now) {
        next_visible = std::min(next_visible, m->visible_at);
        ++m;
        continue;
      }
      // A message received maxReceiveCount times already goes to the dead-letter queue
      // instead of being received again.
      if (queue->max_receive_count > 0 && m->receive_count >= queue->max_receive_count) {
        auto dlq = queues_.find(queue->redrive_target);
        if (dlq != queues_.end()) {
          SqsMessage moved = *m;
          moved.visible_at = now;
          dlq->second->Append(std::move(moved));
          arrived_.SignalAll();
          Touched(*dlq->second);
        }
        m = queue->Erase(m);
        continue;
      }
      ++m->receive_count;
      if (m->first_receive_ms == 0) m->first_receive_ms = NowMillisOnClock();
      m->receipt_handle = ids_.Hex(m->id + "/receipt/" + std::to_string(m->receive_count), 32) + ":" + m->id;
      m->visible_at = now + std::chrono::seconds(visibility);
      out->push_back(*m);
      ++m;
    }
    if (!out->empty()) Touched(*queue);
    if (!out->empty() || shutdown_ || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    // Until a message arrives or is made visible (Send, ChangeMessageVisibility, a move to the
    // dead-letter queue and Shutdown notify), or a held one's time comes on the clock (an
    // advance of a virtual one wakes it at once), or the caller's WaitTimeSeconds ends.
    clock_.WaitUntilOr(&mu_, &arrived_, next_visible, deadline);
  }
}

std::optional<SqsError> SqsQueues::DeleteMessage(const std::string& name, const std::string& receipt_handle) {
  MutexLock lock(&mu_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return QueueDoesNotExist(name);
  const auto colon = receipt_handle.find(':');
  if (colon == std::string::npos) return ReceiptHandleIsInvalid(receipt_handle);
  // Deleting with an older receipt handle of a message, or one already deleted, succeeds,
  // as on SQS.
  Queue& q = *it->second;
  auto at = q.Locate(receipt_handle.substr(colon + 1));
  if (at != q.messages.end()) q.Erase(at);
  Touched(q);
  return std::nullopt;
}

std::optional<SqsError> SqsQueues::ChangeVisibility(const std::string& name,
                                                    const std::string& receipt_handle,
                                                    int visibility_seconds) {
  if (visibility_seconds < 0 || visibility_seconds > kMaxVisibilityTimeoutSeconds) {
    return InvalidParameterValue(
        "Value for parameter VisibilityTimeout is invalid. Reason: must be between 0 and " +
        std::to_string(kMaxVisibilityTimeoutSeconds) + ".");
  }
  MutexLock lock(&mu_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return QueueDoesNotExist(name);
  const auto colon = receipt_handle.find(':');
  if (colon == std::string::npos) return ReceiptHandleIsInvalid(receipt_handle);
  Queue& q = *it->second;
  auto at = q.Locate(receipt_handle.substr(colon + 1));
  if (at == q.messages.end() || at->receipt_handle != receipt_handle)
    return ReceiptHandleIsInvalid(receipt_handle);
  at->visible_at = clock_.Now() + std::chrono::seconds(visibility_seconds);
  arrived_.SignalAll();  // a long poll waiting for this message's old time looks again
  Touched(q);
  return std::nullopt;
}

std::vector<SqsMessage> SqsQueues::Peek(const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return {};
  return {it->second->messages.begin(), it->second->messages.end()};
}

std::vector<SqsMessage> SqsQueues::PeekPage(const std::string& name, std::size_t offset, std::size_t limit,
                                            std::size_t* total) const {
  MutexLock lock(&mu_);
  *total = 0;
  auto it = queues_.find(name);
  if (it == queues_.end()) return {};
  const std::deque<SqsMessage>& messages = it->second->messages;
  *total = messages.size();
  std::vector<SqsMessage> out;
  for (std::size_t i = offset; i < messages.size() && out.size() < limit; ++i) out.push_back(messages[i]);
  return out;
}

bool SqsQueues::WaitForCount(const std::string& name, std::size_t count,
                             std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  for (;;) {
    auto it = queues_.find(name);
    const bool arrived = it != queues_.end() && it->second->messages.size() >= count;
    if (arrived || std::chrono::steady_clock::now() >= deadline) return arrived;
    arrived_.WaitUntil(&mu_, deadline);
  }
}

void SqsQueues::Touched(Queue& queue) const {
  ++queue.version;
  changed_.SignalAll();
}

SqsQueueActivity SqsQueues::Activity(const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return {};
  return {it->second->receive_calls, it->second->version};
}

bool SqsQueues::WaitForActivity(const std::string& name, std::uint64_t version,
                                std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  for (;;) {
    auto it = queues_.find(name);
    const bool moved = it != queues_.end() && it->second->version != version;
    if (moved || std::chrono::steady_clock::now() >= deadline) return moved;
    changed_.WaitUntil(&mu_, deadline);
  }
}

void SqsQueues::Expire(Queue& queue) const {
  const std::int64_t oldest_kept_ms = NowMillisOnClock() - std::int64_t{queue.retention_s} * 1000;
  while (!queue.messages.empty() && queue.messages.front().sent_timestamp_ms <= oldest_kept_ms)
    queue.Erase(queue.messages.begin());
}

void SqsQueues::Shutdown() {
  MutexLock lock(&mu_);
  shutdown_ = true;
  arrived_.SignalAll();
}

void SqsQueues::Resume() {
  MutexLock lock(&mu_);
  shutdown_ = false;
}

void SqsQueues::Reset() {
  MutexLock lock(&mu_);
  queues_.clear();
}

StatusOr<SqsFault> SqsQueues::AddFault(SqsFault fault) {
  if (fault.action != "ReceiveMessage" && fault.action != "DeleteMessage") {
    return Status::InvalidArgument("action must be ReceiveMessage or DeleteMessage");
  }
  if (fault.error != "throttled" && fault.error != "internal_error" && fault.error != "stale_receipt") {
    return Status::InvalidArgument("error must be one of throttled, internal_error, stale_receipt");
  }
  if (fault.error == "stale_receipt" && fault.action != "DeleteMessage") {
    return Status::InvalidArgument(
        "error stale_receipt is for action DeleteMessage: a receipt handle goes stale");
  }
  if (fault.requests < 1 || fault.requests > 1000) {
    return Status::InvalidArgument("requests must be a whole number from 1 to 1000");
  }
  if (!fault.queue.empty() && !IsQueueName(fault.queue)) {
    return Status::InvalidArgument(
        "queue must be a queue name: 1 to 80 letters, digits, hyphens and underscores");
  }
  MutexLock lock(&faults_mu_);
  if (faults_.size() >= kMaxSqsFaults) {
    return Status::ResourceExhausted("at most " + std::to_string(kMaxSqsFaults) +
                                     " SQS faults at once; remove some (DELETE /__admin/sqs/faults)");
  }
  fault.id = "sqs-fault-" + std::to_string(++faults_added_);
  faults_.push_back(fault);
  return fault;
}

std::vector<SqsFault> SqsQueues::Faults() const {
  MutexLock lock(&faults_mu_);
  return faults_;
}

void SqsQueues::ClearFaults() {
  MutexLock lock(&faults_mu_);
  faults_.clear();
}

std::optional<SqsError> SqsQueues::TakeFault(const std::string& action, const std::string& queue) {
  std::string error;
  {
    MutexLock lock(&faults_mu_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->action != action || (!it->queue.empty() && it->queue != queue)) continue;
      error = it->error;
      if (--it->requests == 0) faults_.erase(it);
      break;
    }
  }
  if (error.empty()) return std::nullopt;
  {
    // A call a fault answered is activity of the queue too: a test waiting for the fault to
    // be spent looks again.
    MutexLock lock(&mu_);
    if (auto it = queues_.find(queue); it != queues_.end()) Touched(*it->second);
  }
  if (error == "throttled")
    return SqsError{400, "RequestThrottled", "ThrottlingException", "Rate exceeded", true};
  if (error == "internal_error") {
    return SqsError{500, "InternalError", "InternalError",
                    "We encountered an internal error. Please try again.", false};
  }
  return SqsError{400, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid",
                  "The receipt handle has expired: the message was received again since.", true};
}

}  // namespace epmock::internal
