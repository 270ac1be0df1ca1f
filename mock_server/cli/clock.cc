// epmock clock: reads and moves the clock of a running epmock serve (docs/CLOCK.md).
#include <cstdio>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/clock.h"
#include "http/client_pool.h"

namespace epmock::cli {

namespace {

struct ClockArgs {
  std::string server, client_id = "epmock-cli";
  std::string by, to, max;  // durations ("1h30m") and an RFC 3339 time, as given
  long long timeout_s = 10;
};

// POSTs `body` to `path` (GET when `path` is the clock itself and there is no body) and
// prints the clock it answers.
int Call(const char* command, const ClockArgs& a, const std::string& path, const nlohmann::json* body) {
  std::unique_ptr<httplib::ClientImpl> client = internal::NewHttpClient(a.server);
  if (!client) {
    std::fprintf(stderr, "epmock %s: --server must be an http(s) URL, not '%s'\n", command, a.server.c_str());
    return 2;
  }
  client->set_connection_timeout(5);
  client->set_read_timeout(a.timeout_s + 5);  // the server waits up to timeout_s for the work it runs
  StatusOr<std::string> access = TokenFor(*client, a.server, a.client_id);
  if (!access.ok()) {
    std::fprintf(stderr, "epmock %s: %s\n", command, access.status().message().c_str());
    return 1;
  }
  const httplib::Headers auth = {{"Authorization", "Bearer " + *access}};
  auto res = body ? client->Post(path, auth, body->dump(), "application/json") : client->Get(path, auth);
  if (!res) {
    std::fprintf(stderr, "epmock %s: no answer from %s\n", command, a.server.c_str());
    return 1;
  }
  if (res->status != 200) {
    ShowRefusal(command, res->status, res->body);
    return 1;
  }
  std::printf("%s\n", nlohmann::json::parse(res->body)["data"].dump(2).c_str());
  return 0;
}

// A duration flag as milliseconds, or exit 2 with why.
bool Millis(const char* command, const char* flag, const std::string& text, std::int64_t* out) {
  const std::optional<std::int64_t> ms = internal::ParseDurationMillis(text);
  if (!ms) {
    std::fprintf(stderr,
                 "epmock %s: %s must be a duration such as 90s, 1h30m, 250ms or 2d (or milliseconds), "
                 "up to 100 years, not '%s'\n",
                 command, flag, text.c_str());
    return false;
  }
  *out = *ms;
  return true;
}

void ServerFlags(CLI::App* cmd, ClockArgs* a) {
  cmd->add_option("--server", a->server,
                  "the epmock API, as its ready line prints it (http://127.0.0.1:8080)")
      ->required();
  cmd->add_option("--client-id", a->client_id, "whose token to act with (any store's will do)")
      ->capture_default_str();
}

void TimeoutFlag(CLI::App* cmd, ClockArgs* a) {
  cmd->add_option("--timeout", a->timeout_s, "seconds of real time to wait for the work the clock runs")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
}

}  // namespace

void AddClock(CLI::App& root, int* exit_code) {
  CLI::App* cmd = root.add_subcommand("clock", "read or move the clock of a running epmock serve");
  cmd->footer(
      "Without a subcommand, prints the clock: its mode, now, whether it runs, the next due time.\n"
      "Moving it needs a server started with --clock virtual; one started with a real clock\n"
      "refuses (409). Tests that share a server share its time.");
  auto a = std::make_shared<ClockArgs>();
  ServerFlags(cmd, a.get());
  cmd->require_subcommand(0, 1);

  CLI::App* advance = cmd->add_subcommand("advance", "move a virtual clock on, running what falls due");
  advance->add_option("by", a->by, "how far: 90s, 1h30m, 250ms, 2d (or milliseconds)");
  CLI::Option* to =
      advance->add_option("--to", a->to, "to a time instead: RFC 3339, e.g. 2030-01-01T01:00:00Z");
  TimeoutFlag(advance, a.get());
  advance->callback([a, exit_code, to, advance] {
    if (a->by.empty() == (to->count() == 0)) {
      std::fprintf(stderr, "epmock clock advance: give how far (1h) or --to TIME, one of them\n%s",
                   advance->help().c_str());
      *exit_code = 2;
      return;
    }
    nlohmann::json body = {{"timeout_ms", a->timeout_s * 1000}};
    if (!a->by.empty()) {
      std::int64_t by_ms = 0;
      if (!Millis("clock advance", "how far", a->by, &by_ms)) {
        *exit_code = 2;
        return;
      }
      body["by_ms"] = by_ms;
    } else {
      if (!internal::ParseRfc3339Millis(a->to)) {
        std::fprintf(
            stderr,
            "epmock clock advance: --to must be an RFC 3339 time such as 2030-01-01T01:00:00Z, not '%s'\n",
            a->to.c_str());
        *exit_code = 2;
        return;
      }
      body["to"] = a->to;
    }
    *exit_code = Call("clock advance", *a, "/__admin/clock/advance", &body);
  });

  CLI::App* idle = cmd->add_subcommand("run-until-idle", "advance until nothing is in flight or due");
  idle->add_option("--max", a->max, "how far the clock may go at most (default 1d)");
  TimeoutFlag(idle, a.get());
  idle->callback([a, exit_code] {
    nlohmann::json body = {{"timeout_ms", a->timeout_s * 1000}};
    if (!a->max.empty()) {
      std::int64_t max_ms = 0;
      if (!Millis("clock run-until-idle", "--max", a->max, &max_ms)) {
        *exit_code = 2;
        return;
      }
      body["max_ms"] = max_ms;
    }
    *exit_code = Call("clock run-until-idle", *a, "/__admin/clock/run-until-idle", &body);
  });

  for (const auto& [name, running] : {std::pair{"freeze", false}, std::pair{"resume", true}}) {
    CLI::App* sub =
        cmd->add_subcommand(name, running ? "let a virtual clock run on in real time from where it is"
                                          : "stop a virtual clock where it is");
    sub->callback([a, exit_code, running = running, name = std::string(name)] {
      const nlohmann::json body = {{"running", running}};
      *exit_code = Call(("clock " + name).c_str(), *a, "/__admin/clock", &body);
    });
  }

  for (CLI::App* sub : cmd->get_subcommands({})) sub->fallthrough();  // --server after the subcommand too
  cmd->callback([a, exit_code, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // the subcommand ran
    *exit_code = Call("clock", *a, "/__admin/clock", nullptr);
  });
}

}  // namespace epmock::cli
