#include "order_paid_handler.h"

#include <httplib.h>

namespace examples {

OrderPaidHandler::OrderPaidHandler(Ledger* ledger, std::string secret_key, std::string store_id)
    : ledger_(ledger),
      secret_key_(std::move(secret_key)),
      store_id_(std::move(store_id)),
      server_(std::make_unique<httplib::Server>()) {}

OrderPaidHandler::~OrderPaidHandler() { Stop(); }

bool OrderPaidHandler::Start() {
  server_->Post("/webhooks/order-paid", [this](const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    if (!req.has_header("x-moltin-secret-key") ||
        req.get_header_value("x-moltin-secret-key") != secret_key_) {
      res.status = 401;
      return;
    }
    if (req.get_header_value("x-moltin-integration-trigger") != "order.paid") {
      res.status = 200;  // not ours: acknowledged, so the platform does not retry it
      return;
    }
    const nlohmann::json envelope = nlohmann::json::parse(req.body, nullptr, false);
    if (envelope.is_discarded() || !envelope.contains("id") ||
        !envelope.contains("/payload/data"_json_pointer)) {
      res.status = 400;
      return;
    }
    if (!store_id_.empty() && envelope.value("store_id", "") != store_id_) {
      ++other_stores_;  // not this shop's order: acknowledged, never booked
      res.status = 200;
      return;
    }
    ledger_->BookPayment(envelope["id"].get<std::string>(), envelope["payload"]["data"]);
    res.status = 200;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return false;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return true;
}

void OrderPaidHandler::Stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string OrderPaidHandler::Url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/webhooks/order-paid";
}

}  // namespace examples
