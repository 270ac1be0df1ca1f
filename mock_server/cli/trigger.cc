#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "epmock/event.h"
#include "http/client_pool.h"

namespace epmock::cli {

namespace {

struct TriggerArgs {
  std::string event, server, client_id = "epmock-cli", data_file, included_file, profile;
  long long count = 1;
  std::uint64_t seed = 1;
  bool batch = false;  // --count or --profile given
};

int RunTrigger(const TriggerArgs& args);

}  // namespace

void AddTrigger(CLI::App& root, int* exit_code) {
  CLI::App* cmd = root.add_subcommand("trigger", "fire an event on a running epmock serve");
  cmd->footer(
      "Fires EVENT (an observable event key such as order.paid) on a running epmock serve, in\n"
      "the store of --client-id, and prints the event with its jobs as JSON. Every enabled\n"
      "integration of that store that observes EVENT gets a delivery.");
  auto a = std::make_shared<TriggerArgs>();
  cmd->add_option("event", a->event, "the observable event key, e.g. order.paid")->required();
  cmd->add_option("--server", a->server,
                  "the epmock API, as its ready line prints it (http://127.0.0.1:8080)")
      ->required();
  cmd->add_option("--client-id", a->client_id, "whose store")->capture_default_str();
  CLI::Option* data = cmd->add_option(
      "--data", a->data_file, "the resource, as a JSON file ('-': standard input); default: a realistic one");
  cmd->add_option("--included", a->included_file, "related resources delivered beside it, as a JSON file")
      ->needs(data);
  // Only the flags' syntax is checked here: the server says which counts and profiles it takes.
  CLI::Option* count = cmd->add_option("--count", a->count,
                                       "fire this many (1 to " + std::to_string(kMaxBatchEvents) +
                                           "), each resource different (a batch)")
                           ->excludes(data);
  CLI::Option* profile =
      cmd->add_option(
             "--profile", a->profile,
             "a batch's variety: realistic (the default), edge-cases (names in every script, empty "
             "fields, long strings, many items, extreme amounts, currencies, payloads near 256 KiB) or "
             "forward-compatible (what a later platform may send: unknown members, relationships, "
             "included types and enum values)")
          ->excludes(data);
  cmd->add_option("--seed", a->seed, "a batch's seed: the same seed, the same resources")->needs(count);
  cmd->callback([a, exit_code, count, profile] {
    a->batch = (count->count() > 0 && a->count != 1) || profile->count() > 0;
    *exit_code = RunTrigger(*a);
  });
}

StatusOr<std::string> TokenFor(httplib::ClientImpl& http, const std::string& server,
                               const std::string& client_id) {
  auto token = http.Post("/oauth/access_token", httplib::Params{{"grant_type", "client_credentials"},
                                                                {"client_id", client_id},
                                                                {"client_secret", "epmock"}});
  if (!token || token->status != 200)
    return Status::Unavailable("cannot get a token from " + server +
                               (token ? ": " + token->body : " (no answer)"));
  const nlohmann::json granted = nlohmann::json::parse(token->body, nullptr, false);
  if (!granted.is_object() || !granted.contains("access_token") || !granted["access_token"].is_string())
    return Status::Unavailable(server + " answered no access_token: " + token->body);
  return granted["access_token"].get<std::string>();
}

void ShowRefusal(const char* command, int status, const std::string& body) {
  const nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* errors = nullptr;
  if (answer.is_object()) {
    auto it = answer.find("errors");
    if (it != answer.end() && it->is_array() && !it->empty()) errors = &*it;
  }
  if (!errors) {
    std::fprintf(stderr, "epmock %s: %d %s\n", command, status, body.c_str());
    return;
  }
  for (const nlohmann::json& error : *errors) {
    const auto text = [&](const char* key) {
      auto it = error.is_object() ? error.find(key) : error.end();
      return it != error.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::fprintf(stderr, "epmock %s: %d %s: %s\n", command, status, text("title").c_str(),
                 text("detail").c_str());
  }
}

namespace {

int RunTrigger(const TriggerArgs& a) {
  const std::string& event = a.event;
  const std::string& server = a.server;
  const std::string& client_id = a.client_id;
  const std::string& data_file = a.data_file;
  const std::string& included_file = a.included_file;
  const bool batch = a.batch;
  nlohmann::json body = {{"type", event}};
  if (batch) {
    body["count"] = a.count;
    body["seed"] = a.seed;
    body["profile"] = a.profile.empty() ? "realistic" : a.profile;
  }
  if (!data_file.empty()) {
    StatusOr<nlohmann::json> data = ReadJsonFile(data_file);
    if (!data.ok()) {
      std::fprintf(stderr, "epmock trigger: %s\n", data.status().message().c_str());
      return 2;
    }
    body["data"] = *data;
  }
  if (!included_file.empty()) {
    StatusOr<nlohmann::json> included = ReadJsonFile(included_file);
    if (!included.ok()) {
      std::fprintf(stderr, "epmock trigger: %s\n", included.status().message().c_str());
      return 2;
    }
    body["included"] = *included;
  }

  std::unique_ptr<httplib::ClientImpl> client = internal::NewHttpClient(server);
  if (!client) {
    std::fprintf(stderr, "epmock trigger: --server must be an http(s) URL, not '%s'\n", server.c_str());
    return 2;
  }
  httplib::ClientImpl& http = *client;
  http.set_connection_timeout(5);
  http.set_read_timeout(30);
  StatusOr<std::string> access = TokenFor(http, server, client_id);
  if (!access.ok()) {
    std::fprintf(stderr, "epmock trigger: %s\n", access.status().message().c_str());
    return 1;
  }
  auto res = http.Post(batch ? "/__admin/events/batch" : "/__admin/events",
                       {{"Authorization", "Bearer " + *access}}, body.dump(), "application/json");
  if (!res) {
    std::fprintf(stderr, "epmock trigger: no answer from %s\n", server.c_str());
    return 1;
  }
  if (res->status != 201) {
    ShowRefusal("trigger", res->status, res->body);
    return 1;
  }
  std::printf("%s\n", nlohmann::json::parse(res->body)["data"].dump(2).c_str());
  return 0;
}

}  // namespace

}  // namespace epmock::cli
