// SqsTransport: delivers an aws_sqs integration's events as the platform does: SendMessage
// of a structured CloudEvent to the configured queue URL, SigV4-signed (service "sqs") with
// the integration's keys and region. Requests go to the queue URL's host, so the same code
// serves real AWS and any SQS-compatible endpoint. It speaks AWS JSON 1.0, as current SDKs do.
//
// Thread-safe.
#ifndef EPMOCK_DELIVERY_SQS_TRANSPORT_H_
#define EPMOCK_DELIVERY_SQS_TRANSPORT_H_

#include <memory>

#include "delivery/delivery.h"
#include "epmock/spec.h"
#include "http/client_pool.h"
#include "http/self_authorities.h"

namespace epmock::internal {

class SqsTransport : public Transport {
 public:
  // `self`: epmock's own ports by the names clients know them by (WebhookOptions::self).
  SqsTransport(HttpPoolOptions options, std::shared_ptr<const Spec> spec,
               std::shared_ptr<const SelfAuthorities> self = nullptr);
  AttemptResult Send(const DeliveryAttempt& delivery) override;
  void Cancel() override { pool_.Cancel(); }
  void Resume() override { pool_.Resume(); }

 private:
  const HttpPoolOptions options_;
  const std::shared_ptr<const Spec> spec_;
  const std::shared_ptr<const SelfAuthorities> self_;
  HttpPool pool_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_SQS_TRANSPORT_H_
