// The SQS worker against epmock's embedded SQS endpoint: CloudEvents on a real queue,
// received, booked and deleted; duplicates on demand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <epmock/testing.h>

#include "ledger.h"
#include "sqs_worker.h"

namespace {

using epmock::testing::IsEventType;
using epmock::testing::IsValidCloudEvent;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::chrono::seconds kTimeout{10};

nlohmann::json Order(const std::string& id) {
  return {{"type", "order"}, {"id", id}, {"meta", {{"display_price", {{"with_tax", {{"amount", 700}}}}}}}};
}

class SqsWorkerTest : public epmock::testing::EpmockTest {
 protected:
  void SetUp() override {
    EpmockTest::SetUp();
    ASSERT_TRUE(epmock().CreateSqsIntegration({"order.paid"}, "orders").ok());
    worker_.Start();
  }
  examples::Ledger ledger_;
  examples::SqsWorker worker_{&ledger_, epmock().sqs().QueueUrl("orders")};
};

TEST_F(SqsWorkerTest, BooksEachOrderAndEmptiesTheQueue) {
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(epmock().Trigger("order.paid", Order(id)).ok());
  ASSERT_TRUE(ledger_.WaitForPayments(3, kTimeout));
  EXPECT_TRUE(ledger_.HasOrder("b"));
  worker_.Stop();
  EXPECT_THAT(epmock().sqs().Messages("orders"), IsEmpty());  // every message deleted
}

// What the worker relies on, before it runs: a CloudEvent per event on the queue.
TEST_F(SqsWorkerTest, TheMessageIsTheCloudEventTheWorkerReads) {
  worker_.Stop();
  ASSERT_TRUE(epmock().Trigger("order.paid", Order("z")).ok());
  ASSERT_TRUE(epmock().WaitForSqsMessages("orders", 1));
  EXPECT_THAT(epmock().SqsMessages("orders"),
              ElementsAre(AllOf(IsValidCloudEvent(), IsEventType("order.paid"))));
}

TEST_F(SqsWorkerTest, IsIdempotentUnderDuplicateMessages) {
  epmock::Fault duplicates;
  duplicates.duplicate = 1;  // every message sent twice
  ASSERT_TRUE(epmock().AddFault(duplicates).ok());
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_TRUE(epmock().Trigger("order.paid", Order(id)).ok());
  ASSERT_TRUE(epmock().WaitForIdle());
  ASSERT_TRUE(ledger_.WaitForPayments(4, kTimeout));
  // All eight messages received; four payments booked, four duplicates recognised.
  for (int i = 0; i < 500 && worker_.MessagesReceived() < 8; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(worker_.MessagesReceived(), 8);
  EXPECT_EQ(ledger_.Payments(), 4u);
  EXPECT_EQ(ledger_.DuplicatesIgnored(), 4u);
  EXPECT_EQ(ledger_.TotalCents(), 4 * 700);
}

}  // namespace
