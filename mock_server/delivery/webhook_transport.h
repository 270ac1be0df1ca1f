// WebhookTransport: POSTs the webhook envelope to the integration's url, as the platform
// does, over http or https, reusing keep-alive connections per origin.
//
// Thread-safe.
#ifndef EPMOCK_DELIVERY_WEBHOOK_TRANSPORT_H_
#define EPMOCK_DELIVERY_WEBHOOK_TRANSPORT_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "delivery/delivery.h"
#include "epmock/spec.h"
#include "http/client_pool.h"

namespace epmock::internal {

struct WebhookOptions {
  int timeout_ms = 10000;  // a 2xx later than this is a failure too
  bool verify_tls = true;  // verify https receivers' certificates
  std::string ca_file;     // trust this CA (PEM) instead of the system's
};

class WebhookTransport : public Transport {
 public:
  WebhookTransport(WebhookOptions options, std::shared_ptr<const Spec> spec);
  ~WebhookTransport() override;

  AttemptResult Send(const DeliveryAttempt& delivery) override;
  void Cancel() override;
  void Resume() override;

 private:
  const WebhookOptions options_;
  const std::shared_ptr<const Spec> spec_;
  HttpPool pool_;
  std::mutex mu_;
  // Integration versions ("id@updated_at") whose part of the envelope passed validation.
  std::set<std::string> validated_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_WEBHOOK_TRANSPORT_H_
