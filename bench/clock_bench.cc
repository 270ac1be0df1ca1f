// clock_bench: what an hour costs on a virtual clock (docs/CLOCK.md), next to what it costs
// on a real one, in the same run.
//   1. injected: N deliveries failing by an injected fault (fail_first_attempts: no network),
//      five attempts each with doubling back-off; one advance of an hour runs them all.
//   2. sink500: M deliveries to the embedded sink answering 500 (real HTTP on loopback);
//      one advance of an hour runs their five attempts each.
//   3. trigger to delivery at a receiver, one event at a time, on a real clock and on a
//      virtual one (p50, p99): what the clock costs a delivery due now.
//
//   clock_bench [injected=1000] [sink500=100] [latency_events=1000]
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "epmock/server.h"
#include "receiver.h"

namespace {

using Steady = std::chrono::steady_clock;
using epmock_bench::Percentile;
using epmock_bench::Receiver;
constexpr std::int64_t k2030 = 1893456000000;

epmock::ServerOptions Options(bool virtual_clock) {
  epmock::ServerOptions options;
  options.integration_limit = 0;
  options.log_retention = 10000000;
  if (virtual_clock) {
    options.clock = epmock::ServerOptions::ClockMode::kVirtual;
    options.clock_start_ms = k2030;
  }
  return options;
}

void CreateHook(epmock::Server& server, const std::string& client_id, const std::string& target) {
  epmock_bench::CreateHook(server.Url(), epmock_bench::Token(server.Url(), client_id), target);
}

// Triggers `events` events, then advances the clock an hour; prints what that took and how
// many attempts it ran.
bool AnHour(const char* name, epmock::Server& server, const std::string& client, int events) {
  for (int i = 0; i < events; ++i) (void)server.Trigger(client, {"order.paid", std::nullopt, std::nullopt});
  const auto start = Steady::now();
  const epmock::Status advanced = server.Clock().Advance(std::chrono::hours(1), std::chrono::minutes(10));
  const double ms = std::chrono::duration<double, std::milli>(Steady::now() - start).count();
  const std::size_t attempts = server.Logs(client).size();
  const epmock::ServerClock::State after = server.Clock().Read();
  if (after.pending > 0 || after.next_due)
    std::printf(
        "%s: after the hour %zu deliveries were still pending (now %lld, next due %lld)\n", name,
        after.pending, static_cast<long long>(after.now.time_since_epoch().count() / 1000000),
        after.next_due ? static_cast<long long>(after.next_due->time_since_epoch().count() / 1000000) : -1LL);
  std::printf(
      "%s: advancing one hour ran %zu attempts of %d deliveries in %.1f ms (%s; real clock: 3600000 ms)\n",
      name, attempts, events, ms, advanced.ok() ? "ok" : advanced.message().c_str());
  return advanced.ok();
}

}  // namespace

int main(int argc, char** argv) {
  const int injected = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int sink500 = argc > 2 ? std::atoi(argv[2]) : 100;
  const int latency_events = argc > 3 ? std::atoi(argv[3]) : 1000;
  bool ok = true;

  {  // 1. injected failures: no network
    epmock::Server server(Options(true));
    if (!server.Start().ok()) return 1;
    CreateHook(server, "injected", "http://127.0.0.1:9/never-reached");
    epmock::Fault fault;
    fault.fail_first_attempts = 5;
    if (!server.AddFault("injected", fault).ok()) return 1;
    ok = AnHour("injected", server, "injected", injected) && ok;
  }
  {  // 2. the embedded sink answering 500: real HTTP
    epmock::Server server(Options(true));
    if (!server.Start().ok()) return 1;
    CreateHook(server, "sink500", server.Url() + "/__sink/webhook/down");
    if (!server.SinkRespondWith("down", {epmock::SinkResponse{500, 0, ""}}).ok()) return 1;
    ok = AnHour("sink500", server, "sink500", sink500) && ok;
  }
  for (const bool virtual_clock : {false, true}) {  // 3. trigger to delivery
    epmock::Server server(Options(virtual_clock));
    if (!server.Start().ok()) return 1;
    Receiver receiver;
    CreateHook(server, "latency", receiver.Url());
    std::vector<double> samples;
    for (int i = 0; i < latency_events + 100; ++i) {
      const auto start = Steady::now();
      (void)server.Trigger("latency", {"order.paid", std::nullopt, std::nullopt});
      const auto arrived = receiver.WaitFor(static_cast<std::size_t>(i + 1));
      if (i >= 100) samples.push_back(std::chrono::duration<double, std::milli>(arrived - start).count());
    }
    std::printf("trigger_to_webhook_ms clock=%s p50=%.3f p99=%.3f (n=%d)\n",
                virtual_clock ? "virtual" : "real", Percentile(samples, 0.5), Percentile(samples, 0.99),
                latency_events);
  }
  return ok ? 0 : 1;
}
