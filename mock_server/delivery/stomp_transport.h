// StompTransport: delivers a stomp integration's events as the platform does: a STOMP 1.2
// SEND of the CloudEvent to the configured destination, over the first of `addresses` that
// accepts (stomp:// or stomp+ssl://), with login/passcode. One connection per integration is
// kept across events and re-established when it breaks. An attempt succeeds when the
// broker's RECEIPT arrives; an ERROR frame or no receipt in time fails it.
//
// Thread-safe.
#ifndef EPMOCK_DELIVERY_STOMP_TRANSPORT_H_
#define EPMOCK_DELIVERY_STOMP_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/mutex.h"
#include "delivery/delivery.h"
#include "epmock/spec.h"
#include "http/self_authorities.h"

namespace epmock::internal {

struct StompTransportOptions {
  int timeout_ms = 10000;  // connect, CONNECTED, RECEIPT
  bool verify_tls = true;
  std::string ca_file;
  std::shared_ptr<const SelfAuthorities> self;  // as WebhookOptions::self
};

class StompTransport : public Transport {
 public:
  StompTransport(StompTransportOptions options, std::shared_ptr<const Spec> spec);
  ~StompTransport() override;
  AttemptResult Send(const DeliveryAttempt& delivery) override;
  void Cancel() override;
  void Resume() override;
  // Closes the integration's connection: it was updated (the next event connects with the
  // new configuration) or deleted.
  void Forget(const std::string& integration_id);

  class Connection;

 private:
  // The integration's connection (one per integration version), opened lazily by Send.
  std::shared_ptr<Connection> ConnectionFor(const DeliveryAttempt& delivery);

  const StompTransportOptions options_;
  const std::shared_ptr<const Spec> spec_;
  std::atomic<bool> cancelled_{false};
  Mutex mu_;
  struct Slot {
    std::int64_t version = 0;  // the integration's updated_at_ms when it connected
    std::shared_ptr<Connection> connection;
  };
  // One per integration id: a delivery of a newer version replaces (and so closes) the
  // connection of the older one, and Forget closes it at once.
  std::map<std::string, Slot> connections_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_STOMP_TRANSPORT_H_
