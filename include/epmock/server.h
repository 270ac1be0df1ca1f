// Server: the fake Integrations API, in process.
//
//   epmock::Server server;                 // ephemeral port on 127.0.0.1
//   ASSERT_TRUE(server.Start().ok());      // listening when Start() returns
//   httplib::Client client(server.Url());  // http://127.0.0.1:PORT
//   ...
//   server.Stop();                         // also done by the destructor
//
// Any client_id gets a token from POST /oauth/access_token, and each distinct client_id
// has its own isolated store, so tests sharing one server do not see each other's data.
//
// Thread-safe: every method may be called from any thread. Many servers may run in one
// process; they share only the compiled schemas (Spec::Default()).
#ifndef EPMOCK_SERVER_H_
#define EPMOCK_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/clock.h"
#include "epmock/event.h"
#include "epmock/faults.h"
#include "epmock/journal.h"
#include "epmock/logs.h"
#include "epmock/options.h"
#include "epmock/organization.h"
#include "epmock/sinks.h"
#include "epmock/sqs.h"
#include "epmock/status.h"
#include "epmock/stomp.h"
#include "epmock/story.h"

namespace epmock {

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  friend class ServerClock;

  // Binds and starts serving on background threads; ready to answer when it returns.
  // Started again after Stop(), it listens on the same ports, and everything put in before
  // (integrations, faults, queued messages) is still there: only Reset() forgets.
  Status Start();

  // Stops accepting, finishes requests in flight, logs deliveries still pending as not
  // delivered, and returns. Idempotent.
  void Stop();

  bool Running() const;

  // "http://HOST:PORT", valid after Start().
  std::string Url() const;
  int Port() const;

  // The embedded SQS endpoint (ServerOptions::sqs_port >= 0), null otherwise. Valid for the
  // Server's whole life, running or stopped.
  SqsEndpoint* Sqs();
  // The embedded STOMP broker (ServerOptions::stomp_port >= 0), null otherwise. Valid for
  // the Server's whole life, running or stopped.
  StompBroker* Stomp();

  // Forgets every store, token, organization, journal entry, sink request and answer, fault
  // and story run (running runs are stopped first). SQS queues and STOMP destinations, which
  // belong to no store, stay.
  void Reset();
  // Forgets all of one client's store, as POST /__admin/reset does: integrations, events,
  // jobs, logs, its journal entries, its delivery and API faults, what its deliveries sent to
  // the sinks and the answers it programmed, its story runs (stopped first), its rate-limit
  // window, and its kind and page length.
  void ResetStore(const std::string& client_id);

  // The request journal, oldest first (at most ServerOptions::journal_capacity entries).
  std::vector<RequestRecord> Requests() const;
  // Journal entries dropped to stay within the capacity.
  std::uint64_t DroppedRequests() const;

  // The store id a client_id maps to (stable: the same client_id always gives the same id),
  // unless ServerOptions::store_ids pins the client to another.
  static std::string StoreIdFor(const std::string& client_id);

  // Makes `org_client_id` an organization (elasticpath/elasticpath-dev
  // guides/key-concepts/organizations/organization_authentication.md) of the stores of `store_client_ids`:
  // its token acts at organization level (organization-level integrations, events and logs,
  // org_id only), and with X-Moltin-Auth-Store: <store id> on one of its stores; the stores'
  // deliveries carry org_id beside store_id. Replaces an earlier declaration of the same
  // client. A store belongs to one organization at most.
  StatusOr<Organization> DeclareOrganization(const std::string& org_client_id,
                                             const std::vector<std::string>& store_client_ids);
  // Undoes a declaration: NotFound when the client declared none.
  Status ForgetOrganization(const std::string& org_client_id);

  // The integrations of a client's store as the API would list them (secrets masked).
  nlohmann::json Integrations(const std::string& client_id) const;

  // --- Events ---------------------------------------------------------------------------

  // Fires an event in a client's store: the resource is the caller's or synthesized, and
  // one job starts per enabled integration that observes the event. Returns at once;
  // deliveries run in the background (see WaitForDeliveries). Needs a running server.
  StatusOr<TriggeredEvent> Trigger(const std::string& client_id, const TriggerRequest& request);

  // Many events of a type at once, varied by profile and fixed by seed (BatchRequest):
  // at most kMaxBatchEvents a call. Each event is delivered like a triggered one.
  StatusOr<std::vector<BatchEvent>> TriggerBatch(const std::string& client_id, const BatchRequest& request);

  // Delivers a past event again (same event id) as new jobs whose attempts count from 1:
  // to one integration, or to every one that observes it now (empty integration_id).
  StatusOr<TriggeredEvent> Replay(const std::string& client_id, const std::string& event_id,
                                  const std::string& integration_id = "");

  // The server's clock (epmock/clock.h, docs/CLOCK.md): real, or virtual with
  // ServerOptions::clock, when its operations step the time.
  ServerClock Clock();

  // Waits until no delivery is scheduled, queued or in flight, or the timeout passes. On a
  // virtual clock (ServerOptions::clock): until none is queued, in flight or due by the
  // clock's now; what is due later waits for an advance (docs/CLOCK.md).
  [[nodiscard]] bool WaitForIdle(std::chrono::milliseconds timeout) const;
  // Deprecated in 0.2.0: the name read as "n deliveries arrived" (what the harness's
  // WaitForDeliveries means); it waits for the dispatcher to be idle. Use WaitForIdle.
  [[deprecated("use WaitForIdle")]] [[nodiscard]] bool WaitForDeliveries(
      std::chrono::milliseconds timeout) const;

  // A number that goes up with every change of a client's store (an integration, an event,
  // a job, a delivery attempt, a setting, a reset): 0 for a client that never used the
  // server. WaitForStoreChange waits until it is no longer `seen`, or the timeout passes, and
  // returns it then: how a test waits for its store's progress without sleeping.
  std::uint64_t StoreVersion(const std::string& client_id) const;
  std::uint64_t WaitForStoreChange(const std::string& client_id, std::uint64_t seen,
                                   std::chrono::milliseconds timeout) const;

  // Newest first. Reading a client that never used the server creates nothing.
  std::vector<TriggeredEvent> Events(const std::string& client_id) const;
  std::vector<IntegrationJob> Jobs(const std::string& client_id) const;
  std::vector<IntegrationLog> Logs(const std::string& client_id) const;

  // --- Stories (epmock/story.h, docs/STORIES.md) ------------------------------------------

  // The built-in stories and those ServerOptions::story_files loaded.
  std::vector<Story> Stories() const;
  // Plans a story into a client's store and starts it: the run's events are planned (each
  // resource made and checked) when this returns, and fire in the background. Needs a
  // running server.
  StatusOr<StoryRun> RunStory(const std::string& client_id, const std::string& story,
                              const StoryOptions& options = {});
  // COUNT runs of a story at once (1 to kMaxRunningStories), the i-th with seed
  // options.seed + i, each about resources of its own: all start, or none.
  StatusOr<std::vector<StoryRun>> RunStories(const std::string& client_id, const std::string& story,
                                             std::size_t count, const StoryOptions& options = {});
  // Ends a running run as "stopped" (what it fired stays fired) and returns it as it stands:
  // NotFound when the client's store has no such run, FailedPrecondition when it had ended.
  StatusOr<StoryRun> StopStory(const std::string& client_id, const std::string& run_id);
  // The run as it stands: which events fired, how many of their deliveries ended.
  std::optional<StoryRun> StoryRunOf(const std::string& client_id, const std::string& run_id) const;
  // Waits until every event of the run fired and every delivery ended (or it failed or the
  // server stopped): the run's state is then not "running".
  [[nodiscard]] bool WaitForStory(const std::string& client_id, const std::string& run_id,
                                  std::chrono::milliseconds timeout) const;

  // Faults apply to the events fired after they are added.
  StatusOr<Fault> AddFault(const std::string& client_id, Fault fault);
  std::vector<Fault> Faults(const std::string& client_id) const;
  Status RemoveFault(const std::string& client_id, const std::string& fault_id);  // NotFound if unknown
  void ClearFaults(const std::string& client_id);

  // API faults (epmock/faults.h): the next requests of the client's store misbehave.
  // Checked as the admin API checks them (ApiFault::FromJson's limits); at most 100 a store.
  StatusOr<ApiFault> AddApiFault(const std::string& client_id, ApiFault fault);
  std::vector<ApiFault> ApiFaults(const std::string& client_id) const;
  Status RemoveApiFault(const std::string& client_id, const std::string& fault_id);  // NotFound if unknown
  void ClearApiFaults(const std::string& client_id);

  // "production" (the default) or "development": which rate limit applies to the store when
  // ServerOptions::rate_limits is on.
  Status SetStoreKind(const std::string& client_id, const std::string& kind);
  // The length of the store's /v2 list pages (integrations, logs, jobs) when a request gives
  // no page[limit]: a store setting on the platform, 1 to 100, 25 until set and after a
  // reset of the store.
  Status SetPageLength(const std::string& client_id, int page_length);

  // What the API port's sink /__sink/webhook/{name} received from every store (a WebhookSink
  // without a port of its own), oldest first, and what it answers when a store has not
  // programmed answers of its own through the admin API. (Over HTTP, a store sees only its
  // own deliveries and the requests no store sent.)
  std::vector<ReceivedRequest> SinkRequests(const std::string& name) const;
  // Refused (InvalidArgument) unless each status is 100 to 599 and each delay 0 to 600,000 ms,
  // at most 1,000 answers.
  Status SinkRespondWith(const std::string& name, std::vector<SinkResponse> responses);

  // Creates a queue on the embedded SQS endpoint (1 to 80 letters, digits, '-' and '_'):
  // its URL; NotFound when the server runs no SQS endpoint.
  StatusOr<std::string> CreateQueue(const std::string& name);
  [[nodiscard]] bool WaitForSinkRequests(const std::string& name, std::size_t count,
                                         std::chrono::milliseconds timeout) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace epmock

#endif  // EPMOCK_SERVER_H_
