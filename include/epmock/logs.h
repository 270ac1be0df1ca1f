// IntegrationJob and IntegrationLog: what deliveries leave behind, as the platform's
// /v2/integrations/.../jobs and .../logs endpoints serve them.
//
//   for (const epmock::IntegrationLog& log : server.Logs("my-client"))
//     EXPECT_TRUE(log.succeeded) << log.error_detail.value_or("");
#ifndef EPMOCK_LOGS_H_
#define EPMOCK_LOGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace epmock {

// An event delivered (or being delivered) to one integration.
struct IntegrationJob {
  std::string id;
  std::string integration_id;
  std::string event_id;
  std::string triggered_by;  // the event key
  std::int64_t created_at_ms = 0;
};

// One delivery attempt.
struct IntegrationLog {
  std::string id;
  std::string integration_id;
  std::string job_id;
  std::string event_id;
  bool succeeded = false;
  int attempt = 1;
  // The last attempt of its job: a success, or the failure after which no retry follows.
  bool final = false;
  double processing_time_s = 0;  // on a virtual clock, the clock's time (docs/CLOCK.md)
  // On a virtual clock: the real time the attempt took, in ms. Admin only.
  std::optional<double> real_processing_ms;
  std::optional<std::string> body;  // the receiver's answer, truncated to 1 KiB
  std::optional<int> status_code;   // none for a transport without one (SQS, STOMP)
  std::optional<std::string> error_detail;
  std::int64_t created_at_ms = 0;
  std::int64_t created_at_ns = 0;  // the same instant in nanoseconds, as the platform's logs show it
  // The refusal fault this attempt carried (Fault::refuse: "wrong_secret", ... "replay" on
  // the late copy alone); "" for none. Shown by the admin API, never by /v2.
  std::string refusal;
  // A failed attempt that will be retried: when the next attempt is due (epmock's backoff,
  // scaled, plus any injected delay), in ms since the epoch; 0 for none. Admin only.
  std::int64_t next_attempt_at_ms = 0;
  // The receiver's answer headers (webhooks), in order, at most 4 KiB of them; cut says some
  // were left out. Admin only.
  std::vector<std::pair<std::string, std::string>> response_headers;
  bool response_headers_cut = false;
};

}  // namespace epmock

#endif  // EPMOCK_LOGS_H_
