#include "epmock/testing/harness.h"

#include <httplib.h>

#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "common/ids.h"
#include "common/mutex.h"
#include "epmock/certify.h"
#include "http/client_pool.h"

namespace epmock::testing {

using nlohmann::json;
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

namespace {

// "3 arrived:\n  #1 webhook to /orders: order.paid attempt 1, ..." (the first 20).
std::string Arrived(const std::vector<Delivery>& deliveries) {
  std::ostringstream out;
  out << deliveries.size() << " arrived" << (deliveries.empty() ? "" : ":");
  for (std::size_t i = 0; i < deliveries.size() && i < 20; ++i) {
    out << "\n  #" << i + 1 << " " << deliveries[i];
  }
  if (deliveries.size() > 20) out << "\n  ...";
  return out.str();
}

// Looks at `done` again each time the client's store changes (every delivery attempt of its
// is logged there after its receiver has it), until it holds or the timeout passes. Arrivals
// its store did not send are not announced: it looks at least every 100 ms for those.
template <typename Done>
bool WaitOnStore(const Server& server, const std::string& client_id, std::chrono::milliseconds timeout,
                 Done done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::uint64_t seen = server.StoreVersion(client_id);
    if (done()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    (void)server.WaitForStoreChange(client_id, seen, std::min(left, std::chrono::milliseconds(100)));
  }
}

std::string ErrorOf(const httplib::Result& res) {
  if (!res) return "no answer: " + httplib::to_string(res.error());
  return "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 500);
}

}  // namespace

ServerOptions HarnessOptions() {
  ServerOptions options;
  options.sqs_port = 0;
  options.stomp_port = 0;
  options.retry_delay_ms = 10;
  return options;
}

ServerOptions VirtualClockHarnessOptions(std::int64_t start_ms) {
  ServerOptions options = HarnessOptions();
  options.clock = ServerOptions::ClockMode::kVirtual;
  options.clock_start_ms = start_ms;
  options.retry_delay_ms = ServerOptions{}.retry_delay_ms;
  return options;
}

struct Harness::Learned {
  internal::Mutex mu;
  std::string token EPMOCK_GUARDED_BY(mu);
  std::set<std::string> queues EPMOCK_GUARDED_BY(mu);
  std::set<std::string> destinations EPMOCK_GUARDED_BY(mu);
};

namespace {
// A harness's server runs POST /__admin/certify unless told otherwise.
ServerOptions WithCertify(ServerOptions options) {
  if (!options.certify_runner) options.certify_runner = NewCertifyRunner();
  return options;
}
}  // namespace

Harness::Harness(ServerOptions options)
    : options_(WithCertify(std::move(options))),
      server_(options_),
      client_id_("harness-" + epmock::internal::NewUuid()),
      learned_(std::make_unique<Learned>()) {
  if (options_.sqs_port < 0 || options_.stomp_port < 0) {
    start_error_ =
        "a Harness needs the embedded SQS endpoint and STOMP broker (sqs_port and stomp_port >= 0)";
  } else if (Status status = server_.Start(); !status.ok()) {
    start_error_ = "the epmock server did not start: " + status.message();
  } else if (Status sink = sink_.Start(); !sink.ok()) {
    start_error_ = "the webhook sink did not start: " + sink.message();
  } else {
    sqs_ = server_.Sqs();
    stomp_ = server_.Stomp();
  }
  if (!start_error_.empty()) ADD_FAILURE() << start_error_;
}

Harness::~Harness() {
  sink_.Stop();
  server_.Stop();
}

AssertionResult Harness::started() const {
  if (start_error_.empty()) return AssertionSuccess();
  return AssertionFailure() << start_error_;
}

SqsEndpoint& Harness::sqs() { return *sqs_; }
StompBroker& Harness::stomp() { return *stomp_; }

std::string Harness::WebhookUrl(const std::string& path) const {
  return sink_.Url() + (path.empty() || path[0] != '/' ? "/" : "") + path;
}

std::string Harness::token() {
  internal::MutexLock lock(&learned_->mu);
  if (!learned_->token.empty()) return learned_->token;
  std::unique_ptr<httplib::ClientImpl> client = internal::NewHttpClient(server_.Url());
  auto res = client->Post("/oauth/access_token", httplib::Params{{"grant_type", "client_credentials"},
                                                                 {"client_id", client_id_},
                                                                 {"client_secret", "harness"}});
  if (res && res->status == 200) {
    json body = json::parse(res->body, nullptr, false);
    if (body.is_object() && body.contains("access_token"))
      learned_->token = body["access_token"].get<std::string>();
  }
  return learned_->token;
}

StatusOr<json> Harness::CreateIntegration(const json& data) {
  const std::string bearer = token();
  if (bearer.empty()) return Status::Unavailable("could not get a token from " + server_.Url());
  std::unique_ptr<httplib::ClientImpl> client = internal::NewHttpClient(server_.Url());
  client->set_bearer_token_auth(bearer.c_str());
  auto res = client->Post("/v2/integrations", json{{"data", data}}.dump(), "application/json");
  if (!res || res->status != 201)
    return Status::InvalidArgument("creating the integration failed: " + ErrorOf(res));
  json body = json::parse(res->body, nullptr, false);
  if (!body.is_object() || !body.contains("data"))
    return Status::Internal("the create answer has no data: " + res->body);
  return body["data"];
}

namespace {
StatusOr<std::string> IdOf(StatusOr<json> created) {
  if (!created.ok()) return created.status();
  return created->value("id", "");
}
}  // namespace

StatusOr<std::string> Harness::CreateWebhookIntegration(const std::vector<std::string>& observes,
                                                        const std::string& path,
                                                        const std::string& secret_key) {
  json configuration = {{"url", WebhookUrl(path)}};
  if (!secret_key.empty()) configuration["secret_key"] = secret_key;
  return IdOf(CreateIntegration({{"type", "integration"},
                                 {"name", "webhook to " + path},
                                 {"integration_type", "webhook"},
                                 {"enabled", true},
                                 {"observes", observes},
                                 {"configuration", configuration}}));
}

StatusOr<std::string> Harness::CreateSqsIntegration(const std::vector<std::string>& observes,
                                                    const std::string& queue) {
  if (!sqs_) return Status::FailedPrecondition("the harness did not start: " + start_error_);
  const std::string url = sqs().CreateQueue(queue);
  {
    internal::MutexLock lock(&learned_->mu);
    learned_->queues.insert(queue);
  }
  const std::string key = options_.sqs_access_key_id.empty() ? "AKIAHARNESS" : options_.sqs_access_key_id;
  const std::string secret =
      options_.sqs_secret_access_key.empty() ? "harness-secret" : options_.sqs_secret_access_key;
  return IdOf(CreateIntegration({{"type", "integration"},
                                 {"name", "SQS queue " + queue},
                                 {"integration_type", "aws_sqs"},
                                 {"enabled", true},
                                 {"observes", observes},
                                 {"configuration",
                                  {{"url", url},
                                   {"aws_access_key_id", key},
                                   {"aws_secret_access_key", secret},
                                   {"region", "us-east-1"}}}}));
}

StatusOr<std::string> Harness::CreateStompIntegration(const std::vector<std::string>& observes,
                                                      const std::string& destination) {
  if (!stomp_) return Status::FailedPrecondition("the harness did not start: " + start_error_);
  {
    internal::MutexLock lock(&learned_->mu);
    learned_->destinations.insert(destination);
  }
  return IdOf(
      CreateIntegration({{"type", "integration"},
                         {"name", "STOMP " + destination},
                         {"integration_type", "stomp"},
                         {"enabled", true},
                         {"observes", observes},
                         {"configuration", {{"addresses", {stomp().Url()}}, {"destination", destination}}}}));
}

StatusOr<TriggeredEvent> Harness::Trigger(const std::string& type, std::optional<json> data) {
  return server_.Trigger(client_id_, {type, std::move(data), std::nullopt});
}

StatusOr<Fault> Harness::AddFault(Fault fault) { return server_.AddFault(client_id_, std::move(fault)); }

StatusOr<ApiFault> Harness::AddApiFault(ApiFault fault) {
  return server_.AddApiFault(client_id_, std::move(fault));
}

std::vector<IntegrationLog> Harness::Logs() const { return server_.Logs(client_id_); }

std::vector<Delivery> Harness::WebhookDeliveries() const {
  std::vector<Delivery> out;
  for (const ReceivedRequest& r : sink_.Requests()) out.push_back(ToDelivery(r));
  return out;
}

std::vector<Delivery> Harness::SqsMessages(const std::string& queue) const {
  std::vector<Delivery> out;
  if (!sqs_) return out;
  for (const SqsQueuedMessage& m : sqs_->Messages(queue)) {
    out.push_back(ToDelivery(m, queue));
  }
  return out;
}

std::vector<Delivery> Harness::StompFrames(const std::string& destination) const {
  std::vector<Delivery> out;
  if (!stomp_) return out;
  for (const StompMessage& m : stomp_->Messages(destination)) {
    out.push_back(ToDelivery(m));
  }
  return out;
}

std::vector<Delivery> Harness::Deliveries() const {
  std::set<std::string> queues;
  std::set<std::string> destinations;
  {
    internal::MutexLock lock(&learned_->mu);
    queues = learned_->queues;
    destinations = learned_->destinations;
  }
  std::vector<Delivery> out = WebhookDeliveries();
  for (const std::string& q : queues) {
    for (Delivery& d : SqsMessages(q)) out.push_back(std::move(d));
  }
  for (const std::string& d : destinations) {
    for (Delivery& f : StompFrames(d)) out.push_back(std::move(f));
  }
  return out;
}

AssertionResult Harness::WaitForDeliveries(std::size_t count, std::chrono::milliseconds timeout) const {
  if (sink_.WaitForRequests(count, timeout)) return AssertionSuccess();
  return AssertionFailure() << "waited " << timeout.count() << " ms for " << count
                            << " webhook deliveries at " << sink_.Url() << "; "
                            << Arrived(WebhookDeliveries());
}

AssertionResult Harness::WaitForEvent(const std::string& type, std::chrono::milliseconds timeout) const {
  // Each poll reads only what arrived since the last (the sink's and each destination's
  // cursor), so a long test's wait does not copy every delivery it ever had at each poll.
  // A queue is read whole: it holds only messages not yet deleted.
  std::uint64_t webhook_cursor = 0;
  std::map<std::string, std::uint64_t> stomp_cursors;
  const bool arrived = WaitOnStore(server_, client_id_, timeout, [&] {
    for (const ReceivedRequest& r : sink_.RequestsFrom(webhook_cursor, &webhook_cursor)) {
      if (ToDelivery(r).EventType() == type) return true;
    }
    std::set<std::string> queues, destinations;
    {
      internal::MutexLock lock(&learned_->mu);
      queues = learned_->queues;
      destinations = learned_->destinations;
    }
    for (const std::string& q : queues) {
      for (const Delivery& d : SqsMessages(q)) {
        if (d.EventType() == type) return true;
      }
    }
    if (stomp_) {
      for (const std::string& d : destinations) {
        std::uint64_t& cursor = stomp_cursors[d];
        for (const StompMessage& m : stomp_->MessagesFrom(d, cursor, &cursor)) {
          if (ToDelivery(m).EventType() == type) return true;
        }
      }
    }
    return false;
  });
  if (arrived) return AssertionSuccess();
  return AssertionFailure() << "waited " << timeout.count() << " ms for a delivery of " << type << "; "
                            << Arrived(Deliveries());
}

AssertionResult Harness::WaitForSqsMessages(const std::string& queue, std::size_t count,
                                            std::chrono::milliseconds timeout) const {
  if (!sqs_) return started();
  if (sqs_->WaitForMessages(queue, count, timeout)) return AssertionSuccess();
  return AssertionFailure() << "waited " << timeout.count() << " ms for " << count
                            << " messages on SQS queue " << queue << "; " << Arrived(SqsMessages(queue));
}

AssertionResult Harness::WaitForStompFrames(const std::string& destination, std::size_t count,
                                            std::chrono::milliseconds timeout) const {
  if (!stomp_) return started();
  if (stomp_->WaitForMessages(destination, count, timeout)) return AssertionSuccess();
  return AssertionFailure() << "waited " << timeout.count() << " ms for " << count
                            << " frames on STOMP destination " << destination << "; "
                            << Arrived(StompFrames(destination));
}

StatusOr<std::vector<BatchEvent>> Harness::TriggerBatch(const BatchRequest& request) {
  return server_.TriggerBatch(client_id_, request);
}

StatusOr<StoryRun> Harness::RunStory(const std::string& story, const StoryOptions& options) {
  return server_.RunStory(client_id_, story, options);
}

StatusOr<std::vector<StoryRun>> Harness::RunStories(const std::string& story, std::size_t count,
                                                    const StoryOptions& options) {
  return server_.RunStories(client_id_, story, count, options);
}

StatusOr<StoryRun> Harness::StopStory(const StoryRun& run) { return server_.StopStory(client_id_, run.id); }

AssertionResult Harness::WaitForStory(const StoryRun& run, std::chrono::milliseconds timeout) const {
  const bool ended = server_.WaitForStory(client_id_, run.id, timeout);
  std::optional<StoryRun> now = server_.StoryRunOf(client_id_, run.id);
  if (!now) return AssertionFailure() << "no story run " << run.id << " in this harness's store";
  std::ostringstream steps;
  bool all_succeeded = true;
  for (const StoryEvent& e : now->events) {
    steps << "\n  step " << e.step << " " << e.type << ": ";
    if (e.event_id.empty()) {
      steps << "not fired";
      all_succeeded = false;
      continue;
    }
    steps << "event " << e.event_id << ", " << e.jobs_ended << " of " << e.job_ids.size()
          << " deliveries ended, " << e.jobs_succeeded << " succeeded";
    all_succeeded &= e.jobs_succeeded == e.job_ids.size();
  }
  if (ended && now->state == "delivered" && all_succeeded)
    return AssertionSuccess() << "story " << now->story << " delivered:" << steps.str();
  return AssertionFailure() << "story " << now->story << " (" << run.id << ") is " << now->state
                            << (ended ? "" : " after " + std::to_string(timeout.count()) + " ms")
                            << (now->error.empty() ? "" : ": " + now->error) << steps.str();
}

AssertionResult Harness::Advance(std::chrono::milliseconds by, std::chrono::milliseconds timeout) {
  const Status advanced = server_.Clock().Advance(by, timeout);
  if (advanced.ok()) return AssertionSuccess();
  return AssertionFailure() << "the clock did not advance by " << by.count() << " ms: " << advanced.message();
}

AssertionResult Harness::RunUntilIdle(std::chrono::milliseconds max, std::chrono::milliseconds timeout) {
  const Status ran = server_.Clock().RunUntilIdle(max, timeout);
  if (ran.ok()) return AssertionSuccess();
  return AssertionFailure() << ran.message();
}

AssertionResult Harness::WaitForIdle(std::chrono::milliseconds timeout) const {
  if (server_.WaitForIdle(timeout)) return AssertionSuccess();
  std::ostringstream pending;
  int shown = 0;
  for (const IntegrationJob& job : server_.Jobs(client_id_)) {
    if (shown++ == 10) break;
    pending << "\n  job " << job.id << " (" << job.triggered_by << ") for integration " << job.integration_id;
  }
  return AssertionFailure() << "deliveries were still pending after " << timeout.count()
                            << " ms; newest jobs:" << pending.str();
}

AssertionResult Harness::VerifyContracts(const std::string& dir) const {
  ContractVerifier verifier({server_.Url(), ""});
  return ContractsPassed(verifier.VerifyDirectory(dir));
}

AssertionResult ContractsPassed(const std::vector<ContractResult>& results) {
  if (results.empty()) return AssertionFailure() << "no contracts were found";
  std::size_t failed = 0;
  std::ostringstream report;
  for (const ContractResult& r : results) {
    if (r.passed()) continue;
    ++failed;
    report << "\n" << r.Report();
  }
  if (failed == 0) return AssertionSuccess() << results.size() << " contracts passed";
  return AssertionFailure() << failed << " of " << results.size() << " contracts failed:" << report.str();
}

namespace {

// Success when the report is certified; else each check that did not pass, then the report.
AssertionResult Certified(const StatusOr<CertifyReport>& report, bool allow_inconclusive) {
  if (!report.ok()) return AssertionFailure() << "certify did not run: " << report.status();
  if (report->ExitCode(allow_inconclusive) == 0) {
    return AssertionSuccess() << report->Count(CheckVerdict::kPass) << " of " << report->checks.size()
                              << " certify checks passed";
  }
  AssertionResult failure = AssertionFailure();
  failure << report->Count(CheckVerdict::kFail) << " certify checks failed, "
          << report->Count(CheckVerdict::kInconclusive) << " inconclusive:";
  for (const CertifyCheck& c : report->checks) {
    if (c.verdict == CheckVerdict::kPass) continue;
    failure << "\n  " << VerdictName(c.verdict) << " " << c.group << " / " << c.name << ": " << c.reason;
  }
  return failure << "\n\n" << report->ToText();
}

}  // namespace

AssertionResult Certify(const CertifyOptions& options, bool allow_inconclusive) {
  return Certified(CertifyWebhook(options), allow_inconclusive);
}

AssertionResult Certify(const CertifySqsOptions& options, bool allow_inconclusive) {
  return Certified(CertifySqs(options), allow_inconclusive);
}

AssertionResult Certify(const CertifyStompOptions& options, bool allow_inconclusive) {
  return Certified(CertifyStomp(options), allow_inconclusive);
}

}  // namespace epmock::testing
