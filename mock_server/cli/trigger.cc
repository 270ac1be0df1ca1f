#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "http/client_pool.h"

namespace epmock::cli {

namespace {

struct TriggerArgs {
  std::string event, server, client_id = "epmock-cli", data_file, included_file;
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
  cmd->callback([a, exit_code] { *exit_code = RunTrigger(*a); });
}

namespace {

int RunTrigger(const TriggerArgs& a) {
  const std::string& event = a.event;
  const std::string& server = a.server;
  const std::string& client_id = a.client_id;
  const std::string& data_file = a.data_file;
  const std::string& included_file = a.included_file;
  nlohmann::json body = {{"type", event}};
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
  auto token = http.Post("/oauth/access_token", httplib::Params{{"grant_type", "client_credentials"},
                                                                {"client_id", client_id},
                                                                {"client_secret", "epmock"}});
  if (!token || token->status != 200) {
    std::fprintf(stderr, "epmock trigger: cannot get a token from %s%s\n", server.c_str(),
                 token ? (": " + token->body).c_str() : " (no answer)");
    return 1;
  }
  const nlohmann::json granted = nlohmann::json::parse(token->body, nullptr, false);
  if (!granted.is_object() || !granted.contains("access_token") || !granted["access_token"].is_string()) {
    std::fprintf(stderr, "epmock trigger: %s answered no access_token: %s\n", server.c_str(),
                 token->body.c_str());
    return 1;
  }
  const std::string access = granted["access_token"].get<std::string>();
  auto res =
      http.Post("/__admin/events", {{"Authorization", "Bearer " + access}}, body.dump(), "application/json");
  if (!res) {
    std::fprintf(stderr, "epmock trigger: no answer from %s\n", server.c_str());
    return 1;
  }
  if (res->status != 201) {
    std::fprintf(stderr, "epmock trigger: %d %s\n", res->status, res->body.c_str());
    return 1;
  }
  std::printf("%s\n", nlohmann::json::parse(res->body)["data"].dump(2).c_str());
  return 0;
}

}  // namespace

}  // namespace epmock::cli
