#include "common/virtual_clock.h"

#include <algorithm>
#include <thread>

namespace epmock::internal {

VirtualClock::VirtualClock(std::int64_t start_epoch_ms)
    : start_epoch_ms_(start_epoch_ms), origin_(std::chrono::hours(1)), now_(origin_) {}

Clock::TimePoint VirtualClock::NowLocked() const {
  if (!running_) return now_;
  return run_base_ + (std::chrono::steady_clock::now() - run_origin_);
}

Clock::TimePoint VirtualClock::Now() const {
  MutexLock lock(&mu_);
  return NowLocked();
}

std::int64_t VirtualClock::EpochNanos() const {
  MutexLock lock(&mu_);
  return start_epoch_ms_ * 1000000 +
         std::chrono::duration_cast<std::chrono::nanoseconds>(NowLocked() - origin_).count();
}

std::int64_t VirtualClock::EpochMillisAt(TimePoint at) const {
  return start_epoch_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(at - origin_).count();
}

Clock::TimePoint VirtualClock::AtEpochMillis(std::int64_t epoch_ms) const {
  return origin_ + std::chrono::milliseconds(epoch_ms - start_epoch_ms_);
}

void VirtualClock::WaitUntil(Mutex* mu, CondVar* wake, TimePoint due) {
  const Sleep sleep = Register(mu, wake, due);
  if (!sleep.wait) return;
  // MoveTo, Freeze and Resume signal under the waiter's own mutex: no wake-up is lost.
  if (sleep.real_by)
    wake->WaitUntil(mu, *sleep.real_by);
  else
    wake->Wait(mu);
  Unregister(sleep.id);
}

void VirtualClock::Wait(Mutex* mu, CondVar* wake) {
  const Sleep sleep = Register(mu, wake, std::nullopt);
  wake->Wait(mu);
  Unregister(sleep.id);
}

void VirtualClock::WaitUntilOr(Mutex* mu, CondVar* wake, TimePoint due,
                               std::chrono::steady_clock::time_point deadline) {
  const Sleep sleep =
      Register(mu, wake, due == TimePoint::max() ? std::nullopt : std::optional<TimePoint>(due));
  if (!sleep.wait) return;
  wake->WaitUntil(mu, sleep.real_by ? std::min(*sleep.real_by, deadline) : deadline);
  Unregister(sleep.id);
}

VirtualClock::Sleep VirtualClock::Register(Mutex* mu, CondVar* wake, std::optional<TimePoint> due) {
  MutexLock lock(&mu_);
  // The thread is back: the due time it waited for before is its own to name again.
  const std::thread::id self = std::this_thread::get_id();
  transit_.erase(
      std::remove_if(transit_.begin(), transit_.end(), [self](const Transit& t) { return t.thread == self; }),
      transit_.end());
  const TimePoint now = NowLocked();
  if (due && now >= *due) return {};
  const std::uint64_t id = ++next_waiter_;
  waiters_.push_back({mu, wake, due, generation_, id});
  ++changes_;
  changed_.SignalAll();
  Sleep sleep{true, std::nullopt, id};
  if (running_ && due) sleep.real_by = run_origin_ + (*due - run_base_);
  return sleep;
}

void VirtualClock::Unregister(std::uint64_t id) {
  MutexLock lock(&mu_);
  auto it = std::find_if(waiters_.begin(), waiters_.end(), [id](const Waiter& w) { return w.id == id; });
  if (it != waiters_.end()) {
    // Woken by a move of the time that did not reach its due time (always the waiting thread
    // itself here): until it waits again, that due time stays in view of an advance.
    if (it->due && it->generation != generation_ && !running_ && *it->due > now_)
      transit_.push_back({std::this_thread::get_id(), *it->due});
    waiters_.erase(it);
  }
  ++changes_;
  changed_.SignalAll();
}

void VirtualClock::Changed() {
  MutexLock lock(&mu_);
  ++changes_;
  changed_.SignalAll();
}

void VirtualClock::WakeAll(const std::vector<Waiter>& waiters) {
  for (const Waiter& w : waiters) {
    MutexLock lock(w.mu);
    w.wake->SignalAll();
  }
}

void VirtualClock::MoveTo(TimePoint to) {
  std::vector<Waiter> waiters;
  {
    MutexLock lock(&mu_);
    now_ = std::max(now_, to);
    ++generation_;  // whoever waits now has not seen this time yet
    // A due time reached is met: a thread in transit to it finds it has come when it looks.
    const TimePoint now = now_;
    transit_.erase(
        std::remove_if(transit_.begin(), transit_.end(), [now](const Transit& t) { return t.due <= now; }),
        transit_.end());
    waiters = waiters_;
  }
  WakeAll(waiters);
}

void VirtualClock::Freeze() {
  std::vector<Waiter> waiters;
  {
    MutexLock lock(&mu_);
    if (!running_) return;
    now_ = NowLocked();
    running_ = false;
    ++generation_;
    waiters = waiters_;  // each waits again, for an advance instead of the real time
  }
  WakeAll(waiters);
}

void VirtualClock::Resume() {
  std::vector<Waiter> waiters;
  {
    MutexLock lock(&mu_);
    if (running_) return;
    run_base_ = now_;  // from where it is: time never runs backwards
    run_origin_ = std::chrono::steady_clock::now();
    running_ = true;
    ++generation_;
    waiters = waiters_;  // each waits again, for its due time as real time
  }
  WakeAll(waiters);
}

bool VirtualClock::running() const {
  MutexLock lock(&mu_);
  return running_;
}

bool VirtualClock::Settle(const Settled& settled, std::chrono::steady_clock::time_point deadline,
                          std::uint64_t* settled_at) {
  for (;;) {
    std::uint64_t seen = 0;
    {
      MutexLock lock(&mu_);
      for (;;) {
        const TimePoint now = NowLocked();
        const bool asleep = std::any_of(waiters_.begin(), waiters_.end(),
                                        [now](const Waiter& w) { return w.due && *w.due <= now; });
        if (!asleep) break;
        if (!changed_.WaitUntil(&mu_, deadline)) return false;
      }
      seen = changes_;
    }
    if (!settled || settled()) {
      if (settled_at) *settled_at = seen;
      return true;
    }
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
  // A running clock stands still for the advance and runs again from where it ended.
  const bool was_running = running();
  if (was_running) Freeze();
  const bool done = StepTo(target, settled, deadline);
  if (was_running) Resume();
  return done;
}

bool VirtualClock::StepTo(TimePoint target, const Settled& settled,
                          std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    // What woke at the last move may still be at work: each step starts from rest.
    std::optional<TimePoint> next;
    if (!SettleAndPeek(settled, deadline, &next)) return false;
    if (Now() >= target) return true;
    MoveTo(next && *next < target ? *next : target);
  }
}

bool VirtualClock::SettleAndPeek(const Settled& settled, std::chrono::steady_clock::time_point deadline,
                                 std::optional<TimePoint>* next) {
  for (;;) {
    std::uint64_t seen = 0;
    if (!Settle(settled, deadline, &seen)) return false;
    MutexLock lock(&mu_);
    // A waiter that came or went after `settled` held (a timer waking to wait again for a
    // due time of its own) may be missing from the list now: look again rather than step
    // past its time.
    if (changes_ != seen) continue;
    *next = EarliestDueLocked();
    return true;
  }
}

VirtualClock::RunResult VirtualClock::RunUntilIdle(Duration max, const Settled& settled,
                                                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;  // the caller's time: real
  MutexLock turn(&advance_mu_);
  const bool was_running = running();
  if (was_running) Freeze();
  const TimePoint limit = Now() + std::max(max, Duration::zero());
  RunResult result = RunResult::kIdle;
  for (;;) {
    std::optional<TimePoint> next;
    if (!SettleAndPeek(settled, deadline, &next)) {
      result = RunResult::kTimedOut;
      break;
    }
    if (!next) break;
    if (*next > limit) {
      result = StepTo(limit, settled, deadline) ? RunResult::kLimit : RunResult::kTimedOut;
      break;
    }
    MoveTo(*next);
  }
  if (was_running) Resume();
  return result;
}

bool VirtualClock::WaitSettled(const Settled& settled, std::chrono::milliseconds timeout) {
  return Settle(settled, std::chrono::steady_clock::now() + timeout);  // the caller's time: real
}

std::optional<Clock::TimePoint> VirtualClock::NextDue() const {
  MutexLock lock(&mu_);
  return EarliestDueLocked();
}

std::optional<Clock::TimePoint> VirtualClock::EarliestDueLocked() const {
  std::optional<TimePoint> next;
  for (const Waiter& w : waiters_) {
    if (w.due && (!next || *w.due < *next)) next = w.due;
  }
  const TimePoint now = NowLocked();
  for (const Transit& t : transit_) {
    if (t.due > now && (!next || t.due < *next)) next = t.due;
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
