// The epmock::testing harness as a user meets it: one-line start, waits that explain
// themselves, matchers that accept and reject, MockWebhookHandler, contracts from C++.
#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>

#include "epmock/testing.h"
#include "epmock/testing/status_matchers.h"

namespace {

using ::epmock::testing::IsOk;

using epmock::testing::DeliveredTo;
using epmock::testing::Delivery;
using epmock::testing::ForIntegration;
using epmock::testing::Harness;
using epmock::testing::HasAttempt;
using epmock::testing::HasHeader;
using epmock::testing::HasJsonField;
using epmock::testing::IsEventType;
using epmock::testing::IsValidCloudEvent;
using epmock::testing::IsValidWebhookEnvelope;
using epmock::testing::MockWebhookHandler;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
using ::testing::StartsWith;

constexpr std::chrono::milliseconds kShort{300};

TEST(Harness, StartsInOneLineAndDeliversAWebhook) {
  Harness epmock;
  ASSERT_TRUE(epmock.started());
  auto id = epmock.CreateWebhookIntegration({"order.paid"}, "/orders", "s3cret");
  ASSERT_THAT(id, IsOk());
  auto event = epmock.Trigger("order.paid", json{{"type", "order"}, {"id", "o-1"}, {"status", "complete"}});
  ASSERT_THAT(event, IsOk());
  ASSERT_TRUE(epmock.WaitForDeliveries(1));
  ASSERT_TRUE(epmock.WaitForEvent("order.paid"));

  EXPECT_THAT(epmock.WebhookDeliveries(),
              ElementsAre(AllOf(IsEventType("order.paid"), HasAttempt(1), ForIntegration(*id),
                                HasHeader("X-Moltin-Secret-Key", "s3cret"),
                                HasHeader("x-moltin-integration-trigger", StartsWith("order.")),
                                HasJsonField("/payload/data/id", "o-1"), HasJsonField("/id", event->id),
                                IsValidWebhookEnvelope(), DeliveredTo("/orders"))));
  // The raw sink records work with the same matchers.
  EXPECT_THAT(epmock.sink().Requests()[0], AllOf(IsEventType("order.paid"), IsValidWebhookEnvelope()));
}

// The embedded queues belong to the server for its whole life: reading them after a Stop
// read freed memory before (ASan: heap-use-after-free).
TEST(Harness, WhatArrivedStaysReadableAfterTheServerStops) {
  Harness epmock;
  ASSERT_THAT(epmock.CreateSqsIntegration({"order.paid"}, "kept"), IsOk());
  ASSERT_THAT(epmock.CreateStompIntegration({"order.paid"}, "/queue/kept"), IsOk());
  ASSERT_THAT(epmock.Trigger("order.paid"), IsOk());
  ASSERT_TRUE(epmock.WaitForSqsMessages("kept"));
  ASSERT_TRUE(epmock.WaitForStompFrames("/queue/kept"));
  epmock.server().Stop();
  EXPECT_THAT(epmock.SqsMessages("kept"), ElementsAre(IsEventType("order.paid")));
  EXPECT_THAT(epmock.StompFrames("/queue/kept"), ElementsAre(IsEventType("order.paid")));
  EXPECT_TRUE(epmock.WaitForSqsMessages("kept", 1, kShort));
  ASSERT_THAT(epmock.server().Start(), IsOk());
  EXPECT_EQ(epmock.SqsMessages("kept").size(), 1u);
}

TEST(Harness, MatchersRejectAndSayWhy) {
  Delivery delivery{"webhook",
                    "/orders",
                    {{"X-Moltin-Integration-Trigger", "order.paid"}},
                    R"({"id":"e","triggered_by":"order.paid","attempt":2,"integration":{"id":"i"}})"};
  EXPECT_THAT(delivery, Not(IsEventType("order.created")));
  EXPECT_THAT(delivery, Not(HasAttempt(1)));
  EXPECT_THAT(delivery, Not(ForIntegration("other")));
  EXPECT_THAT(delivery, Not(HasJsonField("/payload/data/id", "x")));
  EXPECT_THAT(delivery, Not(HasJsonField("not a pointer", "x")));
  EXPECT_THAT(delivery, Not(HasHeader("X-Moltin-Secret-Key", "s")));
  EXPECT_THAT(delivery, Not(DeliveredTo("/elsewhere")));
  EXPECT_THAT(delivery, Not(IsValidCloudEvent()));

  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(::testing::ExplainMatchResult(IsValidWebhookEnvelope(), delivery, &listener));
  EXPECT_THAT(listener.str(), HasSubstr("which is not:"));
  ::testing::StringMatchResultListener attempt;
  EXPECT_FALSE(::testing::ExplainMatchResult(HasAttempt(1), delivery, &attempt));
  EXPECT_EQ(attempt.str(), "which is attempt 2");
  EXPECT_THAT(
      ::testing::PrintToString(delivery),
      AllOf(HasSubstr("webhook to /orders"), HasSubstr("order.paid attempt 2"), HasSubstr("integration i")));
}

TEST(Harness, AFailedWaitSaysWhatDidArrive) {
  Harness epmock;
  ASSERT_THAT(epmock.CreateWebhookIntegration({"order.paid", "order.created"}), IsOk());
  ASSERT_THAT(epmock.Trigger("order.created"), IsOk());
  ASSERT_TRUE(epmock.WaitForDeliveries(1));

  ::testing::AssertionResult two = epmock.WaitForDeliveries(2, kShort);
  EXPECT_FALSE(two);
  EXPECT_THAT(two.message(), AllOf(HasSubstr("for 2 webhook deliveries"), HasSubstr("1 arrived"),
                                   HasSubstr("order.created attempt 1")));
  ::testing::AssertionResult paid = epmock.WaitForEvent("order.paid", kShort);
  EXPECT_FALSE(paid);
  EXPECT_THAT(paid.message(), AllOf(HasSubstr("a delivery of order.paid"), HasSubstr("order.created")));
  ::testing::AssertionResult sqs = epmock.WaitForSqsMessages("nothing-here", 1, kShort);
  EXPECT_FALSE(sqs);
  EXPECT_THAT(sqs.message(), HasSubstr("0 arrived"));
  ::testing::AssertionResult stomp = epmock.WaitForStompFrames("/queue/none", 1, kShort);
  EXPECT_FALSE(stomp);
  EXPECT_THAT(stomp.message(), HasSubstr("STOMP destination /queue/none; 0 arrived"));
}

// A story from the harness: its run, and a wait that says step by step what arrived.
TEST(Harness, RunsAStoryAndSaysWhichStepsArrived) {
  Harness epmock;
  ASSERT_THAT(epmock.CreateWebhookIntegration({"order.created", "order.cancelled", "order.authorized"}),
              IsOk());
  epmock::StatusOr<epmock::StoryRun> run = epmock.RunStory("cancellation");
  ASSERT_THAT(run, IsOk());
  ::testing::AssertionResult delivered = epmock.WaitForStory(*run);
  ASSERT_TRUE(delivered) << delivered.message();
  EXPECT_THAT(delivered.message(), HasSubstr("step 2 order.cancelled: event"));
  ASSERT_TRUE(epmock.WaitForDeliveries(3));
  EXPECT_EQ(epmock.WebhookDeliveries().back().EventType(), "order.cancelled");
  // Several runs at once, each about its own order.
  epmock::StatusOr<std::vector<epmock::StoryRun>> runs = epmock.RunStories("cancellation", 4, {.seed = 3});
  ASSERT_THAT(runs, IsOk());
  for (const epmock::StoryRun& each : *runs) EXPECT_TRUE(epmock.WaitForStory(each));
  ASSERT_TRUE(epmock.WaitForDeliveries(3 + 4 * 3));

  // Every attempt fails: the story still ends (its deliveries failed for good), and the wait
  // says none succeeded.
  epmock::Fault fail;
  fail.fail_first_attempts = 100;
  ASSERT_THAT(epmock.AddFault(fail), IsOk());
  epmock::StatusOr<epmock::StoryRun> failing = epmock.RunStory("cancellation");
  ASSERT_THAT(failing, IsOk());
  ::testing::AssertionResult refused = epmock.WaitForStory(*failing);
  EXPECT_FALSE(refused);
  EXPECT_THAT(refused.message(),
              AllOf(HasSubstr("is delivered"), HasSubstr("1 of 1 deliveries ended, 0 succeeded")));
}

TEST(Harness, WaitsForQueueDeliveries) {
  Harness epmock;
  auto sqs = epmock.CreateSqsIntegration({"cart.updated"}, "carts");
  ASSERT_THAT(sqs, IsOk());
  auto stomp = epmock.CreateStompIntegration({"cart.updated"}, "/queue/carts");
  ASSERT_THAT(stomp, IsOk());
  auto event = epmock.Trigger("cart.updated");
  ASSERT_THAT(event, IsOk());

  ASSERT_TRUE(epmock.WaitForSqsMessages("carts"));
  ASSERT_TRUE(epmock.WaitForStompFrames("/queue/carts"));
  ASSERT_TRUE(epmock.WaitForIdle());
  EXPECT_THAT(epmock.SqsMessages("carts"),
              ElementsAre(AllOf(IsValidCloudEvent(), IsEventType("cart.updated"), ForIntegration(*sqs),
                                DeliveredTo("carts"), HasJsonField("/id", event->id))));
  EXPECT_THAT(epmock.StompFrames("/queue/carts"),
              ElementsAre(AllOf(IsValidCloudEvent(), ForIntegration(*stomp),
                                HasHeader("content-type", "application/json"), DeliveredTo("/queue/carts"))));
  EXPECT_EQ(epmock.Deliveries().size(), 2u);
  EXPECT_THAT(epmock.server().Stomp()->Messages("/queue/carts")[0], IsEventType("cart.updated"));
}

TEST(Harness, MockWebhookHandlerDecidesTheAnswers) {
  Harness epmock;
  MockWebhookHandler handler(epmock.sink());
  {
    ::testing::InSequence in_order;
    EXPECT_CALL(handler, OnDelivery(AllOf(IsEventType("order.paid"), HasAttempt(1))))
        .WillOnce(Return(epmock::SinkResponse{503}));
    EXPECT_CALL(handler, OnDelivery(AllOf(IsEventType("order.paid"), HasAttempt(2))))
        .WillOnce(Return(epmock::SinkResponse{200}));
  }
  ASSERT_THAT(epmock.CreateWebhookIntegration({"order.paid"}), IsOk());
  ASSERT_THAT(epmock.Trigger("order.paid"), IsOk());
  ASSERT_TRUE(epmock.WaitForDeliveries(2));
  ASSERT_TRUE(epmock.WaitForIdle());
  std::vector<epmock::IntegrationLog> logs = epmock.Logs();
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_TRUE(logs[0].succeeded);  // newest first
  EXPECT_EQ(logs[1].status_code, 503);
}

TEST(Harness, DuplicateFaultsReachTheHandlerTwice) {
  Harness epmock;
  epmock::Fault duplicate;
  duplicate.duplicate = 1;
  ASSERT_THAT(epmock.AddFault(duplicate), IsOk());
  ASSERT_THAT(epmock.CreateWebhookIntegration({"order.paid"}), IsOk());
  auto event = epmock.Trigger("order.paid");
  ASSERT_THAT(event, IsOk());
  ASSERT_TRUE(epmock.WaitForDeliveries(2));
  ASSERT_TRUE(epmock.WaitForIdle());
  std::vector<Delivery> deliveries = epmock.WebhookDeliveries();
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].EventId(), deliveries[1].EventId());
}

TEST(Harness, NotStartingFailsTheTest) {
  EXPECT_NONFATAL_FAILURE(
      {
        epmock::ServerOptions options = epmock::testing::HarnessOptions();
        options.sqs_port = -1;
        Harness epmock(options);
      },
      "embedded SQS endpoint");
}

class FixtureTest : public epmock::testing::EpmockTest {};

TEST_F(FixtureTest, GivesEachTestItsOwnHarness) {
  ASSERT_THAT(epmock().CreateStompIntegration({"product.deleted"}, "/topic/products"), IsOk());
  // A topic keeps nothing without subscribers, but the broker records what was sent.
  ASSERT_THAT(epmock().Trigger("product.deleted"), IsOk());
  ASSERT_TRUE(epmock().WaitForEvent("product.deleted"));
  EXPECT_THAT(epmock().StompFrames("/topic/products"),
              ElementsAre(AllOf(IsEventType("product.deleted"), HasJsonField("/data/type", "product"))));
}

TEST_F(FixtureTest, RunsTheContractDirectory) {
  EXPECT_TRUE(epmock().VerifyContracts(EPMOCK_SOURCE_DIR "/contracts"));
  ::testing::AssertionResult none = epmock().VerifyContracts(EPMOCK_SOURCE_DIR "/no-such-dir");
  EXPECT_FALSE(none);
}

}  // namespace
