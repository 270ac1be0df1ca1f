// What a layer above keeps of a store lives in it as a part (store/parts.h).
#include "store/parts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "epmock/options.h"
#include "epmock/spec.h"
#include "epmock/testing/status_matchers.h"
#include "events/event_engine.h"
#include "store/store.h"

namespace epmock::internal {
namespace {

using ::epmock::testing::IsOk;
using ::epmock::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Thing {
  std::string id;
  int n = 0;
};

class Things : public StoreList<Thing> {
 public:
  Things() : StoreList(2, "things") {}
};

class Counter : public StorePart {
 public:
  void Clear() override { count = 0; }
  int count = 0;
};

TEST(StorePartsTest, APartIsMadeOnFirstUseAndIsTheSameForTheStoresLife) {
  Store store("s");
  EXPECT_EQ(store.FindPart<Counter>(), nullptr) << "a look-up makes nothing";
  Counter& counter = store.Part<Counter>();
  counter.count = 3;
  EXPECT_EQ(store.FindPart<Counter>(), &counter);
  EXPECT_EQ(&store.Part<Counter>(), &counter);
  EXPECT_EQ(store.FindPart<Things>(), nullptr) << "each type its own part";
}

TEST(StorePartsTest, TheStoresClearForgetsWhatEveryPartHolds) {
  Store store("s");
  store.Part<Counter>().count = 3;
  ASSERT_THAT(store.Part<Things>().Add({"", 1}), IsOk());
  store.Clear();
  EXPECT_EQ(store.Part<Counter>().count, 0);
  EXPECT_THAT(store.Part<Things>().List(), IsEmpty());
}

TEST(StorePartsTest, AStoreListGivesIdsKeepsOrderAndRefusesPastItsCapInWords) {
  Store store("s");
  Things& things = store.Part<Things>();
  StatusOr<Thing> first = things.Add({"", 1});
  StatusOr<Thing> second = things.Add({"", 2});
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(first->id, second->id);
  EXPECT_THAT(things.Add({"", 3}), StatusIs(StatusCode::kResourceExhausted,
                                            HasSubstr("a store has at most 2 things; clear some first")));
  ASSERT_EQ(things.List().size(), 2u);
  EXPECT_EQ(things.List()[0].n, 1);
  EXPECT_TRUE(things.Remove(first->id));
  EXPECT_FALSE(things.Remove(first->id));
  EXPECT_THAT(things.Add({"", 4}), IsOk()) << "room again once one is removed";
  EXPECT_EQ(things.Update([](std::vector<Thing>& items) { return items.size(); }), 2u);
}

TEST(StorePartsTest, AnotherStoreHasPartsOfItsOwn) {
  Store a("a");
  Store b("b");
  a.Part<Counter>().count = 5;
  EXPECT_EQ(b.FindPart<Counter>(), nullptr);
  b.Clear();
  EXPECT_EQ(a.Part<Counter>().count, 5);
}

// A store's story runs are a part of it, so a run must not own its store back: a store whose
// runs have ended is freed once nothing else holds it (a cycle would keep every store that
// ever ran a story, and only a leak checker would see it).
TEST(StorePartsTest, AStoreWhoseStoryRunsEndedIsFreedOnceDropped) {
  StatusOr<std::shared_ptr<const Spec>> spec = Spec::Load({});
  ASSERT_THAT(spec, IsOk());
  ServerOptions options;
  options.time_scale = 0.001;  // the built-in pauses, a thousandth as long
  EventEngine engine(options, *spec);
  engine.Start();
  auto store = std::make_shared<Store>("s");
  const std::weak_ptr<Store> watch = store;
  StatusOr<std::vector<StoryRun>> runs = engine.stories().StartMany(store, "checkout", StoryOptions{}, 2);
  ASSERT_THAT(runs, IsOk());
  for (const StoryRun& run : *runs) {
    ASSERT_TRUE(engine.stories().Wait(store, run.id, std::chrono::seconds(30))) << run.id;
    EXPECT_EQ(engine.stories().Run(store, run.id)->state, "delivered");  // no integrations: at once
  }
  std::size_t total = 0;
  std::uint64_t dropped = 0;
  EXPECT_EQ(engine.stories().RunsPage(store, 0, 10, &total, &dropped).size(), 2u);
  EXPECT_EQ(total, 2u) << "the store keeps its ended runs";
  engine.Stop();  // joins the runs' threads, which held the store while they played
  store.reset();
  EXPECT_TRUE(watch.expired()) << "something still owns the store: its runs own it back";
}

}  // namespace
}  // namespace epmock::internal
