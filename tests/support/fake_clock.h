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
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace epmock::testing_support {

class FakeClock final : public internal::Clock {
 public:
  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }

  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& wake, TimePoint due) override {
    if (!Register(lock, wake, &due)) return;
    wake.wait(lock);  // Advance notifies under the waiter's own mutex: no wake-up is lost
    Unregister(wake);
  }

  void Wait(std::unique_lock<std::mutex>& lock, std::condition_variable& wake) override {
    Register(lock, wake, nullptr);
    wake.wait(lock);
    Unregister(wake);
  }

  // Moves the time on and wakes every waiter, which looks at the time again.
  void Advance(std::chrono::steady_clock::duration by) {
    std::vector<Waiter> waiters;
    {
      std::lock_guard<std::mutex> lock(mu_);
      now_ += by;
      ++generation_;  // whoever waits now has not seen this time yet
      waiters = waiters_;
    }
    for (const Waiter& w : waiters) {
      std::lock_guard<std::mutex> lock(*w.mu);
      w.wake->notify_all();
    }
  }

  // Waits (real time, at most `timeout`) until `count` threads wait on this clock with a due
  // time still to come, having looked at the time since the last Advance: what a test waits
  // for before it advances again.
  bool WaitForWaiters(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, timeout, [&] {
      std::size_t timed = 0;
      for (const Waiter& w : waiters_) timed += w.timed && w.generation == generation_;
      return timed >= count;
    });
  }

 private:
  struct Waiter {
    std::mutex* mu;
    std::condition_variable* wake;
    bool timed;
    std::uint64_t generation;  // of the time it saw
  };
  // False when the due time has already come (no wait).
  bool Register(std::unique_lock<std::mutex>& lock, std::condition_variable& wake, const TimePoint* due) {
    std::lock_guard<std::mutex> guard(mu_);
    if (due && now_ >= *due) return false;
    waiters_.push_back({lock.mutex(), &wake, due != nullptr, generation_});
    changed_.notify_all();
    return true;
  }
  void Unregister(std::condition_variable& wake) {
    std::lock_guard<std::mutex> guard(mu_);
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (it->wake == &wake) {
        waiters_.erase(it);
        break;
      }
    }
    changed_.notify_all();
  }

  mutable std::mutex mu_;
  std::condition_variable changed_;
  TimePoint now_{std::chrono::hours(1)};
  std::uint64_t generation_ = 0;
  std::vector<Waiter> waiters_;
};

}  // namespace epmock::testing_support

#endif  // EPMOCK_TESTS_SUPPORT_FAKE_CLOCK_H_
