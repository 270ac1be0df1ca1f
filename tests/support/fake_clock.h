// FakeClock: a Clock (common/clock.h) that moves only when the test says, for tests of what
// schedules by it (the dispatcher's retries, delays and holds): hours of back-off pass in a
// call, and the order of what is due is the test's to check.
//
//   FakeClock clock;
//   Dispatcher dispatcher(options, {{"webhook", &transport}}, clock);
//   ...
//   ASSERT_TRUE(clock.WaitForWaiters(1, kWait));   // the dispatcher's timer waits for a due time
//   clock.Advance(std::chrono::seconds(1));        // and wakes when it has come
#ifndef EPMOCK_TESTS_SUPPORT_FAKE_CLOCK_H_
#define EPMOCK_TESTS_SUPPORT_FAKE_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"

namespace epmock::testing_support {

class FakeClock final : public internal::Clock {
 public:
  TimePoint Now() const override {
    internal::MutexLock lock(&mu_);
    return now_;
  }

  void WaitUntil(internal::Mutex* mu, internal::CondVar* wake, TimePoint due) EPMOCK_REQUIRES(mu) override {
    if (!Register(mu, wake, &due)) return;
    wake->Wait(mu);  // Advance signals under the waiter's own mutex: no wake-up is lost
    Unregister(wake);
  }

  void Wait(internal::Mutex* mu, internal::CondVar* wake) EPMOCK_REQUIRES(mu) override {
    Register(mu, wake, nullptr);
    wake->Wait(mu);
    Unregister(wake);
  }

  // Moves the time on and wakes every waiter, which looks at the time again.
  void Advance(std::chrono::steady_clock::duration by) {
    std::vector<Waiter> waiters;
    {
      internal::MutexLock lock(&mu_);
      now_ += by;
      ++generation_;  // whoever waits now has not seen this time yet
      waiters = waiters_;
    }
    for (const Waiter& w : waiters) {
      internal::MutexLock lock(w.mu);
      w.wake->SignalAll();
    }
  }

  // Waits (real time, at most `timeout`) until `count` threads wait on this clock with a due
  // time still to come, having looked at the time since the last Advance: what a test waits
  // for before it advances again.
  bool WaitForWaiters(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    internal::MutexLock lock(&mu_);
    for (;;) {
      std::size_t timed = 0;
      for (const Waiter& w : waiters_) timed += w.timed && w.generation == generation_;
      if (timed >= count) return true;
      if (!changed_.WaitUntil(&mu_, deadline)) return false;
    }
  }

 private:
  struct Waiter {
    internal::Mutex* mu;
    internal::CondVar* wake;
    bool timed;
    std::uint64_t generation;  // of the time it saw
  };
  // False when the due time has already come (no wait).
  // Called with the waiter's mutex held: the waiter's mutex before mu_.
  bool Register(internal::Mutex* mu, internal::CondVar* wake, const TimePoint* due) {
    internal::MutexLock guard(&mu_);
    if (due && now_ >= *due) return false;
    waiters_.push_back({mu, wake, due != nullptr, generation_});
    changed_.SignalAll();
    return true;
  }
  void Unregister(internal::CondVar* wake) {
    internal::MutexLock guard(&mu_);
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (it->wake == wake) {
        waiters_.erase(it);
        break;
      }
    }
    changed_.SignalAll();
  }

  mutable internal::Mutex mu_;
  internal::CondVar changed_;
  TimePoint now_ EPMOCK_GUARDED_BY(mu_){std::chrono::hours(1)};
  std::uint64_t generation_ EPMOCK_GUARDED_BY(mu_) = 0;
  std::vector<Waiter> waiters_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::testing_support

#endif  // EPMOCK_TESTS_SUPPORT_FAKE_CLOCK_H_
