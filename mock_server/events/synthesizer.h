// Synthesizer: realistic resources for events, from the samples in schemas/resources.json.
// Deterministic: the same seed and the same sequence of calls give the same resources, so
// a failing test reproduces.
//
// Thread-safe.
#ifndef EPMOCK_EVENTS_SYNTHESIZER_H_
#define EPMOCK_EVENTS_SYNTHESIZER_H_

#include <cstdint>
#include <random>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/mutex.h"
#include "epmock/catalog.h"
#include "epmock/spec.h"
#include "epmock/status.h"

namespace epmock::internal {

struct Resource {
  nlohmann::json data;
  nlohmann::json included;  // null when the sample has none
};

// Makes an order's derived money agree with its state: meta.display_price's paid,
// authorized and balance_owing follow `payment` (balance_owing 0 once paid), and its
// discount, without_discount, shipping and shipping_discount blocks are there, all from
// with_tax, in its currency (the platform's OrderMeta in
// elasticpath/epcc-cli external/openapi/specs/carts-and-orders.yaml). Anything else: no-op.
void SettleOrder(nlohmann::json& data);

class Synthesizer {
 public:
  // Stamps by `clock` (common/clock.h), which must outlive it.
  Synthesizer(std::shared_ptr<const Spec> spec, std::uint64_t seed, const Clock& clock = SteadyClock());

  // A resource for the event, valid against its resource schema. For *.deleted events the
  // caller keeps only {id, type} of it.
  StatusOr<Resource> Synthesize(const ObservableEvent& event);
  // What the event says of its resource (an order.paid order is complete and paid), as
  // fields to merge into one made earlier; an empty object when it says nothing.
  nlohmann::json Changes(const ObservableEvent& event) const;

 private:
  const std::shared_ptr<const Spec> spec_;
  const Clock& clock_;
  Mutex mu_;
  std::mt19937_64 rng_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_EVENTS_SYNTHESIZER_H_
