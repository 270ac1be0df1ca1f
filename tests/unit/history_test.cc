// History<T>: the bounded history behind every list epmock keeps of what happened.
#include "common/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace epmock::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Length {
  std::size_t operator()(const std::string& s) const { return s.size(); }
};

std::vector<int> Numbers(int first, int last) {
  std::vector<int> out;
  for (int n = first; n <= last; ++n) out.push_back(n);
  return out;
}

TEST(HistoryTest, NumbersEachEntryInArrivalOrderAndDropsTheOldestPastTheCount) {
  History<int> history(/*max_count=*/3);
  for (int n = 0; n < 5; ++n) EXPECT_EQ(history.Add(n * 10), static_cast<std::uint64_t>(n));

  EXPECT_EQ(history.size(), 3u);
  EXPECT_EQ(history.added(), 5u);
  EXPECT_EQ(history.dropped(), 2u);
  EXPECT_EQ(history.front_number(), 2u);
  EXPECT_FALSE(history.Holds(1));
  EXPECT_TRUE(history.Holds(2));
  EXPECT_TRUE(history.Holds(4));
  EXPECT_FALSE(history.Holds(5));
  EXPECT_EQ(history.At(3), 30);
  EXPECT_EQ(history.front(), 20);
  EXPECT_EQ(history.back(), 40);
}

TEST(HistoryTest, DropsTheOldestPastTheBytesButKeepsTheNewestAloneOverThem) {
  History<std::string, Length> history(History<std::string, Length>::kNoLimit, /*max_bytes=*/10);
  history.Add("aaaa");
  history.Add("bbbb");
  EXPECT_EQ(history.bytes(), 8u);
  history.Add("cccc");  // 12 bytes: the oldest goes
  EXPECT_EQ(history.size(), 2u);
  EXPECT_EQ(history.bytes(), 8u);
  EXPECT_EQ(history.front(), "bbbb");

  history.Add(std::string(50, 'x'));  // over the limit alone: everything older goes, it stays
  EXPECT_EQ(history.size(), 1u);
  EXPECT_EQ(history.bytes(), 50u);
  EXPECT_EQ(history.dropped(), 3u);
  EXPECT_EQ(history.back().size(), 50u);
}

TEST(HistoryTest, ClearForgetsTheEntriesButNeverGivesANumberAgain) {
  History<int> history;
  history.Add(1);
  history.Add(2);
  history.Clear();
  EXPECT_TRUE(history.empty());
  EXPECT_EQ(history.dropped(), 0u);
  EXPECT_EQ(history.bytes(), 0u);
  EXPECT_FALSE(history.Holds(1));
  EXPECT_EQ(history.Add(3), 2u);  // a reader's cursor at 2 sees only what came after Clear
  EXPECT_THAT(history.From(0), ElementsAre(3));
  EXPECT_THAT(history.From(2), ElementsAre(3));
  EXPECT_THAT(history.From(3), IsEmpty());
}

TEST(HistoryTest, NewestFirstPagesCountAllHeldAndStopAtTheEnd) {
  History<int> history(/*max_count=*/10);
  for (int n = 0; n < 15; ++n) history.Add(n);  // holds 5..14

  PageOf<int> first = history.NewestFirst(0, 4);
  EXPECT_THAT(first.items, ElementsAre(14, 13, 12, 11));
  EXPECT_EQ(first.total, 10u);
  EXPECT_THAT(history.NewestFirst(8, 4).items, ElementsAre(6, 5));
  EXPECT_THAT(history.NewestFirst(10, 4).items, IsEmpty());
  EXPECT_THAT(history.NewestFirst(50, 4).items, IsEmpty());
}

TEST(HistoryTest, NewestFirstOfPagesAFilteredIndexByNumber) {
  History<int> history;
  std::vector<std::uint64_t> evens;  // an owner's index of numbers, oldest first
  for (int n = 0; n < 10; ++n) {
    const std::uint64_t number = history.Add(n * 100);
    if (n % 2 == 0) evens.push_back(number);
  }
  PageOf<int> page = history.NewestFirstOf(evens, 1, 3);
  EXPECT_THAT(page.items, ElementsAre(600, 400, 200));
  EXPECT_EQ(page.total, 5u);
}

TEST(HistoryTest, AfterIsAStableCursorWhileTheHistoryGrowsAndDrops) {
  History<int> history(/*max_count=*/5);
  for (int n = 0; n < 5; ++n) history.Add(n);
  PageOf<int> page = history.After(1, 2);
  EXPECT_THAT(page.items, ElementsAre(2, 3));
  EXPECT_EQ(page.total, 3u);  // 2, 3 and 4 came after number 1

  history.Add(5);  // drops 0: number 3 is still number 3
  page = history.After(3, 10);
  EXPECT_THAT(page.items, ElementsAre(4, 5));
  EXPECT_EQ(page.total, 2u);
  EXPECT_THAT(history.After(5, 10).items, IsEmpty());
}

TEST(HistoryTest, FromSkipsWhatWasDroppedAndReadsOldestFirst) {
  History<int> history(/*max_count=*/4);
  for (int n = 0; n < 10; ++n) history.Add(n);  // holds 6..9
  std::vector<int> expected = Numbers(6, 9);
  EXPECT_EQ(history.From(0), expected);
  EXPECT_THAT(history.From(8), ElementsAre(8, 9));
  EXPECT_THAT(history.From(history.added()), IsEmpty());
}

TEST(HistoryTest, PushLetsAnOwnerMendItsIndexesBeforeEachDrop) {
  History<int> history(/*max_count=*/2);
  std::vector<int> mended;
  for (int n = 0; n < 4; ++n) {
    history.Push(n);
    while (history.OverLimit()) {
      mended.push_back(history.front());
      history.DropOldest();
    }
  }
  EXPECT_THAT(mended, ElementsAre(0, 1));
  EXPECT_THAT(std::vector<int>(history.begin(), history.end()), ElementsAre(2, 3));
  EXPECT_THAT(std::vector<int>(history.rbegin(), history.rend()), ElementsAre(3, 2));
}

}  // namespace
}  // namespace epmock::internal
