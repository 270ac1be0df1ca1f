// Which of a store's events an admin list or a bulk replay takes (GET /__admin/events and
// POST /__admin/events/replay), and where each event's deliveries stand: answered by the
// server over the store's whole retained history, so that a page never filters one page.
#ifndef EPMOCK_API_EVENT_FILTER_H_
#define EPMOCK_API_EVENT_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "epmock/status.h"

namespace epmock::internal {

class Engine;
class Store;
struct EventRecord;

// Every member empty matches every event; set members must all match.
struct EventFilter {
  std::string type;            // the event key
  std::string status;          // the event's status (EventStatusOf)
  std::string integration_id;  // one of its jobs is for this integration
  std::string story_run;       // a story run of the store fired it
  std::string id;              // its id starts with this (at least 4 characters: a search)

  bool Empty() const {
    return type.empty() && status.empty() && integration_id.empty() && story_run.empty() && id.empty();
  }
};

// The statuses an event can have, in the order the first that applies to one of its jobs
// wins: failed (a job gave up), retrying (a job waits for its next attempt), pending (a job
// has no attempt yet, or one in flight), refused (every job ended; a refusal fault's was
// among them), delivered (every job succeeded), none (no integration observed it).
inline constexpr const char* kEventStatuses[] = {"failed",  "retrying",  "pending",
                                                 "refused", "delivered", "none"};
inline constexpr std::size_t kMaxBulkReplay = 1000;

// The filter from query parameters or from a JSON object's members of the same names; an
// unknown status, a value over 256 bytes, a short id search or (JSON) a member that is not a
// string is refused, naming the parameter in *source.
StatusOr<EventFilter> EventFilterFromParams(const Params& params, std::string* source);
StatusOr<EventFilter> EventFilterFromJson(const nlohmann::json& body, std::string* source);

// Where one job stands, as the summary form of the list shows it.
struct JobStatus {
  std::string status;  // delivered, failed, refused, retrying, pending
  int attempts = 0;
  std::int64_t next_attempt_at_ms = 0;  // retrying: when
  std::optional<int> last_status_code;
};

// The event's status (kEventStatuses), and each job's in *jobs when asked.
std::string EventStatusOf(const Store& store, const EventRecord& event,
                          std::vector<JobStatus>* jobs = nullptr);

// The store's events the filter selects, newest first. NotFound for a story run the store
// does not have.
StatusOr<std::vector<std::shared_ptr<const EventRecord>>> MatchingEvents(Engine& engine,
                                                                         const std::shared_ptr<Store>& store,
                                                                         const EventFilter& filter);

// The event without its resources, for a list that shows many (fields=summary): id, type,
// created_at, status, and each job's status, attempts, next attempt and last answer.
nlohmann::json EventSummary(const Store& store, const EventRecord& event);

}  // namespace epmock::internal

#endif  // EPMOCK_API_EVENT_FILTER_H_
