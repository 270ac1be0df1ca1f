// Certify: grades a webhook consumer against everything the platform can send it
// (docs/CERTIFY.md). epmock starts a server of its own on a virtual clock, points a webhook
// integration at the consumer, sends each check's deliveries, and grades the answers.
//
//   epmock::CertifyOptions options;
//   options.url = "http://127.0.0.1:8080/webhooks/epcc";
//   options.secret = "s3cret";
//   options.observes = {"order.paid", "order.fulfilled"};
//   options.effects_url = "http://127.0.0.1:8080/effects";  // optional: {"<event id>": n}
//   epmock::StatusOr<epmock::CertifyReport> report = epmock::CertifyWebhook(options);
//   std::cout << report->ToText();
//   return report->ExitCode(/*allow_inconclusive=*/false);   // 0 pass, 1 fail, 3 inconclusive
//
// A consumer without an effects URL can only be graded on its answers: the checks that need
// to know what it did (a duplicate acted on once) say inconclusive, never pass.
#ifndef EPMOCK_CERTIFY_H_
#define EPMOCK_CERTIFY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/certify_runner.h"
#include "epmock/status.h"

namespace epmock {

struct CertifyCheck;

struct CertifyOptions {
  // The consumer's webhook URL (http or https) and the secret_key it expects in
  // x-moltin-secret-key.
  std::string url;
  std::string secret;
  // The event keys it handles (order.paid, ...): 1 to kMaxObserves, each in the catalog.
  std::vector<std::string> observes;
  // Optional: GET URL?event_id=ID answers {"<event id>": <times acted>}, a missing id meaning 0.
  std::string effects_url;
  // How long the effects reads may take to agree (two reads 500 ms apart), 0 to 60,000 ms.
  int settle_ms = 5000;
  // The platform's delivery timeout: an answer later than this is a failure. 1 to 60,000 ms.
  int timeout_ms = 10000;
  // Events sent at once in the concurrent burst, 1 to 200.
  int burst = 20;
  // Fixes every resource sent (ids stay random), so a failing run sends the same again.
  std::uint64_t seed = 1;
  // The client whose store sends: its store id is Server::StoreIdFor(client_id), the
  // store_id every delivery carries. Empty: a client of this run, its store id random.
  std::string client_id;
  // The store_id (and org_id) the consumer expects in every delivery, as its real store's:
  // certify's store (and its organization) get these ids, each a UUID as the platform's are.
  // Empty store_id: the client's derived one; empty org_id: no organization.
  std::string store_id;
  std::string org_id;
  // https consumers: the CA bundle to trust, or no verification at all.
  std::string ca_file;
  bool insecure = false;

  // Told each check as it ends (from certify's thread); asked before each check, true ends
  // the run early and leaves the rest out. Either may be empty.
  std::function<void(const CertifyCheck&)> on_check;
  std::function<bool()> cancelled;

  static constexpr std::size_t kMaxObserves = 50;
  // InvalidArgument naming the first option out of bounds.
  Status Check() const;
};

enum class CheckVerdict { kPass, kFail, kInconclusive };
const char* VerdictName(CheckVerdict verdict);  // "pass", "fail", "inconclusive"

// One delivery a check made, and what came of it.
struct CertifyExchange {
  std::string event_id;
  std::string event_type;
  int attempt = 1;
  std::string label;    // "delivery", "duplicate", "replay", "late answer discarded", a refusal
  std::string request;  // the body sent, cut to 4 KiB
  std::optional<int> status;
  std::string answer;  // the consumer's answer, cut to 1 KiB
  double latency_ms = 0;
  std::string error;  // no answer: why
};

struct CertifyCheck {
  std::string group;  // "events", "refusals", "at-least-once", "load"
  std::string name;   // "order.paid realistic", "wrong_secret", "duplicate", ...
  CheckVerdict verdict = CheckVerdict::kInconclusive;
  std::string reason;
  std::vector<std::string> notes;  // effects reads, a non-preferred 4xx, latency figures
  std::vector<CertifyExchange> exchanges;
};

struct CertifyReport {
  std::string kind = "webhook";  // "webhook", "sqs", "stomp"
  std::string target;            // the consumer's URL; for a worker, the queue's
  std::string store_id;          // what the deliveries carried in store_id
  std::string org_id;            // and in org_id; "" for none
  std::vector<CertifyCheck> checks;
  double real_seconds = 0;
  double virtual_seconds = 0;  // how far the run's clock moved
  std::optional<double> burst_p50_ms;
  std::optional<double> burst_p99_ms;

  int Count(CheckVerdict verdict) const;
  // 0 when every check passed; 1 when any failed; 3 when none failed but some were
  // inconclusive (0 with allow_inconclusive).
  int ExitCode(bool allow_inconclusive) const;
  nlohmann::json ToJson() const;
  std::string ToText() const;   // one line a check, grouped, and a verdict line
  std::string ToJunit() const;  // a test case per check, the reason in the failure
  std::string ToHtml() const;   // self-contained: each check's requests and answers
};

// An SQS worker (docs/CERTIFY.md, "SQS workers"): certify runs its own server with an
// embedded SQS endpoint, and the worker reads the queue there.
//
//   epmock::CertifySqsOptions options;
//   options.queue = "orders";
//   options.observes = {"order.paid"};
//   options.run = "node worker.js";   // or start it yourself against options.sqs_port
//   epmock::StatusOr<epmock::CertifyReport> report = epmock::CertifySqs(options);
struct CertifySqsOptions {
  // The queue the worker reads: SQS's rule for names (1 to 80 letters, digits, - and _).
  std::string queue;
  std::vector<std::string> observes;
  // The endpoint's port on 127.0.0.1; 0 picks a free one (then only --run can know it).
  int sqs_port = 0;
  // How long to wait for the worker's first ReceiveMessage on the queue, 1 to 600,000 ms.
  int connect_timeout_ms = 30000;
  // How long a message may wait to be deleted, 1 to 600,000 ms.
  int message_timeout_ms = 10000;
  int burst = 20;  // messages sent at once in the burst, 1 to 200
  // A command (/bin/sh -c) that starts the worker, with EPMOCK_SQS_URL, EPMOCK_QUEUE_URL,
  // AWS_ENDPOINT_URL_SQS, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and
  // EPMOCK_STORE_ID in its environment; stopped with its process group (SIGTERM, SIGKILL
  // 5 s later) when certify ends. Empty: the worker is started by the user. At most 4 KiB.
  std::string run;
  // Called once the endpoint listens and the queue is made, before certify waits for the
  // worker (after starting --run): where the worker is to send. A test starts its worker
  // here; epmock certify prints it.
  std::function<void(const std::string& endpoint_url, const std::string& queue_url)> ready;
  std::uint64_t seed = 1;
  std::string client_id;  // as CertifyOptions's
  std::string store_id;
  std::string org_id;
  std::function<void(const CertifyCheck&)> on_check;  // as CertifyOptions's
  std::function<bool()> cancelled;

  Status Check() const;
};

// A STOMP consumer (docs/CERTIFY.md, "STOMP consumers"): certify runs its own server with an
// embedded broker, and the consumer subscribes to the destination there. Only a consumer
// that acknowledges (ack:client or client-individual) can be graded on what it handled: on
// ack:auto the broker counts a message settled once sent, and those checks say inconclusive.
//
//   epmock::CertifyStompOptions options;
//   options.destination = "/queue/orders";
//   options.observes = {"order.paid"};
//   options.run = "python3 consumer.py";  // or start it yourself against options.stomp_port
//   epmock::StatusOr<epmock::CertifyReport> report = epmock::CertifyStomp(options);
struct CertifyStompOptions {
  // The destination the consumer subscribes to: 1 to 1,024 characters, no line break.
  std::string destination;
  std::vector<std::string> observes;
  // The broker's port on 127.0.0.1; 0 picks a free one (then only --run can know it).
  int stomp_port = 0;
  // How long to wait for the consumer's SUBSCRIBE to the destination, 1 to 600,000 ms.
  int connect_timeout_ms = 30000;
  // How long a message may wait to be acknowledged, 1 to 600,000 ms.
  int message_timeout_ms = 10000;
  int burst = 20;  // messages sent at once in the burst, 1 to 200
  // As CertifySqsOptions's, with EPMOCK_STOMP_URL, EPMOCK_STOMP_DESTINATION and
  // EPMOCK_STORE_ID in the command's environment.
  std::string run;
  // Called once the broker listens, before certify waits for the consumer.
  std::function<void(const std::string& broker_url, const std::string& destination)> ready;
  std::uint64_t seed = 1;
  std::string client_id;  // as CertifyOptions's
  std::string store_id;
  std::string org_id;
  std::function<void(const CertifyCheck&)> on_check;  // as CertifyOptions's
  std::function<bool()> cancelled;

  Status Check() const;
};

// Runs every webhook check against the consumer. An error only for options out of bounds
// (InvalidArgument) or a server that could not start; what the consumer does is the report's.
StatusOr<CertifyReport> CertifyWebhook(const CertifyOptions& options);
// Runs every SQS check against the worker; errors as CertifyWebhook's.
StatusOr<CertifyReport> CertifySqs(const CertifySqsOptions& options);
// Runs every STOMP check against the consumer; errors as CertifyWebhook's.
StatusOr<CertifyReport> CertifyStomp(const CertifyStompOptions& options);

// What runs POST /__admin/certify (ServerOptions::certify_runner): a request is the JSON of
// these options, {"kind": "webhook"|"sqs"|"stomp", "url": ..., "observes": [...], ...}, its keys the
// command's flags with _ for - (docs/CERTIFY.md); `run` is refused there, as a web request
// must not start programs on the server.
std::shared_ptr<const CertifyRunner> NewCertifyRunner();

}  // namespace epmock

#endif  // EPMOCK_CERTIFY_H_
