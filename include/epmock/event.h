// Events: what Server::Trigger (and POST /__admin/events) synthesizes and delivers.
//
//   epmock::StatusOr<epmock::TriggeredEvent> event =
//       server.Trigger("my-client", {"order.paid"});        // a realistic order
//   epmock::StatusOr<epmock::TriggeredEvent> mine =
//       server.Trigger("my-client", {"order.paid", my_order});  // the caller's resource
//   ASSERT_TRUE(event.ok()) << event.status().message();
//   ASSERT_TRUE(server.WaitForDeliveries(std::chrono::seconds(5)));
#ifndef EPMOCK_EVENT_H_
#define EPMOCK_EVENT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmock {

struct TriggerRequest {
  // An observable event key ("order.paid").
  std::string type;
  // The resource; without it a realistic one is synthesized. For *.deleted events only its
  // id and type are delivered, as on the platform.
  std::optional<nlohmann::json> data;
  // Related resources delivered beside it (the order's items); synthesized with data.
  std::optional<nlohmann::json> included;
};

// Many events of a type at once (varied traffic), each resource different and valid against
// its schema, deterministic by seed. Profiles: "realistic" (synthesis as it is) and
// "edge-cases" (names in every script and right to left, empty optional fields, long
// strings, 40 items, zero and very large amounts, several currencies, payloads near SQS's
// 256 KiB; each resource gets some, and the n-th always case n of them).
inline constexpr std::size_t kMaxBatchEvents = 10000;
struct BatchRequest {
  std::string type;
  std::size_t count = 1;
  std::uint64_t seed = 1;
  std::string profile = "realistic";
};
struct BatchEvent {
  std::string event_id;
  std::vector<std::string> variety;  // the edge cases its resource has
};

// One event x integration: the unit of delivery, with its attempts.
struct EventJob {
  std::string job_id;
  std::string integration_id;
  std::string integration_type;  // webhook, aws_sqs, stomp
  std::string refusal;           // the refusal fault its deliveries carry (Fault::refuse); "" for none
  bool replay = false;           // made by a replay of the event, not when it fired
};

// An integration of the store that observes the event but was not sent it, and why.
struct SkippedIntegration {
  std::string integration_id;
  std::string reason;
};

struct TriggeredEvent {
  std::string id;
  std::string type;
  std::string store_id;     // "" for an organization-level event
  std::string org_id;       // the store's organization, or the organization's; "" for none
  std::string created_at;   // RFC 3339, milliseconds
  nlohmann::json data;      // the resource as delivered ({id, type} for deletes)
  nlohmann::json included;  // null when there is none
  std::vector<EventJob> jobs;
  std::vector<SkippedIntegration> skipped;
  // What epmock knows the platform would do otherwise with this event, for a test to read:
  // "the platform sends no flow (custom) fields with webhooks: colour, gift_note" for
  // caller-given data with fields the resource does not have. Shown only when there are some.
  std::vector<std::string> notes;
  // The variety profile that shaped its resource when it was not synthesis as it is
  // ("edge-cases", "forward-compatible"); "" otherwise. Shown only when set.
  std::string variety;

  nlohmann::json ToJson() const;
};

}  // namespace epmock

#endif  // EPMOCK_EVENT_H_
