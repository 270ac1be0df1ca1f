// libFuzzer: a request body through the API as a client sends it: parse (depth limit,
// duplicate keys), validation against the compiled schemas, the engine's own checks, the
// store, the rendered answer. Every answer must be a well-formed response: 201/200 with
// data, or 4xx in the platform's error shape, never a 500.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "api/router.h"
#include "epmock/spec.h"

namespace {

using epmock::internal::HttpRequest;
using epmock::internal::HttpResponse;

struct Fixture {
  Fixture() : engine(Options(), epmock::Spec::Default()) {
    HttpRequest token{"POST",
                      "/oauth/access_token",
                      "",
                      {{"Content-Type", "application/x-www-form-urlencoded"}},
                      "grant_type=client_credentials&client_secret=s&client_id=fuzz",
                      "http://h",
                      ""};
    access =
        "Bearer " +
        nlohmann::json::parse(epmock::internal::Route(engine, token).body)["access_token"].get<std::string>();
    HttpRequest create{
        "POST",
        "/v2/integrations",
        "",
        {{"Authorization", access}, {"Content-Type", "application/json"}},
        R"({"data":{"type":"integration","name":"n","integration_type":"webhook","observes":["order.paid"],"configuration":{"url":"https://x.io"}}})",
        "http://h",
        ""};
    id = nlohmann::json::parse(epmock::internal::Route(engine, create).body)["data"]["id"].get<std::string>();
  }
  static epmock::ServerOptions Options() {
    epmock::ServerOptions options;
    options.integration_limit = 0;
    options.journal_capacity = 16;
    return options;
  }
  epmock::internal::Engine engine;
  std::string access;
  std::string id;
};

void Check(const HttpResponse& response, const std::string& body) {
  if (response.status >= 500) {
    std::fprintf(stderr, "500 for body %s\n-> %s\n", body.c_str(), response.body.c_str());
    std::abort();
  }
  if (response.status >= 400) {
    nlohmann::json error = nlohmann::json::parse(response.body, nullptr, false);
    if (!error.is_object() || !error.contains("errors") || error["errors"].empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture* fixture = new Fixture();
  const std::string body(reinterpret_cast<const char*>(data), size);
  // Alternately a create and an update of the one stored integration.
  const bool update = size > 0 && (data[0] & 1);
  HttpRequest request{update ? "PUT" : "POST",
                      update ? "/v2/integrations/" + fixture->id : "/v2/integrations",
                      "",
                      {{"Authorization", fixture->access}, {"Content-Type", "application/json"}},
                      body,
                      "http://h",
                      ""};
  HttpResponse response = epmock::internal::Route(fixture->engine, request);
  Check(response, body);
  if (!update && response.status == 201) {
    // Keep the store small: what was created is deleted again.
    std::string id = nlohmann::json::parse(response.body)["data"]["id"].get<std::string>();
    epmock::internal::Route(
        fixture->engine,
        {"DELETE", "/v2/integrations/" + id, "", {{"Authorization", fixture->access}}, "", "http://h", ""});
  }
  return 0;
}
