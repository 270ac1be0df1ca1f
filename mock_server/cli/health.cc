// epmock health: exit 0 when a running epmock answers /__admin/health with "ok" (an image's
// HEALTHCHECK: a slim image has no curl).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "http/client_pool.h"

namespace epmock::cli {

namespace {

struct HealthArgs {
  std::string url = "http://127.0.0.1:8080";
  int timeout_ms = 2000;
  bool quiet = false;
};

int RunHealth(const HealthArgs& args) {
  std::unique_ptr<httplib::ClientImpl> http = internal::NewHttpClient(args.url);
  if (!http) {
    std::fprintf(stderr, "epmock health: '%s' is not an http:// URL\n", args.url.c_str());
    return 2;
  }
  const time_t seconds = args.timeout_ms / 1000;
  const time_t micros = (args.timeout_ms % 1000) * 1000;
  http->set_connection_timeout(seconds, micros);
  http->set_read_timeout(seconds, micros);
  http->set_write_timeout(seconds, micros);
  httplib::Result answer = http->Get("/__admin/health");
  if (!answer) {
    std::fprintf(stderr, "epmock health: no answer from %s: %s\n", args.url.c_str(),
                 httplib::to_string(answer.error()).c_str());
    return 1;
  }
  const nlohmann::json body = nlohmann::json::parse(answer->body, nullptr, false);
  const bool ok = answer->status == 200 && body.is_object() && body.value("status", "") == "ok";
  if (!ok) {
    std::fprintf(stderr, "epmock health: %s answered %d: %.300s\n", args.url.c_str(), answer->status,
                 answer->body.c_str());
    return 1;
  }
  if (!args.quiet) std::printf("ok %s %s\n", args.url.c_str(), body.value("version", "").c_str());
  return 0;
}

}  // namespace

void AddHealth(CLI::App& root, int* exit_code) {
  CLI::App* cmd = root.add_subcommand("health", "exit 0 when a running epmock serve answers that it is up");
  cmd->footer(
      "Asks GET /__admin/health of a running epmock serve (no token needed). Exit 0 when it\n"
      "answers {\"status\": \"ok\"}, 1 when it does not answer in time or answers otherwise, 2 for a\n"
      "bad URL. The image's HEALTHCHECK runs it.");
  auto a = std::make_shared<HealthArgs>();
  // The port `epmock serve` took from the same environment (the image's HEALTHCHECK).
  if (const char* port = std::getenv("EPMOCK_PORT"); port && *port)
    a->url = std::string("http://127.0.0.1:") + port;
  cmd->add_option("--url", a->url,
                  "the epmock API (its ready line's api=; http://127.0.0.1:$EPMOCK_PORT when that is set)")
      ->envname("EPMOCK_HEALTH_URL")
      ->capture_default_str();
  cmd->add_option("--timeout-ms", a->timeout_ms, "give up after this long")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", a->quiet, "print nothing when healthy");
  cmd->callback([a, exit_code] { *exit_code = RunHealth(*a); });
}

}  // namespace epmock::cli
