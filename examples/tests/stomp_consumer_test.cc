// The STOMP consumer against epmock's embedded broker: CloudEvents as MESSAGE frames,
// acknowledged one by one; duplicates on demand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <epmock/testing.h>

#include "ledger.h"
#include "stomp_consumer.h"

namespace {

using epmock::testing::HasHeader;
using epmock::testing::IsValidCloudEvent;
using ::testing::AllOf;
using ::testing::Each;

constexpr std::chrono::seconds kTimeout{10};

nlohmann::json Order(const std::string& id) {
  return {{"type", "order"}, {"id", id}, {"meta", {{"display_price", {{"with_tax", {{"amount", 1200}}}}}}}};
}

class StompConsumerTest : public epmock::testing::EpmockTest {
 protected:
  void SetUp() override {
    EpmockTest::SetUp();
    ASSERT_TRUE(epmock().CreateStompIntegration({"order.paid"}, "/queue/orders").ok());
    ASSERT_TRUE(consumer_.Start());
  }
  examples::Ledger ledger_;
  examples::StompConsumer consumer_{&ledger_, epmock().stomp().Url(), "/queue/orders"};
};

TEST_F(StompConsumerTest, BooksEachOrderAndAcknowledgesIt) {
  for (const char* id : {"a", "b"}) ASSERT_TRUE(epmock().Trigger("order.paid", Order(id)).ok());
  ASSERT_TRUE(ledger_.WaitForPayments(2, kTimeout));
  ASSERT_TRUE(epmock().WaitForStompFrames("/queue/orders", 2));
  EXPECT_THAT(epmock().StompFrames("/queue/orders"),
              Each(AllOf(IsValidCloudEvent(), HasHeader("content-type", "application/json"))));
  consumer_.Stop();
  EXPECT_EQ(epmock().stomp().Pending("/queue/orders"), 0u);  // nothing left unacknowledged
}

TEST_F(StompConsumerTest, IsIdempotentUnderDuplicateFrames) {
  epmock::Fault duplicates;
  duplicates.duplicate = 2;
  ASSERT_TRUE(epmock().AddFault(duplicates).ok());
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(epmock().Trigger("order.paid", Order(id)).ok());
  ASSERT_TRUE(epmock().WaitForIdle());
  ASSERT_TRUE(ledger_.WaitForPayments(3, kTimeout));
  for (int i = 0; i < 500 && consumer_.MessagesReceived() < 9; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(consumer_.MessagesReceived(), 9);
  EXPECT_EQ(ledger_.Payments(), 3u);
  EXPECT_EQ(ledger_.DuplicatesIgnored(), 6u);
}

}  // namespace
