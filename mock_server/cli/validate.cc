#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "epmock/spec.h"

namespace epmock::cli {

const char kValidateHelp[] =
    "usage: epmock validate KIND [OPTIONS] FILE\n"
    "\n"
    "Checks one JSON document against the corrected schemas and prints each violation as\n"
    "'SOURCE: DETAIL' (SOURCE a JSON pointer). Exits 0 when it is valid, 1 when it is not,\n"
    "2 on bad usage. FILE '-' reads standard input.\n"
    "\n"
    "kinds:\n"
    "  request OPERATION FILE          a request body (CreateIntegration, UpdateIntegration)\n"
    "  response OPERATION STATUS FILE  a response body of an operation (GetIntegration 200)\n"
    "  webhook FILE                    a webhook delivery body\n"
    "  cloudevent FILE                 a queue message (aws_sqs, stomp)\n"
    "\n"
    "Operations are the OpenAPI operationIds: ListIntegrations, CreateIntegration,\n"
    "GetIntegration, UpdateIntegration, DeleteIntegration, ListStoreLogs,\n"
    "ListIntegrationLogs, ListIntegrationJobs, ListJobLogs.\n";

int Validate(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kValidateHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string& kind = args[0];
  std::size_t want = kind == "request"                             ? 3
                     : kind == "response"                          ? 4
                     : (kind == "webhook" || kind == "cloudevent") ? 2
                                                                   : 0;
  if (want == 0 || args.size() != want) {
    std::fprintf(stderr, "epmock validate: expected '%s' with its arguments\n\n%s", kind.c_str(),
                 kValidateHelp);
    return 2;
  }
  nlohmann::json document;
  std::string error;
  if (!ReadJsonFile(args.back(), &document, &error)) {
    std::fprintf(stderr, "epmock validate: %s\n", error.c_str());
    return 2;
  }
  auto spec = Spec::Default();
  std::vector<SchemaViolation> violations;
  if (kind == "request" || kind == "response") {
    bool known = false;
    for (const auto& [path, item] : spec->OpenApi()["paths"].items()) {
      for (const auto& [method, operation] : item.items()) {
        if (operation.is_object() && operation.value("operationId", "") == args[1]) known = true;
      }
    }
    if (!known) {
      std::fprintf(stderr, "epmock validate: no operation '%s'\n", args[1].c_str());
      return 2;
    }
    if (kind == "request") {
      violations = spec->ValidateRequest(args[1], document);
    } else {
      char* end = nullptr;
      long status = std::strtol(args[2].c_str(), &end, 10);
      if (*end != '\0' || status < 100 || status > 599) {
        std::fprintf(stderr, "epmock validate: '%s' is not an HTTP status\n", args[2].c_str());
        return 2;
      }
      violations = spec->ValidateResponse(args[1], static_cast<int>(status), document);
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

}  // namespace epmock::cli
