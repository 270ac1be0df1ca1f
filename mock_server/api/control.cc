#include "api/control.h"

#include <cctype>

#include "api/engine.h"
#include "api/event_filter.h"
#include "common/clock.h"
#include "common/virtual_clock.h"
#include "delivery/faults.h"
#include "sqs/queues.h"
#include "store/store.h"

namespace epmock::internal {

namespace {

constexpr char kTypeRequired[] = "type is required: an observable event key such as order.paid";

Status NotRunning() { return Status::FailedPrecondition("the server is not running; Start() it first"); }

constexpr char kRealClock[] =
    "This server's clock is real and shared by its stores; start one with --clock virtual";

}  // namespace

Status CheckStoreSettings(const StoreSettings& settings) {
  if (!settings.kind && !settings.page_length) {
    return Status::InvalidArgument(
        "nothing to set: give kind (production or development), page_length (1 to " +
        std::to_string(kMaxStorePageLength) + ") or both");
  }
  if (settings.kind && *settings.kind != "production" && *settings.kind != "development") {
    return Status::InvalidArgument("kind: production or development, not '" + settings.kind->substr(0, 64) +
                                   "'");
  }
  if (settings.page_length &&
      (*settings.page_length < 1 || *settings.page_length > static_cast<long long>(kMaxStorePageLength))) {
    return Status::InvalidArgument("page_length: a whole number from 1 to " +
                                   std::to_string(kMaxStorePageLength) + ", not " +
                                   std::to_string(*settings.page_length));
  }
  return Status::Ok();
}

StatusOr<TriggeredEvent> Control::Trigger(const StorePtr& store, const TriggerRequest& request) {
  if (request.type.empty()) return Status::InvalidArgument(kTypeRequired);
  return engine_.events().Trigger(store, request);
}

StatusOr<std::vector<BatchEvent>> Control::TriggerBatch(const StorePtr& store, const BatchRequest& request) {
  if (request.type.empty()) return Status::InvalidArgument(kTypeRequired);
  return engine_.events().TriggerBatch(store, request);
}

StatusOr<TriggeredEvent> Control::Replay(const StorePtr& store, const std::string& event_id,
                                         const std::string& integration_id) {
  if (!engine_.events().running()) return NotRunning();
  if (!store) return Status::NotFound("no event " + event_id.substr(0, 64) + " in this store");
  return engine_.events().Replay(store, event_id, integration_id);
}

StatusOr<Fault> Control::AddFault(Store& store, Fault fault) {
  if (Status checked = CheckFault(fault); !checked.ok()) return checked;
  if (!fault.integration_id.empty() && !store.Get(fault.integration_id)) {
    return Status::InvalidArgument("No integration " + fault.integration_id.substr(0, 64) + " in this store");
  }
  fault.id = engine_.events().ids().Uuid(store.id() + "/fault/" +
                                         std::to_string(store.NextSerial(Store::Serial::kFault)));
  return store.Part<DeliveryFaults>().Add(std::move(fault));
}

std::vector<Fault> Control::Faults(const StorePtr& store) const {
  const DeliveryFaults* faults = store ? store->FindPart<DeliveryFaults>() : nullptr;
  return faults ? faults->List() : std::vector<Fault>{};
}

namespace {
template <class T, class Part>
std::vector<UsedFault<T>> UsedOf(const Part* part) {
  std::vector<UsedFault<T>> out;
  if (!part) return out;
  for (auto& used : part->Used()) out.push_back({std::move(used.item), used.used_up_at_ms});
  return out;
}
}  // namespace

std::vector<UsedFault<Fault>> Control::UsedFaults(const StorePtr& store) const {
  return UsedOf<Fault>(store ? store->FindPart<DeliveryFaults>() : nullptr);
}

std::vector<UsedFault<ApiFault>> Control::UsedApiFaults(const StorePtr& store) const {
  return UsedOf<ApiFault>(store ? store->FindPart<internal::ApiFaults>() : nullptr);
}

Status Control::RemoveFault(const StorePtr& store, const std::string& fault_id) {
  DeliveryFaults* faults = store ? store->FindPart<DeliveryFaults>() : nullptr;
  if (!faults || !faults->Remove(fault_id))
    return Status::NotFound("No fault " + fault_id.substr(0, 64) + " in this store");
  return Status::Ok();
}

void Control::ClearFaults(const StorePtr& store) {
  if (DeliveryFaults* faults = store ? store->FindPart<DeliveryFaults>() : nullptr) faults->Clear();
}

StatusOr<ApiFault> Control::AddApiFault(Store& store, ApiFault fault) {
  if (Status checked = CheckApiFault(fault); !checked.ok()) return checked;
  fault.id = engine_.events().ids().Uuid(store.id() + "/api-fault/" +
                                         std::to_string(store.NextSerial(Store::Serial::kApiFault)));
  return store.Part<internal::ApiFaults>().Add(std::move(fault));
}

std::vector<ApiFault> Control::ApiFaults(const StorePtr& store) const {
  const internal::ApiFaults* faults = store ? store->FindPart<internal::ApiFaults>() : nullptr;
  return faults ? faults->List() : std::vector<ApiFault>{};
}

Status Control::RemoveApiFault(const StorePtr& store, const std::string& fault_id) {
  internal::ApiFaults* faults = store ? store->FindPart<internal::ApiFaults>() : nullptr;
  if (!faults || !faults->Remove(fault_id))
    return Status::NotFound("No API fault " + fault_id.substr(0, 64) + " in this store");
  return Status::Ok();
}

void Control::ClearApiFaults(const StorePtr& store) {
  if (internal::ApiFaults* faults = store ? store->FindPart<internal::ApiFaults>() : nullptr) faults->Clear();
}

StatusOr<std::vector<StoryRun>> Control::RunStories(const StorePtr& store, const std::string& story,
                                                    const StoryOptions& options, std::size_t count) {
  if (!engine_.events().running()) return NotRunning();
  // The runner checks the name, the options and the count, in that order, with its words.
  return engine_.events().stories().StartMany(store, story, options, count);
}

StatusOr<StoryRun> Control::StopStory(const StorePtr& store, const std::string& run_id) {
  return engine_.events().stories().StopRun(store, run_id);
}

StatusOr<StoryRun> Control::StoryRunOf(const StorePtr& store, const std::string& run_id) const {
  std::optional<StoryRun> run = engine_.events().stories().Run(store, run_id);
  if (!run) return Status::NotFound("No story run " + run_id.substr(0, 64) + " in this store");
  return *run;
}

StatusOr<nlohmann::json> Control::StartCertify(const StorePtr& store, const nlohmann::json& request) {
  if (!store) return Status::FailedPrecondition("a certify run belongs to a store: name one");
  return engine_.certify_runs().Start(store, request);
}

StatusOr<nlohmann::json> Control::CertifyRunOf(const StorePtr& store, const std::string& run_id,
                                               std::chrono::milliseconds wait) {
  if (wait < std::chrono::milliseconds(0) || wait > std::chrono::milliseconds(60000)) {
    return Status::InvalidArgument("wait_ms must be a whole number from 0 to 60000");
  }
  if (!store) return Status::NotFound("no certify run '" + run_id.substr(0, 64) + "' in this store");
  const auto deadline = std::chrono::steady_clock::now() + wait;
  CertifyRuns& runs = engine_.certify_runs();
  for (;;) {
    // Taken before the look: a change made after it ends the wait at once.
    const std::uint64_t seen = store->changes().version();
    if (runs.Ended(store->id(), run_id) || std::chrono::steady_clock::now() >= deadline) break;
    store->changes().WaitUntil(seen, deadline);
  }
  return runs.Get(store->id(), run_id);
}

std::vector<nlohmann::json> Control::CertifyRunsOf(const StorePtr& store) const {
  if (!store) return {};
  return engine_.certify_runs().List(store->id());
}

Status Control::ConfigureStore(Store& store, const StoreSettings& settings) {
  if (Status checked = CheckStoreSettings(settings); !checked.ok()) return checked;
  // Both checked before either is set: a refused change sets nothing.
  if (settings.kind) store.set_kind(*settings.kind);
  if (settings.page_length) store.set_page_length(static_cast<std::size_t>(*settings.page_length));
  return Status::Ok();
}

StatusOr<Organization> Control::DeclareOrganization(const std::string& org_client_id,
                                                    const std::vector<std::string>& store_client_ids) {
  return engine_.stores().DeclareOrganization(org_client_id, store_client_ids);
}

StatusOr<Organization> Control::OrganizationOf(const std::string& org_client_id) const {
  std::optional<Organization> org = engine_.stores().OrganizationOf(org_client_id);
  if (!org) return Status::NotFound("'" + org_client_id + "' declared no organization");
  return *org;
}

Status Control::ForgetOrganization(const std::string& org_client_id) {
  if (!engine_.stores().ForgetOrganization(org_client_id))
    return Status::NotFound("'" + org_client_id + "' declared no organization");
  return Status::Ok();
}

Status Control::ProgramSink(const std::string& owner, const std::string& name,
                            std::vector<SinkResponse> responses) {
  if (Status checked = CheckSinkResponses(responses); !checked.ok()) return checked;
  engine_.sinks().Get(owner, name)->RespondWith(std::move(responses));
  return Status::Ok();
}

void Control::ClearSink(const std::string& owner, const std::string& name) {
  // Its requests and, as the route says, its answers: back to 200.
  if (auto sink = engine_.sinks().Find(owner, name)) {
    sink->Clear();
    sink->RespondWith({});
  }
}

void Control::ResetStore(const std::string& store_id) {
  // Its runs first, so that none fires into the store once it is emptied.
  // The store and its parts (store/parts.h): faults, API faults, story runs, its rate-limit
  // window. Its running runs end first, so that none fires into it once it is emptied.
  if (StorePtr store = engine_.stores().Find(store_id)) {
    engine_.events().stories().StopRunsOf(store.get());
    store->Clear();
  }
  // Its slices of what the server keeps once for every store.
  engine_.journal().ClearStore(store_id);
  engine_.sinks().ClearOwner(store_id);
}

void Control::ResetAll() {
  engine_.events().stories().StopRunsOf(nullptr);
  engine_.Reset();
}

StatusOr<ResourceCheck> Control::ValidateResource(const std::string& event_key,
                                                  const nlohmann::json& resource) const {
  const std::optional<ObservableEvent> event = engine_.spec().LookupEvent(event_key);
  if (!event) return Status::NotFound("'" + event_key.substr(0, 128) + "' is not an observable event");
  return ResourceCheck{event->resource, engine_.spec().ValidateResource(event->resource, resource)};
}

StatusOr<std::string> Control::CreateQueue(const std::string& name) {
  if (!engine_.sqs()) return Status::NotFound("No embedded SQS endpoint runs (see --sqs-port)");
  if (!IsQueueName(name))
    return Status::InvalidArgument("A queue name is 1 to 80 letters, digits, hyphens and underscores");
  return engine_.sqs()->CreateQueue(name);
}

StatusOr<SqsFault> Control::AddSqsFault(SqsFault fault) {
  if (!engine_.sqs()) return Status::NotFound("No embedded SQS endpoint runs (see --sqs-port)");
  return engine_.sqs()->AddFault(std::move(fault));
}

StatusOr<std::vector<SqsFault>> Control::SqsFaults() const {
  if (!engine_.sqs()) return Status::NotFound("No embedded SQS endpoint runs (see --sqs-port)");
  return engine_.sqs()->Faults();
}

Status Control::ClearSqsFaults() {
  if (!engine_.sqs()) return Status::NotFound("No embedded SQS endpoint runs (see --sqs-port)");
  engine_.sqs()->ClearFaults();
  return Status::Ok();
}

StatusOr<StompFault> Control::AddStompFault(StompFault fault) {
  if (!engine_.stomp()) return Status::NotFound("No embedded STOMP broker runs (see --stomp-port)");
  return engine_.stomp()->AddFault(std::move(fault));
}

StatusOr<std::vector<StompFault>> Control::StompFaults() const {
  if (!engine_.stomp()) return Status::NotFound("No embedded STOMP broker runs (see --stomp-port)");
  return engine_.stomp()->Faults();
}

Status Control::ClearStompFaults() {
  if (!engine_.stomp()) return Status::NotFound("No embedded STOMP broker runs (see --stomp-port)");
  engine_.stomp()->ClearFaults();
  return Status::Ok();
}

Status Control::PurgeQueue(const std::string& name) {
  if (!engine_.sqs()) return Status::NotFound("No embedded SQS endpoint runs (see --sqs-port)");
  if (!engine_.sqs()->PurgeQueue(name)) return Status::NotFound("No queue " + name.substr(0, 80));
  return Status::Ok();
}

StatusOr<std::vector<TriggeredEvent>> Control::ReplayMatching(const StorePtr& store,
                                                              const EventFilter& filter) {
  if (!engine_.events().running()) return NotRunning();
  std::vector<TriggeredEvent> out;
  if (!store) return out;
  StatusOr<std::vector<std::shared_ptr<const EventRecord>>> found = MatchingEvents(engine_, store, filter);
  if (!found.ok()) return found.status();
  const std::vector<std::shared_ptr<const EventRecord>>& matched = *found;
  if (matched.size() > kMaxBulkReplay) {
    return Status::InvalidArgument(std::to_string(matched.size()) +
                                   " events match; a bulk replay takes at most " +
                                   std::to_string(kMaxBulkReplay) + ": narrow the filter");
  }
  for (const auto& event : matched) {
    StatusOr<TriggeredEvent> replayed = engine_.events().Replay(store, event->id, "");
    // An event no integration observes any more is passed over, not a failure of the others.
    if (replayed.ok()) out.push_back(*std::move(replayed));
  }
  return out;
}

// --- The clock --------------------------------------------------------------------------

ClockState Control::ReadClock() const {
  ClockState state;
  EventEngine& events = engine_.events();
  state.is_virtual = events.virtual_clock() != nullptr;
  state.running = !state.is_virtual || events.virtual_clock()->running();
  state.now_ms = events.clock().EpochNanos() / 1000000;
  state.pending = events.Outstanding();
  if (VirtualClock* clock = events.virtual_clock()) {
    // What waits on the clock now, and what the dispatcher has scheduled (its timer may be
    // between two waits): the earlier.
    std::optional<Clock::TimePoint> due = clock->NextDue();
    const std::vector<Dispatcher::Scheduled> scheduled = events.ScheduledWork("", 1);
    if (!scheduled.empty() && (!due || scheduled.front().due < *due)) due = scheduled.front().due;
    if (due) state.next_due_ms = clock->EpochMillisAt(*due);
  }
  return state;
}

StatusOr<ClockState> Control::AdvanceClock(std::int64_t by_ms, std::chrono::milliseconds timeout) {
  VirtualClock* clock = engine_.events().virtual_clock();
  if (!clock) return Status::FailedPrecondition(kRealClock);
  if (by_ms < 0 || by_ms > kMaxClockSpanMs) {
    return Status::InvalidArgument("by_ms: a whole number of milliseconds from 0 to " +
                                   std::to_string(kMaxClockSpanMs) +
                                   " (100 years); time never runs backwards");
  }
  if (Status span = CheckClockSpan(*clock, clock->EpochNanos() / 1000000 + by_ms, "by_ms"); !span.ok())
    return span;
  if (Status limit = CheckAdvanceTimeout(timeout); !limit.ok()) return limit;
  return Advanced(clock->Advance(std::chrono::milliseconds(by_ms), Settled(), timeout), timeout);
}

StatusOr<ClockState> Control::AdvanceClockTo(std::int64_t to_ms, std::chrono::milliseconds timeout) {
  VirtualClock* clock = engine_.events().virtual_clock();
  if (!clock) return Status::FailedPrecondition(kRealClock);
  const std::int64_t now_ms = clock->EpochNanos() / 1000000;
  if (to_ms < now_ms) {
    return Status::InvalidArgument("to: " + Rfc3339Millis(std::max<std::int64_t>(0, to_ms)) +
                                   " is before the clock's now, " + Rfc3339Millis(now_ms) +
                                   "; time never runs backwards");
  }
  if (Status span = CheckClockSpan(*clock, to_ms, "to"); !span.ok()) return span;
  if (Status limit = CheckAdvanceTimeout(timeout); !limit.ok()) return limit;
  const bool done = clock->AdvanceTo(clock->AtEpochMillis(to_ms), Settled(), timeout);
  // An advance that ran meanwhile may have taken the time past `to`: then it is there.
  if (!done && clock->EpochNanos() / 1000000 > to_ms && engine_.events().Settled()) return ReadClock();
  return Advanced(done, timeout);
}

StatusOr<ClockState> Control::RunClockUntilIdle(std::int64_t max_ms, std::chrono::milliseconds timeout) {
  VirtualClock* clock = engine_.events().virtual_clock();
  if (!clock) return Status::FailedPrecondition(kRealClock);
  if (max_ms < 0 || max_ms > kMaxClockSpanMs) {
    return Status::InvalidArgument("max_ms: a whole number of milliseconds from 0 to " +
                                   std::to_string(kMaxClockSpanMs) + " (100 years)");
  }
  const std::int64_t from_ms = clock->EpochNanos() / 1000000;
  if (Status span = CheckClockSpan(*clock, from_ms + max_ms, "max_ms"); !span.ok()) return span;
  if (Status limit = CheckAdvanceTimeout(timeout); !limit.ok()) return limit;
  switch (clock->RunUntilIdle(std::chrono::milliseconds(max_ms), Settled(), timeout)) {
    case VirtualClock::RunResult::kIdle:
      return ReadClock();
    case VirtualClock::RunResult::kLimit:
      return Status::DeadlineExceeded("not idle after " + std::to_string(max_ms) +
                                      " ms of the clock's time, from " + Rfc3339Millis(from_ms) + " to " +
                                      Rfc3339Millis(clock->EpochNanos() / 1000000) + ": " + StillToDo());
    case VirtualClock::RunResult::kTimedOut:
      break;
  }
  return Status::Unavailable("not idle after " + std::to_string(timeout.count()) +
                             " ms of real time; the clock stays at " +
                             Rfc3339Millis(clock->EpochNanos() / 1000000) + ": " + StillToDo());
}

StatusOr<ClockState> Control::FreezeClock() {
  VirtualClock* clock = engine_.events().virtual_clock();
  if (!clock) return Status::FailedPrecondition(kRealClock);
  clock->Freeze();
  return ReadClock();
}

StatusOr<ClockState> Control::ResumeClock() {
  VirtualClock* clock = engine_.events().virtual_clock();
  if (!clock) return Status::FailedPrecondition(kRealClock);
  clock->Resume();
  return ReadClock();
}

std::string Control::StillToDo() const {
  EventEngine& events = engine_.events();
  const std::size_t pending = events.Outstanding();
  const std::vector<Dispatcher::Scheduled> scheduled = events.ScheduledWork("", 1);
  std::string out = std::to_string(pending) + (pending == 1 ? " delivery" : " deliveries") + " pending";
  if (const std::optional<std::int64_t> due = ReadClock().next_due_ms)
    out += ", the next due at " + Rfc3339Millis(*due);
  if (!scheduled.empty()) {
    const Dispatcher::Scheduled& first = scheduled.front();
    if (first.job_id.empty())
      out += " (a reorder window's held events)";
    else
      out += " (attempt " + std::to_string(first.attempt) + " of job " + first.job_id + ", event " +
             first.event_id + ")";
  }
  return out;
}

Status Control::CheckClockSpan(const VirtualClock& clock, std::int64_t to_ms, const char* what) const {
  if (to_ms - clock.start_epoch_ms() <= kMaxClockSpanMs) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + ": the clock would pass 100 years after its start, " +
                                 Rfc3339Millis(clock.start_epoch_ms()));
}

Status Control::CheckAdvanceTimeout(std::chrono::milliseconds timeout) const {
  if (!engine_.events().running()) return NotRunning();
  if (timeout.count() >= 1 && timeout.count() <= kMaxAdvanceTimeoutMs) return Status::Ok();
  return Status::InvalidArgument("timeout_ms: a whole number from 1 to " +
                                 std::to_string(kMaxAdvanceTimeoutMs));
}

VirtualClock::Settled Control::Settled() const {
  EventEngine& events = engine_.events();
  return [&events] { return events.Settled(); };
}

StatusOr<ClockState> Control::Advanced(bool done, std::chrono::milliseconds timeout) const {
  if (done) return ReadClock();
  const ClockState state = ReadClock();
  return Status::Unavailable("the work due at " + Rfc3339Millis(state.now_ms) + " had not ended after " +
                             std::to_string(timeout.count()) + " ms of real time (" +
                             std::to_string(state.pending) + " deliveries pending); the clock stays at " +
                             Rfc3339Millis(state.now_ms));
}

}  // namespace epmock::internal
