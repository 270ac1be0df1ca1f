// WebhookTransport: POSTs the webhook envelope to the integration's url, as the platform
// does, with exactly its headers (http/wire_client.h writes the request), over http or https,
// reusing keep-alive connections per origin.
//
// Thread-safe.
#ifndef EPMOCK_DELIVERY_WEBHOOK_TRANSPORT_H_
#define EPMOCK_DELIVERY_WEBHOOK_TRANSPORT_H_

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "delivery/delivery.h"
#include "epmock/spec.h"
#include "http/message.h"
#include "http/self_authorities.h"
#include "http/wire_client.h"

namespace epmock::internal {

struct WebhookOptions {
  int timeout_ms = 10000;  // the whole exchange: an answer not ended by then is a failure
  bool verify_tls = true;  // verify https receivers' certificates
  std::string ca_file;     // trust this CA (PEM) instead of the system's
  // epmock's own ports by the names clients know them by: a URL naming one is dialled locally.
  std::shared_ptr<const SelfAuthorities> self;
};

// The request a webhook delivery sends: the url, the headers as sent (Content-Type
// included), the body; a refusal fault (Fault::refuse) applied. One builder for the
// transport and for the admin API's account of what each receiver was sent.
struct WebhookRequest {
  std::string url;
  HttpHeaders headers;
  std::string body;
};
WebhookRequest BuildWebhookRequest(const EventRecord& event, const EventBodies& bodies,
                                   const Integration& integration, int attempt, const std::string& refuse);

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
  WireClient client_;
  Mutex mu_;
  // Integration versions ("id@updated_at") whose part of the envelope passed validation.
  std::set<std::string> validated_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_WEBHOOK_TRANSPORT_H_
