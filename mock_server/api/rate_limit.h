// RateLimiter: the platform's request rate limits (elasticpath/elasticpath-dev
// guides/Getting-Started/rate-limits.md), opt-in. Each store and each organization is counted on its own, in
// windows of one second of the engine's clock: a second scaled by ServerOptions::time_scale, like every delay
// of the engine, so a test sets a time scale and asserts counts, never wall-clock time.
//
// Thread-safe.
#ifndef EPMOCK_API_RATE_LIMIT_H_
#define EPMOCK_API_RATE_LIMIT_H_

#include <chrono>
#include <string>
#include <unordered_map>

#include "common/mutex.h"

namespace epmock::internal {

class RateLimiter {
 public:
  explicit RateLimiter(double time_scale);

  // Counts one request of `key` (a store's or an organization's id) against `per_second`;
  // false when the key has had that many already in its current window. A key's window
  // opens with its first request and lasts one (scaled) second.
  bool Allow(const std::string& key, int per_second);

  void Forget(const std::string& key);  // the key's window, as if it had made no request
  void Reset();

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    int count = 0;
  };
  const std::chrono::nanoseconds window_;
  Mutex mu_;
  std::unordered_map<std::string, Window> windows_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_RATE_LIMIT_H_
