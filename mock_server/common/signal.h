// ChangeSignal: a version that goes up on every change of what it watches, and a wake-up for
// whoever waits for the next one: how a waiter learns of epmock's own progress without
// sleeping (a store's events and deliveries, a queue's messages).
//
//   std::uint64_t seen = store.changes().version();
//   while (!Done()) {                       // the condition, read after taking `seen`
//     seen = store.changes().WaitUntil(seen, deadline);
//     if (Clock::now() >= deadline) break;
//   }
//
// Read the version before the condition: a change between the two makes the wait return at
// once, so no change is missed. Thread-safe; Notify is cheap when nobody waits.
#ifndef EPMOCK_COMMON_SIGNAL_H_
#define EPMOCK_COMMON_SIGNAL_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/mutex.h"

namespace epmock::internal {

class ChangeSignal {
 public:
  std::uint64_t version() const { return version_.load(std::memory_order_seq_cst); }

  // The watched state changed: the version goes up and every waiter wakes. With nobody
  // waiting it costs two atomic operations (a store announces every change it makes).
  void Notify() {
    version_.fetch_add(1, std::memory_order_seq_cst);
    // A waiter counts itself before it reads the version: either it sees the new version
    // and does not sleep, or this sees it counted and wakes it.
    if (waiters_.load(std::memory_order_seq_cst) == 0) return;
    { MutexLock lock(&mu_); }  // a waiter between its check and its sleep has slept
    changed_.SignalAll();
  }

  // Waits until the version is no longer `seen`, or the deadline passes (the waiter's own
  // deadline: a timeout, a keep-alive); the version then.
  std::uint64_t WaitUntil(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) const {
    MutexLock lock(&mu_);
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    while (version_.load(std::memory_order_seq_cst) == seen) {
      if (!changed_.WaitUntil(&mu_, deadline)) break;
    }
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
    return version_.load(std::memory_order_seq_cst);
  }

 private:
  mutable Mutex mu_;  // guards nothing: orders a waiter's sleep against Notify
  mutable CondVar changed_;
  std::atomic<std::uint64_t> version_{0};
  mutable std::atomic<int> waiters_{0};
};

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_SIGNAL_H_
