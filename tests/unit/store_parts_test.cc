// What a layer above keeps of a store lives in it as a part (store/parts.h).
#include "store/parts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "epmock/testing/status_matchers.h"
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

}  // namespace
}  // namespace epmock::internal
