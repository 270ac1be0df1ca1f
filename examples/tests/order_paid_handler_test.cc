// The webhook handler against epmock: real deliveries, the platform's headers and envelope,
// retries, and duplicates on demand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <epmock/testing.h>

#include "ledger.h"
#include "order_paid_handler.h"

namespace {

using epmock::testing::HasAttempt;
using epmock::testing::HasHeader;
using epmock::testing::HasJsonField;
using epmock::testing::IsEventType;
using epmock::testing::IsValidWebhookEnvelope;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::SizeIs;

constexpr std::chrono::seconds kTimeout{10};

json Order(const std::string& id, int cents) {
  return {
      {"type", "order"},
      {"id", id},
      {"status", "complete"},
      {"payment", "paid"},
      {"meta",
       {{"display_price", {{"with_tax", {{"amount", cents}, {"currency", "USD"}, {"formatted", "$"}}}}}}}};
}

class OrderPaidHandlerTest : public epmock::testing::EpmockTest {
 protected:
  void SetUp() override {
    EpmockTest::SetUp();
    ASSERT_TRUE(handler_.Start());
  }
  // A webhook integration pointed at the handler, as the team would create it.
  std::string Integrate(const std::string& secret) {
    auto created =
        epmock().CreateIntegration({{"type", "integration"},
                                    {"name", "order paid"},
                                    {"integration_type", "webhook"},
                                    {"enabled", true},
                                    {"observes", {"order.paid", "order.created"}},
                                    {"configuration", {{"url", handler_.Url()}, {"secret_key", secret}}}});
    EXPECT_TRUE(created.ok()) << created.status().message();
    return created.ok() ? created->value("id", "") : "";
  }

  examples::Ledger ledger_;
  examples::OrderPaidHandler handler_{&ledger_, "s3cret"};
};

TEST_F(OrderPaidHandlerTest, BooksAPaidOrder) {
  Integrate("s3cret");
  ASSERT_TRUE(epmock().Trigger("order.paid", Order("order-1", 2500)).ok());
  ASSERT_TRUE(ledger_.WaitForPayments(1, kTimeout));
  EXPECT_TRUE(ledger_.HasOrder("order-1"));
  EXPECT_EQ(ledger_.TotalCents(), 2500);
  ASSERT_TRUE(epmock().WaitForIdle());
  EXPECT_THAT(epmock().Logs(), Each(testing::Field(&epmock::IntegrationLog::succeeded, true)));
}

TEST_F(OrderPaidHandlerTest, IgnoresOtherEventsWithoutARetry) {
  Integrate("s3cret");
  ASSERT_TRUE(epmock().Trigger("order.created").ok());
  ASSERT_TRUE(epmock().WaitForIdle());
  EXPECT_EQ(ledger_.Payments(), 0u);
  EXPECT_THAT(epmock().Logs(), SizeIs(1));  // answered 200 at once: no retry
}

TEST_F(OrderPaidHandlerTest, IsIdempotentUnderDuplicateDeliveries) {
  Integrate("s3cret");
  epmock::Fault duplicates;
  duplicates.duplicate = 2;  // every delivery arrives three times
  ASSERT_TRUE(epmock().AddFault(duplicates).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(epmock().Trigger("order.paid", Order("order-" + std::to_string(i), 1000)).ok());
  }
  ASSERT_TRUE(epmock().WaitForIdle());
  EXPECT_EQ(handler_.Requests(), 15);
  EXPECT_EQ(ledger_.Payments(), 5u);
  EXPECT_EQ(ledger_.DuplicatesIgnored(), 10u);
  EXPECT_EQ(ledger_.TotalCents(), 5000);  // charged once each
}

TEST_F(OrderPaidHandlerTest, AWrongSecretIsRefusedAndRetried) {
  Integrate("not-the-secret");
  ASSERT_TRUE(epmock().Trigger("order.paid", Order("order-1", 100)).ok());
  ASSERT_TRUE(epmock().WaitForIdle());
  EXPECT_EQ(ledger_.Payments(), 0u);
  std::vector<epmock::IntegrationLog> logs = epmock().Logs();
  ASSERT_THAT(logs, SizeIs(5));  // the harness's 5 attempts, all refused
  EXPECT_EQ(logs[0].status_code, 401);
  EXPECT_TRUE(logs[0].final);
}

// The deliveries a handler must refuse, from epmock's refusal faults: each is answered as it
// should be and books nothing; a late replay of a booked event books nothing more.
TEST_F(OrderPaidHandlerTest, RefusesWhatItMust) {
  // A handler that books this store's orders alone, and an integration pointed at it.
  examples::OrderPaidHandler guarded(&ledger_, "s3cret", epmock::Server::StoreIdFor(epmock().client_id()));
  ASSERT_TRUE(guarded.Start());
  auto created =
      epmock().CreateIntegration({{"type", "integration"},
                                  {"name", "guarded"},
                                  {"integration_type", "webhook"},
                                  {"enabled", true},
                                  {"observes", {"order.paid"}},
                                  {"configuration", {{"url", guarded.Url()}, {"secret_key", "s3cret"}}}});
  ASSERT_TRUE(created.ok()) << created.status().message();

  struct Case {
    const char* refuse;
    int status;  // what the handler answered the (last) attempt
  };
  int n = 0;
  for (const Case& c : {Case{"wrong_secret", 401}, Case{"missing_secret", 401}, Case{"invalid_json", 400},
                        Case{"other_store", 200}}) {
    SCOPED_TRACE(c.refuse);
    epmock::Fault fault;
    fault.refuse = c.refuse;
    fault.events = 1;
    ASSERT_TRUE(epmock().AddFault(fault).ok());
    ASSERT_TRUE(epmock().Trigger("order.paid", Order("refused-" + std::to_string(n++), 100)).ok());
    ASSERT_TRUE(epmock().WaitForIdle());
    const std::vector<epmock::IntegrationLog> logs = epmock().Logs();
    ASSERT_FALSE(logs.empty());
    EXPECT_EQ(logs[0].refusal, c.refuse);
    EXPECT_EQ(logs[0].status_code, c.status);
    EXPECT_EQ(ledger_.Payments(), 0u);
  }
  EXPECT_EQ(guarded.OtherStores(), 1);

  epmock::Fault replay;
  replay.refuse = "replay";
  replay.replay_after_ms = 20;
  replay.events = 1;
  ASSERT_TRUE(epmock().AddFault(replay).ok());
  ASSERT_TRUE(epmock().Trigger("order.paid", Order("paid-once", 700)).ok());
  ASSERT_TRUE(epmock().WaitForIdle());
  EXPECT_EQ(epmock().Logs()[0].refusal, "replay");  // the late copy, answered 200
  EXPECT_EQ(ledger_.Payments(), 1u);
  EXPECT_EQ(ledger_.DuplicatesIgnored(), 1u);
  EXPECT_EQ(ledger_.TotalCents(), 700);
}

// What the handler relies on, checked on the platform's side of the wire: the harness's
// own sink receives the same delivery the handler would.
TEST_F(OrderPaidHandlerTest, TheDeliveryCarriesWhatTheHandlerReads) {
  ASSERT_TRUE(epmock().CreateWebhookIntegration({"order.paid"}, "/copy", "s3cret").ok());
  ASSERT_TRUE(epmock().Trigger("order.paid", Order("order-9", 990)).ok());
  ASSERT_TRUE(epmock().WaitForDeliveries(1));
  EXPECT_THAT(epmock().WebhookDeliveries()[0],
              AllOf(IsValidWebhookEnvelope(), IsEventType("order.paid"), HasAttempt(1),
                    HasHeader("x-moltin-secret-key", "s3cret"), HasJsonField("/payload/data/id", "order-9"),
                    HasJsonField("/payload/data/meta/display_price/with_tax/amount", 990)));
}

}  // namespace
