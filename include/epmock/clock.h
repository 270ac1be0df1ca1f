// ServerClock: the clock of an epmock::Server (docs/CLOCK.md), from Server::Clock().
//
//   epmock::ServerOptions options;
//   options.clock = epmock::ServerOptions::ClockMode::kVirtual;
//   options.clock_start_ms = 1893456000000;              // 2030-01-01T00:00:00Z
//   epmock::Server server(options);
//   ...                                                  // a delivery fails, retried with back-off
//   ASSERT_TRUE(server.Clock().RunUntilIdle(std::chrono::hours(1)).ok());  // every retry ran
//
// One clock for all of a server's stores, real or virtual from start. On a real clock every
// operation but Now and Read is refused (FAILED_PRECONDITION). An advance runs what falls due
// on its way, in due order, each seeing its own due time as now, and returns once that work
// has ended (attempts made and logged, messages visible): a test needs no wait after it.
//
// Thread-safe; two advances at once run one after the other.
#ifndef EPMOCK_CLOCK_H_
#define EPMOCK_CLOCK_H_

#include <chrono>
#include <cstddef>
#include <optional>

#include "epmock/status.h"

namespace epmock {

class Server;

class ServerClock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  static constexpr std::chrono::milliseconds kDefaultTimeout{10000};  // real time

  struct State {
    bool is_virtual = false;
    bool running = true;  // a real clock always; a virtual one once resumed, until frozen
    TimePoint now;
    std::optional<TimePoint> next_due;  // virtual: the earliest time something waits for
    std::size_t pending = 0;            // deliveries not yet finished
  };

  // Wall time on the server's clock.
  TimePoint Now() const;
  State Read() const;

  // Moves a virtual clock on by `by` (or to `to`, not before now). UNAVAILABLE if the work it
  // runs has not ended after `timeout` of real time, the clock left at the due time it reached.
  Status Advance(std::chrono::milliseconds by, std::chrono::milliseconds timeout = kDefaultTimeout);
  Status AdvanceTo(TimePoint to, std::chrono::milliseconds timeout = kDefaultTimeout);
  // Advances from due time to due time until nothing is in flight or due. DEADLINE_EXCEEDED
  // when work is still scheduled beyond `max` of the clock's time (the clock then at that
  // limit), UNAVAILABLE after `timeout` of real time; either says what is still pending.
  Status RunUntilIdle(std::chrono::milliseconds max = std::chrono::hours(24),
                      std::chrono::milliseconds timeout = kDefaultTimeout);
  // Stops a virtual clock where it is; lets it run on at the pace of real time from where it
  // is (time never runs backwards).
  Status Freeze();
  Status Resume();

 private:
  friend class Server;
  explicit ServerClock(Server* server) : server_(server) {}
  Server* server_;
};

}  // namespace epmock

#endif  // EPMOCK_CLOCK_H_
