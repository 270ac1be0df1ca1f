#include "epmock/server.h"

#include <algorithm>
#include <mutex>

#include "api/engine.h"
#include "api/errors.h"
#include "api/router.h"
#include "common/ids.h"
#include "common/strings.h"
#include "delivery/faults.h"
#include "epmock/spec.h"
#include "http/edge.h"

namespace epmock {

// The facade: one Engine for the Server's life, and the HTTP edge that serves it.
namespace {

// The embedded spec, extended by the options' catalog file when there is one. A file that
// does not load leaves the embedded spec in place and its error in `error`.
std::shared_ptr<const Spec> SpecFor(const ServerOptions& options, Status* error) {
  if (options.catalog_file.empty()) return Spec::Default();
  StatusOr<std::shared_ptr<const Spec>> extended = Spec::Default()->ExtendFromFile(options.catalog_file);
  if (!extended.ok()) {
    *error = extended.status().WithContext("the catalog extension does not load: ");
    return Spec::Default();
  }
  return *extended;
}

}  // namespace

class Server::Impl {
 public:
  explicit Impl(ServerOptions options) : engine(options, SpecFor(options, &catalog_error)) {
    for (const std::string& path : engine.options().story_files) {
      StatusOr<std::vector<Story>> stories = internal::LoadStoryFile(path, engine.spec());
      Status added = stories.ok() ? engine.events().stories().Add(std::move(*stories)) : stories.status();
      if (!added.ok() && story_error.ok()) story_error = added.WithContext("the stories do not load: ");
    }
  }

  Status Start();
  void Stop();

  // Why the catalog extension did not load; Start() refuses with it.
  Status catalog_error = Status::Ok();
  Status story_error = Status::Ok();  // the same for the story files
  // Built with the Server and kept for its whole life; Start/Stop do not touch its state.
  internal::Engine engine;
  std::mutex mu;  // one Start or Stop at a time
  internal::HttpEdge api;
};

Status Server::Impl::Start() {
  std::lock_guard<std::mutex> lock(mu);
  if (api.started()) return Status::FailedPrecondition("server already started");
  if (!catalog_error.ok()) return catalog_error;
  if (!story_error.ok()) return story_error;
  if (std::optional<std::string> bad = internal::CheckDashboardPath(engine.options().dashboard_path))
    return Status::InvalidArgument(*bad);
  std::string refused_host;
  internal::ParseHostPolicy(engine.options().allow_hosts, &refused_host);
  if (!refused_host.empty()) {
    return Status::InvalidArgument("allow_hosts: '" + refused_host +
                                   "' is not a host name without port, or '*'");
  }
  const ServerOptions& options = engine.options();
  SqsEndpoint* sqs = engine.sqs();
  StompBroker* stomp = engine.stomp();
  if (sqs) {
    Status started = sqs->Start();
    if (!started.ok()) return started;
  }
  if (stomp) {
    Status started = stomp->Start();
    if (!started.ok()) {
      if (sqs) sqs->Stop();
      return started;
    }
  }
  engine.events().Start();
  engine.streams().Open();

  internal::EdgeOptions edge;
  edge.what = "the API server";
  edge.host = options.host;
  edge.port = options.port;
  edge.worker_threads = options.worker_threads;
  edge.max_body_bytes = options.max_body_bytes;
  edge.idle_timeout_seconds = options.idle_timeout_seconds;
  edge.header_timeout_seconds = options.header_timeout_seconds;
  edge.max_delayed = static_cast<std::size_t>(std::max(1, options.max_delayed_requests));
  edge.hosts = internal::ParseHostPolicy(options.allow_hosts).value_or(internal::HostPolicy{});
  // Every answer carries a request id, as the platform's do (moltin/php-sdk src/Request.php).
  edge.request_id = [this] { return engine.NewRequestId(); };
  // No source: the platform's errors carry none (elasticpath/epcc-cli docs/tutorial.md). A 500 in
  // the platform's words, with the request id (elasticpath/elasticpath-dev guides/Getting-Started/errors.md).
  edge.render_error = [](const internal::HttpRequest& request, int status, const std::string& detail) {
    internal::HttpResponse answer = internal::ErrorResponse(status, internal::StatusTitle(status), detail);
    internal::CarryRequestId(answer, request.request_id, /*platform_detail=*/true, nullptr);
    return answer;
  };
  Status listening = api.Start(std::move(edge), [this](const internal::HttpRequest& request) {
    return internal::Route(engine, request);
  });
  if (!listening.ok()) {
    engine.events().Stop();
    if (sqs) sqs->Stop();
    if (stomp) stomp->Stop();
  }
  return listening;
}

void Server::Impl::Stop() {
  std::lock_guard<std::mutex> lock(mu);
  if (!api.started()) return;
  engine.streams().Close();  // open streams and long polls end now, so the edge's workers are free
  api.Stop();
  engine.sessions().Clear();  // a dashboard signs in again after a restart
  // No request can fire events now; what is still pending is finished or logged as not
  // delivered.
  engine.events().Stop();
  if (engine.sqs()) engine.sqs()->Stop();
  if (engine.stomp()) engine.stomp()->Stop();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { Stop(); }

Status Server::Start() { return impl_->Start(); }

void Server::Stop() { impl_->Stop(); }

bool Server::Running() const { return impl_->api.running(); }

std::string Server::Url() const { return impl_->api.Url(); }

SqsEndpoint* Server::Sqs() { return impl_->engine.sqs(); }

StompBroker* Server::Stomp() { return impl_->engine.stomp(); }

int Server::Port() const { return impl_->api.port(); }

void Server::Reset() { impl_->engine.Reset(); }

std::vector<RequestRecord> Server::Requests() const { return impl_->engine.journal().Records(); }

std::uint64_t Server::DroppedRequests() const { return impl_->engine.journal().Dropped(); }

std::string Server::StoreIdFor(const std::string& client_id) { return internal::StoreIdForClient(client_id); }

StatusOr<Organization> Server::DeclareOrganization(const std::string& org_client_id,
                                                   const std::vector<std::string>& store_client_ids) {
  return impl_->engine.stores().DeclareOrganization(org_client_id, store_client_ids);
}

namespace {

// The store of a client if it has one: readers create nothing.
std::shared_ptr<internal::Store> ExistingStore(const internal::Engine& engine, const std::string& client_id) {
  return engine.stores().Find(Server::StoreIdFor(client_id));
}

}  // namespace

nlohmann::json Server::Integrations(const std::string& client_id) const {
  const std::string url = Url();
  nlohmann::json out = nlohmann::json::array();
  auto store = ExistingStore(impl_->engine, client_id);
  if (!store) return out;
  for (const auto& integration : store->List()) out.push_back(internal::IntegrationToJson(integration, url));
  return out;
}

// Neither holds the lifecycle lock: triggers from many threads run in parallel, each
// store and the dispatcher guarding their own state. A Stop() racing a trigger logs the
// trigger's jobs as not delivered.
StatusOr<TriggeredEvent> Server::Trigger(const std::string& client_id, const TriggerRequest& request) {
  return impl_->engine.events().Trigger(impl_->engine.stores().ForClient(client_id), request);
}

StatusOr<std::vector<BatchEvent>> Server::TriggerBatch(const std::string& client_id,
                                                       const BatchRequest& request) {
  return impl_->engine.events().TriggerBatch(impl_->engine.stores().ForClient(client_id), request);
}

std::vector<Story> Server::Stories() const { return impl_->engine.events().stories().Stories(); }

StatusOr<StoryRun> Server::RunStory(const std::string& client_id, const std::string& story,
                                    const StoryOptions& options) {
  if (!impl_->engine.events().running()) return Status::FailedPrecondition("the server is not running");
  return impl_->engine.events().stories().Start(impl_->engine.stores().ForClient(client_id), story, options);
}

StatusOr<std::vector<StoryRun>> Server::RunStories(const std::string& client_id, const std::string& story,
                                                   std::size_t count, const StoryOptions& options) {
  if (!impl_->engine.events().running()) return Status::FailedPrecondition("the server is not running");
  return impl_->engine.events().stories().StartMany(impl_->engine.stores().ForClient(client_id), story,
                                                    options, count);
}

StatusOr<StoryRun> Server::StopStory(const std::string& client_id, const std::string& run_id) {
  return impl_->engine.events().stories().StopRun(StoreIdFor(client_id), run_id);
}

std::optional<StoryRun> Server::StoryRunOf(const std::string& client_id, const std::string& run_id) const {
  return impl_->engine.events().stories().Run(StoreIdFor(client_id), run_id);
}

bool Server::WaitForStory(const std::string& client_id, const std::string& run_id,
                          std::chrono::milliseconds timeout) const {
  return impl_->engine.events().stories().Wait(StoreIdFor(client_id), run_id, timeout);
}

StatusOr<TriggeredEvent> Server::Replay(const std::string& client_id, const std::string& event_id,
                                        const std::string& integration_id) {
  auto store = ExistingStore(impl_->engine, client_id);
  if (!store) return Status::NotFound("no event " + event_id + " in this store");
  return impl_->engine.events().Replay(store, event_id, integration_id);
}

bool Server::WaitForIdle(std::chrono::milliseconds timeout) const {
  // The dispatcher lives as long as the Server; Stop() from another thread finishes every
  // pending delivery, which ends this wait too.
  return impl_->engine.events().WaitIdle(timeout);
}

bool Server::WaitForDeliveries(std::chrono::milliseconds timeout) const { return WaitForIdle(timeout); }

std::vector<TriggeredEvent> Server::Events(const std::string& client_id) const {
  std::vector<TriggeredEvent> out;
  auto store = ExistingStore(impl_->engine, client_id);
  if (!store) return out;
  for (const auto& e : store->Events()) out.push_back(internal::ToTriggeredEvent(*e));
  return out;
}

std::vector<IntegrationJob> Server::Jobs(const std::string& client_id) const {
  auto store = ExistingStore(impl_->engine, client_id);
  return store ? store->Jobs("") : std::vector<IntegrationJob>{};
}

std::vector<IntegrationLog> Server::Logs(const std::string& client_id) const {
  auto store = ExistingStore(impl_->engine, client_id);
  return store ? store->Logs("", "") : std::vector<IntegrationLog>{};
}

StatusOr<Fault> Server::AddFault(const std::string& client_id, Fault fault) {
  // The admin API's checks (POST /__admin/faults): the same values refused with the same words.
  if (Status checked = internal::CheckFault(fault); !checked.ok()) return checked;
  if (!fault.integration_id.empty()) {
    auto store = ExistingStore(impl_->engine, client_id);
    if (!store || !store->Get(fault.integration_id)) {
      return Status::InvalidArgument("No integration " + fault.integration_id + " in this store");
    }
  }
  return impl_->engine.events().faults().Add(StoreIdFor(client_id), std::move(fault));
}

std::vector<Fault> Server::Faults(const std::string& client_id) const {
  return impl_->engine.events().faults().List(StoreIdFor(client_id));
}

void Server::ClearFaults(const std::string& client_id) {
  impl_->engine.events().faults().Clear(StoreIdFor(client_id));
}

StatusOr<ApiFault> Server::AddApiFault(const std::string& client_id, ApiFault fault) {
  // The same checks as the admin API's, through the same parser (the id is epmock's to give).
  nlohmann::json given = fault.ToJson();
  given.erase("id");
  StatusOr<ApiFault> checked = ApiFault::FromJson(given);
  if (!checked.ok()) return checked.status();
  return impl_->engine.api_faults().Add(StoreIdFor(client_id), *checked);
}

std::vector<ApiFault> Server::ApiFaults(const std::string& client_id) const {
  return impl_->engine.api_faults().List(StoreIdFor(client_id));
}

void Server::ClearApiFaults(const std::string& client_id) {
  impl_->engine.api_faults().Clear(StoreIdFor(client_id));
}

Status Server::SetStoreKind(const std::string& client_id, const std::string& kind) {
  if (kind != "production" && kind != "development") {
    return Status::InvalidArgument("a store's kind is production or development, not '" + kind + "'");
  }
  impl_->engine.stores().ForClient(client_id)->set_kind(kind);
  return Status::Ok();
}

Status Server::SetPageLength(const std::string& client_id, int page_length) {
  if (page_length < 1 || static_cast<std::size_t>(page_length) > internal::kMaxStorePageLength) {
    return Status::InvalidArgument("a store's page length is 1 to " +
                                   std::to_string(internal::kMaxStorePageLength) + ", not " +
                                   std::to_string(page_length));
  }
  impl_->engine.stores().ForClient(client_id)->set_page_length(static_cast<std::size_t>(page_length));
  return Status::Ok();
}

std::vector<ReceivedRequest> Server::SinkRequests(const std::string& name) const {
  return impl_->engine.sinks().AllAt(name);
}

void Server::SinkRespondWith(const std::string& name, std::vector<SinkResponse> responses) {
  impl_->engine.sinks().Get(internal::SinkRegistry::kNoStore, name)->RespondWith(std::move(responses));
}

bool Server::WaitForSinkRequests(const std::string& name, std::size_t count,
                                 std::chrono::milliseconds timeout) const {
  return impl_->engine.sinks().WaitForRequestsAt(name, count, timeout);
}

}  // namespace epmock
