// OrderPaidHandler: a webhook receiver for order.paid. Listens on its own port, checks the
// shared secret the integration sends as X-Moltin-Secret-Key, and books each paid order
// in the Ledger (once per event, however often it is delivered).
//
//   examples::Ledger ledger;
//   examples::OrderPaidHandler handler(&ledger, "my-secret");
//   handler.Start();                 // http://127.0.0.1:PORT/webhooks/order-paid
//
// Answers: 200 booked or already booked (a duplicate must not be retried), 200 for other
// events (ignored), 401 for a wrong secret, 400 for a body that is not an order.paid
// envelope. Thread-safe.
#ifndef EXAMPLES_ORDER_PAID_HANDLER_H_
#define EXAMPLES_ORDER_PAID_HANDLER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "ledger.h"

namespace httplib {
class Server;
}

namespace examples {

class OrderPaidHandler {
 public:
  OrderPaidHandler(Ledger* ledger, std::string secret_key);
  ~OrderPaidHandler();

  bool Start();  // 127.0.0.1, an ephemeral port
  void Stop();
  std::string Url() const;  // the URL to give the webhook integration
  int Requests() const { return requests_; }

 private:
  Ledger* ledger_;
  std::string secret_key_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

}  // namespace examples

#endif  // EXAMPLES_ORDER_PAID_HANDLER_H_
