// Starts an epmock Server in a plain program (no test framework), fires order.paid at the
// API port's own sink, and exits 0 once it arrived.
#include <chrono>
#include <cstdio>

#include "epmock/server.h"

int main() {
  epmock::Server server;
  if (epmock::Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "start: %s\n", s.message().c_str());
    return 1;
  }
  auto event = server.Trigger("engine-only", {"order.paid", std::nullopt, std::nullopt});
  if (!event.ok()) {
    std::fprintf(stderr, "trigger: %s\n", event.status().message().c_str());
    return 1;
  }
  if (!server.WaitForIdle(std::chrono::seconds(10))) return 1;
  std::printf("fired %s (%s), %zu jobs\n", event->type.c_str(), event->id.c_str(), event->jobs.size());
  return event->type == "order.paid" ? 0 : 1;
}
