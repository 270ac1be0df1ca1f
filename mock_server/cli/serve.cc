#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

#include "cli/commands.h"
#include "epmock/server.h"

namespace epmock::cli {

const char kServeHelp[] =
    "usage: epmock serve [flags]\n"
    "\n"
    "Runs the fake Integrations API, its embedded SQS-compatible endpoint and its STOMP\n"
    "broker. When they are ready it prints one line to stdout:\n"
    "  epmock ready api=http://HOST:PORT sqs=http://HOST:PORT stomp=stomp://HOST:PORT\n"
    "and serves until SIGINT or SIGTERM, then exits 0.\n"
    "\n"
    "flags:\n"
    "  --host H                 address to listen on (default 127.0.0.1)\n"
    "  --port P                 API port; 0 picks a free one (default 8080)\n"
    "  --sqs-port P             embedded SQS endpoint's port; 0 picks a free one (default 9324)\n"
    "  --stomp-port P           embedded STOMP broker's port; 0 picks a free one (default 61613)\n"
    "  --sqs-credentials K:S    the SQS endpoint verifies SigV4 signatures made with key K and\n"
    "                           secret S, and answers 403 to anything else\n"
    "  --integration-limit N    integrations per store, as on the platform (default 100;\n"
    "                           0 lifts the limit, for load tests)\n"
    "  --max-body-bytes N       larger request bodies get 413 (default 1048576)\n"
    "  --journal-capacity N     request journal entries kept; older ones are dropped and\n"
    "                           counted (default 10000)\n"
    "  --worker-threads N       connections served at once (default 128)\n"
    "  --idle-timeout-s N       idle or half-open connections are closed after N seconds\n"
    "                           (default 5)\n"
    "\n"
    "event delivery:\n"
    "  --max-attempts N         attempts per delivery, the first included (default 5)\n"
    "  --retry-delay-ms MS      delay before the first retry, doubling after each (default 1000)\n"
    "  --time-scale X           multiplies retry and injected delays (default 1; 0.001 runs\n"
    "                           an hour of backoff in 3.6 s)\n"
    "  --webhook-timeout-ms MS  a webhook not answering 2xx within MS has failed (default 10000)\n"
    "  --webhook-ca-file PEM    trust this CA for https webhooks\n"
    "  --webhook-insecure       do not verify https webhooks' certificates (self-signed receivers)\n"
    "  --seed N                 seed of the resource synthesizer: same seed, same resources\n"
    "                           (default 0)\n"
    "  --help                   this text\n";

namespace {

bool ParseInt(const std::string& text, long min, long max, long* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max) return false;
  *out = value;
  return true;
}

}  // namespace

int Serve(const std::vector<std::string>& args) {
  ServerOptions options;
  options.port = 8080;
  options.sqs_port = 9324;
  options.stomp_port = 61613;
  struct IntFlag {
    long min, max;
    std::function<void(long)> set;
  };
  const std::map<std::string, IntFlag> int_flags = {
      {"--port", {0, 65535, [&](long v) { options.port = static_cast<int>(v); }}},
      {"--sqs-port", {0, 65535, [&](long v) { options.sqs_port = static_cast<int>(v); }}},
      {"--stomp-port", {0, 65535, [&](long v) { options.stomp_port = static_cast<int>(v); }}},
      {"--integration-limit", {0, INT_MAX, [&](long v) { options.integration_limit = static_cast<int>(v); }}},
      {"--max-body-bytes",
       {1, LONG_MAX, [&](long v) { options.max_body_bytes = static_cast<std::size_t>(v); }}},
      {"--journal-capacity",
       {0, LONG_MAX, [&](long v) { options.journal_capacity = static_cast<std::size_t>(v); }}},
      {"--worker-threads", {1, 4096, [&](long v) { options.worker_threads = static_cast<int>(v); }}},
      {"--idle-timeout-s", {1, 3600, [&](long v) { options.idle_timeout_seconds = static_cast<int>(v); }}},
      {"--max-attempts", {1, 1000, [&](long v) { options.max_attempts = static_cast<int>(v); }}},
      {"--retry-delay-ms", {0, 86400000, [&](long v) { options.retry_delay_ms = static_cast<int>(v); }}},
      {"--webhook-timeout-ms",
       {1, 600000, [&](long v) { options.delivery_timeout_ms = static_cast<int>(v); }}},
      {"--seed", {0, LONG_MAX, [&](long v) { options.seed = static_cast<std::uint64_t>(v); }}},
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool inline_value = false;
    if (auto eq = flag.find('='); eq != std::string::npos && flag.rfind("--", 0) == 0) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      inline_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      std::fputs(kServeHelp, stdout);
      return 0;
    }
    auto takes_value = [&]() -> bool {
      if (inline_value) return true;
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "epmock serve: %s needs a value\n", flag.c_str());
        return false;
      }
      value = args[++i];
      return true;
    };
    if (flag == "--host") {
      if (!takes_value()) return 2;
      options.host = value;
      continue;
    }
    if (flag == "--sqs-credentials") {
      if (!takes_value()) return 2;
      const auto colon = value.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
        std::fprintf(stderr, "epmock serve: --sqs-credentials takes KEY:SECRET\n");
        return 2;
      }
      options.sqs_access_key_id = value.substr(0, colon);
      options.sqs_secret_access_key = value.substr(colon + 1);
      continue;
    }
    if (flag == "--webhook-ca-file") {
      if (!takes_value()) return 2;
      options.ca_file = value;
      continue;
    }
    if (flag == "--webhook-insecure") {
      options.verify_tls = false;
      continue;
    }
    if (flag == "--time-scale") {
      if (!takes_value()) return 2;
      char* end = nullptr;
      double scale = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(scale >= 0) || scale > 1000) {
        std::fprintf(stderr, "epmock serve: --time-scale takes a number from 0 to 1000, not '%s'\n",
                     value.c_str());
        return 2;
      }
      options.time_scale = scale;
      continue;
    }
    auto it = int_flags.find(flag);
    if (it == int_flags.end()) {
      std::fprintf(stderr, "epmock serve: unknown flag '%s'\n\n%s", flag.c_str(), kServeHelp);
      return 2;
    }
    if (!takes_value()) return 2;
    long number = 0;
    if (!ParseInt(value, it->second.min, it->second.max, &number)) {
      std::fprintf(stderr, "epmock serve: %s takes a whole number from %ld to %ld, not '%s'\n", flag.c_str(),
                   it->second.min, it->second.max, value.c_str());
      return 2;
    }
    it->second.set(number);
  }

  StopSignals stop;  // before any thread starts

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

}  // namespace epmock::cli
