// Ledger: what the example consumers do with an order.paid event: book the payment, once.
//
// The platform delivers at least once: the same event (same id) can arrive twice, after a
// retry whose first answer was lost, or on a queue's redelivery. Booking is therefore keyed
// by event id, so a duplicate is recognised and ignored instead of charged twice.
//
// Thread-safe.
#ifndef EXAMPLES_LEDGER_H_
#define EXAMPLES_LEDGER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace examples {

class Ledger {
 public:
  // Books an order.paid event's order (its payload: the order resource). Returns false for
  // an event already booked, or a resource that is not an order.
  bool BookPayment(const std::string& event_id, const nlohmann::json& order);

  std::size_t Payments() const;  // distinct events booked
  std::size_t DuplicatesIgnored() const;
  std::int64_t TotalCents() const;  // sum of the orders' with_tax amounts
  bool HasOrder(const std::string& order_id) const;
  // Waits until `count` payments are booked, or the timeout passes.
  bool WaitForPayments(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable booked_;
  std::set<std::string> events_;
  std::map<std::string, std::int64_t> orders_;  // order id -> amount
  std::size_t duplicates_ = 0;
  std::int64_t total_cents_ = 0;
};

}  // namespace examples

#endif  // EXAMPLES_LEDGER_H_
