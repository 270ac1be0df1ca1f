// epmock::testing: the GoogleTest harness (link epmock::testing).
//
//   #include <epmock/testing.h>
//   using namespace epmock::testing;
//   TEST(Orders, Paid) {
//     Harness epmock;
//     ASSERT_THAT(epmock.CreateWebhookIntegration({"order.paid"}), IsOk());
//     ASSERT_THAT(epmock.Trigger("order.paid"), IsOk());
//     ASSERT_TRUE(epmock.WaitForEvent("order.paid"));
//     EXPECT_THAT(epmock.WebhookDeliveries(), ElementsAre(IsValidWebhookEnvelope()));
//   }
#ifndef EPMOCK_TESTING_H_
#define EPMOCK_TESTING_H_

#include "epmock/testing/delivery.h"
#include "epmock/testing/harness.h"
#include "epmock/testing/matchers.h"
#include "epmock/testing/status_matchers.h"

#endif  // EPMOCK_TESTING_H_
