#include "ledger.h"

namespace examples {

bool Ledger::BookPayment(const std::string& event_id, const nlohmann::json& order) {
  if (!order.is_object() || order.value("type", "") != "order" || !order.contains("id")) return false;
  const nlohmann::json amount =
      order.value("/meta/display_price/with_tax/amount"_json_pointer, nlohmann::json(0));
  std::lock_guard<std::mutex> lock(mu_);
  if (!events_.insert(event_id).second) {
    ++duplicates_;
    return false;
  }
  const std::int64_t cents = amount.is_number_integer() ? amount.get<std::int64_t>() : 0;
  orders_[order["id"].get<std::string>()] = cents;
  total_cents_ += cents;
  booked_.notify_all();
  return true;
}

std::size_t Ledger::Payments() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_.size();
}

std::size_t Ledger::DuplicatesIgnored() const {
  std::lock_guard<std::mutex> lock(mu_);
  return duplicates_;
}

std::int64_t Ledger::TotalCents() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_cents_;
}

bool Ledger::HasOrder(const std::string& order_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return orders_.count(order_id) > 0;
}

bool Ledger::WaitForPayments(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return booked_.wait_for(lock, timeout, [&] { return events_.size() >= count; });
}

}  // namespace examples
