// Dispatcher: runs deliveries concurrently, retries failures by the retry policy, applies
// injected faults, and writes a log for every attempt.
//
// Guarantees:
// - Every submitted job ends in exactly one final log: a success, or the failure after
//   which no retry follows (including "not delivered" when the dispatcher stops first).
// - A slow or dead receiver holds at most `per_integration_concurrency` workers; other
//   integrations keep being served by the rest (up to `max_threads`).
// - Submit never blocks on a delivery.
//
// Thread-safe.
#ifndef EPMOCK_DELIVERY_DISPATCHER_H_
#define EPMOCK_DELIVERY_DISPATCHER_H_

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "common/mutex.h"
#include "delivery/delivery.h"

namespace epmock::internal {

struct DispatcherOptions {
  int max_attempts = 5;
  int retry_delay_ms = 1000;  // before the 2nd attempt; doubling after each failure
  double time_scale = 1.0;    // multiplies retry delays and injected delays
  int max_threads = 256;
  int per_integration_concurrency = 4;
  // Of the attempts' logs. Derived ones (a virtual clock with a seed: the same bytes every
  // run) also make the dispatcher run what falls due at one instant one at a time, in the
  // order of the logs' ids, once the gate (SetGate) says the instant's producers are done:
  // deliveries that run at once reach receivers in an order no run can repeat.
  IdSource ids;
};

class Dispatcher {
 public:
  // Schedules by `clock` (retries, delays, reorder holds; common/clock.h), which must outlive
  // it; how long a receiver took to answer is measured on the machine's clock.
  Dispatcher(DispatcherOptions options, std::map<std::string, Transport*> transports,
             Clock& clock = SteadyClock());
  using TimePoint = Clock::TimePoint;
  ~Dispatcher();

  // With derived ids: whether everything that makes deliveries due at `now` has made them
  // (the stories have fired theirs). Set before Start; called without the dispatcher's lock.
  void SetGate(std::function<bool(TimePoint)> settled) { gate_ = std::move(settled); }

  // Starts the timer (workers start on demand). Submissions before Start, or after Stop,
  // are logged as not delivered. Start after Stop serves again.
  void Start();

  // A job's first attempt (or an injected duplicate). The job must already be recorded.
  void Submit(DeliveryAttempt delivery);
  // An event's deliveries, all at once: with derived ids, the timer sees them together.
  void Submit(std::vector<DeliveryAttempt> deliveries);

  // Waits until nothing is scheduled, queued, held or in flight.
  [[nodiscard]] bool WaitIdle(std::chrono::milliseconds timeout);
  // Deliveries not yet finished.
  std::size_t Outstanding() const;
  // Whether nothing is queued or in flight and nothing is due at or before `now` (of the
  // dispatcher's clock): what is left waits for a later time. What a virtual clock's advance
  // waits for before it moves on (common/virtual_clock.h).
  bool SettledAt(TimePoint now) const;
  // What of one store waits for a later time, earliest first, at most `limit`: an attempt (a
  // retry, a delayed first attempt, a replay), or the end of a reorder window.
  struct Scheduled {
    TimePoint due;
    std::string store_id;  // whose
    std::string job_id;    // empty for a reorder window
    std::string event_id;  // empty for a reorder window
    int attempt = 0;
  };
  // The store's (every store's for ""), earliest first.
  std::vector<Scheduled> ScheduledWork(const std::string& store_id, std::size_t limit) const;

  // Logs everything not yet attempted as not delivered, cancels what is in flight, and
  // joins the workers. Idempotent; Submit afterwards logs the job as not delivered.
  void Stop();

 private:
  struct Timed {
    TimePoint due;
    std::uint64_t sequence;
    DeliveryAttempt delivery;  // when !flush_key
    std::string flush_key;     // a reorder hold to release
    std::string order;         // with derived ids, the attempt's log id: one instant's order
    bool operator>(const Timed& o) const {
      if (due != o.due) return due > o.due;
      if (order != o.order) return order > o.order;
      return sequence > o.sequence;
    }
  };
  struct Lane {  // one integration's queue
    std::deque<DeliveryAttempt> queue;
    int in_flight = 0;
    bool runnable = false;
  };
  struct Hold {
    std::vector<DeliveryAttempt> deliveries;
    int size = 0;
  };

  static std::string LaneKey(const DeliveryAttempt& d);
  // The id the attempt's log gets (Log), derived or random.
  std::string LogId(const DeliveryAttempt& d) const;
  std::chrono::steady_clock::duration Scaled(double milliseconds) const;
  void SubmitLocked(DeliveryAttempt delivery) EPMOCK_REQUIRES(mu_);
  void ScheduleLocked(DeliveryAttempt delivery, TimePoint due) EPMOCK_REQUIRES(mu_);
  void EnqueueLocked(DeliveryAttempt delivery) EPMOCK_REQUIRES(mu_);
  void ReleaseHoldLocked(const std::string& key) EPMOCK_REQUIRES(mu_);
  void ReleaseTopLocked() EPMOCK_REQUIRES(mu_);
  void MaybeSpawnWorkerLocked() EPMOCK_REQUIRES(mu_);
  // Whether a worker may take the lane's next delivery now.
  bool LaneReady(const Lane& lane) const;

  void TimerLoop() EPMOCK_EXCLUDES(mu_);
  void WorkerLoop() EPMOCK_EXCLUDES(mu_);
  void Attempt(DeliveryAttempt delivery) EPMOCK_EXCLUDES(mu_);
  // retry_in_ms: when the next attempt is due, from now (-1: none follows).
  void Log(const DeliveryAttempt& delivery, const AttemptResult& result, double seconds, bool final,
           std::int64_t retry_in_ms = -1, std::optional<double> real_ms = std::nullopt);
  void FinishOne() EPMOCK_EXCLUDES(mu_);

  const DispatcherOptions options_;
  std::function<bool(TimePoint)> gate_;  // SetGate's
  Clock& clock_;
  const std::map<std::string, Transport*> transports_;

  // Lock order: mu_ before a transport's lock (Start resumes them under it) and before a
  // test clock's (a wait registers with it). A transport's Send and a store's AddLog run
  // with mu_ released.
  mutable Mutex mu_;
  CondVar work_cv_;
  CondVar timer_cv_;
  mutable CondVar idle_cv_;
  std::priority_queue<Timed, std::vector<Timed>, std::greater<Timed>> timers_ EPMOCK_GUARDED_BY(mu_);
  std::map<std::string, Lane> lanes_ EPMOCK_GUARDED_BY(mu_);
  std::deque<std::string> runnable_ EPMOCK_GUARDED_BY(mu_);
  std::map<std::string, Hold> holds_ EPMOCK_GUARDED_BY(mu_);
  std::size_t outstanding_ EPMOCK_GUARDED_BY(mu_) = 0;
  std::uint64_t sequence_ EPMOCK_GUARDED_BY(mu_) = 0;
  int idle_workers_ EPMOCK_GUARDED_BY(mu_) = 0;
  bool timer_asleep_ EPMOCK_GUARDED_BY(mu_) = false;           // the timer waits on the clock
  std::optional<TimePoint> timer_due_ EPMOCK_GUARDED_BY(mu_);  // for this time (none: a wake-up only)
  bool stopping_ EPMOCK_GUARDED_BY(mu_) = true;                // until Start()
  std::thread timer_;  // Start and Stop's alone; joined with mu_ released
  std::vector<std::thread> workers_ EPMOCK_GUARDED_BY(mu_);  // moved out to be joined
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_DISPATCHER_H_
