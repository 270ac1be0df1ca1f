#include "delivery/dispatcher.h"

#include <algorithm>
#include <cmath>

#include "common/clock.h"
#include "common/ids.h"
#include "common/mutex.h"
#include "common/thread.h"

namespace epmock::internal {

namespace {
constexpr std::size_t kLoggedBodyLimit = 1024;
constexpr std::size_t kLoggedHeadersLimit = 4096;
}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options, std::map<std::string, Transport*> transports, Clock& clock)
    : options_(options), clock_(clock), transports_(std::move(transports)) {}

void Dispatcher::Start() {
  MutexLock lock(&mu_);
  if (!stopping_ || timer_.joinable()) return;
  stopping_ = false;
  idle_workers_ = 0;
  for (auto& [type, transport] : transports_) transport->Resume();
  timer_ = StartThread("delivery timer", [this] { TimerLoop(); });
}

Dispatcher::~Dispatcher() { Stop(); }

std::string Dispatcher::LaneKey(const DeliveryAttempt& d) {
  return d.event->store_id + "/" + d.integration.id;
}

std::chrono::steady_clock::duration Dispatcher::Scaled(double milliseconds) const {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double, std::milli>(milliseconds * options_.time_scale));
}

void Dispatcher::Submit(DeliveryAttempt delivery) {
  std::vector<DeliveryAttempt> one;
  one.push_back(std::move(delivery));
  Submit(std::move(one));
}

void Dispatcher::Submit(std::vector<DeliveryAttempt> deliveries) {
  MutexLock lock(&mu_);
  outstanding_ += deliveries.size();
  if (stopping_) {
    lock.Unlock();
    for (const DeliveryAttempt& delivery : deliveries) {
      AttemptResult result;
      result.error_detail = "Not delivered: epmock was stopping when the event fired";
      Log(delivery, result, 0, /*final=*/true);
      FinishOne();
    }
    return;
  }
  for (DeliveryAttempt& delivery : deliveries) SubmitLocked(std::move(delivery));
}

void Dispatcher::SubmitLocked(DeliveryAttempt delivery) {
  const bool first = delivery.attempt == 1 && !delivery.duplicate;
  if (first && delivery.faults.reorder > 1) {
    const std::string key = LaneKey(delivery);
    Hold& hold = holds_[key];
    if (hold.deliveries.empty()) {
      hold.size = delivery.faults.reorder;
      Timed flush{clock_.Now() + std::chrono::milliseconds(delivery.faults.reorder_window_ms), sequence_++,
                  DeliveryAttempt{}, key, ""};
      timers_.push(std::move(flush));
      timer_cv_.Signal();
    }
    hold.deliveries.push_back(std::move(delivery));
    if (static_cast<int>(hold.deliveries.size()) >= hold.size) ReleaseHoldLocked(key);
    return;
  }
  ScheduleLocked(std::move(delivery), clock_.Now());
}

void Dispatcher::ScheduleLocked(DeliveryAttempt delivery, TimePoint due) {
  if (delivery.faults.delay_ms > 0) due += Scaled(delivery.faults.delay_ms);
  const bool derived = options_.ids.derived();
  if (due <= clock_.Now() && !derived) {
    EnqueueLocked(std::move(delivery));
    return;
  }
  // Derived ids: even what is due now goes by the timer, which runs one instant's work in
  // the order of its logs' ids.
  std::string order = derived ? LogId(delivery) : "";
  timers_.push(Timed{due, sequence_++, std::move(delivery), "", std::move(order)});
  timer_cv_.Signal();
}

std::string Dispatcher::LogId(const DeliveryAttempt& d) const {
  // Parent and position: the job, the attempt, and which copy of it (an injected duplicate,
  // a late replay) this is.
  return options_.ids.Uuid(d.job_id + '/' + std::to_string(d.attempt) + (d.duplicate ? "/duplicate" : "") +
                           (d.replay ? "/replay" : ""));
}

void Dispatcher::ReleaseHoldLocked(const std::string& key) {
  auto it = holds_.find(key);
  if (it == holds_.end()) return;
  std::vector<DeliveryAttempt> held = std::move(it->second.deliveries);
  holds_.erase(it);
  // Newest first: the opposite of the order the events fired in, one at a time so that
  // they arrive in that order.
  for (auto d = held.rbegin(); d != held.rend(); ++d) {
    d->ordered = true;
    d->faults.delay_ms = 0;  // held already
    EnqueueLocked(std::move(*d));
  }
}

bool Dispatcher::LaneReady(const Lane& lane) const {
  if (lane.queue.empty() || lane.in_flight >= options_.per_integration_concurrency) return false;
  // A delivery released in order waits until nothing of its lane is in flight.
  return !(lane.queue.front().ordered && lane.in_flight > 0);
}

void Dispatcher::EnqueueLocked(DeliveryAttempt delivery) {
  // Derived ids: one lane, so that the one worker runs what was released in the order it was.
  const std::string key = options_.ids.derived() ? std::string() : LaneKey(delivery);
  Lane& lane = lanes_[key];
  lane.queue.push_back(std::move(delivery));
  if (!lane.runnable && LaneReady(lane)) {
    lane.runnable = true;
    runnable_.push_back(key);
    MaybeSpawnWorkerLocked();
    work_cv_.Signal();
  }
}

void Dispatcher::MaybeSpawnWorkerLocked() {
  if (idle_workers_ > 0 || static_cast<int>(workers_.size()) >= options_.max_threads) return;
  ++idle_workers_;  // counted idle until it takes work
  workers_.push_back(StartThread("delivery worker", [this] { WorkerLoop(); }));
}

void Dispatcher::TimerLoop() {
  MutexLock lock(&mu_);
  while (!stopping_) {
    if (timers_.empty()) {
      timer_asleep_ = true;
      timer_due_.reset();
      clock_.Wait(&mu_, &timer_cv_);
      timer_asleep_ = false;
      continue;
    }
    const TimePoint due = timers_.top().due;
    if (clock_.Now() < due) {
      timer_asleep_ = true;
      timer_due_ = due;
      clock_.WaitUntil(&mu_, &timer_cv_, due);
      timer_asleep_ = false;
      continue;
    }
    if (options_.ids.derived() && gate_) {
      // One instant's work is released whole, once the stories have fired theirs at it, in
      // the order of its logs' ids; the one worker runs it in that order.
      const TimePoint now = clock_.Now();
      lock.Unlock();
      const bool settled = gate_(now);
      lock.Lock();
      if (!settled) {
        // A story thread is firing at this instant; it announces nothing to this thread, so
        // look again shortly (real time, this mode only: one instant's firing takes little).
        clock_.WaitUntilOr(&mu_, &timer_cv_, TimePoint::max(),
                           std::chrono::steady_clock::now() + std::chrono::milliseconds(1));
        continue;
      }
      while (!stopping_ && !timers_.empty() && timers_.top().due <= now) ReleaseTopLocked();
      continue;
    }
    ReleaseTopLocked();
  }
}

void Dispatcher::ReleaseTopLocked() {
  Timed timed = std::move(const_cast<Timed&>(timers_.top()));
  timers_.pop();
  if (!timed.flush_key.empty()) {
    ReleaseHoldLocked(timed.flush_key);
  } else {
    EnqueueLocked(std::move(timed.delivery));
  }
}

void Dispatcher::WorkerLoop() {
  MutexLock lock(&mu_);
  for (;;) {
    while (!stopping_ && runnable_.empty()) work_cv_.Wait(&mu_);
    if (runnable_.empty()) break;  // stopping, and nothing left to run
    const std::string key = runnable_.front();
    runnable_.pop_front();
    Lane& lane = lanes_[key];
    lane.runnable = false;
    if (lane.queue.empty()) continue;
    if (!LaneReady(lane)) continue;  // becomes runnable again when its in-flight one ends
    DeliveryAttempt delivery = std::move(lane.queue.front());
    lane.queue.pop_front();
    ++lane.in_flight;
    if (!delivery.ordered && LaneReady(lane)) {
      lane.runnable = true;
      runnable_.push_back(key);
      work_cv_.Signal();
    }
    --idle_workers_;
    // Other lanes waiting and nobody idle to take them: this worker is about to block on
    // a receiver, so bring in another (up to max_threads).
    if (!runnable_.empty()) MaybeSpawnWorkerLocked();
    lock.Unlock();
    Attempt(std::move(delivery));
    lock.Lock();
    ++idle_workers_;
    Lane& after = lanes_[key];
    --after.in_flight;
    if (!after.runnable && LaneReady(after)) {
      after.runnable = true;
      runnable_.push_back(key);
      work_cv_.Signal();
    }
    if (after.queue.empty() && after.in_flight == 0 && !after.runnable) lanes_.erase(key);
    clock_.Changed();  // a delivery ended: an advance waiting for it looks again
  }
  --idle_workers_;
}

void Dispatcher::Attempt(DeliveryAttempt delivery) {
  AttemptResult result;
  const auto started = std::chrono::steady_clock::now();  // the receiver's time: real
  const Clock::TimePoint started_on_clock = clock_.Now();
  auto transport = transports_.find(delivery.integration.integration_type);
  if (delivery.attempt <= delivery.faults.fail_first_attempts && !delivery.duplicate) {
    result.error_detail = "Injected fault: the receiver did not answer in time (attempt " +
                          std::to_string(delivery.attempt) + " of the first " +
                          std::to_string(delivery.faults.fail_first_attempts) + " set to fail)";
  } else if (transport == transports_.end()) {
    result.error_detail = "No transport for integration_type " + delivery.integration.integration_type;
  } else {
    result = transport->second->Send(delivery);
    if (delivery.attempt <= delivery.faults.late_first_attempts && !delivery.duplicate) {
      // Sent in full; what the receiver answered is what the platform never saw in time.
      const std::string answered = result.status_code ? "HTTP " + std::to_string(*result.status_code)
                                                      : result.error_detail.value_or("");
      result.succeeded = false;
      result.error_detail = "Injected fault: the answer (" + answered.substr(0, 200) +
                            ") came after the timeout and was discarded (attempt " +
                            std::to_string(delivery.attempt) + " of the first " +
                            std::to_string(delivery.faults.late_first_attempts) + " set to be late)";
    }
  }
  const double real_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // What the log says it took is the clock's time: none on a frozen virtual one (the real
  // figure goes along, for the admin log).
  const double seconds = clock_.IsVirtual()
                             ? std::chrono::duration<double>(clock_.Now() - started_on_clock).count()
                             : real_seconds;

  MutexLock lock(&mu_);
  const bool retry =
      !result.succeeded && !delivery.duplicate && !stopping_ && delivery.attempt < options_.max_attempts;
  lock.Unlock();
  const double backoff = options_.retry_delay_ms * std::pow(2.0, delivery.attempt - 1);
  std::int64_t retry_in_ms = -1;
  if (retry) {
    retry_in_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            Scaled(backoff) + (delivery.faults.delay_ms > 0 ? Scaled(delivery.faults.delay_ms)
                                                            : std::chrono::steady_clock::duration::zero()))
            .count();
  }
  Log(delivery, result, seconds, /*final=*/!retry && !delivery.duplicate, retry_in_ms,
      clock_.IsVirtual() ? std::optional<double>(real_seconds * 1000) : std::nullopt);

  lock.Lock();
  if (retry) {
    DeliveryAttempt next = delivery;
    ++next.attempt;
    ScheduleLocked(std::move(next), clock_.Now() + Scaled(backoff));  // plus any injected delay
    return;
  }
  if (result.succeeded && !delivery.duplicate) {
    for (int i = 0; i < delivery.faults.duplicate && !stopping_; ++i) {
      DeliveryAttempt copy = delivery;
      copy.duplicate = true;
      ++outstanding_;
      EnqueueLocked(std::move(copy));
    }
    if (delivery.faults.refuse == "replay" && !stopping_) {
      // The same event again, long after the consumer handled it: it must have no effect.
      DeliveryAttempt late = delivery;
      late.duplicate = true;
      late.replay = true;
      ++outstanding_;
      ScheduleLocked(std::move(late), clock_.Now() + Scaled(delivery.faults.replay_after_ms));
    }
  }
  lock.Unlock();
  FinishOne();
}

void Dispatcher::Log(const DeliveryAttempt& d, const AttemptResult& result, double seconds, bool final,
                     std::int64_t retry_in_ms, std::optional<double> real_ms) {
  IntegrationLog log;
  log.id = LogId(d);
  log.integration_id = d.integration.id;
  log.job_id = d.job_id;
  log.event_id = d.event->id;
  log.succeeded = result.succeeded;
  log.attempt = d.attempt;
  log.final = final;
  log.processing_time_s = seconds;
  log.real_processing_ms = real_ms;
  if (result.body) log.body = result.body->substr(0, kLoggedBodyLimit);
  // The receiver's headers, in order, until they would pass kLoggedHeadersLimit (a name, a
  // value and 4 bytes of framing each): what the dashboard shows of its answer.
  std::size_t header_bytes = 0;
  for (const auto& [name, value] : result.response_headers) {
    header_bytes += name.size() + value.size() + 4;
    if (header_bytes > kLoggedHeadersLimit) {
      log.response_headers_cut = true;
      break;
    }
    log.response_headers.emplace_back(name, value);
  }
  log.status_code = result.status_code;
  log.error_detail = result.error_detail;
  log.created_at_ns = clock_.EpochNanos();
  log.created_at_ms = log.created_at_ns / 1000000;
  if (d.faults.refuse != "replay" || d.replay) log.refusal = d.faults.refuse;
  if (retry_in_ms >= 0) log.next_attempt_at_ms = log.created_at_ms + retry_in_ms;
  d.store->AddLog(log);
}

void Dispatcher::FinishOne() {
  MutexLock lock(&mu_);
  if (outstanding_ > 0) --outstanding_;
  if (outstanding_ == 0) idle_cv_.SignalAll();
}

bool Dispatcher::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;  // the caller's time: real
  MutexLock lock(&mu_);
  for (;;) {
    if (outstanding_ == 0 || std::chrono::steady_clock::now() >= deadline) return outstanding_ == 0;
    idle_cv_.WaitUntil(&mu_, deadline);
  }
}

std::size_t Dispatcher::Outstanding() const {
  MutexLock lock(&mu_);
  return outstanding_;
}

std::vector<Dispatcher::Scheduled> Dispatcher::ScheduledWork(const std::string& store_id,
                                                             std::size_t limit) const {
  std::vector<Scheduled> out;
  MutexLock lock(&mu_);
  auto timers = timers_;  // a copy to pop in order: what an idle answer lists, not a hot path
  while (!timers.empty() && out.size() < limit) {
    const Timed& timed = timers.top();
    Scheduled scheduled;
    scheduled.due = timed.due;
    if (!timed.flush_key.empty()) {
      const auto hold = holds_.find(timed.flush_key);
      if (hold != holds_.end() && !hold->second.deliveries.empty() && hold->second.deliveries[0].store)
        scheduled.store_id = hold->second.deliveries[0].store->id();
    } else {
      if (timed.delivery.store) scheduled.store_id = timed.delivery.store->id();
      scheduled.job_id = timed.delivery.job_id;
      scheduled.event_id = timed.delivery.event ? timed.delivery.event->id : "";
      scheduled.attempt = timed.delivery.attempt;
    }
    if (store_id.empty() || scheduled.store_id == store_id) out.push_back(std::move(scheduled));
    timers.pop();
  }
  return out;
}

bool Dispatcher::SettledAt(TimePoint now) const {
  MutexLock lock(&mu_);
  if (stopping_) return true;
  // A lane lives while it has work queued or in flight (a worker erases it when both end).
  for (const auto& [key, lane] : lanes_) {
    if (!lane.queue.empty() || lane.in_flight > 0) return false;
  }
  // And the timer asleep on the clock for the earliest due time, so that the clock knows of
  // it: a retry just scheduled is not yet waited for until the timer has looked again.
  if (!timer_asleep_) return false;
  if (timers_.empty()) return true;
  return timers_.top().due > now && timer_due_ == timers_.top().due;
}

void Dispatcher::Stop() {
  std::vector<DeliveryAttempt> abandoned;
  {
    MutexLock lock(&mu_);
    if (stopping_ && !timer_.joinable()) return;
    stopping_ = true;
    while (!timers_.empty()) {
      Timed timed = std::move(const_cast<Timed&>(timers_.top()));
      timers_.pop();
      if (timed.flush_key.empty()) abandoned.push_back(std::move(timed.delivery));
    }
    for (auto& [key, hold] : holds_) {
      for (DeliveryAttempt& d : hold.deliveries) abandoned.push_back(std::move(d));
    }
    holds_.clear();
    for (auto& [key, lane] : lanes_) {
      for (DeliveryAttempt& d : lane.queue) abandoned.push_back(std::move(d));
      lane.queue.clear();
    }
    runnable_.clear();
    timer_cv_.SignalAll();
    work_cv_.SignalAll();
  }
  for (auto& [type, transport] : transports_) transport->Cancel();
  for (const DeliveryAttempt& d : abandoned) {
    AttemptResult result;
    result.error_detail = "Not delivered: epmock stopped before attempt " + std::to_string(d.attempt);
    Log(d, result, 0, /*final=*/!d.duplicate);
    FinishOne();
  }
  if (timer_.joinable()) timer_.join();
  std::vector<std::thread> workers;
  {
    MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (std::thread& w : workers) w.join();
}

}  // namespace epmock::internal
