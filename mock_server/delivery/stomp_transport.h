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
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "delivery/delivery.h"
#include "epmock/spec.h"

namespace epmock::internal {

struct StompTransportOptions {
  int timeout_ms = 10000;  // connect, CONNECTED, RECEIPT
  bool verify_tls = true;
  std::string ca_file;
};

class StompTransport : public Transport {
 public:
  StompTransport(StompTransportOptions options, std::shared_ptr<const Spec> spec);
  ~StompTransport() override;
  AttemptResult Send(const Delivery& delivery) override;
  void Cancel() override;

  class Connection;

 private:
  // The integration's connection (one per integration version), opened lazily by Send.
  std::shared_ptr<Connection> ConnectionFor(const Delivery& delivery);

  const StompTransportOptions options_;
  const std::shared_ptr<const Spec> spec_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  // Keyed by integration id and version, so a changed configuration gets a new connection.
  std::map<std::string, std::shared_ptr<Connection>> connections_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_STOMP_TRANSPORT_H_
