// trigger_bench: Server::Trigger called from 1, 2, 4 and 8 threads at once into one running
// server, each thread its own store. No integration observes the event, so this is what a
// trigger costs its caller (synthesis, schema check, recording) and whether callers wait
// on each other: items/s should grow with threads, up to the cores there are.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "epmock/server.h"

namespace {

std::unique_ptr<epmock::Server> server;

void BM_TriggerConcurrent(benchmark::State& state) {
  if (state.thread_index() == 0) {
    epmock::ServerOptions options;
    options.event_retention = 1000;  // a steady state, not a growing one
    server = std::make_unique<epmock::Server>(options);
    if (!server->Start().ok()) state.SkipWithError("server did not start");
  }
  const std::string client = "bench-" + std::to_string(state.thread_index());
  const epmock::TriggerRequest request{"order.paid", std::nullopt, std::nullopt};
  for (auto _ : state) {
    auto event = server->Trigger(client, request);
    if (!event.ok()) state.SkipWithError("trigger failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) server.reset();
}
BENCHMARK(BM_TriggerConcurrent)->ThreadRange(1, 8)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
