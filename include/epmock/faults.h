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
  // The first N attempts of each job are sent in full and the receiver's answers discarded,
  // as if they came after the platform's timeout: the job retries the same event (same id,
  // attempt 2 on), so a consumer that acted on attempt 1 sees it again.
  int late_first_attempts = 0;
  // How many events it applies to; 0: until removed.
  int events = 0;
  // A delivery a well-written webhook consumer must refuse, to prove that it does (webhook
  // integrations only; labelled `refusal` in the admin API's events and deliveries, while
  // /v2 logs keep the platform's fields):
  //   "wrong_secret"   x-moltin-secret-key is not the integration's secret_key
  //   "missing_secret" no x-moltin-secret-key at all
  //   "invalid_json"   the body is cut short: not valid JSON
  //   "other_store"    the body names another store (store_id, and the store everywhere)
  //   "replay"         once delivered, the same event (same id) comes again after
  //                    replay_after_ms (scaled by time_scale), as a late redelivery would
  std::string refuse;
  int replay_after_ms = 60000;

  nlohmann::json ToJson() const;
  // From the admin API's JSON; unknown fields and bad values are errors.
  static StatusOr<Fault> FromJson(const nlohmann::json& json);
};

// An API fault: the next `requests` /v2 requests of a store (those matching `method` and
// `path`, when set) misbehave, so a client's resilience can be tested. Exactly as the
// platform's own trouble looks from a client: a status in the error shape, a late answer, or
// a connection reset with no answer at all.
//
//   epmock::ApiFault busy;
//   busy.status = 503;
//   busy.requests = 2;           // the next two requests answer 503, then all is well
//   busy.method = "POST";
//   busy.path = "/v2/integrations";
//   server.AddApiFault("my-client", busy);
//
// Also from the admin API: POST /__admin/api-faults with the same fields as JSON.
struct ApiFault {
  std::string id;  // set by AddApiFault
  // Answer this status instead: 429, 500 or 503 (0: answer normally).
  int status = 0;
  // Answer this many milliseconds late, in real time (a client's timeout is real time).
  int delay_ms = 0;
  // Reset the connection (TCP RST) instead of answering.
  bool reset = false;
  // How many matching requests it applies to, from 1; it is gone after the last.
  int requests = 1;
  // Only requests with this method (GET, POST, PUT or DELETE); empty: any.
  std::string method;
  // Only requests whose path matches: '*' stands for one path segment or part of one
  // ("/v2/integrations/*", "/v2/integrations/*/logs"); empty: any /v2 path.
  std::string path;

  nlohmann::json ToJson() const;
  // From the admin API's JSON; unknown fields and bad values are errors.
  static StatusOr<ApiFault> FromJson(const nlohmann::json& json);
  // Whether it applies to METHOD PATH.
  bool Matches(const std::string& method, const std::string& path) const;
};

}  // namespace epmock

#endif  // EPMOCK_FAULTS_H_
