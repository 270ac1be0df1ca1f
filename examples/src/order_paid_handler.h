// OrderPaidHandler: a webhook receiver for order.paid. Listens on its own port, checks the
// shared secret the integration sends as x-moltin-secret-key, and books each paid order
// in the Ledger (once per event, however often it is delivered).
//
//   examples::Ledger ledger;
//   examples::OrderPaidHandler handler(&ledger, "my-secret");
//   handler.Start();                 // http://127.0.0.1:PORT/webhooks/order-paid
//
// Answers: 200 booked or already booked (a duplicate must not be retried), 200 for other
// events (ignored), 401 for a wrong or missing secret, 400 for a body that is not an
// order.paid envelope, 200 and nothing booked for another store's event (it will never be
// ours, so a retry would not help). Thread-safe.
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
  // `store_id`: the store whose events it books; "" books any store's.
  OrderPaidHandler(Ledger* ledger, std::string secret_key, std::string store_id = "");
  ~OrderPaidHandler();

  bool Start();  // 127.0.0.1, an ephemeral port
  void Stop();
  std::string Url() const;  // the URL to give the webhook integration
  int Requests() const { return requests_; }
  int OtherStores() const { return other_stores_; }

 private:
  Ledger* ledger_;
  std::string secret_key_;
  std::string store_id_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<int> other_stores_{0};
};

}  // namespace examples

#endif  // EXAMPLES_ORDER_PAID_HANDLER_H_
