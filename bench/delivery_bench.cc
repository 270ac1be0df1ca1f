// delivery_bench: whole-engine delivery figures on loopback.
//   1. trigger to webhook received: Server::Trigger() until a local receiver has the
//      request, one event at a time (p50, p99, max);
//   2. fan-out: E events to I integrations, until every delivery is logged (deliveries/s).
//
//   delivery_bench [latency_events=2000] [fanout_events=2000] [integrations=10]
//                  [per_integration_concurrency=ServerOptions' default]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "epmock/server.h"
#include "receiver.h"

namespace {

using Clock = std::chrono::steady_clock;
using epmock_bench::CreateHook;
using epmock_bench::Percentile;
using epmock_bench::Receiver;
using epmock_bench::Token;

}  // namespace

int main(int argc, char** argv) {
  const int latency_events = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int fanout_events = argc > 2 ? std::atoi(argv[2]) : 2000;
  const int integrations = argc > 3 ? std::atoi(argv[3]) : 10;
  const int per_integration =
      argc > 4 ? std::atoi(argv[4]) : epmock::ServerOptions{}.per_integration_concurrency;

  epmock::ServerOptions options;
  options.integration_limit = 0;
  options.log_retention = 10000000;
  options.per_integration_concurrency = per_integration;
  epmock::Server server(options);
  if (!server.Start().ok()) return 1;

  {  // 1. latency
    Receiver receiver;
    const std::string token = Token(server.Url(), "latency");
    CreateHook(server.Url(), token, receiver.Url());
    std::vector<double> samples;
    for (int i = 0; i < latency_events + 100; ++i) {
      const auto start = Clock::now();
      (void)server.Trigger("latency", {"order.paid", std::nullopt, std::nullopt});
      const auto arrived = receiver.WaitFor(static_cast<std::size_t>(i + 1));
      if (i >= 100)
        samples.push_back(std::chrono::duration<double, std::milli>(arrived - start).count());  // warm-up
    }
    std::printf("trigger_to_webhook_ms p50=%.3f p99=%.3f max=%.3f (n=%d)\n", Percentile(samples, 0.5),
                Percentile(samples, 0.99), Percentile(samples, 1.0), latency_events);
  }
  {  // 2. fan-out
    Receiver receiver;
    const std::string token = Token(server.Url(), "fanout");
    for (int i = 0; i < integrations; ++i) CreateHook(server.Url(), token, receiver.Url());
    const auto start = Clock::now();
    for (int i = 0; i < fanout_events; ++i)
      (void)server.Trigger("fanout", {"order.paid", std::nullopt, std::nullopt});
    const double trigger_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const bool idle = server.WaitForIdle(std::chrono::seconds(300));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const std::size_t delivered = receiver.Count();
    std::printf("fanout deliveries=%zu of %d in %.2f s = %.0f deliveries/s%s (triggering took %.2f s)\n",
                delivered, fanout_events * integrations, seconds, delivered / seconds,
                idle ? "" : " (NOT IDLE)", trigger_seconds);
  }
  server.Stop();
  return 0;
}
