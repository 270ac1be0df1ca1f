// Control: every operation a user can ask of a server, but the /v2 API's own (integrations),
// as one typed call that checks its input once and answers with a Status.
//
//   internal::Control& control = engine.control();
//   StatusOr<Fault> added = control.AddFault(store, fault);   // refused: INVALID_ARGUMENT, why
//
// Three front doors call it and nothing else: the Server facade (and through it the
// harness), and the admin routes (api/admin_routes.cc), whose handlers only decode a request
// into these types and encode the answer. The CLI's remote commands and the language kits
// send admin requests and show the refusal the server gave; none of them checks a value
// itself. tests/integration/front_doors_test.cc sends every operation's bad inputs through
// the C++ API, HTTP and the CLI and gets the same code and words from each.
//
// A store is named by the Store itself (the caller resolved it: a token's, a client id's).
// Thread-safe, as the engine's parts it calls are.
#ifndef EPMOCK_API_CONTROL_H_
#define EPMOCK_API_CONTROL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/event_filter.h"
#include "epmock/event.h"
#include "epmock/faults.h"
#include "epmock/organization.h"
#include "epmock/sinks.h"
#include "epmock/spec.h"
#include "epmock/sqs.h"
#include "epmock/status.h"
#include "epmock/stomp.h"
#include "epmock/story.h"

namespace epmock::internal {

class Engine;
class VirtualClock;
class Store;
using StorePtr = std::shared_ptr<Store>;

// The server's clock as GET /__admin/clock shows it (docs/CLOCK.md).
struct ClockState {
  bool is_virtual = false;
  bool running = true;                      // a real clock always; a virtual one once resumed, until frozen
  std::int64_t now_ms = 0;                  // wall time on the server's clock, ms since the epoch
  std::optional<std::int64_t> next_due_ms;  // virtual: the earliest time something waits for
  std::size_t pending = 0;                  // deliveries not yet finished
};

// How far one advance may move a virtual clock, and how far from its start it may ever go
// (its time points must stay within what a steady_clock duration holds): 100 years.
inline constexpr std::int64_t kMaxClockSpanMs = 100LL * 365 * 24 * 3600 * 1000;
// How long an advance may wait for the work it runs, at most (real time): 10 minutes.
inline constexpr long kMaxAdvanceTimeoutMs = 600000;
// How far RunUntilIdle goes when not told: one day of the clock's time.
inline constexpr std::int64_t kDefaultRunUntilIdleMs = 24LL * 3600 * 1000;

// What PUT /__admin/store and Server::SetStoreKind/SetPageLength set: either or both.
struct StoreSettings {
  std::optional<std::string> kind;       // "production" or "development"
  std::optional<long long> page_length;  // 1 to kMaxStorePageLength
};

// A resource checked against an observable event's schema (POST /__admin/catalog/{key}/validate).
struct ResourceCheck {
  std::string resource;
  std::vector<SchemaViolation> violations;  // none: it is valid
};

// A fault whose budget ran out, and when (ms since the epoch).
template <class T>
struct UsedFault {
  T fault;
  std::int64_t used_up_at_ms = 0;
};

class Control {
 public:
  explicit Control(Engine& engine) : engine_(engine) {}
  Control(const Control&) = delete;
  Control& operator=(const Control&) = delete;

  // --- Events ---------------------------------------------------------------------------
  StatusOr<TriggeredEvent> Trigger(const StorePtr& store, const TriggerRequest& request);
  StatusOr<std::vector<BatchEvent>> TriggerBatch(const StorePtr& store, const BatchRequest& request);
  // The store may be null (a client that never used the server): nothing to replay.
  StatusOr<TriggeredEvent> Replay(const StorePtr& store, const std::string& event_id,
                                  const std::string& integration_id);
  // Replays every event the filter selects (api/event_filter.h), newest first, to all the
  // integrations that observe each now: at most kMaxBulkReplay, refused whole beyond it.
  StatusOr<std::vector<TriggeredEvent>> ReplayMatching(const StorePtr& store, const EventFilter& filter);

  // --- Delivery faults (epmock/faults.h: Fault) ----------------------------------------
  // Faults are parts of their store (store/parts.h). The store of a list, a removal or a
  // clear may be null (a client that never used the server): it has none.
  StatusOr<Fault> AddFault(Store& store, Fault fault);
  std::vector<Fault> Faults(const StorePtr& store) const;
  // The faults whose budget ran out, oldest first (at most as many as a store may hold).
  std::vector<UsedFault<Fault>> UsedFaults(const StorePtr& store) const;
  Status RemoveFault(const StorePtr& store, const std::string& fault_id);
  void ClearFaults(const StorePtr& store);

  // --- API faults (epmock/faults.h: ApiFault) ------------------------------------------
  StatusOr<ApiFault> AddApiFault(Store& store, ApiFault fault);
  std::vector<ApiFault> ApiFaults(const StorePtr& store) const;
  std::vector<UsedFault<ApiFault>> UsedApiFaults(const StorePtr& store) const;
  Status RemoveApiFault(const StorePtr& store, const std::string& fault_id);
  void ClearApiFaults(const StorePtr& store);

  // --- Stories and runs (epmock/story.h) ------------------------------------------------
  // COUNT runs (1 to kMaxRunningStories) of a story at once, all or none.
  StatusOr<std::vector<StoryRun>> RunStories(const StorePtr& store, const std::string& story,
                                             const StoryOptions& options, std::size_t count);
  // The store may be null (a client that never used the server): it has no runs.
  StatusOr<StoryRun> StopStory(const StorePtr& store, const std::string& run_id);
  StatusOr<StoryRun> StoryRunOf(const StorePtr& store, const std::string& run_id) const;

  // --- The store and organizations -----------------------------------------------------
  Status ConfigureStore(Store& store, const StoreSettings& settings);
  StatusOr<Organization> DeclareOrganization(const std::string& org_client_id,
                                             const std::vector<std::string>& store_client_ids);
  StatusOr<Organization> OrganizationOf(const std::string& org_client_id) const;
  Status ForgetOrganization(const std::string& org_client_id);

  // --- Sinks (/__sink/webhook/{name}) -----------------------------------------------------
  // The answers `owner`'s deliveries to a sink get (SinkRegistry::kNoStore: every store's
  // that programmed none, and requests no store sent); the last repeats.
  Status ProgramSink(const std::string& owner, const std::string& name, std::vector<SinkResponse> responses);
  void ClearSink(const std::string& owner, const std::string& name);

  // --- Reset ----------------------------------------------------------------------------
  // Forgets all of one store: integrations, events, jobs, logs, its journal entries, its
  // delivery and API faults, its sinks' requests and answers, its story runs (running ones
  // stopped first), its rate-limit window, and its settings (kind, page length).
  void ResetStore(const std::string& store_id);
  // Forgets every store, token, organization, journal entry, sink request, fault and story
  // run; what belongs to no store (SQS queues, STOMP destinations) stays.
  void ResetAll();

  // --- The clock (common/virtual_clock.h; docs/CLOCK.md) -------------------------------
  // The server's: one for all its stores, real or virtual from start.
  ClockState ReadClock() const;
  // Moves a virtual clock on by `by_ms` (0 to kMaxClockSpanMs), or to `to_ms` (not before
  // now), running everything that falls due on the way in due order, each at its own time,
  // and answers once that work has ended (attempts made and logged), so a caller needs no
  // wait after it. Two advances at once run one after the other. Refused on a real clock
  // (FAILED_PRECONDITION); UNAVAILABLE when the work is still running after `timeout` of real
  // time (1 ms to kMaxAdvanceTimeoutMs), the clock left at the due time it reached.
  StatusOr<ClockState> AdvanceClock(std::int64_t by_ms, std::chrono::milliseconds timeout);
  StatusOr<ClockState> AdvanceClockTo(std::int64_t to_ms, std::chrono::milliseconds timeout);
  // Advances a virtual clock from due time to due time until nothing is in flight or due
  // (the clock stays at the last due time), or until `max_ms` (0 to kMaxClockSpanMs) of its
  // time has passed: then DEADLINE_EXCEEDED, the clock at that limit, saying what is still
  // scheduled. UNAVAILABLE after `timeout` of real time, saying what is still pending.
  StatusOr<ClockState> RunClockUntilIdle(std::int64_t max_ms, std::chrono::milliseconds timeout);
  // Stops a virtual clock where it is, or lets it run on at the pace of real time from where
  // it is (time never runs backwards). Refused on a real clock.
  StatusOr<ClockState> FreezeClock();
  StatusOr<ClockState> ResumeClock();

  // --- Certify (epmock/certify.h; api/certify_runs.h) -----------------------------------
  // Starts a run for the store, on a server of its own: the run (status "running").
  StatusOr<nlohmann::json> StartCertify(const StorePtr& store, const nlohmann::json& request);
  // A run of the store, once it has ended or `wait` (0 to 60 s of real time) has passed.
  StatusOr<nlohmann::json> CertifyRunOf(const StorePtr& store, const std::string& run_id,
                                        std::chrono::milliseconds wait);
  // The store's runs, newest first (the store may be null: none).
  std::vector<nlohmann::json> CertifyRunsOf(const StorePtr& store) const;

  // --- Catalog and queues ---------------------------------------------------------------
  StatusOr<ResourceCheck> ValidateResource(const std::string& event_key,
                                           const nlohmann::json& resource) const;
  // Creates a queue on the embedded SQS endpoint; its URL.
  StatusOr<std::string> CreateQueue(const std::string& name);
  // Deletes every message of a queue of the embedded SQS endpoint.
  Status PurgeQueue(const std::string& name);
  // Faults on consumers' calls to the embedded SQS endpoint (epmock/sqs.h, SqsFault);
  // NotFound when none runs.
  StatusOr<SqsFault> AddSqsFault(SqsFault fault);
  StatusOr<std::vector<SqsFault>> SqsFaults() const;
  Status ClearSqsFaults();
  // Faults on consumers' connections to the embedded STOMP broker (epmock/stomp.h,
  // StompFault); NotFound when none runs.
  StatusOr<StompFault> AddStompFault(StompFault fault);
  StatusOr<std::vector<StompFault>> StompFaults() const;
  Status ClearStompFaults();

 private:
  Status CheckClockSpan(const VirtualClock& clock, std::int64_t to_ms, const char* what) const;
  Status CheckAdvanceTimeout(std::chrono::milliseconds timeout) const;
  // What an advance waits for at each due time: the deliveries it woke have ended.
  std::function<bool()> Settled() const;
  // An advance's answer: the clock, or why its work had not ended.
  StatusOr<ClockState> Advanced(bool done, std::chrono::milliseconds timeout) const;
  // What is still to do, for an error: deliveries in flight and work scheduled, the earliest.
  std::string StillToDo() const;

  Engine& engine_;
};

// What ConfigureStore checks: something to set, a known kind, a page length within bounds.
Status CheckStoreSettings(const StoreSettings& settings);

}  // namespace epmock::internal

#endif  // EPMOCK_API_CONTROL_H_
