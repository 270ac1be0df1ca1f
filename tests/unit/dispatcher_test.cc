// The dispatcher alone, with a fake transport and a virtual clock (common/virtual_clock.h):
// retries follow the back-off by the clock, injected delays and reorder holds wait for it,
// and a stop leaves every job with its final log. No real time passes for any schedule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/virtual_clock.h"
#include "delivery/dispatcher.h"

namespace epmock::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;

constexpr milliseconds kWait(10000);            // real time: how long a test waits for a thread
constexpr std::int64_t kStart = 1893456000000;  // 2030-01-01T00:00:00Z on the virtual clock

// Records each Send with the fake clock's time, and answers as told: fail the first
// `failures` sends, succeed after.
class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(const Clock& clock) : clock_(clock) {}
  struct Sent {
    std::string job_id;
    int attempt;
    Clock::TimePoint at;
  };
  AttemptResult Send(const DeliveryAttempt& delivery) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent_.push_back({delivery.job_id, delivery.attempt, clock_.Now()});
    changed_.notify_all();
    AttemptResult result;
    result.succeeded = static_cast<int>(sent_.size()) > failures_;
    result.status_code = result.succeeded ? 200 : 500;
    if (!result.succeeded) result.error_detail = "the fake receiver failed";
    return result;
  }
  void Cancel() override {}
  void Resume() override {}

  void FailFirst(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_ = n;
  }
  // Waits (real time) until `count` sends happened; what was sent then.
  std::vector<Sent> WaitForSends(std::size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, kWait, [&] { return sent_.size() >= count; });
    return sent_;
  }
  std::vector<Sent> Sends() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Sent> sent_;
  int failures_ = 0;
};

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() : transport_(clock_) {}
  void SetUp() override {
    DispatcherOptions options;
    options.max_attempts = 4;
    options.retry_delay_ms = 1000;
    dispatcher_ = std::make_unique<Dispatcher>(
        options, std::map<std::string, Transport*>{{"webhook", &transport_}}, clock_);
    dispatcher_->Start();
    start_ = clock_.Now();
  }
  void TearDown() override { dispatcher_->Stop(); }

  DeliveryAttempt Job(const std::string& job_id, FaultPlan faults = {}) {
    auto event = std::make_shared<EventRecord>();
    event->id = "event-" + job_id;
    event->type = "order.paid";
    event->store_id = store_->id();
    DeliveryAttempt d;
    d.store = store_;
    d.event = event;
    d.integration.id = "integration-1";
    d.integration.integration_type = "webhook";
    d.job_id = job_id;
    d.faults = faults;
    return d;
  }
  // The dispatcher's timer waits for a due time; then the clock moves on by `by`.
  void AdvanceWhenWaiting(Clock::TimePoint::duration by) {
    ASSERT_TRUE(clock_.WaitForWaiters(1, kWait)) << "the dispatcher never waited for a due time";
    ASSERT_TRUE(clock_.Advance(by, Settled()));
  }
  // Whether what fell due has run: what an advance waits for.
  VirtualClock::Settled Settled() {
    return [this] { return dispatcher_->SettledAt(clock_.Now()); };
  }
  milliseconds Since(Clock::TimePoint at) const {
    return std::chrono::duration_cast<milliseconds>(at - start_);
  }

  VirtualClock clock_{kStart};
  FakeTransport transport_;
  std::shared_ptr<Store> store_ = std::make_shared<Store>("store-1");
  std::unique_ptr<Dispatcher> dispatcher_;
  Clock::TimePoint start_;
};

TEST_F(DispatcherTest, RetriesFollowTheDoublingBackOffByTheClock) {
  transport_.FailFirst(3);
  dispatcher_->Submit(Job("job-1"));
  ASSERT_EQ(transport_.WaitForSends(1).size(), 1u);
  // Due at +1 s: a step short of it sends nothing, the rest of the step sends attempt 2.
  AdvanceWhenWaiting(milliseconds(999));
  AdvanceWhenWaiting(milliseconds(1));
  ASSERT_EQ(transport_.WaitForSends(2).size(), 2u);
  AdvanceWhenWaiting(seconds(2));
  ASSERT_EQ(transport_.WaitForSends(3).size(), 3u);
  AdvanceWhenWaiting(seconds(4));
  const auto sent = transport_.WaitForSends(4);
  ASSERT_EQ(sent.size(), 4u);
  std::vector<long> at;
  std::vector<int> attempts;
  for (const auto& s : sent) {
    at.push_back(static_cast<long>(Since(s.at).count()));
    attempts.push_back(s.attempt);
  }
  EXPECT_THAT(attempts, ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(at, ElementsAre(0, 1000, 3000, 7000));
  ASSERT_TRUE(dispatcher_->WaitIdle(kWait));
  const std::vector<IntegrationLog> logs = store_->Logs("", "");  // newest first
  ASSERT_EQ(logs.size(), 4u);
  EXPECT_TRUE(logs.front().succeeded);
  EXPECT_TRUE(logs.front().final);
  for (std::size_t i = 1; i < logs.size(); ++i) EXPECT_FALSE(logs[i].final) << i;
}

TEST_F(DispatcherTest, OneAdvanceRunsEveryRetryDueInItInOrderWithTimestampsOnTheClock) {
  transport_.FailFirst(100);
  dispatcher_->Submit(Job("job-1"));
  ASSERT_EQ(transport_.WaitForSends(1).size(), 1u);
  ASSERT_TRUE(clock_.Advance(std::chrono::hours(1), Settled()));
  // No wait: the advance returned when the attempts were made and logged.
  const auto sent = transport_.Sends();
  std::vector<long> at;
  for (const auto& s : sent) at.push_back(static_cast<long>(Since(s.at).count()));
  EXPECT_THAT(at, ElementsAre(0, 1000, 3000, 7000));
  EXPECT_EQ(dispatcher_->Outstanding(), 0u);
  std::vector<IntegrationLog> logs = store_->Logs("", "");  // newest first
  ASSERT_EQ(logs.size(), 4u);
  std::vector<std::int64_t> stamped, next;
  for (auto it = logs.rbegin(); it != logs.rend(); ++it) {
    stamped.push_back(it->created_at_ms - kStart);
    next.push_back(it->next_attempt_at_ms == 0 ? 0 : it->next_attempt_at_ms - kStart);
  }
  EXPECT_THAT(stamped, ElementsAre(0, 1000, 3000, 7000)) << "each attempt logged at its own due time";
  EXPECT_THAT(next, ElementsAre(1000, 3000, 7000, 0));
  EXPECT_TRUE(logs.front().final);
}

TEST_F(DispatcherTest, SettledMeansNothingInFlightAndNothingDueYet) {
  FaultPlan faults;
  faults.delay_ms = 5000;
  dispatcher_->Submit(Job("job-1", faults));
  ASSERT_TRUE(clock_.WaitForWaiters(1, kWait));
  EXPECT_TRUE(dispatcher_->SettledAt(clock_.Now())) << "due in 5 s: nothing to do now";
  EXPECT_FALSE(dispatcher_->SettledAt(clock_.Now() + seconds(5))) << "due then";
  ASSERT_TRUE(clock_.Advance(seconds(5), Settled()));
  EXPECT_EQ(transport_.Sends().size(), 1u);
  EXPECT_TRUE(dispatcher_->SettledAt(clock_.Now()));
}

TEST_F(DispatcherTest, TheLastFailedAttemptIsFinalAndNoRetryFollows) {
  transport_.FailFirst(100);
  dispatcher_->Submit(Job("job-1"));
  ASSERT_EQ(transport_.WaitForSends(1).size(), 1u);
  ASSERT_TRUE(clock_.Advance(std::chrono::hours(1), Settled()));  // every retry due in it
  ASSERT_EQ(transport_.Sends().size(), 4u) << "four attempts, and no fifth";
  ASSERT_TRUE(dispatcher_->WaitIdle(kWait));
  const std::vector<IntegrationLog> logs = store_->Logs("", "");
  ASSERT_EQ(logs.size(), 4u);
  EXPECT_FALSE(logs.front().succeeded);
  EXPECT_TRUE(logs.front().final);
  EXPECT_EQ(logs.front().next_attempt_at_ms, 0);
}

TEST_F(DispatcherTest, AnInjectedDelayHoldsTheFirstAttemptUntilItsTime) {
  FaultPlan faults;
  faults.delay_ms = 5000;
  dispatcher_->Submit(Job("job-1", faults));
  AdvanceWhenWaiting(milliseconds(4999));
  EXPECT_TRUE(transport_.Sends().empty()) << "sent before its delay";
  AdvanceWhenWaiting(milliseconds(1));
  const auto sent = transport_.WaitForSends(1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Since(sent[0].at).count(), 5000);
}

TEST_F(DispatcherTest, AFullReorderHoldIsReleasedNewestFirst) {
  FaultPlan faults;
  faults.reorder = 3;
  for (const char* job : {"a", "b", "c"}) dispatcher_->Submit(Job(job, faults));
  const auto sent = transport_.WaitForSends(3);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_THAT((std::vector<std::string>{sent[0].job_id, sent[1].job_id, sent[2].job_id}),
              ElementsAre("c", "b", "a"));
  for (const auto& s : sent) EXPECT_EQ(Since(s.at).count(), 0);  // no time passed
}

TEST_F(DispatcherTest, AReorderHoldNotFilledIsReleasedWhenItsWindowEnds) {
  FaultPlan faults;
  faults.reorder = 3;
  faults.reorder_window_ms = 2000;
  dispatcher_->Submit(Job("a", faults));
  dispatcher_->Submit(Job("b", faults));
  AdvanceWhenWaiting(milliseconds(1999));
  EXPECT_TRUE(transport_.Sends().empty()) << "released before its window ended";
  AdvanceWhenWaiting(milliseconds(1));
  const auto sent = transport_.WaitForSends(2);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].job_id, "b");
  EXPECT_EQ(sent[1].job_id, "a");
  EXPECT_EQ(Since(sent[0].at).count(), 2000);
}

TEST_F(DispatcherTest, FailedFirstAttemptsAreInjectedWithoutTheReceiver) {
  FaultPlan faults;
  faults.fail_first_attempts = 2;
  dispatcher_->Submit(Job("job-1", faults));
  AdvanceWhenWaiting(seconds(1));
  AdvanceWhenWaiting(seconds(2));
  const auto sent = transport_.WaitForSends(1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attempt, 3);  // attempts 1 and 2 never reached the receiver
  EXPECT_EQ(Since(sent[0].at).count(), 3000);
  ASSERT_TRUE(dispatcher_->WaitIdle(kWait));
  const std::vector<IntegrationLog> logs = store_->Logs("", "");
  ASSERT_EQ(logs.size(), 3u);
  EXPECT_THAT(logs[2].error_detail.value_or(""), ::testing::HasSubstr("Injected fault"));
}

TEST_F(DispatcherTest, AStopLeavesEveryScheduledJobWithItsFinalLog) {
  FaultPlan faults;
  faults.delay_ms = 3600000;  // an hour away on the fake clock
  dispatcher_->Submit(Job("later", faults));
  ASSERT_TRUE(clock_.WaitForWaiters(1, kWait));
  EXPECT_EQ(dispatcher_->Outstanding(), 1u);
  dispatcher_->Stop();
  EXPECT_EQ(dispatcher_->Outstanding(), 0u);
  EXPECT_TRUE(transport_.Sends().empty());
  const std::vector<IntegrationLog> logs = store_->Logs("", "");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_TRUE(logs[0].final);
  EXPECT_THAT(logs[0].error_detail.value_or(""), ::testing::HasSubstr("Not delivered: epmock stopped"));
}

TEST_F(DispatcherTest, WithDerivedIdsOneInstantsDeliveriesRunOneAtATimeInTheirLogsIdOrder) {
  dispatcher_->Stop();
  DispatcherOptions options;
  options.ids = IdSource(7, true);
  options.max_threads = 1;  // what the engine sets with derived ids
  dispatcher_ = std::make_unique<Dispatcher>(
      options, std::map<std::string, Transport*>{{"webhook", &transport_}}, clock_);
  dispatcher_->Start();
  std::vector<DeliveryAttempt> jobs;
  std::vector<std::pair<std::string, std::string>> expected;  // (log id, job id)
  for (int i = 0; i < 6; ++i) {
    DeliveryAttempt d = Job("job-" + std::to_string(i));
    d.integration.id = "integration-" + std::to_string(i % 3);  // three receivers
    expected.emplace_back(options.ids.Uuid(d.job_id + "/1"), d.job_id);
    jobs.push_back(std::move(d));
  }
  std::sort(expected.begin(), expected.end());
  dispatcher_->Submit(std::move(jobs));
  const auto sent = transport_.WaitForSends(6);
  ASSERT_EQ(sent.size(), 6u);
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(sent[i].job_id, expected[i].second) << i;
  ASSERT_TRUE(dispatcher_->WaitIdle(kWait));
  const std::vector<IntegrationLog> logs = store_->Logs("", "");  // newest first
  ASSERT_EQ(logs.size(), 6u);
  for (std::size_t i = 0; i < logs.size(); ++i) EXPECT_EQ(logs[logs.size() - 1 - i].id, expected[i].first);
}

}  // namespace
}  // namespace epmock::internal
