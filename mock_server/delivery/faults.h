// The faults injected into one server's deliveries, per store.
//
// Thread-safe.
#ifndef EPMOCK_DELIVERY_FAULTS_H_
#define EPMOCK_DELIVERY_FAULTS_H_

#include <string>
#include <vector>

#include "common/per_store.h"
#include "delivery/delivery.h"
#include "epmock/faults.h"

namespace epmock::internal {

inline constexpr char kRefusalChoices[] =
    "refuse must be one of wrong_secret, missing_secret, invalid_json, other_store, replay";

// What every front door (Server::AddFault, POST /__admin/faults) checks of a fault's values:
// each whole number within its bounds, a known refusal, and something to do.
Status CheckFault(const Fault& fault);
// A fault as a request body gives it, its members' types checked and nothing else (its
// values are CheckFault's): what POST /__admin/faults hands to the control layer.
StatusOr<Fault> DecodeFault(const nlohmann::json& doc);

// A store's delivery faults (common/per_store.h: add, list, remove, clear).
class FaultRegistry : public PerStoreList<Fault> {
 public:
  static constexpr std::size_t kMaxPerStore = 100;
  FaultRegistry() : PerStoreList(kMaxPerStore, "delivery faults") {}

  // The combined plan for one integration of an event, and which faults it used.
  FaultPlan PlanFor(const std::string& store_id, const std::string& integration_id,
                    std::vector<std::string>* used) const;
  // The same, from a snapshot (List) taken once for an event, so that a fault added while
  // the event's jobs are made applies to all of them or to none.
  static FaultPlan Plan(const std::vector<Fault>& faults, const std::string& integration_id,
                        std::vector<std::string>* used);
  // An event was delivered under these faults: counts it against their `events` budget.
  void Consume(const std::string& store_id, const std::vector<std::string>& used);
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_FAULTS_H_
