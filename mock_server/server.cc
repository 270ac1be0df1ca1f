#include "epmock/server.h"

#include <algorithm>
#include <map>

#include "api/engine.h"
#include "api/errors.h"
#include "api/init_file.h"
#include "api/router.h"
#include "common/ids.h"
#include "common/mutex.h"
#include "common/strings.h"
#include "epmock/spec.h"
#include "http/edge.h"
#include "http/self_authorities.h"
#include "http/url.h"

namespace epmock {

// The facade: one Engine for the Server's life, and the HTTP edge that serves it.
namespace {

// The advertised URLs and host, each checked (http/self_authorities.h says what they take).
Status CheckAdvertised(const ServerOptions& o) {
  const std::pair<const char*, const std::string*> urls[] = {{"advertise_api", &o.advertise_api},
                                                             {"advertise_sqs", &o.advertise_sqs},
                                                             {"advertise_stomp", &o.advertise_stomp}};
  for (const auto& [name, value] : urls) {
    if (value->empty()) continue;
    const std::string scheme = std::string(name) == "advertise_stomp" ? "stomp" : "http";
    if (std::optional<std::string> bad = internal::CheckAdvertisedUrl(*value, scheme))
      return Status::InvalidArgument(std::string(name) + ": " + *bad);
  }
  if (!o.advertise_host.empty()) {
    if (std::optional<std::string> bad = internal::CheckAdvertisedHost(o.advertise_host))
      return Status::InvalidArgument("advertise_host: " + *bad);
  }
  return Status::Ok();
}

// Pinned store ids: each a UUID (the schemas want one in store_id and org_id), no two alike.
Status CheckPinnedIds(const ServerOptions& o) {
  std::map<std::string, std::string> client_of;
  for (const auto& [client, id] : o.store_ids) {
    if (!internal::IsUuid(id) || client.empty()) {
      return Status::InvalidArgument("store_ids: the id of '" + client.substr(0, 64) +
                                     "' must be a UUID, as the platform's store and organization ids are");
    }
    if (!client_of.emplace(id, client).second) {
      return Status::InvalidArgument("store_ids: '" + client_of[id].substr(0, 64) + "' and '" +
                                     client.substr(0, 64) + "' are both pinned to " + id);
    }
  }
  return Status::Ok();
}

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
  explicit Impl(ServerOptions options)
      : admin_token_given(!options.admin_token.empty()), engine(options, SpecFor(options, &catalog_error)) {
    for (const std::string& path : engine.options().story_files) {
      StatusOr<std::vector<Story>> stories = internal::LoadStoryFile(path, engine.spec());
      Status added = stories.ok() ? engine.events().stories().Add(std::move(*stories)) : stories.status();
      if (!added.ok() && story_error.ok()) story_error = added.WithContext("the stories do not load: ");
    }
    if (!engine.options().init_file.empty()) {
      StatusOr<internal::InitPlan> plan = internal::LoadInitFile(engine.options().init_file);
      if (plan.ok()) {
        init_plan = std::move(*plan);
      } else {
        init_error = plan.status().WithContext("the init file does not load: ");
      }
    }
  }

  Status Start();
  void Stop();
  // Teaches the transports the advertised URLs, now that every port is bound.
  void Advertise();

  // Why the catalog extension did not load; Start() refuses with it.
  // A token, or "off" (the engine holds "off" as none).
  const bool admin_token_given;
  Status catalog_error = Status::Ok();
  Status story_error = Status::Ok();  // the same for the story files
  Status init_error = Status::Ok();   // and the init file
  // What the first Start provisions (ServerOptions::init_file); emptied once applied.
  std::optional<internal::InitPlan> init_plan;
  // Built with the Server and kept for its whole life; Start/Stop do not touch its state.
  internal::Engine engine;
  internal::HttpEdge api;

  // One Start or Stop at a time. Each claims the server under mu and does its work with mu
  // released (Stop joins threads, and no thread is joined under a lock); a second one waits
  // for the claim to end.
  class Claim {
   public:
    explicit Claim(Impl& impl) : impl_(impl) {
      internal::MutexLock lock(&impl_.mu);
      while (impl_.claimed) impl_.released.Wait(&impl_.mu);
      impl_.claimed = true;
    }
    ~Claim() {
      {
        internal::MutexLock lock(&impl_.mu);
        impl_.claimed = false;
      }
      impl_.released.SignalAll();
    }
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;

   private:
    Impl& impl_;
  };
  internal::Mutex mu;
  internal::CondVar released;
  bool claimed EPMOCK_GUARDED_BY(mu) = false;
};

Status Server::Impl::Start() {
  const Claim claim(*this);
  if (api.started()) return Status::FailedPrecondition("server already started");
  if (!catalog_error.ok()) return catalog_error;
  if (!story_error.ok()) return story_error;
  if (!init_error.ok()) return init_error;
  if (std::optional<std::string> bad = internal::CheckDashboardPath(engine.options().dashboard_path))
    return Status::InvalidArgument(*bad);
  std::string refused_host;
  internal::ParseHostPolicy(engine.options().allow_hosts, &refused_host);
  if (!refused_host.empty()) {
    return Status::InvalidArgument("allow_hosts: '" + refused_host +
                                   "' is not a host name without port, or '*'");
  }
  const ServerOptions& options = engine.options();
  if (Status advertised = CheckAdvertised(options); !advertised.ok()) return advertised;
  if (Status pinned = CheckPinnedIds(options); !pinned.ok()) return pinned;
  if (options.clock == ServerOptions::ClockMode::kVirtual && options.time_scale != 1.0) {
    return Status::InvalidArgument(
        "time_scale: a virtual clock moves only when advanced, so scaling its delays means nothing; leave "
        "time_scale at 1");
  }
  if (options.clock_start_ms < 0 || options.clock_start_ms > 253402300799999) {
    return Status::InvalidArgument("clock_start_ms: from 0 (the machine's time) to 9999-12-31T23:59:59.999Z");
  }
  if (!admin_token_given && !internal::IsLoopbackHost(options.host)) {
    return Status::InvalidArgument(
        "host '" + options.host.substr(0, 100) +
        "' reaches beyond loopback, where the admin API and the dashboard need an admin_token; set one, or "
        "\"off\" to keep 0.2.0's rule on a trusted network");
  }
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
  for (const std::string& url : {options.advertise_api, options.advertise_sqs, options.advertise_stomp}) {
    for (const std::string& name : internal::AdvertisedNames(url, options.advertise_host))
      edge.hosts.names.push_back(name);
  }
  edge.advertised_url = options.advertise_api;
  edge.advertised_host = options.advertise_host;
  edge.host_seen = [self = engine.self(), bind = options.host](const std::string& host, int port) {
    self->Saw(host, 80, internal::LocalAddressOf(bind, port));
  };
  // Every answer carries a request id, as the platform's do (moltin/php-sdk src/Request.php).
  edge.request_id = [this](const internal::HttpRequest& request) { return engine.NewRequestId(request); };
  // No source: the platform's errors carry none (elasticpath/epcc-cli docs/tutorial.md). A 500 in
  // the platform's words, with the request id (elasticpath/elasticpath-dev guides/Getting-Started/errors.md).
  edge.render_error = [](const internal::HttpRequest& request, int status, const std::string& detail) {
    internal::HttpResponse answer = internal::ErrorResponse(status, internal::StatusTitle(status), detail);
    internal::RenderErrors(answer, internal::ErrorAudience::kPlatform, request.request_id);
    return answer;
  };
  Status listening = api.Start(std::move(edge), [this](const internal::HttpRequest& request) {
    return internal::Route(engine, request);
  });
  if (!listening.ok()) {
    engine.events().Stop();
    if (sqs) sqs->Stop();
    if (stomp) stomp->Stop();
    return listening;
  }
  engine.SetApiPort(api.port());
  Advertise();
  if (init_plan) {
    const internal::InitUrls urls{api.Url(), sqs ? sqs->Url() : "", stomp ? stomp->Url() : ""};
    Status applied = internal::ApplyInit(engine, *init_plan, urls, options.init_file + ": ");
    init_plan.reset();
    if (!applied.ok()) {
      engine.CloseStreams();
      api.Stop();
      engine.events().Stop();
      if (sqs) sqs->Stop();
      if (stomp) stomp->Stop();
      return applied.WithContext("the init file was not applied: ");
    }
  }
  return listening;
}

void Server::Impl::Advertise() {
  const ServerOptions& o = engine.options();
  internal::SelfAuthorities& self = *engine.self();
  const auto learn = [&](const std::string& scheme, const std::string& url, int port) {
    if (port <= 0) return;
    const internal::LocalAddress local = internal::LocalAddressOf(o.host, port);
    if (std::optional<internal::Url> parsed = internal::ParseUrl(url)) self.Advertise(*parsed, local);
    if (!o.advertise_host.empty()) {
      self.Advertise(*internal::ParseUrl(scheme + "://" + internal::UrlHost(o.advertise_host) + ":" +
                                         std::to_string(port)),
                     local);
    }
  };
  learn("http", o.advertise_api, api.port());
  if (engine.sqs()) learn("http", o.advertise_sqs, engine.sqs()->Port());
  if (engine.stomp()) learn("stomp", o.advertise_stomp, engine.stomp()->Port());
}

void Server::Impl::Stop() {
  const Claim claim(*this);
  if (!api.started()) return;
  engine.CloseStreams();  // open streams and long polls end now, so the edge's workers are free
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

void Server::Reset() { impl_->engine.control().ResetAll(); }

void Server::ResetStore(const std::string& client_id) {
  impl_->engine.control().ResetStore(impl_->engine.stores().IdFor(client_id));
}

std::vector<RequestRecord> Server::Requests() const { return impl_->engine.journal().Records(); }

std::uint64_t Server::DroppedRequests() const { return impl_->engine.journal().Dropped(); }

std::string Server::StoreIdFor(const std::string& client_id) { return internal::StoreIdForClient(client_id); }

StatusOr<Organization> Server::DeclareOrganization(const std::string& org_client_id,
                                                   const std::vector<std::string>& store_client_ids) {
  return impl_->engine.control().DeclareOrganization(org_client_id, store_client_ids);
}

namespace {

// The store of a client if it has one: readers create nothing.
std::shared_ptr<internal::Store> ExistingStore(const internal::Engine& engine, const std::string& client_id) {
  return engine.stores().Find(engine.stores().IdFor(client_id));
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
  return impl_->engine.control().Trigger(impl_->engine.stores().ForClient(client_id), request);
}

StatusOr<std::vector<BatchEvent>> Server::TriggerBatch(const std::string& client_id,
                                                       const BatchRequest& request) {
  return impl_->engine.control().TriggerBatch(impl_->engine.stores().ForClient(client_id), request);
}

std::vector<Story> Server::Stories() const { return impl_->engine.events().stories().Stories(); }

StatusOr<StoryRun> Server::RunStory(const std::string& client_id, const std::string& story,
                                    const StoryOptions& options) {
  StatusOr<std::vector<StoryRun>> runs = RunStories(client_id, story, 1, options);
  if (!runs.ok()) return runs.status();
  return runs->front();
}

StatusOr<std::vector<StoryRun>> Server::RunStories(const std::string& client_id, const std::string& story,
                                                   std::size_t count, const StoryOptions& options) {
  return impl_->engine.control().RunStories(impl_->engine.stores().ForClient(client_id), story, options,
                                            count);
}

StatusOr<StoryRun> Server::StopStory(const std::string& client_id, const std::string& run_id) {
  return impl_->engine.control().StopStory(ExistingStore(impl_->engine, client_id), run_id);
}

std::optional<StoryRun> Server::StoryRunOf(const std::string& client_id, const std::string& run_id) const {
  StatusOr<StoryRun> run =
      impl_->engine.control().StoryRunOf(ExistingStore(impl_->engine, client_id), run_id);
  if (!run.ok()) return std::nullopt;
  return *std::move(run);
}

bool Server::WaitForStory(const std::string& client_id, const std::string& run_id,
                          std::chrono::milliseconds timeout) const {
  return impl_->engine.events().stories().Wait(ExistingStore(impl_->engine, client_id), run_id, timeout);
}

StatusOr<TriggeredEvent> Server::Replay(const std::string& client_id, const std::string& event_id,
                                        const std::string& integration_id) {
  return impl_->engine.control().Replay(ExistingStore(impl_->engine, client_id), event_id, integration_id);
}

bool Server::WaitForIdle(std::chrono::milliseconds timeout) const {
  // The dispatcher lives as long as the Server; Stop() from another thread finishes every
  // pending delivery, which ends this wait too.
  return impl_->engine.events().WaitIdle(timeout);
}

bool Server::WaitForDeliveries(std::chrono::milliseconds timeout) const { return WaitForIdle(timeout); }

std::uint64_t Server::StoreVersion(const std::string& client_id) const {
  auto store = ExistingStore(impl_->engine, client_id);
  return store ? store->changes().version() : 0;
}

std::uint64_t Server::WaitForStoreChange(const std::string& client_id, std::uint64_t seen,
                                         std::chrono::milliseconds timeout) const {
  // A store is made here if the client has none yet, so that its first change is announced.
  auto store = impl_->engine.stores().ForClient(client_id);
  return store->changes().WaitUntil(seen, std::chrono::steady_clock::now() + timeout);
}

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
  return impl_->engine.control().AddFault(*impl_->engine.stores().ForClient(client_id), std::move(fault));
}

std::vector<Fault> Server::Faults(const std::string& client_id) const {
  return impl_->engine.control().Faults(ExistingStore(impl_->engine, client_id));
}

Status Server::RemoveFault(const std::string& client_id, const std::string& fault_id) {
  return impl_->engine.control().RemoveFault(ExistingStore(impl_->engine, client_id), fault_id);
}

void Server::ClearFaults(const std::string& client_id) {
  impl_->engine.control().ClearFaults(ExistingStore(impl_->engine, client_id));
}

StatusOr<ApiFault> Server::AddApiFault(const std::string& client_id, ApiFault fault) {
  return impl_->engine.control().AddApiFault(*impl_->engine.stores().ForClient(client_id), std::move(fault));
}

std::vector<ApiFault> Server::ApiFaults(const std::string& client_id) const {
  return impl_->engine.control().ApiFaults(ExistingStore(impl_->engine, client_id));
}

Status Server::RemoveApiFault(const std::string& client_id, const std::string& fault_id) {
  return impl_->engine.control().RemoveApiFault(ExistingStore(impl_->engine, client_id), fault_id);
}

void Server::ClearApiFaults(const std::string& client_id) {
  impl_->engine.control().ClearApiFaults(ExistingStore(impl_->engine, client_id));
}

Status Server::SetStoreKind(const std::string& client_id, const std::string& kind) {
  internal::StoreSettings settings;
  settings.kind = kind;
  return impl_->engine.control().ConfigureStore(*impl_->engine.stores().ForClient(client_id), settings);
}

Status Server::SetPageLength(const std::string& client_id, int page_length) {
  internal::StoreSettings settings;
  settings.page_length = page_length;
  return impl_->engine.control().ConfigureStore(*impl_->engine.stores().ForClient(client_id), settings);
}

Status Server::ForgetOrganization(const std::string& org_client_id) {
  return impl_->engine.control().ForgetOrganization(org_client_id);
}

StatusOr<std::string> Server::CreateQueue(const std::string& name) {
  return impl_->engine.control().CreateQueue(name);
}

std::vector<ReceivedRequest> Server::SinkRequests(const std::string& name) const {
  return impl_->engine.sinks().AllAt(name);
}

Status Server::SinkRespondWith(const std::string& name, std::vector<SinkResponse> responses) {
  return impl_->engine.control().ProgramSink(internal::SinkRegistry::kNoStore, name, std::move(responses));
}

bool Server::WaitForSinkRequests(const std::string& name, std::size_t count,
                                 std::chrono::milliseconds timeout) const {
  return impl_->engine.sinks().WaitForRequestsAt(name, count, timeout);
}

// --- The clock ------------------------------------------------------------------------------

ServerClock Server::Clock() { return ServerClock(this); }

namespace {

ServerClock::TimePoint AtMillis(std::int64_t epoch_ms) {
  return ServerClock::TimePoint(std::chrono::milliseconds(epoch_ms));
}

}  // namespace

ServerClock::State ServerClock::Read() const {
  const internal::ClockState read = server_->impl_->engine.control().ReadClock();
  State state;
  state.is_virtual = read.is_virtual;
  state.running = read.running;
  state.now = AtMillis(read.now_ms);
  if (read.next_due_ms) state.next_due = AtMillis(*read.next_due_ms);
  state.pending = read.pending;
  return state;
}

ServerClock::TimePoint ServerClock::Now() const {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::nanoseconds(server_->impl_->engine.events().clock().EpochNanos())));
}

Status ServerClock::Advance(std::chrono::milliseconds by, std::chrono::milliseconds timeout) {
  return server_->impl_->engine.control().AdvanceClock(by.count(), timeout).status();
}

Status ServerClock::AdvanceTo(TimePoint to, std::chrono::milliseconds timeout) {
  const auto to_ms = std::chrono::duration_cast<std::chrono::milliseconds>(to.time_since_epoch()).count();
  return server_->impl_->engine.control().AdvanceClockTo(to_ms, timeout).status();
}

Status ServerClock::RunUntilIdle(std::chrono::milliseconds max, std::chrono::milliseconds timeout) {
  return server_->impl_->engine.control().RunClockUntilIdle(max.count(), timeout).status();
}

Status ServerClock::Freeze() { return server_->impl_->engine.control().FreezeClock().status(); }
Status ServerClock::Resume() { return server_->impl_->engine.control().ResumeClock().status(); }

}  // namespace epmock
