#include "common/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace epmock::internal {

std::int64_t NowMillis() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t NowNanos() {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  using std::chrono::system_clock;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

// RFC 3339 in UTC with `digits` digits of the second's `fraction`.
std::string Rfc3339(std::int64_t seconds_since_epoch, long fraction, int digits) {
  std::time_t seconds = static_cast<std::time_t>(seconds_since_epoch);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%0*ldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, digits, fraction);
  return buf;
}

}  // namespace

std::string Rfc3339Millis(std::int64_t epoch_millis) {
  return Rfc3339(epoch_millis / 1000, static_cast<long>(epoch_millis % 1000), 3);
}

std::string Rfc3339Nanos(std::int64_t epoch_nanos) {
  return Rfc3339(epoch_nanos / 1000000000, static_cast<long>(epoch_nanos % 1000000000), 9);
}

std::int64_t Clock::EpochNanos() const { return NowNanos(); }

namespace {

class Steady final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(Mutex* mu, CondVar* wake, TimePoint due) EPMOCK_REQUIRES(mu) override {
    wake->WaitUntil(mu, due);
  }
};

}  // namespace

Clock& SteadyClock() {
  static Steady clock;
  return clock;
}

}  // namespace epmock::internal
