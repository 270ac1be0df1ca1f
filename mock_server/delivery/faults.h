// The faults injected into a store's deliveries.
//
// Thread-safe.
#ifndef EPMOCK_DELIVERY_FAULTS_H_
#define EPMOCK_DELIVERY_FAULTS_H_

#include <string>
#include <vector>

#include "delivery/delivery.h"
#include "epmock/faults.h"
#include "store/parts.h"

namespace epmock::internal {

inline constexpr char kRefusalChoices[] =
    "refuse must be one of wrong_secret, missing_secret, invalid_json, other_store, replay";

// What every front door (Server::AddFault, POST /__admin/faults) checks of a fault's values:
// each whole number within its bounds, a known refusal, and something to do.
Status CheckFault(const Fault& fault);
// A fault as a request body gives it, its members' types checked and nothing else (its
// values are CheckFault's): what POST /__admin/faults hands to the control layer.
StatusOr<Fault> DecodeFault(const nlohmann::json& doc);

// A store's delivery faults: a part of the store (store/parts.h: add, list, remove, clear).
class DeliveryFaults : public StoreList<Fault> {
 public:
  static constexpr std::size_t kMaxPerStore = 100;
  DeliveryFaults() : StoreList(kMaxPerStore, "delivery faults") {}

  // The combined plan for one integration of an event, from a snapshot (List) taken once for
  // the event, so that a fault added while the event's jobs are made applies to all of them
  // or to none; `used` gains the faults it used.
  static FaultPlan Plan(const std::vector<Fault>& faults, const std::string& integration_id,
                        std::vector<std::string>* used);
  // An event was delivered under these faults: counts it against their `events` budget.
  // `now_ms`: the time on the server's clock, which a used-up fault's used_up_at says.
  void Consume(const std::vector<std::string>& used, std::int64_t now_ms);
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_FAULTS_H_
