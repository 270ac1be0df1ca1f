// epmock::testing: the GoogleTest harness (link epmock::testing).
//
//   #include <epmock/testing.h>
//   using namespace epmock::testing;
//   TEST(Orders, Paid) {
//     Harness epmock;
//     ASSERT_TRUE(epmock.CreateWebhookIntegration({"order.paid"}).ok());
//     ASSERT_TRUE(epmock.Trigger("order.paid").ok());
//     ASSERT_TRUE(epmock.WaitForEvent("order.paid"));
//     EXPECT_THAT(epmock.WebhookDeliveries(), ElementsAre(IsValidWebhookEnvelope()));
//   }
#ifndef EPMOCK_TESTING_H_
#define EPMOCK_TESTING_H_

#include "epmock/testing/delivery.h"
#include "epmock/testing/harness.h"
#include "epmock/testing/matchers.h"

#endif  // EPMOCK_TESTING_H_
