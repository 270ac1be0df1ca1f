// Wall-clock helpers in the formats the platform uses.
#ifndef EPMOCK_COMMON_CLOCK_H_
#define EPMOCK_COMMON_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"

namespace epmock::internal {

// The time epmock schedules by: retries and their back-off, injected delays, reorder holds.
// One interface, owned by the engine and handed to what schedules (the dispatcher), so that a
// test can drive it (common/virtual_clock.h) and a server can run on a virtual one.
// What a peer must do within a time (an answer's deadline) stays on the machine's clock.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Wall time on this clock, nanoseconds since the Unix epoch: what a timestamp epmock writes
  // says. The machine's system clock unless the clock is virtual.
  virtual std::int64_t EpochNanos() const;
  // Called with `mu` held, the mutex `wake` is signalled under: waits until Now() >= due, or
  // until `wake` is signalled (the caller's own change: new work, a stop). It may return
  // early; the caller looks at its state and the time again.
  virtual void WaitUntil(Mutex* mu, CondVar* wake, TimePoint due) EPMOCK_REQUIRES(mu) = 0;
  // The same without a due time: until `wake` is signalled.
  virtual void Wait(Mutex* mu, CondVar* wake) EPMOCK_REQUIRES(mu) { wake->Wait(mu); }
  // The same, bounded also by `deadline` on the machine's steady clock: a peer's own time (a
  // long poll's WaitTimeSeconds), which stays real whatever this clock is. `due` may be
  // TimePoint::max() (nothing on this clock to wait for).
  virtual void WaitUntilOr(Mutex* mu, CondVar* wake, TimePoint due,
                           std::chrono::steady_clock::time_point deadline) EPMOCK_REQUIRES(mu) = 0;
  // Says that what schedules by this clock has moved on (a delivery ended): a virtual clock's
  // advance, waiting for the work it woke to end, looks again. May be called with the
  // caller's own mutex held (it comes before the clock's).
  virtual void Changed() {}
  // Whether this clock is epmock's own rather than the machine's: then a time it measures
  // (an attempt's processing_time, a request's duration) is its own too (docs/CLOCK.md).
  virtual bool IsVirtual() const { return false; }
};

// The machine's steady clock (std::chrono::steady_clock).
Clock& SteadyClock();

// Milliseconds since the Unix epoch, now.
std::int64_t NowMillis();

// "2018-04-30T09:35:32.202Z": RFC 3339, UTC, milliseconds.
std::string Rfc3339Millis(std::int64_t epoch_millis);

// The milliseconds since the Unix epoch an RFC 3339 timestamp names
// ("2030-01-01T00:00:00Z", "2030-01-01T01:00:00.250+01:00"; T/t, Z/z; up to 9 digits of
// fraction, cut to milliseconds), from 1970 to the end of 9999 in UTC; nullopt for anything else,
// including a date that does not exist (February 30) and a leap second.
std::optional<std::int64_t> ParseRfc3339Millis(std::string_view text);

// A duration as people write one: "90s", "1h", "2h30m", "250ms", "1d" (units d, h, m, s, ms,
// each number at most 13 digits, at most 32 characters in all) or a bare number of
// milliseconds ("1500"); nullopt for anything else, a negative or a sum past 100 years.
std::optional<std::int64_t> ParseDurationMillis(std::string_view text);

// Nanoseconds since the Unix epoch, now (as precise as the system clock is).
std::int64_t NowNanos();

// "2017-10-30T18:15:40.087650928Z": RFC 3339, UTC, nanoseconds, as the platform's logs show
// their timestamps.
std::string Rfc3339Nanos(std::int64_t epoch_nanos);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_CLOCK_H_
