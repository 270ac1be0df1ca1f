// What the dispatcher moves around: one attempt-to-be of one job, and what came of it.
#ifndef EPMOCK_DELIVERY_DELIVERY_H_
#define EPMOCK_DELIVERY_DELIVERY_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace epmock::internal {

// The faults that apply to one job, fixed when the job is made.
struct FaultPlan {
  int duplicate = 0;
  int reorder = 0;
  int reorder_window_ms = 1000;
  int delay_ms = 0;
  int fail_first_attempts = 0;
  int late_first_attempts = 0;
  std::string refuse;  // Fault::refuse; webhook deliveries only
  int replay_after_ms = 60000;
};

struct DeliveryAttempt {
  std::shared_ptr<Store> store;
  std::shared_ptr<const EventRecord> event;
  std::shared_ptr<const EventBodies> bodies;  // what the receivers get (envelope/envelope.h)
  Integration integration;                    // as it was when the event fired; secrets unmasked
  std::string job_id;
  int attempt = 1;
  bool duplicate = false;  // an injected extra copy of a delivered attempt
  bool ordered = false;    // released from a reorder hold: sent alone, in queue order
  bool replay = false;     // a "replay" refusal's late copy of a delivered attempt
  FaultPlan faults;
};

struct AttemptResult {
  bool succeeded = false;
  std::optional<int> status_code;
  std::optional<std::string> body;                                    // the receiver's answer
  std::vector<std::pair<std::string, std::string>> response_headers;  // its headers, as sent
  std::optional<std::string> error_detail;
};

// Sends deliveries of one integration_type.
class Transport {
 public:
  virtual ~Transport() = default;
  // One attempt. Must not throw.
  virtual AttemptResult Send(const DeliveryAttempt& delivery) = 0;
  // Makes in-flight and later Sends fail at once: the server is stopping.
  virtual void Cancel() = 0;
  // Undoes Cancel: the server has started again.
  virtual void Resume() = 0;
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_DELIVERY_H_
