// VirtualClock (common/virtual_clock.h): time moves only when told, never backwards, and an
// advance meets every due time on its way in order, each seen as now by whoever waited for it.
#include "common/virtual_clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace epmock::internal {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;

constexpr milliseconds kThreadWait(10000);     // real time: how long a test waits for a thread
constexpr std::int64_t k2030 = 1893456000000;  // 2030-01-01T00:00:00Z

// A thread that sleeps on the clock until `due`, notes the time it woke to and says so to the
// clock, as the dispatcher does when a delivery ends.
class Sleeper {
 public:
  Sleeper(VirtualClock& clock, Clock::TimePoint due) : clock_(clock), due_(due), thread_([this] { Run(); }) {}
  ~Sleeper() { thread_.join(); }
  // Whether it has woken, if its time has come: what an advance waits for.
  bool SettledAt(Clock::TimePoint now) const { return due_ > now || woke_.load(); }
  std::optional<Clock::TimePoint> WokeAt() const {
    MutexLock lock(&mu_);
    return woke_at_;
  }

 private:
  void Run() {
    MutexLock lock(&mu_);
    while (clock_.Now() < due_) clock_.WaitUntil(&mu_, &wake_, due_);
    woke_at_ = clock_.Now();
    woke_.store(true);
    clock_.Changed();  // its work is done: an advance waiting on it looks again
  }
  VirtualClock& clock_;
  const Clock::TimePoint due_;
  mutable Mutex mu_;
  CondVar wake_;
  std::optional<Clock::TimePoint> woke_at_ EPMOCK_GUARDED_BY(mu_);
  std::atomic<bool> woke_{false};
  std::thread thread_;
};

TEST(VirtualClockTest, StandsStillUntilAdvancedAndItsWallTimeFollows) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  std::this_thread::sleep_for(milliseconds(5));
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(Rfc3339Millis(clock.EpochNanos() / 1000000), "2030-01-01T00:00:00.000Z");
  ASSERT_TRUE(clock.Advance(hours(1) + milliseconds(250)));
  EXPECT_EQ(clock.Now() - start, hours(1) + milliseconds(250));
  EXPECT_EQ(Rfc3339Millis(clock.EpochNanos() / 1000000), "2030-01-01T01:00:00.250Z");
}

TEST(VirtualClockTest, TimeNeverRunsBackwards) {
  VirtualClock clock(k2030);
  ASSERT_TRUE(clock.Advance(seconds(10)));
  const Clock::TimePoint now = clock.Now();
  EXPECT_FALSE(clock.AdvanceTo(now - milliseconds(1)));
  EXPECT_FALSE(clock.Advance(-milliseconds(1)));
  EXPECT_EQ(clock.Now(), now);
  EXPECT_TRUE(clock.AdvanceTo(now)) << "an advance to now is no move, and no error";
}

TEST(VirtualClockTest, AnAdvanceMeetsEachDueTimeInOrderEachSeenAsNow) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  std::vector<Clock::TimePoint> woke;
  {
    Sleeper late(clock, start + seconds(3));
    Sleeper early(clock, start + seconds(1));
    ASSERT_TRUE(clock.WaitForWaiters(2, kThreadWait));
    EXPECT_EQ(clock.NextDue(), start + seconds(1));
    ASSERT_TRUE(clock.Advance(seconds(5), [&] {
      const Clock::TimePoint now = clock.Now();
      return early.SettledAt(now) && late.SettledAt(now);
    }));
    // No wait after the advance: what fell due has run.
    ASSERT_TRUE(early.WokeAt().has_value());
    ASSERT_TRUE(late.WokeAt().has_value());
    woke = {*early.WokeAt(), *late.WokeAt()};
  }
  EXPECT_THAT(woke, ElementsAre(start + seconds(1), start + seconds(3)));
  EXPECT_EQ(clock.Now(), start + seconds(5));
  EXPECT_EQ(clock.NextDue(), std::nullopt);
}

TEST(VirtualClockTest, AStepShortOfADueTimeWakesNobody) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  Sleeper sleeper(clock, start + seconds(2));
  ASSERT_TRUE(clock.WaitForWaiters(1, kThreadWait));
  ASSERT_TRUE(clock.Advance(milliseconds(1999), [&] { return sleeper.SettledAt(clock.Now()); }));
  EXPECT_FALSE(sleeper.WokeAt().has_value());
  ASSERT_TRUE(clock.Advance(milliseconds(1), [&] { return sleeper.SettledAt(clock.Now()); }));
  EXPECT_EQ(sleeper.WokeAt(), start + seconds(2));
}

TEST(VirtualClockTest, TwoAdvancesAtOnceRunOneAfterTheOther) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  std::atomic<int> done{0};
  std::thread a([&] { done += clock.Advance(seconds(1)) ? 1 : 0; });
  std::thread b([&] { done += clock.Advance(seconds(1)) ? 1 : 0; });
  a.join();
  b.join();
  EXPECT_EQ(done.load(), 2);
  EXPECT_EQ(clock.Now(), start + seconds(2)) << "the second started where the first ended";
}

TEST(VirtualClockTest, WaitingForSettledLeavesTheTimeWhereItIs) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  Sleeper sleeper(clock, start + seconds(1));
  ASSERT_TRUE(clock.WaitForWaiters(1, kThreadWait));
  EXPECT_TRUE(clock.WaitSettled([&] { return sleeper.SettledAt(clock.Now()); }, kThreadWait));
  EXPECT_EQ(clock.Now(), start);
  EXPECT_FALSE(sleeper.WokeAt().has_value());
  EXPECT_FALSE(clock.WaitSettled([] { return false; }, milliseconds(20)));
  ASSERT_TRUE(clock.Advance(seconds(1), [&] { return sleeper.SettledAt(clock.Now()); }));
}

TEST(VirtualClockTest, AnAdvanceWhoseWorkNeverSettlesFailsAfterItsTimeout) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  Sleeper sleeper(clock, start + seconds(1));
  ASSERT_TRUE(clock.WaitForWaiters(1, kThreadWait));
  // Settled until the time moves; never again after.
  EXPECT_FALSE(clock.Advance(
      seconds(2), [&] { return clock.Now() == start; }, milliseconds(50)));
  // It stopped at the step whose work did not end, not at the target.
  EXPECT_EQ(clock.Now(), start + seconds(1));
}

}  // namespace
}  // namespace epmock::internal

namespace epmock::internal {
namespace {

TEST(Rfc3339Test, ReadsWhatThePlatformAndUsersWrite) {
  EXPECT_EQ(ParseRfc3339Millis("2030-01-01T00:00:00Z"), 1893456000000);
  EXPECT_EQ(ParseRfc3339Millis("2030-01-01t00:00:00z"), 1893456000000);
  EXPECT_EQ(ParseRfc3339Millis("2030-01-01T01:00:00.250+01:00"), 1893456000250);
  EXPECT_EQ(ParseRfc3339Millis("2029-12-31T19:00:00-05:00"), 1893456000000);
  EXPECT_EQ(ParseRfc3339Millis("2017-10-30T18:15:40.087650928Z"), 1509387340087);  // cut to ms
  EXPECT_EQ(ParseRfc3339Millis("2018-04-30T09:35:32.2Z"), 1525080932200);
  EXPECT_EQ(ParseRfc3339Millis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Millis("2024-02-29T00:00:00Z"), 1709164800000);  // a leap day
  EXPECT_EQ(ParseRfc3339Millis("9999-12-31T23:59:59.999Z"), 253402300799999);
  for (std::int64_t ms : {0LL, 1LL, 951782400000LL, 1893456000000LL, 4102444799999LL}) {
    EXPECT_EQ(ParseRfc3339Millis(Rfc3339Millis(ms)), ms) << ms;
  }
}

TEST(Rfc3339Test, RefusesAnythingElse) {
  for (const char* bad : {"",
                          "2030-01-01",
                          "2030-01-01T00:00:00",
                          "2030-01-01 00:00:00Z",
                          "2030-1-01T00:00:00Z",
                          "2030-01-01T00:00:00.Z",
                          "2030-01-01T00:00:00.1234567890Z",
                          "2030-13-01T00:00:00Z",
                          "2030-00-01T00:00:00Z",
                          "2030-02-29T00:00:00Z",
                          "2100-02-29T00:00:00Z",
                          "2030-04-31T00:00:00Z",
                          "2030-01-01T24:00:00Z",
                          "2030-01-01T00:60:00Z",
                          "2030-01-01T00:00:60Z",
                          "1969-12-31T23:59:59Z",
                          "1970-01-01T00:00:00+00:01",
                          "2030-01-01T00:00:00+1:00",
                          "2030-01-01T00:00:00+24:00",
                          "2030-01-01T00:00:00+01:60",
                          "2030-01-01T00:00:00Zjunk",
                          "9999-12-31T23:00:00-05:00",
                          "+2030-01-01T00:00:00Z",
                          "2030-01-01T00:00:00\xff",
                          "tomorrow"}) {
    EXPECT_EQ(ParseRfc3339Millis(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace epmock::internal
