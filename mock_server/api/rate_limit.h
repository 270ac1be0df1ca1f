// RateLimiter: the platform's request rate limits (elasticpath/elasticpath-dev
// guides/Getting-Started/rate-limits.md), opt-in. Each store and each organization is counted on its own, in
// windows of one second of the engine's clock: a second scaled by ServerOptions::time_scale, like every delay
// of the engine, so a test sets a time scale and asserts counts, never wall-clock time.
//
// Thread-safe.
#ifndef EPMOCK_API_RATE_LIMIT_H_
#define EPMOCK_API_RATE_LIMIT_H_

#include <chrono>
#include <functional>

#include "common/clock.h"
#include "store/store.h"

namespace epmock::internal {

class RateLimiter {
 public:
  // `now`: the server's clock (docs/CLOCK.md), which windows open and close by.
  RateLimiter(double time_scale, std::function<Clock::TimePoint()> now);

  // Counts one request of the store (a store's own, or an organization's level) against
  // `per_second`; false when it has had that many already in its current window. A store's
  // window is a part of it (store/parts.h), forgotten with it: it opens with its first
  // request and lasts one (scaled) second.
  bool Allow(Store& store, int per_second) const;

 private:
  const std::chrono::nanoseconds window_;
  const std::function<Clock::TimePoint()> now_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_RATE_LIMIT_H_
