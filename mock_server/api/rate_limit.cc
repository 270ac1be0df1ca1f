#include "api/rate_limit.h"

#include <algorithm>

#include "common/mutex.h"

namespace epmock::internal {

RateLimiter::RateLimiter(double time_scale)
    : window_(std::max<long long>(1, static_cast<long long>(1e9 * std::max(0.0, time_scale)))) {}

bool RateLimiter::Allow(const std::string& key, int per_second) {
  const auto now = std::chrono::steady_clock::now();
  MutexLock lock(&mu_);
  Window& window = windows_[key];
  if (window.count == 0 || now - window.start >= window_) {
    window.start = now;
    window.count = 0;
  }
  if (window.count >= per_second) return false;
  ++window.count;
  return true;
}

void RateLimiter::Forget(const std::string& key) {
  MutexLock lock(&mu_);
  windows_.erase(key);
}

void RateLimiter::Reset() {
  MutexLock lock(&mu_);
  windows_.clear();
}

}  // namespace epmock::internal
