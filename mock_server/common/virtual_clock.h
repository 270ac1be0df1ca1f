// VirtualClock: a Clock (common/clock.h) that moves only when told. It is the clock of what is
// tested by time (the dispatcher's retries, delays and holds), and the one a server started
// with a virtual clock is to run on: hours of back-off pass in a call, and every due time on
// the way is met in order, each seeing its own due time as now.
//
//   VirtualClock clock(/*start_epoch_ms=*/1893456000000);  // 2030-01-01T00:00:00Z
//   Dispatcher dispatcher(options, transports, clock);
//   ...
//   clock.AdvanceTo(clock.Now() + std::chrono::hours(1),
//                   [&] { return dispatcher.SettledAt(clock.Now()); }, std::chrono::seconds(10));
//
// Thread-safe. Lock order: a waiter's own mutex before the clock's.
#ifndef EPMOCK_COMMON_VIRTUAL_CLOCK_H_
#define EPMOCK_COMMON_VIRTUAL_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"

namespace epmock::internal {

class VirtualClock final : public Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  // Whether the work that woke at a due time has ended (called with no lock of the clock's
  // held): what an advance waits for before it moves on to the next due time. It is asked
  // again whenever a waiter comes or goes or Changed() is called, so what it looks at must
  // call Changed() when it moves towards settled.
  using Settled = std::function<bool()>;

  // Starts at `start_epoch_ms` of wall time (milliseconds since the Unix epoch).
  explicit VirtualClock(std::int64_t start_epoch_ms = 0);

  TimePoint Now() const override;
  std::int64_t EpochNanos() const override;
  void WaitUntil(Mutex* mu, CondVar* wake, TimePoint due) EPMOCK_REQUIRES(mu) override;
  void Wait(Mutex* mu, CondVar* wake) EPMOCK_REQUIRES(mu) override;
  void WaitUntilOr(Mutex* mu, CondVar* wake, TimePoint due, std::chrono::steady_clock::time_point deadline)
      EPMOCK_REQUIRES(mu) override;
  void Changed() override EPMOCK_EXCLUDES(mu_);
  bool IsVirtual() const override { return true; }

  // Frozen (the start) the time moves only by an advance; running, it goes on at the pace of
  // real time from where it is (never backwards), and what falls due meanwhile runs as it
  // would on a real clock. An advance of a running clock freezes it for the advance and
  // lets it run again from where the advance ended.
  void Freeze() EPMOCK_EXCLUDES(mu_);
  void Resume() EPMOCK_EXCLUDES(mu_);
  bool running() const EPMOCK_EXCLUDES(mu_);

  // Moves the time to `target`, one due time of a waiter after another, in order: at each,
  // the waiters due are woken, and the step ends when each has looked at the time again and
  // `settled` (if given) says their work is done. False, with the time where the step left
  // it, when `target` is before now (time never runs backwards) or when `timeout` of real
  // time passes first. Advances run one after the other; the second starts where the first
  // ended.
  [[nodiscard]] bool AdvanceTo(TimePoint target, const Settled& settled = nullptr,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));
  [[nodiscard]] bool Advance(Duration by, const Settled& settled = nullptr,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Advances from one due time to the next until no waiter has a due time and `settled`
  // holds (kIdle), or until the next due time is more than `max` after the time it started
  // from (kLimit: the time is then moved to that limit), or until `timeout` of real time
  // passes (kTimedOut, the time where the step left it).
  enum class RunResult { kIdle, kLimit, kTimedOut };
  RunResult RunUntilIdle(Duration max, const Settled& settled, std::chrono::milliseconds timeout);

  // A time point of this clock as wall time (ms since the Unix epoch), and back.
  std::int64_t EpochMillisAt(TimePoint at) const;
  TimePoint AtEpochMillis(std::int64_t epoch_ms) const;

  std::int64_t start_epoch_ms() const { return start_epoch_ms_; }

  // Waits (real time, at most `timeout`) without moving the time until whatever was due by
  // now has woken and `settled` holds: what "idle" means on a virtual clock.
  [[nodiscard]] bool WaitSettled(const Settled& settled, std::chrono::milliseconds timeout);

  // The earliest time a waiter waits for, if any: what is scheduled later.
  std::optional<TimePoint> NextDue() const;

  // Waits (real time, at most `timeout`) until `count` threads wait on this clock with a due
  // time still to come, having looked at the time since it last moved: what a test waits for
  // before it advances by a step of its own.
  [[nodiscard]] bool WaitForWaiters(std::size_t count, std::chrono::milliseconds timeout);

 private:
  struct Waiter {
    Mutex* mu;
    CondVar* wake;
    std::optional<TimePoint> due;  // none: waits for its own signal only
    std::uint64_t generation;      // of the time it saw
    std::uint64_t id;              // its own: waiters may share a mutex and a condition variable
  };
  // A waiter woken by a move of the time short of its due time that has not waited again
  // yet: between its leaving the list and coming back, the due time it waited for is still to
  // be met, and an advance must not step past it. Kept until the same thread waits again or
  // the time reaches `due`.
  struct Transit {
    std::thread::id thread;
    TimePoint due;
  };
  // How a waiter waits: not at all (its due time has come), until signalled, or until a time
  // of the machine's clock (a running clock's due time, as real time).
  struct Sleep {
    bool wait = false;
    std::optional<std::chrono::steady_clock::time_point> real_by;
    std::uint64_t id = 0;  // the waiter's, to unregister it
  };
  // Called with the waiter's mutex held.
  Sleep Register(Mutex* mu, CondVar* wake, std::optional<TimePoint> due) EPMOCK_EXCLUDES(mu_);
  TimePoint NowLocked() const EPMOCK_REQUIRES(mu_);
  // The earliest due time of a waiter, or of a thread in transit back to waiting.
  std::optional<TimePoint> EarliestDueLocked() const EPMOCK_REQUIRES(mu_);
  // Wakes every waiter to look at the time again (it moved, or started or stopped running).
  void WakeAll(const std::vector<Waiter>& waiters);
  void Unregister(std::uint64_t id) EPMOCK_EXCLUDES(mu_);
  // Sets the time to `to` and wakes every waiter, which looks at the time again.
  void MoveTo(TimePoint to) EPMOCK_EXCLUDES(mu_);
  bool AdvanceLocked(TimePoint target, const Settled& settled, std::chrono::steady_clock::time_point deadline)
      EPMOCK_REQUIRES(advance_mu_);
  // Moves a frozen clock to `target`, due time by due time.
  bool StepTo(TimePoint target, const Settled& settled, std::chrono::steady_clock::time_point deadline)
      EPMOCK_REQUIRES(advance_mu_);
  // Until no waiter due at or before now is still asleep and `settled` holds, or `deadline`;
  // `settled_at`: the count of changes when it held.
  bool Settle(const Settled& settled, std::chrono::steady_clock::time_point deadline,
              std::uint64_t* settled_at = nullptr) EPMOCK_EXCLUDES(mu_);
  // Settles, and reads the earliest due time of a waiter in the same view: nothing came or
  // went between `settled` holding and the reading.
  bool SettleAndPeek(const Settled& settled, std::chrono::steady_clock::time_point deadline,
                     std::optional<TimePoint>* next) EPMOCK_EXCLUDES(mu_);

  const std::int64_t start_epoch_ms_;
  const TimePoint origin_;  // the TimePoint of start_epoch_ms_

  Mutex advance_mu_;  // one advance at a time: taken before mu_
  mutable Mutex mu_;
  CondVar changed_;  // a waiter came or went, or Changed()
  std::uint64_t changes_ EPMOCK_GUARDED_BY(mu_) = 0;
  TimePoint now_ EPMOCK_GUARDED_BY(mu_);  // while frozen; running: from run_base_
  bool running_ EPMOCK_GUARDED_BY(mu_) = false;
  TimePoint run_base_ EPMOCK_GUARDED_BY(mu_);                                // the time when it resumed
  std::chrono::steady_clock::time_point run_origin_ EPMOCK_GUARDED_BY(mu_);  // and the real one
  std::uint64_t generation_ EPMOCK_GUARDED_BY(mu_) = 0;
  std::uint64_t next_waiter_ EPMOCK_GUARDED_BY(mu_) = 0;
  std::vector<Waiter> waiters_ EPMOCK_GUARDED_BY(mu_);
  std::vector<Transit> transit_ EPMOCK_GUARDED_BY(mu_);  // one at most per thread
};

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_VIRTUAL_CLOCK_H_
