#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "epmock/spec.h"

namespace epmock::cli {

namespace {

struct ValidateArgs {
  std::string kind;  // request, response, webhook, cloudevent
  std::string operation;
  int status = 0;
  std::string file;
};

int RunValidate(const ValidateArgs& args);

}  // namespace

void AddValidate(CLI::App& root, int* exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "validate", "check one payload against the schemas (request, response, webhook, cloudevent)");
  cmd->footer(
      "Checks one JSON document against the corrected schemas and prints each violation as\n"
      "'SOURCE: DETAIL' (SOURCE a JSON pointer). Exits 0 when it is valid, 1 when it is not,\n"
      "2 on bad usage. FILE '-' reads standard input.");
  cmd->footer(cmd->get_footer() +
              "\n\nOperations are the OpenAPI operationIds: ListIntegrations, CreateIntegration,\n"
              "GetIntegration, UpdateIntegration, DeleteIntegration, ListStoreLogs,\n"
              "ListIntegrationLogs, ListIntegrationJobs, ListJobLogs.");
  cmd->require_subcommand(1);
  auto a = std::make_shared<ValidateArgs>();
  auto run = [a, exit_code](const char* kind) {
    return [a, exit_code, kind] {
      a->kind = kind;
      *exit_code = RunValidate(*a);
    };
  };
  CLI::App* request = cmd->add_subcommand("request", "a request body (CreateIntegration, UpdateIntegration)");
  request->add_option("operation", a->operation, "an operationId")->required();
  request->add_option("file", a->file, "the JSON document")->required();
  request->callback(run("request"));
  CLI::App* response =
      cmd->add_subcommand("response", "a response body of an operation (GetIntegration 200)");
  response->add_option("operation", a->operation, "an operationId")->required();
  response->add_option("status", a->status, "the HTTP status")->required()->check(CLI::Range(100, 599));
  response->add_option("file", a->file, "the JSON document")->required();
  response->callback(run("response"));
  CLI::App* webhook = cmd->add_subcommand("webhook", "a webhook delivery body");
  webhook->add_option("file", a->file, "the JSON document")->required();
  webhook->callback(run("webhook"));
  CLI::App* cloudevent = cmd->add_subcommand("cloudevent", "a queue message (aws_sqs, stomp)");
  cloudevent->add_option("file", a->file, "the JSON document")->required();
  cloudevent->callback(run("cloudevent"));
}

namespace {

int RunValidate(const ValidateArgs& a) {
  const std::string& kind = a.kind;
  nlohmann::json document;
  StatusOr<nlohmann::json> read = ReadJsonFile(a.file);
  if (!read.ok()) {
    std::fprintf(stderr, "epmock validate: %s\n", read.status().message().c_str());
    return 2;
  }
  document = *read;
  auto spec = Spec::Default();
  std::vector<SchemaViolation> violations;
  if (kind == "request" || kind == "response") {
    bool known = false;
    for (const auto& [path, item] : spec->OpenApi()["paths"].items()) {
      for (const auto& [method, operation] : item.items()) {
        if (operation.is_object() && operation.contains("operationId") &&
            operation["operationId"] == a.operation)
          known = true;
      }
    }
    if (!known) {
      std::fprintf(stderr, "epmock validate: no operation '%s'\n", a.operation.c_str());
      return 2;
    }
    if (kind == "request") {
      violations = spec->ValidateRequest(a.operation, document);
    } else {
      violations = spec->ValidateResponse(a.operation, a.status, document);
    }
  } else {
    violations = spec->ValidateEnvelope(kind, document);
  }
  for (const SchemaViolation& v : violations) {
    std::printf("%s: %s\n", v.source.empty() ? "/" : v.source.c_str(), v.detail.c_str());
  }
  if (violations.empty()) std::printf("valid\n");
  return violations.empty() ? 0 : 1;
}

}  // namespace

}  // namespace epmock::cli
