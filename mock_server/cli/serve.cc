#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "api/admin_api.h"
#include "api/dashboard.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/strings.h"
#include "epmock/certify.h"
#include "epmock/server.h"
#include "epmock/story.h"
#include "http/hosts.h"
#include "http/self_authorities.h"

namespace epmock::cli {

namespace {

struct TokenFile {
  std::string path;  // where a generated admin token is written; "" for the default
};

int RunServe(ServerOptions options, const TokenFile& token_file);

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
  cmd->add_option("--host", o.host,
                  "address to listen on: a name or an IPv4/IPv6 address; beyond loopback the admin routes "
                  "need a token (--admin-token); also EPMOCK_HOST")
      ->envname("EPMOCK_HOST")
      ->capture_default_str();
  cmd->add_option("--port", o.port, "API port; 0 picks a free one; also EPMOCK_PORT")
      ->envname("EPMOCK_PORT")
      ->check(port)
      ->capture_default_str();
  cmd->add_option("--sqs-port", o.sqs_port,
                  "embedded SQS endpoint's port; 0 picks a free one; also EPMOCK_SQS_PORT")
      ->envname("EPMOCK_SQS_PORT")
      ->check(port)
      ->capture_default_str();
  cmd->add_option("--stomp-port", o.stomp_port,
                  "embedded STOMP broker's port; 0 picks a free one; also EPMOCK_STOMP_PORT")
      ->envname("EPMOCK_STOMP_PORT")
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
  auto token_file = std::make_shared<TokenFile>();
  cmd->add_option("--admin-token", o.admin_token,
                  "require this token for every admin route and the dashboard, which then answer any "
                  "peer (without it they answer loopback peers only); prefer EPMOCK_ADMIN_TOKEN: a flag is "
                  "visible to every local user in the process list. Bound beyond loopback without one, a "
                  "token is generated, printed once on stderr (epmock admin-token=...) and written to "
                  "--admin-token-file; 'off' answers without one, as 0.2.0 did, for a trusted network")
      ->envname("EPMOCK_ADMIN_TOKEN")
      ->check([](const std::string& v) {
        if (v == internal::kAdminTokenOff) return std::string();
        // What a cookie value may hold (RFC 6265 cookie-octet): printable ASCII but space " , ; \\.
        const bool safe = std::all_of(v.begin(), v.end(), [](unsigned char ch) {
          return ch > 32 && ch < 127 && ch != '"' && ch != ',' && ch != ';' && ch != '\\';
        });
        return v.size() >= 8 && v.size() <= 256 && safe
                   ? std::string()
                   : std::string("8 to 256 printable ASCII characters, none of space \" , ; \\");
      });
  cmd->add_option("--admin-token-file", token_file->path,
                  "where a generated admin token is written, readable by this user only (default: "
                  "$HOME/.epmock/admin-token); also EPMOCK_ADMIN_TOKEN_FILE")
      ->envname("EPMOCK_ADMIN_TOKEN_FILE")
      ->type_name("PATH");
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
  // URLs handed out: behind a port mapping or a name, the ones a client outside can use.
  const std::string urls = "URLs handed out (README \"In a container\")";
  const auto url_of = [](const char* scheme) {
    return [scheme = std::string(scheme)](const std::string& v) {
      return internal::CheckAdvertisedUrl(v, scheme).value_or("");
    };
  };
  cmd->add_option("--advertise-api", o.advertise_api,
                  "the API's URL in answers (links.self, Location, health) and the ready line, whatever Host "
                  "a request names; also EPMOCK_ADVERTISE_API")
      ->envname("EPMOCK_ADVERTISE_API")
      ->type_name("URL")
      ->check(url_of("http"))
      ->group(urls);
  cmd->add_option("--advertise-sqs", o.advertise_sqs,
                  "the SQS endpoint's URL in QueueUrl and queue_url answers; also EPMOCK_ADVERTISE_SQS")
      ->envname("EPMOCK_ADVERTISE_SQS")
      ->type_name("URL")
      ->check(url_of("http"))
      ->group(urls);
  cmd->add_option(
         "--advertise-stomp", o.advertise_stomp,
         "the STOMP broker's URL (stomp://HOST:PORT) in broker_url answers; also EPMOCK_ADVERTISE_STOMP")
      ->envname("EPMOCK_ADVERTISE_STOMP")
      ->type_name("URL")
      ->check(url_of("stomp"))
      ->group(urls);
  cmd->add_option(
         "--advertise-host", o.advertise_host,
         "NAME for all three, each on its own port (an --advertise-* URL wins for its port); without "
         "any, URLs name the request's Host; also EPMOCK_ADVERTISE_HOST")
      ->envname("EPMOCK_ADVERTISE_HOST")
      ->type_name("NAME")
      ->check([](const std::string& v) { return internal::CheckAdvertisedHost(v).value_or(""); })
      ->group(urls);
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
  cmd->add_option_function<std::string>(
         "--clock",
         [&o](const std::string& mode) {
           o.clock = mode == "virtual" ? ServerOptions::ClockMode::kVirtual : ServerOptions::ClockMode::kReal;
         },
         "real (the machine's time) or virtual: stands still until POST /__admin/clock/advance moves it; one "
         "clock for all stores (docs/CLOCK.md); also EPMOCK_CLOCK")
      ->check(CLI::IsMember({"real", "virtual"}))
      ->envname("EPMOCK_CLOCK")
      ->group(delivery);
  cmd->add_option_function<std::string>(
         "--clock-start",
         [&o](const std::string& when) {
           o.clock_start_ms = internal::ParseRfc3339Millis(when).value_or(-1);
         },
         "a virtual clock's start, RFC 3339 (2030-01-01T00:00:00Z); default: the machine's time at start; "
         "also "
         "EPMOCK_CLOCK_START")
      ->check([](const std::string& when) -> std::string {
        return internal::ParseRfc3339Millis(when) ? "" : "an RFC 3339 time such as 2030-01-01T00:00:00Z";
      })
      ->envname("EPMOCK_CLOCK_START")
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
  cmd->add_option("--seed", o.seed,
                  "seed of the resource synthesizer: same seed, same resources; with --clock virtual, of "
                  "every id too (the same bytes every run: docs/CLOCK.md)")
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
  cmd->add_option("--init", o.init_file,
                  "an init file (JSON or YAML, docs/INIT.md): queues, organizations, store settings and "
                  "integrations made at start, before the ready line; also EPMOCK_INIT")
      ->envname("EPMOCK_INIT")
      ->type_name("FILE");
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
  cmd->callback([options, token_file, exit_code] { *exit_code = RunServe(*options, *token_file); });
}

namespace {

// $HOME/.epmock/admin-token, or beside the process's temporary files without a home.
std::string DefaultTokenPath() {
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.epmock/admin-token";
  return "/tmp/epmock-" + std::to_string(getuid()) + "/admin-token";
}

// Writes the token to `path`, which only this user can read (its folder made 0700 when
// epmock makes it); the reason when it cannot.
Status WriteTokenFile(const std::string& path, const std::string& token) {
  // Each missing folder on the way, made 0700.
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string folder = path.substr(0, slash);
    if (mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST)
      return Status::Unavailable("cannot make " + folder + ": " + std::strerror(errno));
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  const std::string line = token + "\n";
  // An older file keeps its mode through O_TRUNC: make it ours alone.
  const bool ok =
      fchmod(fd, 0600) == 0 && write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int error = errno;
  close(fd);
  return ok ? Status::Ok() : Status::Unavailable("cannot write " + path + ": " + std::strerror(error));
}

int RunServe(ServerOptions options, const TokenFile& token_file) {
  StopSignals stop;                             // before any thread starts
  options.certify_runner = NewCertifyRunner();  // POST /__admin/certify
  // Flags that contradict each other are a usage error, as a bad value is (exit 2).
  if (options.clock == ServerOptions::ClockMode::kVirtual && options.time_scale != 1.0) {
    std::fprintf(
        stderr,
        "epmock serve: --time-scale with --clock virtual: time_scale: a virtual clock moves only when "
        "advanced, so scaling its delays means nothing; leave --time-scale out\n");
    return 2;
  }
  if (!internal::IsLoopbackHost(options.host)) {
    if (options.admin_token == internal::kAdminTokenOff) {
      std::fprintf(
          stderr,
          "epmock serve: warning: --admin-token=off on %s: any peer that reaches this port can drive "
          "the admin API with a store's token; keep it to a trusted network\n",
          options.host.c_str());
    } else if (options.admin_token.empty()) {
      // Beyond loopback the admin routes need a token: one is made, shown once, and kept
      // where only this user reads it.
      options.admin_token = internal::RandomHex(24);
      const std::string path = token_file.path.empty() ? DefaultTokenPath() : token_file.path;
      Status written = WriteTokenFile(path, options.admin_token);
      std::fprintf(stderr, "epmock admin-token=%s\n", options.admin_token.c_str());
      if (written.ok()) {
        std::fprintf(stderr, "epmock serve: the admin token is also in %s\n", path.c_str());
      } else {
        std::fprintf(stderr, "epmock serve: warning: %s\n", written.message().c_str());
      }
      std::fflush(stderr);
    }
  }
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
  // The advertised URLs when set (the SQS endpoint's and broker's Url() say them), else the
  // bound ones, a wildcard as 127.0.0.1.
  const std::string api =
      !options.advertise_api.empty() ? options.advertise_api
      : !options.advertise_host.empty()
          ? "http://" + internal::UrlHost(options.advertise_host) + ":" + std::to_string(server.Port())
          : server.Url();
  std::printf("epmock ready api=%s sqs=%s stomp=%s\n", internal::TrimAdvertisedUrl(api).c_str(),
              server.Sqs()->Url().c_str(), server.Stomp()->Url().c_str());
  std::fflush(stdout);

  stop.Wait();
  server.Stop();
  return 0;
}

}  // namespace

}  // namespace epmock::cli
