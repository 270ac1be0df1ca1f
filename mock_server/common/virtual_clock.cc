#include "common/virtual_clock.h"

#include <algorithm>

namespace epmock::internal {

VirtualClock::VirtualClock(std::int64_t start_epoch_ms)
    : start_epoch_ms_(start_epoch_ms), origin_(std::chrono::hours(1)), now_(origin_) {}

Clock::TimePoint VirtualClock::Now() const {
  MutexLock lock(&mu_);
  return now_;
}

std::int64_t VirtualClock::EpochNanos() const {
  MutexLock lock(&mu_);
  return start_epoch_ms_ * 1000000 +
         std::chrono::duration_cast<std::chrono::nanoseconds>(now_ - origin_).count();
}

std::int64_t VirtualClock::EpochMillisAt(TimePoint at) const {
  return start_epoch_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(at - origin_).count();
}

Clock::TimePoint VirtualClock::AtEpochMillis(std::int64_t epoch_ms) const {
  return origin_ + std::chrono::milliseconds(epoch_ms - start_epoch_ms_);
}

void VirtualClock::WaitUntil(Mutex* mu, CondVar* wake, TimePoint due) {
  if (!Register(mu, wake, due)) return;
  wake->Wait(mu);  // MoveTo signals under the waiter's own mutex: no wake-up is lost
  Unregister(wake);
}

void VirtualClock::Wait(Mutex* mu, CondVar* wake) {
  Register(mu, wake, std::nullopt);
  wake->Wait(mu);
  Unregister(wake);
}

bool VirtualClock::Register(Mutex* mu, CondVar* wake, std::optional<TimePoint> due) {
  MutexLock lock(&mu_);
  if (due && now_ >= *due) return false;
  waiters_.push_back({mu, wake, due, generation_});
  ++changes_;
  changed_.SignalAll();
  return true;
}

void VirtualClock::Unregister(CondVar* wake) {
  MutexLock lock(&mu_);
  auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.wake == wake; });
  if (it != waiters_.end()) waiters_.erase(it);
  ++changes_;
  changed_.SignalAll();
}

void VirtualClock::Changed() {
  MutexLock lock(&mu_);
  ++changes_;
  changed_.SignalAll();
}

void VirtualClock::MoveTo(TimePoint to) {
  std::vector<Waiter> waiters;
  {
    MutexLock lock(&mu_);
    now_ = std::max(now_, to);
    ++generation_;  // whoever waits now has not seen this time yet
    waiters = waiters_;
  }
  for (const Waiter& w : waiters) {
    MutexLock lock(w.mu);
    w.wake->SignalAll();
  }
}

bool VirtualClock::Settle(const Settled& settled, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    std::uint64_t seen = 0;
    {
      MutexLock lock(&mu_);
      for (;;) {
        const TimePoint now = now_;
        const bool asleep = std::any_of(waiters_.begin(), waiters_.end(),
                                        [now](const Waiter& w) { return w.due && *w.due <= now; });
        if (!asleep) break;
        if (!changed_.WaitUntil(&mu_, deadline)) return false;
      }
      seen = changes_;
    }
    if (!settled || settled()) return true;
    // Not yet: until what it looks at says it moved, a waiter comes or goes, or the deadline.
    MutexLock lock(&mu_);
    while (changes_ == seen) {
      if (!changed_.WaitUntil(&mu_, deadline)) return false;
    }
  }
}

bool VirtualClock::AdvanceTo(TimePoint target, const Settled& settled, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;  // the caller's time: real
  MutexLock turn(&advance_mu_);
  return AdvanceLocked(target, settled, deadline);
}

bool VirtualClock::Advance(Duration by, const Settled& settled, std::chrono::milliseconds timeout) {
  if (by < Duration::zero()) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock turn(&advance_mu_);
  return AdvanceLocked(Now() + by, settled, deadline);  // from where an advance before it ended
}

bool VirtualClock::AdvanceLocked(TimePoint target, const Settled& settled,
                                 std::chrono::steady_clock::time_point deadline) {
  if (target < Now()) return false;
  // What woke at the last move may still be at work: the first step starts from rest too.
  if (!Settle(settled, deadline)) return false;
  for (;;) {
    TimePoint step = target;
    {
      MutexLock lock(&mu_);
      for (const Waiter& w : waiters_) {
        if (w.due && *w.due < step) step = *w.due;
      }
    }
    MoveTo(step);
    if (!Settle(settled, deadline)) return false;
    if (step == target) return true;
  }
}

bool VirtualClock::WaitSettled(const Settled& settled, std::chrono::milliseconds timeout) {
  return Settle(settled, std::chrono::steady_clock::now() + timeout);  // the caller's time: real
}

std::optional<Clock::TimePoint> VirtualClock::NextDue() const {
  MutexLock lock(&mu_);
  std::optional<TimePoint> next;
  for (const Waiter& w : waiters_) {
    if (w.due && (!next || *w.due < *next)) next = w.due;
  }
  return next;
}

bool VirtualClock::WaitForWaiters(std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  for (;;) {
    std::size_t timed = 0;
    for (const Waiter& w : waiters_) timed += w.due && w.generation == generation_;
    if (timed >= count) return true;
    if (!changed_.WaitUntil(&mu_, deadline)) return false;
  }
}

}  // namespace epmock::internal
