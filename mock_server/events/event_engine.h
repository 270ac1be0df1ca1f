// EventEngine: trigger -> synthesis -> match integrations -> jobs -> dispatcher.
// One per Server; owns the transports, the dispatcher and the faults.
//
// Thread-safe.
#ifndef EPMOCK_EVENTS_EVENT_ENGINE_H_
#define EPMOCK_EVENTS_EVENT_ENGINE_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/virtual_clock.h"
#include "delivery/dispatcher.h"
#include "delivery/faults.h"
#include "delivery/sqs_transport.h"
#include "delivery/stomp_transport.h"
#include "delivery/webhook_transport.h"
#include "epmock/event.h"
#include "epmock/options.h"
#include "epmock/spec.h"
#include "events/stories.h"
#include "events/synthesizer.h"
#include "store/store.h"

namespace epmock::internal {

// Whether a store (organization false) or an organization's own level may raise and observe
// the event: store-level keys for stores, organization-level keys for organizations (seed
// 003's Store/Organization column).
Status CheckLevel(const ObservableEvent& event, bool organization);

class EventEngine {
 public:
  // `self`: epmock's own ports by the names clients know them by, for the transports.
  EventEngine(const ServerOptions& options, std::shared_ptr<const Spec> spec,
              std::shared_ptr<const SelfAuthorities> self = nullptr);
  ~EventEngine();

  // Synthesizes (or takes) the resource, records the event and starts one job per
  // matching enabled integration. Errors are the caller's: unknown type, bad data.
  // `id_name`: the event's parent and position when it has its own (a story run's step),
  // what a derived id (common/ids.h) names; otherwise the store and its n-th event.
  StatusOr<TriggeredEvent> Trigger(const std::shared_ptr<Store>& store, const TriggerRequest& request,
                                   const std::string& id_name = "");
  // One event of the type with `resource` varied by `profile` ("edge-cases": the `n`-th of a
  // batch's cases; "forward-compatible": events/variety.h), drawn by `seed`, and labelled.
  StatusOr<TriggeredEvent> TriggerVaried(const std::shared_ptr<Store>& store, const std::string& type,
                                         Resource resource, const std::string& profile, std::uint64_t seed,
                                         std::size_t n, const std::string& id_name = "");
  // Many events of a type (epmock/event.h BatchRequest), each synthesized by the request's
  // own seed and, with the edge-cases profile, varied.
  StatusOr<std::vector<BatchEvent>> TriggerBatch(const std::shared_ptr<Store>& store,
                                                 const BatchRequest& request);

  // integration.created / .updated / .deleted, fired by the API. `integration` is the
  // resource as the API returned it.
  void IntegrationChanged(const std::shared_ptr<Store>& store, const std::string& type,
                          const nlohmann::json& integration);

  // Re-delivers a recorded event (same event id) as new jobs, attempts from 1, to one
  // integration (which must still exist and observe it) or to all that do now.
  StatusOr<TriggeredEvent> Replay(const std::shared_ptr<Store>& store, const std::string& event_id,
                                  const std::string& integration_id);

  StoryRunner& stories() { return stories_; }
  const StoryRunner& stories() const { return stories_; }
  // Waits until no delivery is pending; on a virtual clock, until none is in flight or due
  // by now (what is due later waits for an advance: ScheduledWork lists it).
  [[nodiscard]] bool WaitIdle(std::chrono::milliseconds timeout) {
    if (virtual_clock_) return virtual_clock_->WaitSettled([this] { return Settled(); }, timeout);
    return dispatcher_.WaitIdle(timeout);
  }
  std::vector<Dispatcher::Scheduled> ScheduledWork(const std::string& store_id, std::size_t limit) const {
    return dispatcher_.ScheduledWork(store_id, limit);
  }
  std::size_t Outstanding() const { return dispatcher_.Outstanding(); }

  // The clock deliveries are scheduled and stamped by; the virtual one, or null on a server
  // whose clock is real.
  const Clock& clock() const { return clock_; }
  Clock& clock() { return clock_; }
  VirtualClock* virtual_clock() { return virtual_clock_.get(); }
  // Where the server's ids come from (common/ids.h): derived on a virtual clock with a seed.
  const IdSource& ids() const { return ids_; }
  // Whether nothing is queued or in flight and nothing is due by now: what an advance of the
  // virtual clock waits for at each due time.
  bool Settled() const {
    const Clock::TimePoint now = clock_.Now();
    return dispatcher_.SettledAt(now) && stories_.SettledAt(now);
  }

  // DeliveryAttempt runs between Start and Stop; Trigger and Replay refuse outside it. Stop logs
  // what is still pending as not delivered. Start after Stop delivers again.
  void Start();
  void Stop();
  bool running() const { return running_; }

 private:
  // Records one job per integration and returns the deliveries that start them. `round`: 0
  // when the event fires, a replay's number in the store after (what the jobs' ids name).
  std::vector<DeliveryAttempt> MakeJobs(std::uint64_t round, const std::shared_ptr<Store>& store,
                                        const std::shared_ptr<const EventRecord>& event,
                                        const std::shared_ptr<const EventBodies>& bodies,
                                        const std::vector<Integration>& integrations,
                                        std::vector<EventJob>* jobs,
                                        std::vector<std::shared_ptr<const Integration>>* receivers);
  void SubmitAll(std::vector<DeliveryAttempt> deliveries);
  // Which integrations get the event, and why the others do not.
  void Match(const Store& store, const std::string& type, std::vector<Integration>* matched,
             std::vector<SkippedIntegration>* skipped) const;
  StatusOr<TriggeredEvent> Fire(const std::shared_ptr<Store>& store, const ObservableEvent& event,
                                nlohmann::json data, nlohmann::json included,
                                std::vector<std::string> notes = {}, const std::string& id_name = "",
                                std::string variety = "", const Resource* base = nullptr);
  // Varies `resource` by `profile` (the `n`-th of a batch's edge cases), fires it labelled
  // with the profile, and puts the cases applied in `cases` when given.
  StatusOr<TriggeredEvent> FireVaried(const std::shared_ptr<Store>& store, const ObservableEvent& event,
                                      Resource resource, const std::string& profile, std::mt19937_64& rng,
                                      std::size_t n, const std::string& id_name,
                                      std::vector<std::string>* cases);

  const std::shared_ptr<const Spec> spec_;
  const std::string cloudevent_source_;
  std::atomic<bool> running_{false};
  // What deliveries are scheduled and stamped by (common/clock.h): the machine's steady
  // clock, or a virtual one (ServerOptions::clock) that moves only when advanced.
  std::unique_ptr<VirtualClock> virtual_clock_;
  Clock& clock_;
  IdSource ids_;  // of events and jobs; the dispatcher's logs and the API's ids come from copies
  Synthesizer synthesizer_;
  WebhookTransport webhook_;
  SqsTransport sqs_;
  StompTransport stomp_;
  Dispatcher dispatcher_;
  StoryRunner stories_;  // last: its runs trigger through the members above
};

}  // namespace epmock::internal

#endif  // EPMOCK_EVENTS_EVENT_ENGINE_H_
