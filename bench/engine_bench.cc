// In-process costs of the engine (Google Benchmark).
#include <benchmark/benchmark.h>

#include "api/router.h"
#include "epmock/server.h"
#include "epmock/spec.h"

namespace {

using nlohmann::json;

const char kCreateBody[] = R"({"data":{"type":"integration","name":"Order shipping notification",
  "description":"Send a shipping notification via email with discount code.","enabled":true,
  "observes":["order.fulfilled"],"integration_type":"webhook",
  "configuration":{"url":"https://yourwebsite.com/order-created-notification"}}})";

epmock::internal::ApiRequest Request(std::string method, std::string path, std::string authorization,
                                     std::string content_type, std::string body) {
  epmock::internal::ApiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.authorization = std::move(authorization);
  r.content_type = std::move(content_type);
  r.base_url = "http://h";
  r.body = std::move(body);
  return r;
}

// Validating a create body against the compiled schema (no HTTP).
void BM_ValidateCreateBody(benchmark::State& state) {
  auto spec = epmock::Spec::Default();
  json body = json::parse(kCreateBody);
  for (auto _ : state) {
    auto violations = spec->ValidateRequest("CreateIntegration", body);
    benchmark::DoNotOptimize(violations);
  }
}
BENCHMARK(BM_ValidateCreateBody);

// Loading and compiling the spec from scratch: the one-time cost of the first Server.
void BM_LoadSpec(benchmark::State& state) {
  for (auto _ : state) {
    auto spec = epmock::Spec::Load({});
    benchmark::DoNotOptimize(spec);
  }
}
BENCHMARK(BM_LoadSpec)->Unit(benchmark::kMillisecond);

// Start() of a Server once the process has loaded the spec: how long a test fixture waits
// for a ready server. Stop is timed separately below.
void BM_SecondServerStart(benchmark::State& state) {
  epmock::Spec::Default();
  for (auto _ : state) {
    epmock::Server server;
    if (!server.Start().ok()) state.SkipWithError("start failed");
    state.PauseTiming();
    server.Stop();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_SecondServerStart)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ServerStop(benchmark::State& state) {
  epmock::Spec::Default();
  for (auto _ : state) {
    state.PauseTiming();
    epmock::Server server;
    if (!server.Start().ok()) state.SkipWithError("start failed");
    state.ResumeTiming();
    server.Stop();
  }
}
BENCHMARK(BM_ServerStop)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A whole create through the router: parse, validate, store, render (no sockets).
void BM_RouterCreate(benchmark::State& state) {
  epmock::ServerOptions options;
  options.integration_limit = 0;
  options.journal_capacity = 1000;
  epmock::internal::Router router(options, epmock::Spec::Default());
  auto token = Request("POST", "/oauth/access_token", "", "application/x-www-form-urlencoded",
                       "grant_type=implicit&client_id=bench");
  std::string access = json::parse(router.Handle(token).body)["access_token"];
  auto create = Request("POST", "/v2/integrations", "Bearer " + access, "application/json", kCreateBody);
  for (auto _ : state) {
    auto response = router.Handle(create);
    if (response.status != 201) state.SkipWithError("create failed");
  }
}
BENCHMARK(BM_RouterCreate);

void BM_RouterGet(benchmark::State& state) {
  epmock::internal::Router router(epmock::ServerOptions{}, epmock::Spec::Default());
  auto token = Request("POST", "/oauth/access_token", "", "application/x-www-form-urlencoded",
                       "grant_type=implicit&client_id=bench");
  std::string access = json::parse(router.Handle(token).body)["access_token"];
  auto create = Request("POST", "/v2/integrations", "Bearer " + access, "application/json", kCreateBody);
  std::string id = json::parse(router.Handle(create).body)["data"]["id"];
  auto get = Request("GET", "/v2/integrations/" + id, "Bearer " + access, "", "");
  for (auto _ : state) {
    auto response = router.Handle(get);
    if (response.status != 200) state.SkipWithError("get failed");
  }
}
BENCHMARK(BM_RouterGet);

}  // namespace

BENCHMARK_MAIN();
