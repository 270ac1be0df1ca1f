// CertifyWebhook: a server of its own on a virtual clock, a webhook integration pointed at
// the consumer, and one check after another, each graded from the delivery logs (what the
// consumer answered, in how long) and, with an effects URL, from what the consumer did.
#include "epmock/certify.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "certify/common.h"
#include "common/ids.h"
#include "common/strings.h"
#include "epmock/server.h"
#include "epmock/spec.h"
#include "http/client_pool.h"
#include "http/url.h"

namespace epmock {

namespace certify_internal {
namespace {

using certify_internal::Cut;
using certify_internal::JoinComma;
using nlohmann::json;

constexpr std::size_t kMaxEffectsBody = 1024 * 1024;
constexpr int kEffectsReadSeconds = 5;
constexpr auto kSettleStep = std::chrono::milliseconds(500);  // two reads this far apart agree
constexpr int kReorderHeld = 5;
constexpr std::int64_t kReplayAfterMs = 3600 * 1000;  // "an hour later": free on the virtual clock
constexpr char kLateMarker[] = "came after the timeout and was discarded";

bool Is2xx(const CertifyExchange& e) { return e.status && *e.status >= 200 && *e.status < 300; }
bool Is4xx(const CertifyExchange& e) { return e.status && *e.status >= 400 && *e.status < 500; }

// "answered 500", "no answer within 10000 ms: ...": what the consumer did with a delivery.
std::string Described(const CertifyExchange& e) {
  if (e.status) return "answered " + std::to_string(*e.status);
  return "no answer: " + (e.error.empty() ? std::string("the connection failed") : e.error);
}

// What an effects URL says of some events: how many times each was acted on, or why it
// could not tell.
struct EffectsRead {
  std::map<std::string, std::int64_t> times;
  std::string error;
};

class Certifier : certify_internal::CertifierBase<CertifyOptions> {
 public:
  explicit Certifier(const CertifyOptions& options) : CertifierBase(options, &Certifier::ServerOptionsFor) {}

  StatusOr<CertifyReport> Run() {
    const auto started = std::chrono::steady_clock::now();
    if (Status s = StartOwnServer(); !s.ok()) return s;
    if (Status s = CreateIntegration(); !s.ok()) return s;
    report_.target = o_.url;
    const auto clock_start = server_.Clock().Now();

    int seed_step = 0;
    for (const std::string& type : o_.observes) {
      for (const char* profile : {"realistic", "edge-cases", "forward-compatible"}) {
        Step([&] { EventCheck(type, profile, o_.seed + seed_step++); });
      }
    }
    const std::string& first = o_.observes.front();
    for (const char* refusal : {"wrong_secret", "missing_secret", "invalid_json", "other_store"}) {
      Step([&] { RefusalCheck(first, refusal, o_.seed + seed_step++); });
    }
    Fault duplicate;
    duplicate.duplicate = 1;
    Step([&] {
      AtLeastOnceCheck("duplicate", "the same event twice, same id and attempt", duplicate, 1, &seed_step);
    });
    Fault replay;
    replay.refuse = "replay";
    replay.replay_after_ms = static_cast<int>(kReplayAfterMs);
    Step([&] {
      AtLeastOnceCheck("replay an hour later", "the same event again an hour after it was answered", replay,
                       1, &seed_step);
    });
    Fault reorder;
    reorder.reorder = kReorderHeld;
    reorder.reorder_window_ms = 60000;
    Step([&] {
      AtLeastOnceCheck("reordered burst", std::to_string(kReorderHeld) + " events held and sent newest first",
                       reorder, kReorderHeld, &seed_step);
    });
    Fault late;
    late.late_first_attempts = 1;
    Step([&] {
      AtLeastOnceCheck(
          "retried event",
          "attempt 1 sent in full and its answer discarded as too late, then attempt 2 of the same id", late,
          1, &seed_step);
    });
    Step([&] { BurstCheck(&seed_step); });

    report_.virtual_seconds = std::chrono::duration<double>(server_.Clock().Now() - clock_start).count();
    server_.Stop();
    report_.real_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report_;
  }

 private:
  static ServerOptions ServerOptionsFor(const CertifyOptions& o, const std::string& client,
                                        const std::string& org_client) {
    ServerOptions s = certify_internal::BaseServerOptions(client, org_client, o.store_id, o.org_id);
    // No server seed: with one, an instant's deliveries run one at a time (docs/CLOCK.md), and
    // the burst must reach the consumer concurrently, as the platform's do. The resources are
    // fixed by each batch's seed instead.
    s.delivery_timeout_ms = o.timeout_ms;
    s.verify_tls = !o.insecure;
    s.ca_file = o.ca_file;
    return s;
  }

  Status CreateIntegration() {
    const json integration = {
        {"type", "integration"},         {"name", "epmock certify"},
        {"integration_type", "webhook"}, {"enabled", true},
        {"observes", o_.observes},       {"configuration", {{"url", o_.url}, {"secret_key", o_.secret}}}};
    StatusOr<std::string> id = certify_internal::CreateIntegration(server_, client_, integration);
    if (!id.ok()) return id.status();
    integration_id_ = *id;
    return Status::Ok();
  }

  // Runs what the check fired until nothing is in flight or due (retries and late replays
  // included), on the virtual clock: "an hour later" costs nothing.
  std::string Settle(std::size_t deliveries) {
    const auto real = std::chrono::milliseconds(
        static_cast<std::int64_t>(o_.timeout_ms) * static_cast<std::int64_t>(deliveries + 2) + 30000);
    Status s = server_.Clock().RunUntilIdle(std::chrono::hours(3), real);
    return s.ok() ? "" : s.message();
  }

  // The check's deliveries, oldest first, each labelled.
  std::vector<CertifyExchange> ExchangesOf(const std::vector<std::string>& event_ids) {
    std::map<std::string, std::string> type_of;
    std::map<std::string, std::string> body_of;
    for (const TriggeredEvent& e : server_.Events(client_)) {
      if (std::find(event_ids.begin(), event_ids.end(), e.id) == event_ids.end()) continue;
      type_of[e.id] = e.type;
      body_of[e.id] = Cut(json{{"id", e.id}, {"triggered_by", e.type}, {"data", e.data}}.dump(), 4096);
    }
    std::vector<IntegrationLog> logs;
    for (IntegrationLog& log : server_.Logs(client_)) {
      if (std::find(event_ids.begin(), event_ids.end(), log.event_id) != event_ids.end()) {
        logs.push_back(std::move(log));
      }
    }
    // Logs come newest first; an instant of the virtual clock holds many, in the order made.
    std::reverse(logs.begin(), logs.end());
    std::stable_sort(logs.begin(), logs.end(), [](const IntegrationLog& a, const IntegrationLog& b) {
      return a.created_at_ns < b.created_at_ns;
    });
    std::vector<CertifyExchange> out;
    std::set<std::pair<std::string, int>> seen;  // (job, attempt): a second one is a copy
    for (const IntegrationLog& log : logs) {
      CertifyExchange e;
      e.event_id = log.event_id;
      e.event_type = type_of[log.event_id];
      e.attempt = log.attempt;
      e.request = body_of[log.event_id];
      e.status = log.status_code;
      e.answer = Cut(log.body.value_or(""), 1024);
      e.latency_ms = log.real_processing_ms.value_or(log.processing_time_s * 1000);
      const std::string detail = log.error_detail.value_or("");
      const bool copy = !seen.insert({log.job_id, log.attempt}).second;
      if (detail.find(kLateMarker) != std::string::npos) {
        e.label = "late answer discarded";
      } else if (log.refusal == "replay") {
        e.label = "replay";
      } else if (!log.refusal.empty()) {
        e.label = log.refusal;
      } else {
        e.label = copy ? "duplicate" : "delivery";
      }
      if (!log.status_code) e.error = detail;
      out.push_back(std::move(e));
    }
    return out;
  }

  // Reads the effects URL for each id; "" error when every read answered.
  EffectsRead ReadEffects(const std::vector<std::string>& ids) {
    EffectsRead read;
    const std::optional<internal::Url> url = internal::ParseUrl(o_.effects_url);
    std::unique_ptr<httplib::ClientImpl> http = url ? internal::NewHttpClient(*url) : nullptr;
    if (!http) {
      read.error = "the effects URL is not an http(s) URL";
      return read;
    }
    http->set_connection_timeout(kEffectsReadSeconds);
    http->set_read_timeout(kEffectsReadSeconds);
    http->set_write_timeout(kEffectsReadSeconds);
    if (!o_.ca_file.empty()) http->set_ca_cert_path(o_.ca_file.c_str());
    http->enable_server_certificate_verification(!o_.insecure);
    for (const std::string& id : ids) {
      const std::string path = url->path + (url->path.find('?') == std::string::npos ? "?" : "&") +
                               "event_id=" + internal::PercentEncode(id);
      std::string body;
      bool too_big = false;
      auto res = http->Get(path, [&](const char* data, std::size_t length) {
        if (body.size() + length > kMaxEffectsBody) {
          too_big = true;
          return false;
        }
        body.append(data, length);
        return true;
      });
      if (too_big) {
        read.error = "the effects URL answered more than 1 MiB";
        return read;
      }
      if (!res) {
        read.error = "the effects URL did not answer within " + std::to_string(kEffectsReadSeconds) +
                     " s: " + httplib::to_string(res.error());
        return read;
      }
      if (res->status >= 300 && res->status < 400) {
        read.error = "the effects URL answered " + std::to_string(res->status) + " to " +
                     Cut(res->get_header_value("Location"), 200) + "; certify follows no redirect";
        return read;
      }
      if (res->status != 200) {
        read.error = "the effects URL answered " + std::to_string(res->status) + ", not 200";
        return read;
      }
      const json doc = json::parse(body, nullptr, false);
      if (!doc.is_object()) {
        read.error = "the effects URL's answer is not a JSON object: " + Cut(body, 80);
        return read;
      }
      std::int64_t times = 0;
      if (auto it = doc.find(id); it != doc.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
          read.error = "the effects URL says " + Cut(it->dump(), 80) + " for " + id +
                       ": want a whole number of times, 0 or more";
          return read;
        }
        times = it->get<std::int64_t>();
      }
      read.times[id] = times;
    }
    return read;
  }

  // Reads until two reads kSettleStep apart agree or settle_ms passes; says which decided.
  EffectsRead SettledEffects(const std::vector<std::string>& ids, std::vector<std::string>* notes) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.settle_ms);
    EffectsRead last = ReadEffects(ids);
    int reads = 1;
    while (last.error.empty()) {
      if (std::chrono::steady_clock::now() + kSettleStep > deadline) {
        notes->push_back("effects: read " + std::to_string(reads) +
                         " decided: the reads had not agreed within " + std::to_string(o_.settle_ms) +
                         " ms (--settle-ms)");
        return last;
      }
      std::this_thread::sleep_for(kSettleStep);
      EffectsRead next = ReadEffects(ids);
      ++reads;
      if (!next.error.empty() || next.times == last.times) {
        if (next.error.empty()) {
          notes->push_back("effects: read " + std::to_string(reads) + " decided: it agreed with the read " +
                           std::to_string(kSettleStep.count()) + " ms before it");
        }
        return next;
      }
      last = std::move(next);
    }
    return last;
  }

  StatusOr<std::vector<std::string>> Fire(const std::string& type, const char* profile, std::uint64_t seed) {
    BatchRequest batch;
    batch.type = type;
    batch.profile = profile;
    batch.seed = seed;
    StatusOr<std::vector<BatchEvent>> fired = server_.TriggerBatch(client_, batch);
    if (!fired.ok()) return fired.status();
    std::vector<std::string> ids;
    for (const BatchEvent& e : *fired) ids.push_back(e.event_id);
    last_variety_ = fired->empty() ? std::vector<std::string>{} : fired->front().variety;
    return ids;
  }

  // Every delivery that counts (not a discarded late answer) answered 2xx in time; else
  // fails the check with the first that did not.
  static bool AllAnswered2xx(CertifyCheck& check) {
    for (const CertifyExchange& e : check.exchanges) {
      if (e.label == "late answer discarded" || Is2xx(e)) continue;
      check.verdict = CheckVerdict::kFail;
      check.reason = "the " + e.label + " of " + e.event_type + " " + e.event_id + " (attempt " +
                     std::to_string(e.attempt) + ") was " + Described(e) +
                     "; every copy must be answered 2xx";
      return false;
    }
    return true;
  }

  // Runs the check's deliveries to their end, takes away its faults, and gathers what the
  // consumer answered: false (the check failed) when nothing was delivered.
  bool Collect(CertifyCheck& check, const std::vector<std::string>& ids, std::size_t deliveries) {
    const std::string stuck = Settle(deliveries);
    server_.ClearFaults(client_);
    check.exchanges = ExchangesOf(ids);
    if (!check.exchanges.empty()) return true;
    check.verdict = CheckVerdict::kFail;
    check.reason = "nothing was delivered" + (stuck.empty() ? std::string() : ": " + stuck);
    return false;
  }

  void EventCheck(const std::string& type, const char* profile, std::uint64_t seed) {
    const std::string shown = std::string(profile) == "edge-cases" ? "edge cases" : profile;
    CertifyCheck& check = Add("events", type + " " + shown);
    StatusOr<std::vector<std::string>> ids = Fire(type, profile, seed);
    if (!ids.ok()) {
      check.verdict = CheckVerdict::kInconclusive;
      check.reason = "epmock could not make this event: " + ids.status().message();
      return;
    }
    if (!last_variety_.empty()) check.notes.push_back("variety: " + JoinComma(last_variety_));
    if (!Collect(check, *ids, 1)) return;
    const CertifyExchange& first = check.exchanges.front();
    if (Is2xx(first)) {
      check.verdict = CheckVerdict::kPass;
      check.reason =
          Described(first) + " in " + std::to_string(static_cast<long long>(first.latency_ms)) + " ms";
    } else {
      check.verdict = CheckVerdict::kFail;
      check.reason = Described(first) + "; a valid event must be answered 2xx within " +
                     std::to_string(o_.timeout_ms) + " ms";
    }
  }

  void RefusalCheck(const std::string& type, const std::string& refusal, std::uint64_t seed) {
    CertifyCheck& check = Add("refusals", refusal);
    Fault fault;
    fault.refuse = refusal;
    fault.events = 1;
    if (StatusOr<Fault> added = server_.AddFault(client_, fault); !added.ok()) {
      check.reason = "epmock could not add the fault: " + added.status().message();
      return;
    }
    StatusOr<std::vector<std::string>> ids = Fire(type, "realistic", seed);
    if (!ids.ok()) {
      server_.ClearFaults(client_);
      check.reason = "epmock could not make this event: " + ids.status().message();
      return;
    }
    if (!Collect(check, *ids, 2)) return;
    const CertifyExchange& first = check.exchanges.front();
    const bool secret = refusal == "wrong_secret" || refusal == "missing_secret";
    const int preferred = refusal == "invalid_json" ? 400 : 401;
    if (refusal == "other_store") {
      if (!Is2xx(first) && !Is4xx(first)) {
        check.verdict = CheckVerdict::kFail;
        check.reason = "a delivery naming another store was " + Described(first) + "; want 2xx or 4xx";
        return;
      }
    } else if (!Is4xx(first)) {
      check.verdict = CheckVerdict::kFail;
      check.reason = std::string(Is2xx(first) && secret ? "accepted a delivery with " : "a delivery with ") +
                     (refusal == "wrong_secret"     ? "the wrong secret"
                      : refusal == "missing_secret" ? "no secret"
                                                    : "a body that is not JSON") +
                     (Is2xx(first) && secret ? ": " + Described(first) : " was " + Described(first)) +
                     "; want a 4xx (" + std::to_string(preferred) + ")";
      return;
    } else if (*first.status != preferred) {
      check.notes.push_back("answered " + std::to_string(*first.status) + "; the README prefers " +
                            std::to_string(preferred));
    }
    check.verdict = CheckVerdict::kPass;
    check.reason = Described(first);
    if (o_.effects_url.empty()) return;
    EffectsRead effects = SettledEffects(*ids, &check.notes);
    if (!effects.error.empty()) {
      check.verdict = CheckVerdict::kInconclusive;
      check.reason = Described(first) + ", but " + effects.error;
      return;
    }
    const std::int64_t times = effects.times[ids->front()];
    if (times != 0) {
      check.verdict = CheckVerdict::kFail;
      check.reason = Described(first) + " but acted on it " + std::to_string(times) +
                     " time(s); a refused delivery must do nothing";
      return;
    }
    check.reason += ", not acted on";
  }

  void AtLeastOnceCheck(const std::string& name, const std::string& what, Fault fault, int events,
                        int* seed_step) {
    CertifyCheck& check = Add("at-least-once", name);
    check.notes.push_back("sends " + what);
    fault.events = events;
    if (StatusOr<Fault> added = server_.AddFault(client_, fault); !added.ok()) {
      check.reason = "epmock could not add the fault: " + added.status().message();
      return;
    }
    // The events are about one resource (the first observed type's), as a burst of updates
    // to one order is: only their order differs.
    std::vector<std::string> ids;
    const std::string& type = o_.observes.front();
    StatusOr<std::vector<std::string>> first = Fire(type, "realistic", o_.seed + (*seed_step)++);
    if (first.ok()) ids = *first;
    TriggerRequest again;
    again.type = type;
    for (const TriggeredEvent& e : server_.Events(client_)) {
      if (first.ok() && !first->empty() && e.id == first->front()) {
        again.data = e.data;
        if (!e.included.is_null()) again.included = e.included;
      }
    }
    for (int i = 1; first.ok() && i < events; ++i) {
      StatusOr<TriggeredEvent> fired = server_.Trigger(client_, again);
      if (!fired.ok()) {
        first = fired.status();
        break;
      }
      ids.push_back(fired->id);
    }
    if (!first.ok()) {
      server_.ClearFaults(client_);
      check.reason = "epmock could not make this event: " + first.status().message();
      return;
    }
    if (!Collect(check, ids, static_cast<std::size_t>(events) * 2)) return;
    if (!AllAnswered2xx(check)) return;
    check.reason = "every copy answered 2xx";
    if (o_.effects_url.empty()) {
      check.verdict = CheckVerdict::kInconclusive;
      check.reason += "; without --effects-url certify cannot tell whether each event was acted on once";
      return;
    }
    EffectsRead effects = SettledEffects(ids, &check.notes);
    if (!effects.error.empty()) {
      check.verdict = CheckVerdict::kInconclusive;
      check.reason += ", but " + effects.error;
      return;
    }
    for (const std::string& id : ids) {
      const std::int64_t times = effects.times[id];
      if (times != 1) {
        check.verdict = CheckVerdict::kFail;
        check.reason = "event " + id + " was acted on " + std::to_string(times) + " times; want once";
        return;
      }
    }
    check.verdict = CheckVerdict::kPass;
    check.reason += ", each event acted on once";
  }

  void BurstCheck(int* seed_step) {
    CertifyCheck& check = Add("load", "concurrent burst");
    check.notes.push_back("sends " + std::to_string(o_.burst) +
                          " events at once, delivered concurrently, unordered");
    std::vector<std::string> ids;
    for (int i = 0; i < o_.burst; ++i) {
      const std::string& type = o_.observes[static_cast<std::size_t>(i) % o_.observes.size()];
      StatusOr<std::vector<std::string>> fired = Fire(type, "realistic", o_.seed + (*seed_step)++);
      if (!fired.ok()) {
        check.reason = "epmock could not make this event: " + fired.status().message();
        return;
      }
      ids.insert(ids.end(), fired->begin(), fired->end());
    }
    const std::string stuck = Settle(static_cast<std::size_t>(o_.burst));
    check.exchanges = ExchangesOf(ids);
    std::vector<double> latencies;
    int timeouts = 0;
    int server_errors = 0;
    for (const CertifyExchange& e : check.exchanges) {
      if (e.attempt != 1) continue;
      latencies.push_back(e.latency_ms);
      if (!e.status) ++timeouts;
      if (e.status && *e.status >= 500) ++server_errors;
    }
    const std::size_t answered = latencies.size();
    if (std::string note = certify_internal::LatencyNote(std::move(latencies), report_); !note.empty()) {
      check.notes.push_back(note);
    }
    if (answered < ids.size()) {
      check.verdict = CheckVerdict::kFail;
      check.reason = std::to_string(ids.size() - answered) + " of " + std::to_string(ids.size()) +
                     " events were not delivered" + (stuck.empty() ? std::string() : ": " + stuck);
      return;
    }
    if (timeouts + server_errors > 0) {
      check.verdict = CheckVerdict::kFail;
      check.reason = std::to_string(server_errors) + " answered 5xx and " + std::to_string(timeouts) +
                     " got no answer in time, of " + std::to_string(ids.size());
      return;
    }
    if (!AllAnswered2xx(check)) return;
    check.verdict = CheckVerdict::kPass;
    check.reason = "all " + std::to_string(ids.size()) + " answered 2xx";
  }

  std::string integration_id_;
  std::vector<std::string> last_variety_;
};

}  // namespace
}  // namespace certify_internal

Status CertifyOptions::Check() const {
  const std::optional<internal::Url> parsed = internal::ParseUrl(url);
  if (!parsed || (parsed->scheme != "http" && parsed->scheme != "https")) {
    return Status::InvalidArgument("--url must be the consumer's http(s) URL, not '" + url.substr(0, 200) +
                                   "'");
  }
  if (secret.empty() || secret.size() > 1024) {
    return Status::InvalidArgument(
        "--secret must be the secret_key the consumer checks, 1 to 1024 characters");
  }
  if (Status common = certify_internal::CheckCommonOptions(observes, client_id, store_id, org_id);
      !common.ok())
    return common;
  if (!effects_url.empty()) {
    const std::optional<internal::Url> effects = internal::ParseUrl(effects_url);
    if (!effects || (effects->scheme != "http" && effects->scheme != "https")) {
      return Status::InvalidArgument("--effects-url must be an http(s) URL, not '" +
                                     effects_url.substr(0, 200) + "'");
    }
  }
  if (settle_ms < 0 || settle_ms > 60000) return Status::InvalidArgument("--settle-ms must be 0 to 60000");
  if (timeout_ms < 1 || timeout_ms > 60000) return Status::InvalidArgument("--timeout-ms must be 1 to 60000");
  if (burst < 1 || burst > 200) return Status::InvalidArgument("--burst must be 1 to 200");
  return Status::Ok();
}

StatusOr<CertifyReport> CertifyWebhook(const CertifyOptions& options) {
  if (Status s = options.Check(); !s.ok()) return s;
  certify_internal::Certifier certifier(options);
  return certifier.Run();
}

}  // namespace epmock
