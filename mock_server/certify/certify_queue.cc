// CertifySqs and CertifyStomp: a server of its own on a virtual clock with an embedded SQS
// endpoint (or STOMP broker), a queue (or destination) the consumer reads, an integration
// sending to it, and one check after another, each graded from what became of its messages:
// settled (deleted, or acknowledged), or still there. QueueCertifier holds the checks both
// share; SqsCertifier and StompCertifier say how to see the messages, and add the faults on
// their own protocol's calls.
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
#include "epmock/stomp.h"
#include "sqs/queues.h"

namespace epmock {

namespace certify_queue_internal {
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

// What CertifySqsOptions and CertifyStompOptions share, and where each says what.
struct QueueOptions {
  std::string name;  // the queue, or the destination
  std::vector<std::string> observes;
  int port = 0;
  int connect_timeout_ms = 30000;
  int message_timeout_ms = 10000;
  int burst = 20;
  std::string run;
  std::function<void(const std::string&, const std::string&)> ready;
  std::uint64_t seed = 1;
  std::string client_id;
  std::string store_id;
  std::string org_id;
  std::function<void(const CertifyCheck&)> on_check;
  std::function<bool()> cancelled;
};

template <typename Options>
QueueOptions Shared(const Options& o, const std::string& name, int port) {
  QueueOptions q;
  q.name = name;
  q.observes = o.observes;
  q.port = port;
  q.connect_timeout_ms = o.connect_timeout_ms;
  q.message_timeout_ms = o.message_timeout_ms;
  q.burst = o.burst;
  q.run = o.run;
  q.ready = o.ready;
  q.seed = o.seed;
  q.client_id = o.client_id;
  q.store_id = o.store_id;
  q.org_id = o.org_id;
  q.on_check = o.on_check;
  q.cancelled = o.cancelled;
  return q;
}

// How a protocol's words read in the report.
struct Words {
  const char* settled;   // "deleted", "acknowledged"
  const char* received;  // "received", "delivered"
  const char* place;     // "queue", "destination"
  const char* consumer;  // "worker", "consumer"
  const char* times;     // "receive(s)", "delivery(ies)"
};

// One message certify sent, and what became of it.
struct Sent {
  std::string event_id;
  std::string type;
  std::string label;  // "delivery", "duplicate", "not JSON", ...
  std::string message_id;
  std::string body;
  SteadyTime sent_at;
  int receives = 0;       // the most the queue counted while it was there
  bool deleted = false;   // settled: deleted, or acknowledged
  double latency_ms = 0;  // from sent to settled
};

// Certify's server, its SQS endpoint or STOMP broker (`Port`) on the options' port.
template <int ServerOptions::*Port>
ServerOptions ServerOptionsWith(const QueueOptions& o, const std::string& client,
                                const std::string& org_client) {
  ServerOptions s = certify_internal::BaseServerOptions(client, org_client, o.store_id, o.org_id);
  s.*Port = o.port;
  return s;
}

class QueueCertifier : protected certify_internal::CertifierBase<QueueOptions> {
 public:
  QueueCertifier(const QueueOptions& options, MakeServerOptions server_options, Words words)
      : CertifierBase(options, server_options), w_(words) {}
  virtual ~QueueCertifier() = default;

  StatusOr<CertifyReport> Run() {
    const auto started = std::chrono::steady_clock::now();
    if (Status s = StartOwnServer(); !s.ok()) return s;
    if (Status s = Prepare(); !s.ok()) return s;
    const json integration = {
        {"type", "integration"}, {"name", "epmock certify"}, {"integration_type", IntegrationType()},
        {"enabled", true},       {"observes", o_.observes},  {"configuration", Configuration()}};
    if (StatusOr<std::string> id = certify_internal::CreateIntegration(server_, client_, integration);
        !id.ok())
      return id.status();
    const auto clock_start = server_.Clock().Now();
    if (!o_.run.empty()) {
      if (Status s = worker_.Start(o_.run, Environment()); !s.ok()) return s;
    }
    if (o_.ready) o_.ready(EndpointUrl(), ReadsFrom());

    bool connected = false;
    Step([&] { connected = ConnectCheck(); });
    if (connected) {
      int seed_step = 0;
      for (const std::string& type : o_.observes) {
        for (const char* profile : {"realistic", "edge-cases", "forward-compatible"}) {
          Graded([&] { EventCheck(type, profile, o_.seed + seed_step++); });
        }
      }
      Graded([&] {
        PoisonCheck("poison: not JSON", "a message whose body is not JSON",
                    "{\"specversion\": \"1.0\", \"id\": ", o_.seed + seed_step++);
      });
      Graded([&] {
        PoisonCheck("poison: unknown type", "a CloudEvent of a type the platform does not send (yet)",
                    UnknownTypeBody(), o_.seed + seed_step++);
      });
      FaultChecks(&seed_step);
      Graded([&] { DuplicateCheck(o_.seed + seed_step++); });
      Graded([&] { BurstCheck(&seed_step); });
      Graded([&] { AccountingCheck(); });
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

 protected:
  // Makes the queue (or nothing) and fills report_.kind and report_.target.
  virtual Status Prepare() = 0;
  // The integration that sends to the queue: its type and configuration.
  virtual const char* IntegrationType() const = 0;
  virtual json Configuration() const = 0;
  virtual std::string EndpointUrl() const = 0;
  // What the consumer reads: the queue's URL, the destination.
  virtual std::string ReadsFrom() const = 0;
  virtual std::map<std::string, std::string> Environment() const = 0;
  // A number that moves on at every change the consumer makes, and a wait for a change.
  virtual std::uint64_t Version() const = 0;
  virtual void WaitForActivity(std::uint64_t version, std::chrono::milliseconds wait) const = 0;
  // Whether the consumer has come for messages; what "connects" waits for, in words, and the
  // verb the consumer did it with ("called", "sent").
  virtual bool Connected() = 0;
  virtual std::string ConnectWaitsFor() const = 0;
  virtual const char* ConnectVerb() const = 0;
  // The messages not settled yet: message id -> times received.
  virtual std::map<std::string, int> Unsettled() = 0;
  // The message id epmock's delivery of this log's event put there.
  virtual std::string MessageIdOf(const IntegrationLog& log) = 0;
  // Puts a message there as a producer would: its id.
  virtual StatusOr<std::string> SendRaw(const std::string& body) = 0;
  // Keeps the bodies of messages there, so that the report shows what was sent.
  virtual void KeepBodies() = 0;
  // The checks of faults on the consumer's own calls.
  virtual void FaultChecks(int* seed_step) = 0;
  // Not empty when what the consumer settles cannot be seen (a STOMP consumer on ack:auto):
  // why, for the checks that then cannot pass.
  virtual std::string Unseeable() { return ""; }

  // Runs a check graded from what the consumer settled: a pass that cannot be seen is
  // inconclusive.
  template <typename Check>
  void Graded(Check check) {
    Step([&] {
      const std::size_t before = report_.checks.size();
      check();
      if (report_.checks.size() == before) return;
      CertifyCheck& made = report_.checks.back();
      if (const std::string why = Unseeable(); !why.empty() && made.verdict == CheckVerdict::kPass) {
        made.verdict = CheckVerdict::kInconclusive;
        made.notes.push_back("as seen: " + made.reason);
        made.reason = why;
      }
    });
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
    return "the " + std::string(w_.consumer) + " (--run) " + *ended +
           (tail.empty() ? std::string() : "; its last output: " + tail);
  }

  // Waits until `done` holds, looking again at every change the consumer makes, or until
  // `deadline`, or until the worker certify started has ended.
  template <typename Done>
  bool WaitOnQueue(SteadyTime deadline, Done done) {
    for (;;) {
      const std::uint64_t version = Version();
      if (done()) return true;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline || !WorkerEnded().empty()) return false;
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      if (worker_.started()) wait = std::min<std::chrono::milliseconds>(wait, kWorkerLook);
      WaitForActivity(version, wait);
    }
  }

  SteadyTime MessageDeadline() const {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.message_timeout_ms);
  }
  std::string WithinMessageTimeout() const {
    return " within " + std::to_string(o_.message_timeout_ms) + " ms (--message-timeout-ms)";
  }

  bool ConnectCheck() {
    CertifyCheck& check = Add("connection", "connects");
    check.notes.push_back("waits " + std::to_string(o_.connect_timeout_ms) + " ms for a " +
                          ConnectWaitsFor());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.connect_timeout_ms);
    if (WaitOnQueue(deadline, [&] { return Connected(); })) {
      check.verdict = CheckVerdict::kPass;
      check.reason = "the " + std::string(w_.consumer) + " " + ConnectVerb() + " " + ConnectWaitsFor();
      if (const std::string why = Unseeable(); !why.empty()) check.notes.push_back(why);
      return true;
    }
    check.verdict = CheckVerdict::kFail;
    const std::string ended = WorkerEnded();
    check.reason = !ended.empty() ? ended + ", before it " + ConnectVerb() + " " + ConnectWaitsFor()
                                  : "no " + ConnectWaitsFor() + " within " +
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

  // The messages epmock's deliveries of these events put there: each delivery ends at the
  // instant it was made (nothing of it waits for the clock).
  StatusOr<std::vector<Sent>> Delivered(const std::vector<std::string>& ids, const std::string& type,
                                        const std::string& label) {
    const SteadyTime at = std::chrono::steady_clock::now();
    if (!server_.WaitForIdle(std::chrono::milliseconds(o_.message_timeout_ms) + std::chrono::seconds(10))) {
      return Status::Unavailable(std::string("epmock's deliveries to the ") + w_.place + " did not end");
    }
    std::vector<IntegrationLog> logs;
    for (const IntegrationLog& log : server_.Logs(client_)) {
      if (std::find(ids.begin(), ids.end(), log.event_id) == ids.end()) continue;
      if (!log.succeeded) {
        return Status::Internal("epmock could not put event " + log.event_id + " on the " + w_.place + ": " +
                                log.error_detail.value_or(""));
      }
      logs.push_back(log);
    }
    // Logs come newest first.
    std::reverse(logs.begin(), logs.end());
    std::vector<Sent> out;
    for (const IntegrationLog& log : logs) {
      Sent sent;
      sent.event_id = log.event_id;
      sent.type = type;
      sent.label = label;
      sent.message_id = MessageIdOf(log);
      sent.sent_at = at;
      for (const Sent& earlier : out) {
        if (earlier.event_id == sent.event_id) sent.label = "duplicate";
      }
      out.push_back(std::move(sent));
    }
    if (out.size() < ids.size()) return Status::Internal("epmock's delivery left no log");
    return out;
  }

  // Looks once: what of `sent` is still there, how often received; what is gone was settled.
  // True when everything is gone.
  bool Look(std::vector<Sent>& sent) {
    const std::map<std::string, int> receives = Unsettled();
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

  // Waits message_timeout_ms for every one of `sent` to be settled.
  bool AwaitDeleted(std::vector<Sent>& sent) {
    return WaitOnQueue(MessageDeadline(), [&] { return Look(sent); });
  }

  void Record(CertifyCheck& check, const std::vector<Sent>& sent) {
    for (const Sent& s : sent) {
      CertifyExchange e;
      e.event_id = s.event_id;
      e.event_type = s.type;
      e.label = s.label;
      e.request = Cut(s.body.empty() ? MessageBody(s.message_id) : s.body, 4096);
      e.answer =
          s.deleted
              ? std::string(w_.settled) + " after " + std::to_string(std::max(s.receives, 1)) + " " + w_.times
          : s.receives == 0
              ? std::string("never ") + w_.received
              : std::string(w_.received) + " " + std::to_string(s.receives) + " time(s), not " + w_.settled;
      e.latency_ms = s.latency_ms;
      check.exchanges.push_back(std::move(e));
    }
    for (const Sent& s : sent) all_sent_.push_back(s);
  }

  std::string MessageBody(const std::string& message_id) {
    auto it = bodies_.find(message_id);
    return it == bodies_.end() ? "" : it->second;
  }

  // "order.paid 4f3e... was received 3 time(s), not deleted within 10000 ms": the first of
  // `sent` still there.
  std::string Undeleted(const std::vector<Sent>& sent) {
    const std::string ended = WorkerEnded();
    for (const Sent& s : sent) {
      if (s.deleted) continue;
      std::string what =
          s.label == "delivery" ? s.type + " " + s.event_id : "the " + s.label + " of " + s.event_id;
      if (s.label != "delivery" && s.event_id.empty()) what = "the " + s.label + " message";
      return what +
             (s.receives == 0 ? std::string(" was never ") + w_.received
                              : " was " + std::string(w_.received) + " " + std::to_string(s.receives) +
                                    " time(s) but not " + w_.settled) +
             WithinMessageTimeout() + (ended.empty() ? std::string() : "; " + ended);
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
      check.reason = Undeleted(*sent) + "; a valid message must be " + w_.settled + " once handled";
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = std::string(w_.settled) + " in " +
                   std::to_string(static_cast<long long>(sent->front().latency_ms)) + " ms";
  }

  // A message no consumer can handle, then a valid one: the valid one must still be handled.
  void PoisonCheck(const std::string& name, const std::string& what, const std::string& body,
                   std::uint64_t seed) {
    CertifyCheck& check = Add("poison", name);
    check.notes.push_back("sends " + what + ", then a valid " + o_.observes.front());
    StatusOr<std::string> poison_id = SendRaw(body);
    if (!poison_id.ok()) {
      check.reason = std::string("epmock could not put the message on the ") + w_.place + ": " +
                     poison_id.status().message();
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
    check.notes.push_back(poison[0].deleted ? std::string("the poison message was ") + w_.settled
                                            : PoisonLeft(poison[0].receives));
    // The poison message is shown first, but not counted: the consumer need not settle it.
    CertifyExchange shown;
    shown.label = poison[0].label;
    shown.request = Cut(body, 4096);
    shown.answer = poison[0].deleted ? w_.settled : std::string("not ") + w_.settled;
    check.exchanges.push_back(shown);
    Record(check, *after);
    if (!deleted) {
      check.verdict = CheckVerdict::kFail;
      check.reason =
          Undeleted(*after) + " after " + what + "; one bad message must not stop the " + w_.consumer;
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "the valid message after it was " + std::string(w_.settled) + " in " +
                   std::to_string(static_cast<long long>(after->front().latency_ms)) + " ms";
  }

  // What a poison message left unsettled means on this protocol.
  virtual std::string PoisonLeft(int receives) const = 0;

  // The same event twice (at-least-once): each copy is a message of its own to settle.
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
      check.reason = Undeleted(*sent) + "; a copy of an event handled before is " + w_.settled + " too";
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = std::string("both copies ") + w_.settled;
    check.notes.push_back(
        "whether the event was acted on once is the consumer's own to show: queue certify has no "
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
      check.notes.push_back(note + ", from sent to " + w_.settled);
    }
    if (!deleted) {
      const auto left = std::count_if(sent->begin(), sent->end(), [](const Sent& s) { return !s.deleted; });
      check.verdict = CheckVerdict::kFail;
      check.reason = std::to_string(left) + " of " + std::to_string(sent->size()) + " not " + w_.settled +
                     ": " + Undeleted(*sent);
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "all " + std::to_string(sent->size()) + " " + w_.settled;
  }

  // Every valid message certify sent was settled; the run's tally.
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
      check.reason = "all " + std::to_string(total) + " valid messages " + w_.settled;
      return;
    }
    check.verdict = CheckVerdict::kFail;
    check.reason = std::to_string(left.size()) + " of " + std::to_string(total) +
                   " valid messages are still at the " + w_.place + ", not " + w_.settled + ": " +
                   Cut(JoinComma(left), 600);
  }

  const Words w_;
  certify_internal::WorkerProcess worker_;
  std::vector<std::string> last_variety_;
  std::map<std::string, std::string> bodies_;  // message id -> body
  std::vector<Sent> all_sent_;
};

class SqsCertifier : public QueueCertifier {
 public:
  explicit SqsCertifier(const QueueOptions& options)
      : QueueCertifier(options, &ServerOptionsWith<&ServerOptions::sqs_port>,
                       {"deleted", "received", "queue", "worker", "receive(s)"}) {}

 private:
  Status Prepare() override {
    sqs_ = server_.Sqs();
    queue_url_ = sqs_->CreateQueue(o_.name);
    report_.kind = "sqs";
    report_.target = queue_url_;
    return Status::Ok();
  }

  const char* IntegrationType() const override { return "aws_sqs"; }
  json Configuration() const override {
    return {{"url", queue_url_},
            {"aws_access_key_id", kAccessKey},
            {"aws_secret_access_key", kSecretKey},
            {"region", kRegion}};
  }

  std::string EndpointUrl() const override { return sqs_->Url(); }
  std::string ReadsFrom() const override { return queue_url_; }

  std::map<std::string, std::string> Environment() const override {
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

  std::uint64_t Version() const override { return sqs_->Activity(o_.name).version; }
  void WaitForActivity(std::uint64_t version, std::chrono::milliseconds wait) const override {
    (void)sqs_->WaitForActivity(o_.name, version, wait);
  }
  bool Connected() override { return sqs_->Activity(o_.name).receive_calls > 0; }
  std::string ConnectWaitsFor() const override { return "ReceiveMessage on " + o_.name; }
  const char* ConnectVerb() const override { return "called"; }

  std::map<std::string, int> Unsettled() override {
    std::map<std::string, int> receives;
    for (const SqsQueuedMessage& m : sqs_->Messages(o_.name)) receives[m.message_id] = m.receive_count;
    return receives;
  }

  std::string MessageIdOf(const IntegrationLog& log) override {
    const json answer = json::parse(log.body.value_or(""), nullptr, false);
    return answer.is_object() ? answer.value("MessageId", "") : "";
  }

  StatusOr<std::string> SendRaw(const std::string& body) override { return sqs_->SendMessage(o_.name, body); }

  void KeepBodies() override {
    for (const SqsQueuedMessage& m : sqs_->Messages(o_.name)) bodies_.emplace(m.message_id, m.body);
  }

  std::string PoisonLeft(int receives) const override {
    return "the poison message is still on the queue (received " + std::to_string(receives) +
           " time(s)): with a RedrivePolicy SQS would move it to a dead-letter queue";
  }

  void FaultChecks(int* seed_step) override {
    Graded([&] { ReceiveFaultCheck("ReceiveMessage throttled", "throttled", o_.seed + *seed_step); });
    *seed_step += 2;
    Graded([&] { ReceiveFaultCheck("ReceiveMessage answered 500", "internal_error", o_.seed + *seed_step); });
    *seed_step += 2;
    Graded([&] { StaleReceiptCheck(o_.seed + (*seed_step)++); });
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
    fault.queue = o_.name;
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
    const bool spent = WaitOnQueue(MessageDeadline(), [&] { return FaultSpent(added->id); });
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
    fault.queue = o_.name;
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
    const bool spent = WaitOnQueue(MessageDeadline(), [&] { return FaultSpent(added->id); });
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

  SqsEndpoint* sqs_ = nullptr;
  std::string queue_url_;
};

class StompCertifier : public QueueCertifier {
 public:
  explicit StompCertifier(const QueueOptions& options)
      : QueueCertifier(options, &ServerOptionsWith<&ServerOptions::stomp_port>,
                       {"acknowledged", "delivered", "destination", "consumer", "delivery(ies)"}) {}

 private:
  Status Prepare() override {
    broker_ = server_.Stomp();
    if (broker_ == nullptr) return Status::Internal("certify's server has no STOMP broker");
    report_.kind = "stomp";
    report_.target = broker_->Url() + " " + o_.name;
    return Status::Ok();
  }

  const char* IntegrationType() const override { return "stomp"; }
  json Configuration() const override { return {{"addresses", {broker_->Url()}}, {"destination", o_.name}}; }

  std::string EndpointUrl() const override { return broker_->Url(); }
  std::string ReadsFrom() const override { return o_.name; }

  std::map<std::string, std::string> Environment() const override {
    return {{"EPMOCK_STOMP_URL", broker_->Url()},
            {"EPMOCK_STOMP_DESTINATION", o_.name},
            {"EPMOCK_STORE_ID", report_.store_id}};
  }

  std::uint64_t Version() const override { return broker_->ActivityVersion(); }
  void WaitForActivity(std::uint64_t version, std::chrono::milliseconds wait) const override {
    (void)broker_->WaitForActivity(version, wait);
  }

  // The destination as the broker holds it now; notes a subscriber on ack:auto.
  StompDestination Destination() {
    for (const StompDestination& d : broker_->Destinations()) {
      if (d.name != o_.name) continue;
      if (d.auto_ack_subscribers > 0) auto_ack_ = true;
      return d;
    }
    return {};
  }

  bool Connected() override { return Destination().subscribers > 0; }
  std::string ConnectWaitsFor() const override { return "SUBSCRIBE to " + o_.name; }
  const char* ConnectVerb() const override { return "sent"; }

  std::map<std::string, int> Unsettled() override {
    (void)Destination();
    std::map<std::string, int> out;
    for (const StompUnsettled& m : broker_->Unsettled(o_.name)) out[m.message_id] = m.delivered ? 1 : 0;
    return out;
  }

  // The broker's record of what was sent there, read from where the last read ended: each
  // message goes to the event whose id its CloudEvent carries, in the order sent.
  std::string MessageIdOf(const IntegrationLog& log) override {
    std::uint64_t next = 0;
    for (const StompMessage& m : broker_->MessagesFrom(o_.name, history_read_, &next)) {
      bodies_.emplace(m.message_id, m.body);
      const json event = json::parse(m.body, nullptr, false);
      if (event.is_object() && event.contains("id") && event["id"].is_string()) {
        by_event_[event["id"].get<std::string>()].push_back(m.message_id);
      }
    }
    history_read_ = next;
    auto it = by_event_.find(log.event_id);
    if (it == by_event_.end() || it->second.empty()) return "";
    std::string id = it->second.front();
    it->second.erase(it->second.begin());
    return id;
  }

  StatusOr<std::string> SendRaw(const std::string& body) override {
    StatusOr<std::string> id = broker_->SendMessage(o_.name, body);
    if (id.ok()) bodies_.emplace(*id, body);
    return id;
  }

  void KeepBodies() override {}  // MessageIdOf kept them

  std::string PoisonLeft(int receives) const override {
    return receives > 0 ? "the poison message was delivered and is not acknowledged: the broker holds it for "
                          "the consumer until it acks, nacks or goes"
                        : "the poison message is still at the destination";
  }

  std::string Unseeable() override {
    if (!auto_ack_) return "";
    return "the consumer subscribed with ack:auto: the broker counts a message settled as soon as it is "
           "sent, so a message it lost cannot be seen. Subscribe with ack:client or ack:client-individual "
           "and ACK each message once handled";
  }

  void FaultChecks(int* seed_step) override {
    Graded([&] { ConnectionFaultCheck("connection dropped", "drop_connection", o_.seed + *seed_step); });
    *seed_step += 2;
    Graded([&] { ConnectionFaultCheck("ERROR frame", "error_frame", o_.seed + *seed_step); });
    *seed_step += 2;
  }

  // Instead of delivering the next message, the broker drops the consumer's connection (or
  // sends it an ERROR frame and closes it); the message goes back to the destination. The
  // consumer must connect and subscribe again, and settle it and one more after it.
  void ConnectionFaultCheck(const std::string& name, const std::string& error, std::uint64_t seed) {
    CertifyCheck& check = Add("faults", name);
    check.notes.push_back(
        error == "drop_connection"
            ? "instead of delivering the next message the broker shuts the consumer's connection, as a "
              "broker restart or a network cut does; the message and any it had not acknowledged go back "
              "to the destination"
            : "instead of delivering the next message the broker sends the consumer an ERROR frame and "
              "closes its connection; the message and any it had not acknowledged go back to the "
              "destination");
    StompFault fault;
    fault.error = error;
    fault.destination = o_.name;
    StatusOr<StompFault> added = broker_->AddFault(fault);
    if (!added.ok()) {
      check.reason = "epmock could not add the fault: " + added.status().message();
      return;
    }
    const std::size_t accepted = broker_->ConnectionsAccepted();
    StatusOr<std::vector<Sent>> sent = Fire(o_.observes.front(), "realistic", seed);
    if (!sent.ok()) {
      broker_->ClearFaults();
      check.reason = "epmock could not make this event: " + sent.status().message();
      return;
    }
    const bool spent = WaitOnQueue(MessageDeadline(), [&] {
      const std::vector<StompFault> left = broker_->Faults();
      return std::none_of(left.begin(), left.end(), [&](const StompFault& f) { return f.id == added->id; });
    });
    broker_->ClearFaults();
    if (!spent) {
      AwaitDeleted(*sent);
      Record(check, *sent);
      check.verdict = CheckVerdict::kFail;
      check.reason = "no subscriber on " + o_.name + " took the message" + WithinMessageTimeout();
      return;
    }
    // Back, subscribed again.
    const bool back = WaitOnQueue(MessageDeadline(), [&] { return Destination().subscribers > 0; });
    if (!back) {
      AwaitDeleted(*sent);
      Record(check, *sent);
      check.verdict = CheckVerdict::kFail;
      const std::string ended = WorkerEnded();
      check.reason = "the consumer did not subscribe to " + o_.name + " again" + WithinMessageTimeout() +
                     " of its connection " +
                     (error == "drop_connection" ? "being dropped" : "ending with an ERROR frame") +
                     (ended.empty() ? std::string() : "; " + ended);
      return;
    }
    StatusOr<std::vector<Sent>> after = Fire(o_.observes.front(), "realistic", seed + 1);
    if (!after.ok()) {
      check.reason = "epmock could not make this event: " + after.status().message();
      return;
    }
    sent->insert(sent->end(), after->begin(), after->end());
    const bool settled = AwaitDeleted(*sent);
    Record(check, *sent);
    check.notes.push_back(std::to_string(broker_->ConnectionsAccepted() - accepted) +
                          " connection(s) opened after the fault (epmock's own included)");
    if (!settled) {
      check.verdict = CheckVerdict::kFail;
      check.reason = Undeleted(*sent) + "; after a lost connection a consumer reconnects and loses nothing";
      return;
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = "subscribed again after the fault; both messages acknowledged";
  }

  StompBroker* broker_ = nullptr;
  bool auto_ack_ = false;
  std::uint64_t history_read_ = 0;
  std::map<std::string, std::vector<std::string>> by_event_;  // event id -> message ids not yet matched
};

}  // namespace
}  // namespace certify_queue_internal

namespace {

// What the SQS and STOMP options share.
Status CheckQueueOptions(const std::vector<std::string>& observes, const std::string& client_id,
                         const std::string& store_id, const std::string& org_id, int port,
                         const char* port_flag, int connect_timeout_ms, int message_timeout_ms, int burst,
                         const std::string& run) {
  if (Status common = certify_internal::CheckCommonOptions(observes, client_id, store_id, org_id);
      !common.ok())
    return common;
  if (port < 0 || port > 65535)
    return Status::InvalidArgument(std::string(port_flag) + " must be 0 to 65535");
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

}  // namespace

Status CertifySqsOptions::Check() const {
  if (!internal::IsQueueName(queue)) {
    return Status::InvalidArgument(
        "--queue must be a queue name: 1 to 80 letters, digits, hyphens and underscores");
  }
  return CheckQueueOptions(observes, client_id, store_id, org_id, sqs_port, "--sqs-port", connect_timeout_ms,
                           message_timeout_ms, burst, run);
}

Status CertifyStompOptions::Check() const {
  if (destination.empty() || destination.size() > 1024 ||
      destination.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
    return Status::InvalidArgument("--destination must be 1 to 1024 characters with no line break");
  }
  return CheckQueueOptions(observes, client_id, store_id, org_id, stomp_port, "--stomp-port",
                           connect_timeout_ms, message_timeout_ms, burst, run);
}

StatusOr<CertifyReport> CertifySqs(const CertifySqsOptions& options) {
  if (Status s = options.Check(); !s.ok()) return s;
  const certify_queue_internal::QueueOptions shared =
      certify_queue_internal::Shared(options, options.queue, options.sqs_port);
  certify_queue_internal::SqsCertifier certifier(shared);
  return certifier.Run();
}

StatusOr<CertifyReport> CertifyStomp(const CertifyStompOptions& options) {
  if (Status s = options.Check(); !s.ok()) return s;
  const certify_queue_internal::QueueOptions shared =
      certify_queue_internal::Shared(options, options.destination, options.stomp_port);
  certify_queue_internal::StompCertifier certifier(shared);
  return certifier.Run();
}

}  // namespace epmock
