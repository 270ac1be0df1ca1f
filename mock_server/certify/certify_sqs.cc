// CertifySqs: a server of its own on a virtual clock with an embedded SQS endpoint, a queue
// the worker reads, an aws_sqs integration sending to it, and one check after another, each
// graded from what became of its messages: deleted (handled), or still on the queue.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "certify/common.h"
#include "certify/worker_process.h"
#include "common/ids.h"
#include "epmock/certify.h"
#include "epmock/server.h"
#include "epmock/sqs.h"
#include "sqs/queues.h"

namespace epmock {

namespace certify_sqs_internal {
namespace {

using certify_internal::Cut;
using certify_internal::JoinComma;
using nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

// The keys certify's integration signs with; the endpoint checks no signature.
constexpr char kAccessKey[] = "epmock";
constexpr char kSecretKey[] = "epmock";
constexpr char kRegion[] = "us-east-1";
// Past the longest visibility timeout SQS allows: a message whose delete failed is visible
// again after it, whatever timeout the worker asked for.
constexpr auto kPastVisibility = std::chrono::hours(12) + std::chrono::seconds(1);
// How often a wait looks at a worker certify started: its exit is not announced.
constexpr auto kWorkerLook = std::chrono::milliseconds(500);
constexpr std::size_t kOutputTail = 2000;

// One message certify sent, and what became of it.
struct Sent {
  std::string event_id;
  std::string type;
  std::string label;  // "delivery", "duplicate", "not JSON", ...
  std::string message_id;
  std::string body;
  SteadyTime sent_at;
  int receives = 0;  // the most the queue counted while it was there
  bool deleted = false;
  double latency_ms = 0;  // from sent to deleted
};

class SqsCertifier : certify_internal::CertifierBase<CertifySqsOptions> {
 public:
  explicit SqsCertifier(const CertifySqsOptions& options)
      : CertifierBase(options, &SqsCertifier::ServerOptionsFor) {}

  StatusOr<CertifyReport> Run() {
    const auto started = std::chrono::steady_clock::now();
    if (Status s = StartOwnServer(); !s.ok()) return s;
    sqs_ = server_.Sqs();
    queue_url_ = sqs_->CreateQueue(o_.queue);
    const json integration = {{"type", "integration"},
                              {"name", "epmock certify"},
                              {"integration_type", "aws_sqs"},
                              {"enabled", true},
                              {"observes", o_.observes},
                              {"configuration",
                               {{"url", queue_url_},
                                {"aws_access_key_id", kAccessKey},
                                {"aws_secret_access_key", kSecretKey},
                                {"region", kRegion}}}};
    if (StatusOr<std::string> id = certify_internal::CreateIntegration(server_, client_, integration);
        !id.ok())
      return id.status();
    report_.kind = "sqs";
    report_.target = queue_url_;
    const auto clock_start = server_.Clock().Now();
    if (!o_.run.empty()) {
      if (Status s = worker_.Start(o_.run, Environment()); !s.ok()) return s;
    }
    if (o_.ready) o_.ready(sqs_->Url(), queue_url_);

    bool connected = false;
    Step([&] { connected = ConnectCheck(); });
    if (connected) {
      int seed_step = 0;
      for (const std::string& type : o_.observes) {
        for (const char* profile : {"realistic", "edge-cases", "forward-compatible"}) {
          Step([&] { EventCheck(type, profile, o_.seed + seed_step++); });
        }
      }
      Step([&] {
        PoisonCheck("poison: not JSON", "a message whose body is not JSON",
                    "{\"specversion\": \"1.0\", \"id\": ", o_.seed + seed_step++);
      });
      Step([&] {
        PoisonCheck("poison: unknown type", "a CloudEvent of a type the platform does not send (yet)",
                    UnknownTypeBody(), o_.seed + seed_step++);
      });
      Step([&] { ReceiveFaultCheck("ReceiveMessage throttled", "throttled", o_.seed + seed_step); });
      seed_step += 2;
      Step([&] { ReceiveFaultCheck("ReceiveMessage answered 500", "internal_error", o_.seed + seed_step); });
      seed_step += 2;
      Step([&] { StaleReceiptCheck(o_.seed + seed_step++); });
      Step([&] { DuplicateCheck(o_.seed + seed_step++); });
      Step([&] { BurstCheck(&seed_step); });
      Step([&] { AccountingCheck(); });
    }

    report_.virtual_seconds = std::chrono::duration<double>(server_.Clock().Now() - clock_start).count();
    if (std::string ended = WorkerEnded(); !ended.empty() && !report_.checks.empty() &&
                                           report_.checks.back().reason.find(ended) == std::string::npos) {
      report_.checks.back().notes.push_back(ended + ", before certify ended");
    }
    worker_.Stop();
    server_.Stop();
    report_.real_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report_;
  }

 private:
  static ServerOptions ServerOptionsFor(const CertifySqsOptions& o, const std::string& client,
                                        const std::string& org_client) {
    ServerOptions s = certify_internal::BaseServerOptions(client, org_client, o.store_id, o.org_id);
    s.sqs_port = o.sqs_port;
    return s;
  }

  std::map<std::string, std::string> Environment() const {
    const std::string endpoint = sqs_->Url();
    return {{"EPMOCK_SQS_URL", endpoint},
            {"EPMOCK_QUEUE_URL", queue_url_},
            {"AWS_ENDPOINT_URL_SQS", endpoint},
            {"AWS_ENDPOINT_URL", endpoint},
            {"AWS_ACCESS_KEY_ID", kAccessKey},
            {"AWS_SECRET_ACCESS_KEY", kSecretKey},
            {"AWS_REGION", kRegion},
            {"AWS_DEFAULT_REGION", kRegion},
            {"EPMOCK_STORE_ID", report_.store_id}};
  }

  std::string UnknownTypeBody() const {
    return json{{"specversion", "1.0"},
                {"id", internal::NewUuid()},
                {"type", "epmock.certify.unknown-type"},
                {"source", "https://epmock.invalid/certify"},
                {"datacontenttype", "application/json"},
                {"storeid", report_.store_id},
                {"data", {{"type", "thing"}, {"id", internal::NewUuid()}}}}
        .dump();
  }

  // What the worker certify started said, when it has ended: "" while it runs.
  std::string WorkerEnded() {
    if (!worker_.started()) return "";
    std::optional<std::string> ended = worker_.Ended();
    if (!ended) return "";
    const std::string tail = Cut(worker_.OutputTail(kOutputTail), kOutputTail);
    return "the worker (--run) " + *ended + (tail.empty() ? std::string() : "; its last output: " + tail);
  }

  // Waits until `done` holds, looking again at every change to the queue, or until
  // `deadline`, or until the worker certify started has ended.
  template <typename Done>
  bool WaitOnQueue(SteadyTime deadline, Done done) {
    for (;;) {
      const std::uint64_t version = sqs_->Activity(o_.queue).version;
      if (done()) return true;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline || !WorkerEnded().empty()) return false;
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      if (worker_.started()) wait = std::min<std::chrono::milliseconds>(wait, kWorkerLook);
      (void)sqs_->WaitForActivity(o_.queue, version, wait);
    }
  }

  bool ConnectCheck() {
    CertifyCheck& check = Add("connection", "connects");
    check.notes.push_back("waits " + std::to_string(o_.connect_timeout_ms) + " ms for a ReceiveMessage on " +
                          queue_url_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.connect_timeout_ms);
    if (WaitOnQueue(deadline, [&] { return sqs_->Activity(o_.queue).receive_calls > 0; })) {
      check.verdict = CheckVerdict::kPass;
      check.reason = "the worker called ReceiveMessage on " + o_.queue;
      return true;
    }
    check.verdict = CheckVerdict::kFail;
    const std::string ended = WorkerEnded();
    check.reason = !ended.empty() ? ended + ", before it called ReceiveMessage"
                                  : "no ReceiveMessage on " + o_.queue + " within " +
                                        std::to_string(o_.connect_timeout_ms) + " ms (--connect-timeout-ms)";
    return false;
  }

  // Fires one batch of `type` and returns its messages, as the queue took them.
  StatusOr<std::vector<Sent>> Fire(const std::string& type, const char* profile, std::uint64_t seed) {
    BatchRequest batch;
    batch.type = type;
    batch.profile = profile;
    batch.seed = seed;
    StatusOr<std::vector<BatchEvent>> fired = server_.TriggerBatch(client_, batch);
    if (!fired.ok()) return fired.status();
    last_variety_ = fired->empty() ? std::vector<std::string>{} : fired->front().variety;
    std::vector<std::string> ids;
    for (const BatchEvent& e : *fired) ids.push_back(e.event_id);
    return Delivered(ids, type, "delivery");
  }

  // The messages epmock's deliveries of these events put on the queue: each delivery ends at
  // the instant it was made (nothing of it waits for the clock).
  StatusOr<std::vector<Sent>> Delivered(const std::vector<std::string>& ids, const std::string& type,
                                        const std::string& label) {
    const SteadyTime at = std::chrono::steady_clock::now();
    if (!server_.WaitForIdle(std::chrono::milliseconds(o_.message_timeout_ms) + std::chrono::seconds(10))) {
      return Status::Unavailable("epmock's deliveries to the queue did not end");
    }
    std::vector<Sent> out;
    for (const IntegrationLog& log : server_.Logs(client_)) {
      if (std::find(ids.begin(), ids.end(), log.event_id) == ids.end()) continue;
      if (!log.succeeded) {
        return Status::Internal("epmock could not put event " + log.event_id +
                                " on the queue: " + log.error_detail.value_or(""));
      }
      const json answer = json::parse(log.body.value_or(""), nullptr, false);
      Sent sent;
      sent.event_id = log.event_id;
      sent.type = type;
      sent.label = label;
      sent.message_id = answer.is_object() ? answer.value("MessageId", "") : "";
      sent.sent_at = at;
      out.push_back(std::move(sent));
    }
    // Logs come newest first.
    std::reverse(out.begin(), out.end());
    for (std::size_t i = 1; i < out.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (out[j].event_id == out[i].event_id) out[i].label = "duplicate";
      }
    }
    if (out.size() < ids.size()) return Status::Internal("epmock's delivery to the queue left no log");
    return out;
  }

  // Looks at the queue once: what of `sent` is still there, how often received; what is gone
  // was deleted. True when everything is gone.
  bool Look(std::vector<Sent>& sent) {
    std::map<std::string, int> receives;
    for (const SqsQueuedMessage& m : sqs_->Messages(o_.queue)) receives[m.message_id] = m.receive_count;
    const SteadyTime now = std::chrono::steady_clock::now();
    bool all = true;
    for (Sent& s : sent) {
      if (s.deleted) continue;
      auto it = receives.find(s.message_id);
      if (it == receives.end()) {
        s.deleted = true;
        s.latency_ms = std::chrono::duration<double, std::milli>(now - s.sent_at).count();
        continue;
      }
      s.receives = std::max(s.receives, it->second);
      all = false;
    }
    return all;
  }

  // Waits message_timeout_ms for every one of `sent` to be deleted.
  bool AwaitDeleted(std::vector<Sent>& sent) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.message_timeout_ms);
    return WaitOnQueue(deadline, [&] { return Look(sent); });
  }

  void Record(CertifyCheck& check, const std::vector<Sent>& sent) {
    for (const Sent& s : sent) {
      CertifyExchange e;
      e.event_id = s.event_id;
      e.event_type = s.type;
      e.label = s.label;
      e.request = Cut(s.body.empty() ? MessageBody(s.message_id) : s.body, 4096);
      e.answer = s.deleted ? "deleted after " + std::to_string(std::max(s.receives, 1)) + " receive(s)"
                 : s.receives == 0 ? "never received"
                                   : "received " + std::to_string(s.receives) + " time(s), not deleted";
      e.latency_ms = s.latency_ms;
      check.exchanges.push_back(std::move(e));
    }
    for (const Sent& s : sent) all_sent_.push_back(s);
  }

  std::string MessageBody(const std::string& message_id) {
    auto it = bodies_.find(message_id);
    return it == bodies_.end() ? "" : it->second;
  }

  // Keeps the bodies of messages on the queue, so that the report shows what was sent.
  void KeepBodies() {
    for (const SqsQueuedMessage& m : sqs_->Messages(o_.queue)) bodies_.emplace(m.message_id, m.body);
  }

  // "order.paid 4f3e... was received 3 time(s), not deleted within 10000 ms": the first of
  // `sent` still on the queue.
  std::string Undeleted(const std::vector<Sent>& sent) {
    const std::string ended = WorkerEnded();
    for (const Sent& s : sent) {
      if (s.deleted) continue;
      std::string what =
          s.label == "delivery" ? s.type + " " + s.event_id : "the " + s.label + " of " + s.event_id;
      if (s.label != "delivery" && s.event_id.empty()) what = "the " + s.label + " message";
      return what +
             (s.receives == 0 ? " was never received"
                              : " was received " + std::to_string(s.receives) + " time(s) but not deleted") +
             " within " + std::to_string(o_.message_timeout_ms) + " ms (--message-timeout-ms)" +
             (ended.empty() ? std::string() : "; " + ended);
    }
    return "";
  }

  void EventCheck(const std::string& type, const char* profile, std::uint64_t seed) {
    const std::string shown = std::string(profile) == "edge-cases" ? "edge cases" : profile;
    CertifyCheck& check = Add("events", type + " " + shown);
    StatusOr<std::vector<Sent>> sent = Fire(type, profile, seed);
    if (!sent.ok()) {
      check.reason = "epmock could not make this event: " + sent.status().message();
      return;
    }
    if (!last_variety_.empty()) check.notes.push_back("variety: " + JoinComma(last_variety_));
    KeepBodies();
    const bool deleted = AwaitDeleted(*sent);
    Record(check, *sent);
    if (!deleted) {
      check.verdict = CheckVerdict::kFail;
      check.reason = Undeleted(*sent) + "; a valid message must be deleted once handled";
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "deleted in " + std::to_string(static_cast<long long>(sent->front().latency_ms)) + " ms";
  }

  // A message no worker can handle, then a valid one: the valid one must still be handled.
  void PoisonCheck(const std::string& name, const std::string& what, const std::string& body,
                   std::uint64_t seed) {
    CertifyCheck& check = Add("poison", name);
    check.notes.push_back("sends " + what + ", then a valid " + o_.observes.front());
    StatusOr<std::string> poison_id = sqs_->SendMessage(o_.queue, body);
    if (!poison_id.ok()) {
      check.reason = "epmock could not put the message on the queue: " + poison_id.status().message();
      return;
    }
    std::vector<Sent> poison(1);
    poison[0].label = name.substr(std::string("poison: ").size());
    poison[0].message_id = *poison_id;
    poison[0].body = body;
    poison[0].sent_at = std::chrono::steady_clock::now();
    StatusOr<std::vector<Sent>> after = Fire(o_.observes.front(), "realistic", seed);
    if (!after.ok()) {
      check.reason = "epmock could not make this event: " + after.status().message();
      return;
    }
    KeepBodies();
    const bool deleted = AwaitDeleted(*after);
    Look(poison);
    check.notes.push_back(poison[0].deleted ? "the poison message was deleted"
                                            : "the poison message is still on the queue (received " +
                                                  std::to_string(poison[0].receives) +
                                                  " time(s)): with a RedrivePolicy SQS would move it to a "
                                                  "dead-letter queue");
    // The poison message is shown first, but not counted: the worker need not delete it.
    CertifyExchange shown;
    shown.label = poison[0].label;
    shown.request = Cut(body, 4096);
    shown.answer = poison[0].deleted ? "deleted" : "not deleted";
    check.exchanges.push_back(shown);
    Record(check, *after);
    if (!deleted) {
      check.verdict = CheckVerdict::kFail;
      check.reason = Undeleted(*after) + " after " + what + "; one bad message must not stop the worker";
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "the valid message after it was deleted in " +
                   std::to_string(static_cast<long long>(after->front().latency_ms)) + " ms";
  }

  // Whether the fault of this id has been used up (every request it names answered).
  bool FaultSpent(const std::string& id) const {
    const std::vector<SqsFault> left = sqs_->Faults();
    return std::none_of(left.begin(), left.end(), [&](const SqsFault& f) { return f.id == id; });
  }

  // The worker's next two ReceiveMessage calls fail; the messages sent around them must all
  // be deleted: one before the worker meets the fault (a long poll in progress may take it),
  // one once the fault is spent.
  void ReceiveFaultCheck(const std::string& name, const std::string& error, std::uint64_t seed) {
    CertifyCheck& check = Add("faults", name);
    SqsFault fault;
    fault.action = "ReceiveMessage";
    fault.error = error;
    fault.queue = o_.queue;
    fault.requests = 2;
    check.notes.push_back(std::string("the worker's next 2 ReceiveMessage calls are answered ") +
                          (error == "throttled" ? "400 ThrottlingException" : "500 InternalError") +
                          "; a message before them and one after");
    StatusOr<SqsFault> added = sqs_->AddFault(fault);
    if (!added.ok()) {
      check.reason = "epmock could not add the fault: " + added.status().message();
      return;
    }
    StatusOr<std::vector<Sent>> before = Fire(o_.observes.front(), "realistic", seed);
    if (!before.ok()) {
      sqs_->ClearFaults();
      check.reason = "epmock could not make this event: " + before.status().message();
      return;
    }
    KeepBodies();
    std::vector<Sent> sent = *before;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.message_timeout_ms);
    const bool spent = WaitOnQueue(deadline, [&] { return FaultSpent(added->id); });
    sqs_->ClearFaults();
    if (!spent) {
      AwaitDeleted(sent);
      Record(check, sent);
      check.verdict = CheckVerdict::kFail;
      const std::string ended = WorkerEnded();
      check.reason = "the worker made no more ReceiveMessage calls within " +
                     std::to_string(o_.message_timeout_ms) + " ms of meeting a failed one" +
                     (ended.empty() ? std::string() : "; " + ended);
      return;
    }
    StatusOr<std::vector<Sent>> after = Fire(o_.observes.front(), "realistic", seed + 1);
    if (!after.ok()) {
      check.reason = "epmock could not make this event: " + after.status().message();
      return;
    }
    KeepBodies();
    sent.insert(sent.end(), after->begin(), after->end());
    const bool deleted = AwaitDeleted(sent);
    Record(check, sent);
    if (!deleted) {
      check.verdict = CheckVerdict::kFail;
      check.reason = Undeleted(sent) + "; after a failed ReceiveMessage a worker retries and loses nothing";
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "both failed receives met; every message deleted";
  }

  // The worker's DeleteMessage fails as for a stale receipt handle: the message stays and comes
  // back when its visibility timeout ends; it must then be received again and deleted.
  void StaleReceiptCheck(std::uint64_t seed) {
    CertifyCheck& check = Add("faults", "DeleteMessage with a stale receipt");
    check.notes.push_back(
        "the worker's next DeleteMessage is answered 400 ReceiptHandleIsInvalid; the message comes back when "
        "its visibility timeout ends (the clock is moved on 12 h)");
    SqsFault fault;
    fault.action = "DeleteMessage";
    fault.error = "stale_receipt";
    fault.queue = o_.queue;
    StatusOr<SqsFault> added = sqs_->AddFault(fault);
    if (!added.ok()) {
      check.reason = "epmock could not add the fault: " + added.status().message();
      return;
    }
    StatusOr<std::vector<Sent>> sent = Fire(o_.observes.front(), "realistic", seed);
    if (!sent.ok()) {
      sqs_->ClearFaults();
      check.reason = "epmock could not make this event: " + sent.status().message();
      return;
    }
    KeepBodies();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.message_timeout_ms);
    const bool spent = WaitOnQueue(deadline, [&] { return FaultSpent(added->id); });
    sqs_->ClearFaults();
    if (!spent) {
      AwaitDeleted(*sent);
      Record(check, *sent);
      check.verdict = CheckVerdict::kFail;
      check.reason = sent->front().receives == 0
                         ? Undeleted(*sent)
                         : "the worker received the message but called no DeleteMessage within " +
                               std::to_string(o_.message_timeout_ms) + " ms";
      return;
    }
    // The message is in flight until its visibility timeout ends: on the virtual clock, now.
    if (Status moved =
            server_.Clock().Advance(std::chrono::duration_cast<std::chrono::milliseconds>(kPastVisibility),
                                    std::chrono::milliseconds(o_.message_timeout_ms));
        !moved.ok()) {
      check.notes.push_back("moving the clock on: " + moved.message());
    }
    const bool deleted = AwaitDeleted(*sent);
    Record(check, *sent);
    if (!deleted) {
      check.verdict = CheckVerdict::kFail;
      check.reason = Undeleted(*sent) + " once it came back; a failed delete must not lose the message";
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "received again after the failed delete, and deleted (" +
                   std::to_string(sent->front().receives) + " receives)";
  }

  // The same event twice (at-least-once): each copy is a message of its own to delete.
  void DuplicateCheck(std::uint64_t seed) {
    CertifyCheck& check = Add("at-least-once", "duplicate");
    check.notes.push_back("sends the same event twice, same id: two messages");
    Fault duplicate;
    duplicate.duplicate = 1;
    duplicate.events = 1;
    if (StatusOr<Fault> added = server_.AddFault(client_, duplicate); !added.ok()) {
      check.reason = "epmock could not add the fault: " + added.status().message();
      return;
    }
    StatusOr<std::vector<Sent>> sent = Fire(o_.observes.front(), "realistic", seed);
    server_.ClearFaults(client_);
    if (!sent.ok()) {
      check.reason = "epmock could not make this event: " + sent.status().message();
      return;
    }
    KeepBodies();
    const bool deleted = AwaitDeleted(*sent);
    Record(check, *sent);
    if (sent->size() < 2) {
      check.reason = "epmock sent " + std::to_string(sent->size()) + " copies, not 2";
      return;
    }
    if (!deleted) {
      check.verdict = CheckVerdict::kFail;
      check.reason = Undeleted(*sent) + "; a copy of an event handled before is deleted too";
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "both copies deleted";
    check.notes.push_back(
        "whether the event was acted on once is the worker's own to show: SQS certify has no "
        "effects URL yet");
  }

  void BurstCheck(int* seed_step) {
    CertifyCheck& check = Add("load", "burst");
    check.notes.push_back("sends " + std::to_string(o_.burst) + " events at once");
    std::vector<std::string> ids;
    std::map<std::string, std::string> type_of;
    for (int i = 0; i < o_.burst; ++i) {
      const std::string& type = o_.observes[static_cast<std::size_t>(i) % o_.observes.size()];
      BatchRequest batch;
      batch.type = type;
      batch.profile = "realistic";
      batch.seed = o_.seed + static_cast<std::uint64_t>((*seed_step)++);
      StatusOr<std::vector<BatchEvent>> fired = server_.TriggerBatch(client_, batch);
      if (!fired.ok()) {
        check.reason = "epmock could not make this event: " + fired.status().message();
        return;
      }
      for (const BatchEvent& e : *fired) {
        ids.push_back(e.event_id);
        type_of[e.event_id] = type;
      }
    }
    StatusOr<std::vector<Sent>> sent = Delivered(ids, "", "delivery");
    if (!sent.ok()) {
      check.reason = "epmock could not make these events: " + sent.status().message();
      return;
    }
    for (Sent& s : *sent) s.type = type_of[s.event_id];
    KeepBodies();
    const bool deleted = AwaitDeleted(*sent);
    Record(check, *sent);
    std::vector<double> latencies;
    for (const Sent& s : *sent) {
      if (s.deleted) latencies.push_back(s.latency_ms);
    }
    if (std::string note = certify_internal::LatencyNote(latencies, report_); !note.empty()) {
      check.notes.push_back(note + ", from sent to deleted");
    }
    if (!deleted) {
      const auto left = std::count_if(sent->begin(), sent->end(), [](const Sent& s) { return !s.deleted; });
      check.verdict = CheckVerdict::kFail;
      check.reason =
          std::to_string(left) + " of " + std::to_string(sent->size()) + " not deleted: " + Undeleted(*sent);
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "all " + std::to_string(sent->size()) + " deleted";
  }

  // Every valid message certify sent was deleted; the run's tally.
  void AccountingCheck() {
    CertifyCheck& check = Add("accounting", "every message accounted for");
    Look(all_sent_);
    std::vector<std::string> left;
    for (const Sent& s : all_sent_) {
      if (!s.deleted) left.push_back(s.event_id + (s.label == "delivery" ? "" : " (" + s.label + ")"));
    }
    const std::size_t total = all_sent_.size();
    if (left.empty()) {
      check.verdict = CheckVerdict::kPass;
      check.reason = "all " + std::to_string(total) + " valid messages deleted";
      return;
    }
    check.verdict = CheckVerdict::kFail;
    check.reason = std::to_string(left.size()) + " of " + std::to_string(total) +
                   " valid messages are still on the queue: " + Cut(JoinComma(left), 600);
  }

  SqsEndpoint* sqs_ = nullptr;
  std::string queue_url_;
  certify_internal::WorkerProcess worker_;
  std::vector<std::string> last_variety_;
  std::map<std::string, std::string> bodies_;  // message id -> body
  std::vector<Sent> all_sent_;
};

}  // namespace
}  // namespace certify_sqs_internal

Status CertifySqsOptions::Check() const {
  if (!internal::IsQueueName(queue)) {
    return Status::InvalidArgument(
        "--queue must be a queue name: 1 to 80 letters, digits, hyphens and underscores");
  }
  if (Status common = certify_internal::CheckCommonOptions(observes, client_id, store_id, org_id);
      !common.ok())
    return common;
  if (sqs_port < 0 || sqs_port > 65535) return Status::InvalidArgument("--sqs-port must be 0 to 65535");
  if (connect_timeout_ms < 1 || connect_timeout_ms > 600000)
    return Status::InvalidArgument("--connect-timeout-ms must be 1 to 600000");
  if (message_timeout_ms < 1 || message_timeout_ms > 600000)
    return Status::InvalidArgument("--message-timeout-ms must be 1 to 600000");
  if (burst < 1 || burst > 200) return Status::InvalidArgument("--burst must be 1 to 200");
  if (run.size() > 4096) return Status::InvalidArgument("--run must be at most 4096 characters");
  if (run.find('\0') != std::string::npos)
    return Status::InvalidArgument("--run must not hold a NUL character");
  return Status::Ok();
}

StatusOr<CertifyReport> CertifySqs(const CertifySqsOptions& options) {
  if (Status s = options.Check(); !s.ok()) return s;
  certify_sqs_internal::SqsCertifier certifier(options);
  return certifier.Run();
}

}  // namespace epmock
