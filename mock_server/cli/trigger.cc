#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "http/client_pool.h"

namespace epmock::cli {

const char kTriggerHelp[] =
    "usage: epmock trigger EVENT --server URL [--client-id ID] [--data FILE] [--included FILE]\n"
    "\n"
    "Fires EVENT (an observable event key such as order.paid) on a running epmock serve, in\n"
    "the store of --client-id, and prints the event with its jobs as JSON. Every enabled\n"
    "integration of that store that observes EVENT gets a delivery.\n"
    "\n"
    "flags:\n"
    "  --server URL      the epmock API, as its ready line prints it (http://127.0.0.1:8080)\n"
    "  --client-id ID    whose store (default epmock-cli)\n"
    "  --data FILE       the resource, as JSON (default: a realistic one is synthesized);\n"
    "                    '-' reads standard input\n"
    "  --included FILE   related resources delivered beside it (needs --data)\n";

int Trigger(const std::vector<std::string>& args) {
  std::string event, server, client_id = "epmock-cli", data_file, included_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kTriggerHelp, stdout);
      return 0;
    }
    auto value = [&](std::string* into) {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "epmock trigger: %s needs a value\n", arg.c_str());
        return false;
      }
      *into = args[++i];
      return true;
    };
    if (arg == "--server") {
      if (!value(&server)) return 2;
    } else if (arg == "--client-id") {
      if (!value(&client_id)) return 2;
    } else if (arg == "--data") {
      if (!value(&data_file)) return 2;
    } else if (arg == "--included") {
      if (!value(&included_file)) return 2;
    } else if (arg.rfind("--", 0) == 0 || !event.empty()) {
      std::fprintf(stderr, "epmock trigger: unexpected '%s'\n\n%s", arg.c_str(), kTriggerHelp);
      return 2;
    } else {
      event = arg;
    }
  }
  if (event.empty() || server.empty()) {
    std::fprintf(stderr, "epmock trigger: an EVENT and --server are required\n\n%s", kTriggerHelp);
    return 2;
  }
  nlohmann::json body = {{"type", event}};
  std::string error;
  if (!data_file.empty()) {
    if (!ReadJsonFile(data_file, &body["data"], &error)) {
      std::fprintf(stderr, "epmock trigger: %s\n", error.c_str());
      return 2;
    }
  }
  if (!included_file.empty()) {
    if (!ReadJsonFile(included_file, &body["included"], &error)) {
      std::fprintf(stderr, "epmock trigger: %s\n", error.c_str());
      return 2;
    }
  }

  std::unique_ptr<httplib::ClientImpl> client = internal::NewHttpClient(server);
  if (!client) {
    std::fprintf(stderr, "epmock trigger: --server must be an http(s) URL, not '%s'\n", server.c_str());
    return 2;
  }
  httplib::ClientImpl& http = *client;
  http.set_connection_timeout(5);
  http.set_read_timeout(30);
  auto token =
      http.Post("/oauth/access_token", httplib::Params{{"grant_type", "implicit"}, {"client_id", client_id}});
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

}  // namespace epmock::cli
