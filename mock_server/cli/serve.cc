#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>

#include "api/admin_api.h"
#include "api/dashboard.h"
#include "cli/commands.h"
#include "epmock/server.h"
#include "epmock/story.h"
#include "http/hosts.h"

namespace epmock::cli {

namespace {

int RunServe(const ServerOptions& options);

}  // namespace

void AddServe(CLI::App& root, int* exit_code) {
  CLI::App* cmd = root.add_subcommand("serve", "run the fake Integrations API until SIGINT/SIGTERM");
  cmd->footer(
      "Runs the fake Integrations API, its embedded SQS-compatible endpoint and its STOMP\n"
      "broker. When they are ready it prints one line to stdout:\n"
      "  epmock ready api=http://HOST:PORT sqs=http://HOST:PORT stomp=stomp://HOST:PORT\n"
      "and serves until SIGINT or SIGTERM, then exits 0.\n\n"
      "The admin API it serves (docs/ADMIN_API.md says what each route does and who may call it):\n" +
      internal::AdminRoutesText());
  auto options = std::make_shared<ServerOptions>();
  options->port = 8080;
  options->sqs_port = 9324;
  options->stomp_port = 61613;
  ServerOptions& o = *options;
  // A number first (one message, not two), then within [lo, hi].
  auto in = [](auto lo, decltype(lo) hi) {
    return CLI::Validator(
        [number = CLI::Validator(CLI::Number),
         range = CLI::Validator(CLI::Range(lo, hi))](std::string& value) mutable {
          std::string error = number(value);
          return error.empty() ? range(value) : error;
        },
        "");
  };
  const auto port = in(0, 65535);
  cmd->add_option("--host", o.host, "address to listen on: a name or an IPv4/IPv6 address")
      ->capture_default_str();
  cmd->add_option("--port", o.port, "API port; 0 picks a free one")->check(port)->capture_default_str();
  cmd->add_option("--sqs-port", o.sqs_port, "embedded SQS endpoint's port; 0 picks a free one")
      ->check(port)
      ->capture_default_str();
  cmd->add_option("--stomp-port", o.stomp_port, "embedded STOMP broker's port; 0 picks a free one")
      ->check(port)
      ->capture_default_str();
  cmd->add_option_function<std::string>(
         "--sqs-credentials",
         [&o](const std::string& value) {
           const auto colon = value.find(':');
           o.sqs_access_key_id = value.substr(0, colon);
           o.sqs_secret_access_key = value.substr(colon + 1);
         },
         "KEY:SECRET: the SQS endpoint verifies SigV4 signatures made with this key and answers 403 "
         "to anything else")
      ->check([](const std::string& value) -> std::string {
        const auto colon = value.find(':');
        return colon == std::string::npos || colon == 0 || colon + 1 == value.size() ? "takes KEY:SECRET"
                                                                                     : "";
      });
  cmd->add_option("--integration-limit", o.integration_limit,
                  "integrations per store, as on the platform; 0 lifts the limit, for load tests")
      ->check(in(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  cmd->add_option("--admin-token", o.admin_token,
                  "require this token for every admin route and the dashboard, which then answer any "
                  "peer (without it they answer loopback peers only); prefer EPMOCK_ADMIN_TOKEN: a flag is "
                  "visible to every local user in the process list")
      ->envname("EPMOCK_ADMIN_TOKEN")
      ->check([](const std::string& v) {
        // What a cookie value may hold (RFC 6265 cookie-octet): printable ASCII but space " , ; \\.
        const bool safe = std::all_of(v.begin(), v.end(), [](unsigned char ch) {
          return ch > 32 && ch < 127 && ch != '"' && ch != ',' && ch != ';' && ch != '\\';
        });
        return v.size() >= 8 && v.size() <= 256 && safe
                   ? std::string()
                   : std::string("8 to 256 printable ASCII characters, none of space \" , ; \\");
      });
  cmd->add_option("--dashboard-path", o.dashboard_path, "where the dashboard is served; GET / leads there")
      ->check([](const std::string& v) { return internal::CheckDashboardPath(v).value_or(""); })
      ->capture_default_str();
  cmd->add_option("--max-streams", o.max_streams,
                  "dashboard streams and /__admin/wait long polls open at once; more get 503")
      ->check(in(1, 1024))
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", o.max_body_bytes, "larger request bodies get 413")
      ->check(in(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()))
      ->capture_default_str();
  // History a long-running server keeps (the oldest beyond it is dropped and counted):
  // bounded, so that memory is too, and at most what fits a large machine.
  const std::string history = "History kept (retention)";
  const auto count = in(std::int64_t{1}, std::int64_t{100000000});
  const auto bytes = in(std::int64_t{1024}, std::int64_t{1} << 40);
  cmd->add_option("--journal-capacity", o.journal_capacity,
                  "request journal entries kept; older ones are dropped and counted")
      ->check(count)
      ->capture_default_str()
      ->group(history);
  cmd->add_option("--event-retention", o.event_retention, "events kept per store")
      ->check(count)
      ->capture_default_str()
      ->group(history);
  cmd->add_option("--event-retention-bytes", o.event_retention_bytes,
                  "bytes of events kept per store (an event's resources and bodies)")
      ->check(bytes)
      ->capture_default_str()
      ->group(history);
  cmd->add_option("--log-retention", o.log_retention, "delivery attempts (and their jobs) kept per store")
      ->check(count)
      ->capture_default_str()
      ->group(history);
  cmd->add_option("--sink-retention", o.sink_retention, "requests each webhook sink keeps per store")
      ->check(count)
      ->capture_default_str()
      ->group(history);
  cmd->add_option("--sink-retention-bytes", o.sink_retention_bytes, "bytes of body each sink keeps per store")
      ->check(bytes)
      ->capture_default_str()
      ->group(history);
  cmd->add_option("--worker-threads", o.worker_threads, "connections served at once")
      ->check(in(1, 4096))
      ->capture_default_str();
  cmd->add_option("--idle-timeout-s", o.idle_timeout_seconds,
                  "idle connections, and request bodies that stop arriving, are closed after this many "
                  "seconds")
      ->check(in(1, 3600))
      ->capture_default_str();
  cmd->add_option("--header-timeout-s", o.header_timeout_seconds,
                  "a request head not complete this many seconds after its first byte is closed")
      ->check(in(1, 3600))
      ->capture_default_str();
  cmd->add_option("--max-delayed-requests", o.max_delayed_requests,
                  "answers held for an API fault's delay at once; beyond them a store's queue behind its own")
      ->check(in(1, 100000))
      ->capture_default_str();
  cmd->add_option("--allow-host", o.allow_hosts,
                  "also answer requests whose Host is NAME (repeatable; '*' answers any, turning off the "
                  "DNS-rebinding defence); IP literals, localhost, *.localhost and names without a dot are "
                  "always answered; also EPMOCK_ALLOW_HOSTS, comma-separated")
      ->envname("EPMOCK_ALLOW_HOSTS")
      ->delimiter(',')
      ->type_name("NAME")
      ->check([](const std::string& v) {
        return internal::ParseHostPolicy({v}) ? std::string()
                                              : std::string("a host name without port, or '*'");
      });
  cmd->add_option("--max-story-runs-per-store", o.max_story_runs_per_store,
                  "story runs one store may have running at once; more get 429")
      ->check(in(1, static_cast<int>(kMaxRunningStories)))
      ->capture_default_str();
  cmd->add_option("--story-run-retention-bytes", o.story_run_retention_bytes,
                  "bytes of ended story runs kept per store; the oldest ended run goes first")
      ->check(in(std::int64_t{1024}, std::int64_t{1} << 40))
      ->capture_default_str()
      ->group(history);

  const std::string delivery = "Event delivery";
  cmd->add_option("--max-attempts", o.max_attempts, "attempts per delivery, the first included")
      ->check(in(1, 1000))
      ->capture_default_str()
      ->group(delivery);
  cmd->add_option("--retry-delay-ms", o.retry_delay_ms, "delay before the first retry, doubling after each")
      ->check(in(0, 86400000))
      ->capture_default_str()
      ->group(delivery);
  cmd->add_option("--time-scale", o.time_scale,
                  "multiplies retry and injected delays (0.001 runs an hour of backoff in 3.6 s)")
      ->check(in(0.0, 1000.0))
      ->capture_default_str()
      ->group(delivery);
  CLI::Option* timeout =
      cmd->add_option("--delivery-timeout-ms", o.delivery_timeout_ms,
                      "one attempt's time limit, every transport: a webhook's answer, an SQS endpoint's "
                      "answer, a STOMP broker's CONNECTED and RECEIPT")
          ->check(in(1, 600000))
          ->capture_default_str()
          ->group(delivery);
  cmd->add_option("--ca-file", o.ca_file,
                  "PEM: trust this CA too, for https webhooks and SQS endpoints and stomp+ssl brokers")
      ->group(delivery);
  cmd->add_flag_callback(
         "--insecure", [&o] { o.verify_tls = false; },
         "do not verify receivers' TLS certificates (self-signed receivers), every transport")
      ->group(delivery);
  cmd->add_option("--seed", o.seed, "seed of the resource synthesizer: same seed, same resources")
      ->capture_default_str()
      ->group(delivery);
  cmd->add_option(
         "--cloudevent-source", o.cloudevent_source,
         "the source of every SQS and STOMP CloudEvent (default: the platform's non-production host)")
      ->check([](const std::string& v) {
        return v.empty() || v.size() > 2048 ? std::string("a URI of 1 to 2048 characters") : std::string();
      })
      ->capture_default_str()
      ->group(delivery);
  cmd->add_option_function<std::string>(
         "--rate-limits",
         [&o](const std::string& value) {
           o.rate_limits = true;
           if (value == "platform") return;  // the platform's figures, the defaults
           const int n = std::stoi(value);
           o.organization_rate_limit = o.production_store_rate_limit = o.development_store_rate_limit = n;
         },
         "turn on the platform's rate limits: 'platform' (organization 100/s, production store 100/s, "
         "development store 25/s) or N requests a second for every store and organization")
      ->check([](const std::string& v) {
        if (v == "platform") return std::string();
        const bool digits =
            !v.empty() && v.size() <= 6 && v.find_first_not_of("0123456789") == std::string::npos;
        return digits && std::stoi(v) >= 1 ? std::string()
                                           : std::string("'platform' or a whole number from 1 to 999999");
      });
  cmd->add_option(
         "--catalog", o.catalog_file,
         "a catalog extension file (JSON, docs/CATALOG.md): event keys of your own, checked at start")
      ->group(delivery);
  cmd->add_option("--stories", o.story_files,
                  "a story file (JSON or YAML, docs/STORIES.md) beside the built-in stories; repeatable, "
                  "checked at start")
      ->group(delivery);
  // The 0.1.0 spellings: they said "webhook" of settings that drive every transport.
  DeprecatedAlias(*cmd, timeout, "--webhook-timeout-ms");
  DeprecatedAlias(*cmd, cmd->get_option("--ca-file"), "--webhook-ca-file");
  cmd->add_flag_callback(
         "--webhook-insecure",
         [&o] {
           std::fprintf(stderr, "epmock: --webhook-insecure is deprecated; use --insecure\n");
           o.verify_tls = false;
         },
         "deprecated: use --insecure")
      ->group("Deprecated (0.2.0)");
  cmd->callback([options, exit_code] { *exit_code = RunServe(*options); });
}

namespace {

int RunServe(const ServerOptions& options) {
  StopSignals stop;  // before any thread starts
  if (std::find(options.allow_hosts.begin(), options.allow_hosts.end(), "*") != options.allow_hosts.end()) {
    std::fprintf(stderr,
                 "epmock serve: warning: --allow-host '*' answers any Host: a web page can reach this server "
                 "through DNS rebinding\n");
  }

  Server server(options);
  Status started = server.Start();
  if (!started.ok()) {
    std::fprintf(stderr, "epmock serve: %s\n", started.message().c_str());
    return 1;
  }
  std::printf("epmock ready api=%s sqs=%s stomp=%s\n", server.Url().c_str(), server.Sqs()->Url().c_str(),
              server.Stomp()->Url().c_str());
  std::fflush(stdout);

  stop.Wait();
  server.Stop();
  return 0;
}

}  // namespace

}  // namespace epmock::cli
