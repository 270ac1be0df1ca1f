// ServerOptions: how an epmock::Server listens and which platform limits it enforces.
//
//   epmock::ServerOptions options;
//   options.integration_limit = 0;  // no per-store limit, for load tests
//   epmock::Server server(options);
#ifndef EPMOCK_OPTIONS_H_
#define EPMOCK_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace epmock {

// Its copy and move are defaulted; they touch the deprecated field only as a compiler does.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
class CertifyRunner;  // epmock/certify_runner.h

struct ServerOptions {
  // Address to bind. Loopback by default: a fake API has no business on other interfaces.
  std::string host = "127.0.0.1";

  // Port to listen on; 0 picks a free ephemeral port (see Server::Port()).
  int port = 0;

  // Integrations a store may hold, as on the platform; 0 lifts the limit.
  int integration_limit = 100;

  // Request bodies above this size are refused with 413 before they are read.
  std::size_t max_body_bytes = 1024 * 1024;

  // Request journal entries kept; older ones are dropped and counted (Server::DroppedRequests).
  std::size_t journal_capacity = 10000;

  // Worker threads serving requests. A connection holds one only while a request of its is
  // read, handled or streamed: one that is idle, slow to send its request head, or waiting
  // out an answer's delay holds none. So this bounds the requests served at once.
  int worker_threads = 128;

  // Seconds a connection may sit idle (keep-alive, or between reads of a request body)
  // before it is closed.
  int idle_timeout_seconds = 5;

  // Seconds a request head may take from its first byte; then the connection is closed, so
  // that a client sending a byte at a time ("slowloris") holds nothing for long.
  int header_timeout_seconds = 10;

  // Answers held for an API fault's delay_ms at once (they hold no worker); beyond them a
  // store's further delayed answers wait behind its own.
  int max_delayed_requests = 256;

  // Host headers answered beyond IP literals, localhost, names under .localhost and names
  // without a dot: a defence against DNS rebinding, on every HTTP port (API, admin,
  // dashboard, sinks, the SQS endpoint). "*" turns the check off.
  std::vector<std::string> allow_hosts;

  // --- The URLs epmock hands out (README "In a container") ---------------------------------
  // Every URL in an answer (SQS QueueUrl, links.self and Location, queue_url, broker_url,
  // the health route's api_url, sqs_url and stomp_url) names the host and port of the
  // request's Host header, unless these are set: whole URLs ("http://localhost:18080"), or
  // a host name for all three on their own ports. Their names pass the Host check, and a
  // delivery to one of them goes to epmock's own port.
  std::string advertise_api;
  std::string advertise_sqs;
  std::string advertise_stomp;  // stomp://HOST:PORT
  std::string advertise_host;

  // Lifetime of the access tokens POST /oauth/access_token issues.
  int token_ttl_seconds = 3600;

  // --- The dashboard and the admin API's reach (docs/DASHBOARD.md) ---------------------------
  // Empty: the dashboard (GET /, /__admin/ui/) and the list of stores answer loopback peers
  // only. Set: every admin route and the dashboard require it, in the X-Epmock-Admin-Token
  // header or the cookie the dashboard's login form sets; from any peer.
  // Bound to anything but loopback (`host`), a token is required: Start() refuses without
  // one, unless it is "off", which keeps 0.2.0's rule (the admin API answers any peer with a
  // store's token, the dashboard loopback peers only) for a trusted network.
  std::string admin_token;
  // Where the dashboard is served; GET / leads there. Starts and ends with '/', and is no
  // path of the platform's API (/v2/, /oauth/) or the sinks'.
  std::string dashboard_path = "/__admin/ui/";
  // Live streams (GET /__admin/stream) and long polls (GET /__admin/wait) open at once, each
  // holding a worker: beyond them a new one gets 503, so they never take every worker.
  int max_streams = 16;

  // --- Stories ------------------------------------------------------------------------------
  // Story runs one store may have running at once, of the server's kMaxRunningStories: beyond
  // them it gets 429, so that one store cannot take every slot.
  int max_story_runs_per_store = 16;
  // Ended story runs kept per store, by count (kMaxKeptStoryRuns) and by these bytes; the
  // oldest ended run goes first. A running run is never dropped.
  std::size_t story_run_retention_bytes = 64 * 1024 * 1024;

  // --- Event delivery -------------------------------------------------------------------
  // The platform does not document its retry policy; this is epmock's, and configurable.

  // Attempts per job, the first included.
  int max_attempts = 5;

  // Delay before the second attempt; it doubles after every further failure.
  int retry_delay_ms = 1000;

  // Multiplies every retry delay and injected delay, so a test can run hours of backoff in
  // milliseconds (0.001: a 1 s delay takes 1 ms). Receiver timeouts stay in real time.
  double time_scale = 1.0;

  // Whose time deliveries are scheduled and stamped by (docs/CLOCK.md), fixed at start.
  // kReal: the machine's. kVirtual: a clock that stands still until advanced
  // (POST /__admin/clock/advance), starting at `clock_start_ms`; time_scale must stay 1 with
  // it (a virtual hour already costs nothing). Tests sharing a virtual-clock server share its
  // time.
  enum class ClockMode { kReal, kVirtual };
  ClockMode clock = ClockMode::kReal;
  // The virtual clock's start, ms since the Unix epoch; 0: the machine's time at start.
  std::int64_t clock_start_ms = 0;

  // How long one delivery attempt may take, for every transport: a webhook that has not
  // answered within it, an SQS endpoint that has not answered SendMessage, a STOMP broker
  // that has not connected or sent the RECEIPT. Each is a failed attempt (the platform
  // gives webhooks 10 s).
  int delivery_timeout_ms = 10000;
  // Deprecated in 0.2.0: it never was the webhook's alone. 0 (unset) defers to
  // delivery_timeout_ms; any other value still wins, for this version.
  [[deprecated("use delivery_timeout_ms: it applies to every transport")]] int webhook_timeout_ms = 0;
  // For every transport that speaks TLS (https webhooks and SQS endpoints, stomp+ssl
  // brokers): verify the receiver's certificate, trusting `ca_file` (PEM) too when it is set.
  bool verify_tls = true;
  std::string ca_file;

  // Deliveries in flight at once, and per integration: a slow receiver holds at most
  // `per_integration_concurrency` of them, so other integrations keep being served.
  int max_delivery_threads = 256;
  int per_integration_concurrency = 4;

  // Seed of the generator that synthesizes resources: the same seed and the same triggers
  // give the same resources. With a virtual clock (`clock`), of every id too, and one
  // instant's deliveries run one at a time: the same test is sent and answered the same
  // bytes on every run (docs/CLOCK.md, "The same bytes every run").
  std::uint64_t seed = 0;

  // The `source` of every CloudEvent (SQS and STOMP messages). The default is the one the
  // seeds' examples carry, which is the platform's non-production host (elasticpath/js-sdk
  // playground/index.ts); set the host a consumer checks for in production.
  std::string cloudevent_source = "https://epcc-integration.global.ssl.fastly.net";

  // --- Rate limits (elasticpath/elasticpath-dev guides/Getting-Started/rate-limits.md)
  // ------------------------------------------------------------ Off by default, so tests stay deterministic.
  // On, every /v2 request counts against its store, or its organization at the organization level, each on
  // its own: over the limit in a second (of the engine's clock: scaled by time_scale) it answers 429 in the
  // error shape, without Retry-After (no public evidence shows the platform sends one). The platform's
  // figures are the defaults; a store's kind is production unless set (Server::SetStoreKind, PUT
  // /__admin/store).
  bool rate_limits = false;
  int organization_rate_limit = 100;
  int production_store_rate_limit = 100;
  int development_store_rate_limit = 25;

  // A catalog extension file (docs/CATALOG.md): event keys of your own, or new platform
  // keys, without rebuilding. Read and checked when the Server is built; Start() returns
  // the error that names the bad entry.
  std::string catalog_file;

  // Story files (docs/STORIES.md) of your own, beside the built-in stories: read and checked
  // when the Server is built; Start() returns the error that names the bad step and field.
  std::vector<std::string> story_files;

  // An init file (docs/INIT.md, JSON or YAML): SQS queues, organizations, store settings and
  // integrations the first Start() provisions, each through the API's own checks, before it
  // returns. Read and checked when the Server is built; Start() returns the error that
  // names the bad entry, and then serves nothing.
  std::string init_file;

  // Runs POST /__admin/certify: epmock::NewCertifyRunner() (epmock/certify.h); `epmock
  // serve` and the test harness set it. Null: the route answers 409.
  std::shared_ptr<const CertifyRunner> certify_runner;

  // --- Embedded SQS-compatible endpoint ---------------------------------------------------
  // Its port: -1 runs none (the default in process: see epmock::SqsEndpoint to run one on
  // its own); 0 picks an ephemeral port. `epmock serve` runs it on 9324 by default.
  int sqs_port = -1;
  // When set, the endpoint verifies SigV4 signatures made with this key and refuses others.
  std::string sqs_access_key_id;
  std::string sqs_secret_access_key;

  // --- Embedded STOMP broker ---------------------------------------------------------------
  // Its port: -1 runs none (the default in process: see epmock::StompBroker); 0 picks an
  // ephemeral port. `epmock serve` runs it on 61613 by default.
  int stomp_port = -1;

  // History kept per store; the oldest beyond it is dropped and counted. Events are kept
  // within a count and within bytes (an event's resources and the bodies built from them,
  // approximately; one event can be near 256 KiB); logs (and their jobs) within a count,
  // which bounds their bytes too (a log keeps at most 1 KiB of the receiver's answer).
  std::size_t event_retention = 10000;
  std::size_t event_retention_bytes = 256 * 1024 * 1024;
  std::size_t log_retention = 100000;
  // Requests each webhook sink (/__sink/webhook/{name}, per sending store) keeps, by count
  // and by bytes of body; the oldest beyond either are dropped and counted. Waiting for N
  // requests counts every arrival.
  std::size_t sink_retention = 10000;
  std::size_t sink_retention_bytes = 64 * 1024 * 1024;

  // Pinned ids, client_id -> id: the store (or organization) of such a client has this id
  // instead of the one derived from its client_id (Server::StoreIdFor), so deliveries carry
  // the store_id (org_id) a consumer was set up with, as `epmock certify --store-id` needs.
  // Each id a UUID (as the platform's are, and the schemas want), no two alike; Start()
  // refuses others.
  std::map<std::string, std::string> store_ids;

  // The delivery timeout in force: webhook_timeout_ms while a caller still sets it.
  int EffectiveDeliveryTimeoutMs() const {
    return webhook_timeout_ms > 0 ? webhook_timeout_ms : delivery_timeout_ms;
  }
};
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

}  // namespace epmock

#endif  // EPMOCK_OPTIONS_H_
