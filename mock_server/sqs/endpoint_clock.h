// An SQS endpoint on a clock of epmock's own: epmock::Server's SQS queues follow the
// server's clock (docs/CLOCK.md), virtual or real, as its deliveries do.
#ifndef EPMOCK_SQS_ENDPOINT_CLOCK_H_
#define EPMOCK_SQS_ENDPOINT_CLOCK_H_

#include <memory>

#include "common/clock.h"
#include "common/ids.h"
#include "epmock/sqs.h"

namespace epmock::internal {

std::unique_ptr<SqsEndpoint> MakeSqsEndpoint(SqsEndpointOptions options, Clock& clock, IdSource ids = {});

}  // namespace epmock::internal

#endif  // EPMOCK_SQS_ENDPOINT_CLOCK_H_
