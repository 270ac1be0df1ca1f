#include "api/rate_limit.h"

#include <algorithm>

#include "common/mutex.h"
#include "store/parts.h"

namespace epmock::internal {
namespace {

// A store's current window: when it opened, and the requests counted in it.
class RateWindow : public StorePart {
 public:
  bool Allow(std::chrono::steady_clock::time_point now, std::chrono::nanoseconds length, int per_second) {
    MutexLock lock(&mu_);
    if (count_ == 0 || now - start_ >= length) {
      start_ = now;
      count_ = 0;
    }
    if (count_ >= per_second) return false;
    ++count_;
    return true;
  }

  void Clear() override {  // as if the store had made no request
    MutexLock lock(&mu_);
    count_ = 0;
  }

 private:
  Mutex mu_;
  std::chrono::steady_clock::time_point start_ EPMOCK_GUARDED_BY(mu_);
  int count_ EPMOCK_GUARDED_BY(mu_) = 0;
};

}  // namespace

RateLimiter::RateLimiter(double time_scale, std::function<Clock::TimePoint()> now)
    : window_(std::max<long long>(1, static_cast<long long>(1e9 * std::max(0.0, time_scale)))),
      now_(std::move(now)) {}

bool RateLimiter::Allow(Store& store, int per_second) const {
  return store.Part<RateWindow>().Allow(now_(), window_, per_second);
}

}  // namespace epmock::internal
