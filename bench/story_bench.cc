// story_bench: stories and varied batches (issue 12), in process (Google Benchmark).
//   - a checkout story (cart.updated -> ... -> order.fulfilled: 6 events, each step after
//     the step before was delivered) to an in-process webhook receiver: stories/s, and
//     p50/p99 from the run's start to the end of its last delivery;
//   - a batch of 10,000 order.paid events, realistic and edge-cases: resources/s (each
//     synthesized, varied, checked against its schema and recorded; nothing observes them,
//     so nothing is delivered).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "epmock/server.h"
#include "epmock/sinks.h"

namespace {

using nlohmann::json;

// A webhook integration of `client`'s store, through the API as a client would make it.
bool CreateWebhook(const std::string& url, const std::string& client,
                   const std::vector<std::string>& observes, const std::string& receiver) {
  httplib::Client http(url);
  http.set_tcp_nodelay(true);
  auto token = http.Post("/oauth/access_token", httplib::Params{{"grant_type", "client_credentials"},
                                                                {"client_id", client},
                                                                {"client_secret", "bench"}});
  if (!token || token->status != 200) return false;
  const std::string bearer = "Bearer " + json::parse(token->body).value("access_token", "");
  const json body = {{"data",
                      {{"type", "integration"},
                       {"name", "bench"},
                       {"integration_type", "webhook"},
                       {"enabled", true},
                       {"observes", observes},
                       {"configuration", {{"url", receiver}}}}}};
  auto created = http.Post("/v2/integrations", {{"Authorization", bearer}}, body.dump(), "application/json");
  return created && created->status == 201;
}

void BM_CheckoutStory(benchmark::State& state) {
  epmock::Server server;
  epmock::WebhookSink sink;
  if (!server.Start().ok() || !sink.Start().ok()) return state.SkipWithError("start failed");
  const std::string client = "bench";
  // An integration observes at most 5 keys, as on the platform: two cover a checkout.
  if (!CreateWebhook(server.Url(), client, {"cart.updated", "order.created", "order.authorized"},
                     sink.Url()) ||
      !CreateWebhook(server.Url(), client, {"order.paid", "order.updated", "order.fulfilled"}, sink.Url())) {
    return state.SkipWithError("no integrations");
  }
  std::vector<double> ms;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    epmock::StoryOptions options;
    options.seed = seed++;
    auto run = server.RunStory(client, "checkout", options);
    if (!run.ok() || !server.WaitForStory(client, run->id, std::chrono::seconds(10)))
      return state.SkipWithError("the story did not end");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    sink.Clear();  // what the receiver keeps is not the story's cost
  }
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.counters["stories_per_s"] =
      benchmark::Counter(static_cast<double>(ms.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CheckoutStory)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_BatchOf10000Orders(benchmark::State& state) {
  const bool edge_cases = state.range(0) != 0;
  epmock::ServerOptions options;
  options.event_retention = 20000;
  options.event_retention_bytes = std::size_t{4} << 30;
  epmock::Server server(options);
  if (!server.Start().ok()) return state.SkipWithError("start failed");
  std::uint64_t seed = 1;
  for (auto _ : state) {
    auto batch =
        server.TriggerBatch("bench", {"order.paid", 10000, seed++, edge_cases ? "edge-cases" : "realistic"});
    if (!batch.ok()) return state.SkipWithError("the batch failed");
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(state.iterations() * 10000);
  state.SetLabel(edge_cases ? "edge-cases" : "realistic");
}
BENCHMARK(BM_BatchOf10000Orders)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
