// Faults: the misbehaviour of real at-least-once delivery, on demand, so that a consumer's
// idempotency and ordering can be tested.
//
//   epmock::Fault duplicate;
//   duplicate.duplicate = 1;                     // every delivery arrives twice
//   server.AddFault("my-client", duplicate);     // every integration of the store
//
// Also from the admin API: POST /__admin/faults with the same fields as JSON.
#ifndef EPMOCK_FAULTS_H_
#define EPMOCK_FAULTS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "epmock/status.h"

namespace epmock {

struct Fault {
  // Set by AddFault.
  std::string id;
  // The integration it applies to; empty: every integration of the store.
  std::string integration_id;
  // Each successful delivery is sent this many more times, same event id and attempt.
  int duplicate = 0;
  // Deliveries are held until this many have gathered (or reorder_window_ms passed), then
  // released newest first.
  int reorder = 0;
  int reorder_window_ms = 1000;
  // Added before every attempt (scaled by ServerOptions::time_scale, like retry delays).
  int delay_ms = 0;
  // The first N attempts of each job fail as if the receiver had timed out (nothing is sent).
  int fail_first_attempts = 0;
  // How many events it applies to; 0: until removed.
  int events = 0;

  nlohmann::json ToJson() const;
  // From the admin API's JSON; unknown fields and bad values are errors.
  static StatusOr<Fault> FromJson(const nlohmann::json& json);
};

}  // namespace epmock

#endif  // EPMOCK_FAULTS_H_
