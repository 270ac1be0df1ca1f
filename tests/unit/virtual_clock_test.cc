// VirtualClock (common/virtual_clock.h): time moves only when told, never backwards, and an
// advance meets every due time on its way in order, each seen as now by whoever waited for it.
#include "common/virtual_clock.h"
#include "common/ids.h"

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
  // `dawdle`: how long (real time) it takes, woken short of its due time, to wait again: a
  // thread the machine is slow to run again.
  Sleeper(VirtualClock& clock, Clock::TimePoint due, milliseconds dawdle = milliseconds(0))
      : clock_(clock), due_(due), dawdle_(dawdle), thread_([this] { Run(); }) {}
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
    while (clock_.Now() < due_) {
      clock_.WaitUntil(&mu_, &wake_, due_);
      if (clock_.Now() < due_) std::this_thread::sleep_for(dawdle_);
    }
    woke_at_ = clock_.Now();
    woke_.store(true);
    clock_.Changed();  // its work is done: an advance waiting on it looks again
  }
  VirtualClock& clock_;
  const Clock::TimePoint due_;
  const milliseconds dawdle_;
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

// A waiter woken by a step short of its due time is out of the clock's list until it waits
// again; an advance that looked for the next due time in that moment stepped past it, and the
// waiter woke at the end of the advance instead (CI, under TSan).
TEST(VirtualClockTest, AWaiterSlowToWaitAgainIsNotSteppedPast) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  std::optional<Clock::TimePoint> woke;
  {
    Sleeper late(clock, start + seconds(3), milliseconds(100));
    Sleeper early(clock, start + seconds(1));
    ASSERT_TRUE(clock.WaitForWaiters(2, kThreadWait));
    ASSERT_TRUE(clock.Advance(seconds(5), [&] {
      const Clock::TimePoint now = clock.Now();
      return early.SettledAt(now) && late.SettledAt(now);
    }));
    woke = late.WokeAt();
  }
  EXPECT_EQ(woke, start + seconds(3));
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

TEST(VirtualClockTest, WaitersSharingAMutexAndAConditionVariableAreEachTheirOwn) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  Mutex mu;
  CondVar wake;
  std::atomic<int> woke{0};
  const auto sleep_until = [&](Clock::TimePoint due) {
    MutexLock lock(&mu);
    while (clock.Now() < due) clock.WaitUntil(&mu, &wake, due);
    ++woke;
    clock.Changed();
  };
  std::thread late([&] { sleep_until(start + hours(2)); });
  ASSERT_TRUE(clock.WaitForWaiters(1, kThreadWait));
  std::thread soon([&] { sleep_until(start + hours(1)); });
  ASSERT_TRUE(clock.WaitForWaiters(2, kThreadWait));
  // Settled: every waiter whose time has come has woken.
  const auto settled = [&] {
    const Clock::TimePoint now = clock.Now();
    return woke.load() >= (now >= start + hours(1)) + (now >= start + hours(2));
  };
  ASSERT_TRUE(clock.Advance(hours(1), settled, kThreadWait));
  soon.join();
  // The one that woke took its own entry away, not the other's, which still waits. (The
  // shared condition variable woke `late` too: it is back to waiting once it has looked at
  // the time, and only then is its entry sure to be there.)
  ASSERT_TRUE(clock.WaitForWaiters(1, kThreadWait));
  EXPECT_EQ(clock.NextDue(), start + hours(2));
  ASSERT_TRUE(clock.Advance(hours(1), settled, kThreadWait));
  late.join();
  EXPECT_EQ(clock.NextDue(), std::nullopt);
}

TEST(VirtualClockTest, RunUntilIdleMeetsEveryDueTimeAndStopsWhenNothingIsLeft) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  {
    Sleeper first(clock, start + seconds(1)), second(clock, start + seconds(2)),
        last(clock, start + hours(1));
    ASSERT_TRUE(clock.WaitForWaiters(3, kThreadWait));
    const auto settled = [&] {
      const Clock::TimePoint now = clock.Now();
      return first.SettledAt(now) && second.SettledAt(now) && last.SettledAt(now);
    };
    EXPECT_EQ(clock.RunUntilIdle(hours(2), settled, kThreadWait), VirtualClock::RunResult::kIdle);
    EXPECT_EQ(last.WokeAt(), start + hours(1));
  }
  EXPECT_EQ(clock.Now(), start + hours(1)) << "idle is where the last due time was, not the limit";
}

TEST(VirtualClockTest, RunUntilIdleStopsAtItsLimitWithWorkStillScheduled) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  Sleeper soon(clock, start + seconds(1)), late(clock, start + hours(3));
  ASSERT_TRUE(clock.WaitForWaiters(2, kThreadWait));
  const auto settled = [&] { return soon.SettledAt(clock.Now()) && late.SettledAt(clock.Now()); };
  EXPECT_EQ(clock.RunUntilIdle(hours(1), settled, kThreadWait), VirtualClock::RunResult::kLimit);
  EXPECT_EQ(clock.Now(), start + hours(1));
  EXPECT_EQ(soon.WokeAt(), start + seconds(1));
  EXPECT_EQ(late.WokeAt(), std::nullopt);
  EXPECT_EQ(clock.NextDue(), start + hours(3));
  ASSERT_TRUE(clock.Advance(hours(2), settled, kThreadWait));  // lets `late` end
}

TEST(VirtualClockTest, ResumedItRunsOnFromWhereItWasAndFreezesWhereItGot) {
  VirtualClock clock(k2030);
  ASSERT_TRUE(clock.Advance(hours(1)));
  const Clock::TimePoint advanced = clock.Now();
  clock.Resume();
  EXPECT_TRUE(clock.running());
  EXPECT_GE(clock.Now(), advanced) << "time never runs backwards";
  // A due time a few real milliseconds ahead comes by itself now.
  Sleeper soon(clock, clock.Now() + milliseconds(20));
  while (!soon.WokeAt()) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_GE(*soon.WokeAt(), advanced + milliseconds(20));
  clock.Freeze();
  EXPECT_FALSE(clock.running());
  const Clock::TimePoint frozen = clock.Now();
  std::this_thread::sleep_for(milliseconds(5));
  EXPECT_EQ(clock.Now(), frozen);
  EXPECT_GE(frozen, *soon.WokeAt());
}

TEST(VirtualClockTest, AnAdvanceOfARunningClockJumpsAheadAndItRunsOn) {
  VirtualClock clock(k2030);
  const Clock::TimePoint start = clock.Now();
  clock.Resume();
  ASSERT_TRUE(clock.Advance(hours(1)));
  EXPECT_TRUE(clock.running());
  EXPECT_GE(clock.Now(), start + hours(1));
  EXPECT_LT(clock.Now(), start + hours(2));
}

TEST(VirtualClockTest, AWaitBoundedByRealTimeEndsAtTheEarlierOfTheTwo) {
  VirtualClock clock(k2030);
  Mutex mu;
  CondVar wake;
  {
    // Nothing on the clock to wait for: the real deadline ends it, and the time stays.
    MutexLock lock(&mu);
    const Clock::TimePoint before = clock.Now();
    clock.WaitUntilOr(&mu, &wake, Clock::TimePoint::max(),
                      std::chrono::steady_clock::now() + milliseconds(5));
    EXPECT_EQ(clock.Now(), before);
  }
  // A due time an advance reaches wakes it long before a real deadline an hour away.
  const Clock::TimePoint due = clock.Now() + seconds(30);
  std::atomic<bool> woke{false};
  std::thread poll([&] {
    MutexLock lock(&mu);
    while (clock.Now() < due) clock.WaitUntilOr(&mu, &wake, due, std::chrono::steady_clock::now() + hours(1));
    woke.store(true);
    clock.Changed();
  });
  ASSERT_TRUE(clock.WaitForWaiters(1, kThreadWait));
  ASSERT_TRUE(clock.Advance(
      seconds(30), [&] { return woke.load() || clock.Now() < due; }, kThreadWait));
  poll.join();
  EXPECT_TRUE(woke.load());
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

TEST(DurationTest, ReadsWhatPeopleWrite) {
  EXPECT_EQ(ParseDurationMillis("1500"), 1500);
  EXPECT_EQ(ParseDurationMillis("250ms"), 250);
  EXPECT_EQ(ParseDurationMillis("90s"), 90000);
  EXPECT_EQ(ParseDurationMillis("1h30m"), 5400000);
  EXPECT_EQ(ParseDurationMillis("2d"), 172800000);
  EXPECT_EQ(ParseDurationMillis("1h1m1s1ms"), 3661001);
  EXPECT_EQ(ParseDurationMillis("0s"), 0);
  EXPECT_EQ(ParseDurationMillis("36500d"), 36500LL * 86400000) << "100 years, the most";
}

TEST(DurationTest, RefusesAnythingElse) {
  for (const char* text :
       {"", "h", "-1h", "1.5h", "1h30", "1H", "1w", "1 h", "ms", "1hh", "1s-", "36501d", "99999999999999d",
        "1000000000000000000", "0x10", "1h\n", "1234567890123456789012345678901234s"}) {
    EXPECT_EQ(ParseDurationMillis(text), std::nullopt) << text;
  }
  EXPECT_EQ(ParseDurationMillis(std::string_view("1h\0", 3)), std::nullopt);
}

}  // namespace
}  // namespace epmock::internal

// Where ids come from (common/ids.h): random, or, on a virtual clock with a seed, derived
// from the seed, a parent and a position, so that two runs of a test make the same ones.
namespace epmock::internal {
namespace {

TEST(IdSourceTest, WithoutASeedOrOnARealClockIdsAreRandom) {
  for (const IdSource& ids : {IdSource(), IdSource(0, true), IdSource(42, false)}) {
    EXPECT_FALSE(ids.derived());
    EXPECT_NE(ids.Uuid("store/event/0"), ids.Uuid("store/event/0"));
    EXPECT_NE(ids.ForContent("q", "body"), ids.ForContent("q", "body"));
    EXPECT_EQ(ids.Seed("x"), 0u);
  }
}

TEST(IdSourceTest, ADerivedIdIsAVersion4UuidOfTheSeedAndTheName) {
  const IdSource one(42, true), again(42, true), other_seed(43, true);
  ASSERT_TRUE(one.derived());
  const std::string id = one.Uuid("store/event/0");
  EXPECT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id[14], '4') << id;
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  EXPECT_EQ(again.Uuid("store/event/0"), id);
  EXPECT_NE(one.Uuid("store/event/1"), id);
  EXPECT_NE(other_seed.Uuid("store/event/0"), id);
  EXPECT_EQ(one.Hex("client/token/0", 20).size(), 40u);
  EXPECT_EQ(one.Hex("client/token/0", 20), again.Hex("client/token/0", 20));
  EXPECT_EQ(one.Hex("long", 40).size(), 80u) << "more than one digest's worth";
  EXPECT_EQ(one.Seed("s"), again.Seed("s"));
  EXPECT_NE(one.Seed("s"), one.Seed("t"));
}

TEST(IdSourceTest, ContentIdsCountRepeatsAndDoNotDependOnTheOrderOtherContentCameIn) {
  const IdSource a(7, true), b(7, true);
  const std::string x1 = a.ForContent("queue", "x");
  const std::string y1 = a.ForContent("queue", "y");
  const std::string x2 = a.ForContent("queue", "x");
  EXPECT_NE(x1, x2) << "the same bytes sent twice are two messages";
  // Another run, where y arrived first.
  EXPECT_EQ(b.ForContent("queue", "y"), y1);
  EXPECT_EQ(b.ForContent("queue", "x"), x1);
  EXPECT_EQ(b.ForContent("queue", "x"), x2);
  EXPECT_NE(b.ForContent("other", "x"), x1) << "each scope counts its own";
}

TEST(IdSourceTest, CopiesShareTheirCounts) {
  const IdSource a(7, true);
  const IdSource copy = a;
  EXPECT_NE(a.ForContent("q", "x"), copy.ForContent("q", "x"));
}

}  // namespace
}  // namespace epmock::internal
