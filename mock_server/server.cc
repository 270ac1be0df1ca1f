#include "epmock/server.h"

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "api/errors.h"
#include "api/router.h"
#include "common/http_body.h"
#include "common/http_listener.h"
#include "common/ids.h"
#include "epmock/spec.h"
#include "events/event_engine.h"

namespace epmock {

using internal::ApiRequest;
using internal::ApiResponse;

class Server::Impl {
 public:
  explicit Impl(ServerOptions o) : options(std::move(o)) {}

  Status Start();
  void Stop();
  // The caller holds mu. Stops and forgets the embedded SQS endpoint and STOMP broker.
  void StopQueues();
  void Serve(const httplib::Request& req, const std::string& body, httplib::Response& res);

  // The caller holds mu. The store of a client, created on first use.
  std::shared_ptr<internal::Store> StoreOf(const std::string& client_id) {
    return router->stores().ForClient(client_id);
  }

  const ServerOptions options;
  std::unique_ptr<internal::Router> router;
  std::unique_ptr<internal::EventEngine> events;  // from Start() to Stop()
  std::unique_ptr<SqsEndpoint> sqs;               // when options.sqs_port >= 0
  std::unique_ptr<StompBroker> stomp;             // when options.stomp_port >= 0
  mutable std::mutex mu;                          // guards the lifecycle below
  internal::HttpListener listener;
  int port = 0;
};

namespace {

void WriteResponse(const ApiResponse& api, httplib::Response& res) {
  res.status = api.status;
  for (const auto& [name, value] : api.headers) res.set_header(name, value);
  if (!api.body.empty()) res.set_content(api.body, api.content_type.c_str());
}

}  // namespace

void Server::Impl::Serve(const httplib::Request& req, const std::string& body, httplib::Response& res) {
  if (req.has_header("Transfer-Encoding") && req.has_header("Content-Length")) {
    // RFC 9112 6.1: a request with both is how requests are smuggled past a proxy; refuse it.
    WriteResponse(
        internal::ErrorResponse(400, internal::StatusTitle(400),
                                "A request may not carry both Content-Length and Transfer-Encoding", ""),
        res);
    return;
  }
  ApiRequest request;
  request.method = req.method;
  request.path = req.path;
  auto question = req.target.find('?');
  if (question != std::string::npos) request.query = req.target.substr(question + 1);
  request.authorization = req.get_header_value("Authorization");
  request.content_type = req.get_header_value("Content-Type");
  std::string host = req.get_header_value("Host");
  request.base_url = "http://" + (host.empty() ? options.host + ":" + std::to_string(port) : host);
  request.body = body;
  if (req.path.rfind("/__sink/", 0) == 0) {
    for (const auto& [name, value] : req.headers) {
      // httplib adds these for its own bookkeeping; they were not sent.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT")
        continue;
      request.headers.emplace_back(name, value);
    }
  }
  ApiResponse response = router->Handle(request);
  if (response.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(response.delay_ms));
  WriteResponse(response, res);
}

Status Server::Impl::Start() {
  std::lock_guard<std::mutex> lock(mu);
  if (listener.started()) return Status::Error("server already started");
  if (!router) router = std::make_unique<internal::Router>(options, Spec::Default());
  if (options.sqs_port >= 0 && !sqs) {
    sqs = std::make_unique<SqsEndpoint>(SqsEndpointOptions{
        options.host, options.sqs_port, options.sqs_access_key_id, options.sqs_secret_access_key});
    Status started = sqs->Start();
    if (!started.ok()) {
      sqs.reset();
      return started;
    }
  }
  if (options.stomp_port >= 0 && !stomp) {
    StompBrokerOptions broker_options;
    broker_options.host = options.host;
    broker_options.port = options.stomp_port;
    stomp = std::make_unique<StompBroker>(broker_options);
    Status started = stomp->Start();
    if (!started.ok()) {
      stomp.reset();
      StopQueues();
      return started;
    }
  }
  events = std::make_unique<internal::EventEngine>(options, Spec::Default());
  router->set_events(events.get());
  router->set_queues(sqs.get(), stomp.get());

  auto server = std::make_unique<httplib::Server>();
  const int threads = std::max(1, options.worker_threads);
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server->set_payload_max_length(options.max_body_bytes);
  server->set_read_timeout(options.idle_timeout_seconds, 0);
  server->set_write_timeout(options.idle_timeout_seconds, 0);
  server->set_keep_alive_timeout(options.idle_timeout_seconds);
  server->set_keep_alive_max_count(100000);
  // Responses go out as header and body writes; with Nagle on, the second waits for the
  // client's delayed ACK (40 ms on Linux) and every request takes 40 ms.
  server->set_tcp_nodelay(true);

  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Serve(req, req.body, res); };
  const std::size_t body_limit = options.max_body_bytes;
  auto with_body = [this, body_limit](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& reader) {
    std::string body;
    switch (internal::ReadBodyUpTo(req, reader, body_limit, &body)) {
      case internal::BodyRead::kOk:
        Serve(req, body, res);
        return;
      case internal::BodyRead::kTooLarge:
        WriteResponse(
            internal::ErrorResponse(
                413, internal::StatusTitle(413),
                "The request body is larger than the limit of " + std::to_string(body_limit) + " bytes", ""),
            res);
        break;
      case internal::BodyRead::kBroken:
        WriteResponse(internal::ErrorResponse(400, internal::StatusTitle(400),
                                              "The request is not well-formed HTTP", ""),
                      res);
        break;
    }
    res.set_header("Connection", "close");  // the rest of the body is unread
  };
  server->Get(".*", handler);
  server->Post(".*", with_body);
  server->Put(".*", with_body);
  server->Patch(".*", with_body);
  server->Delete(".*", handler);
  server->Options(".*", handler);

  // Errors httplib raises itself (body too large, malformed request line, unknown method)
  // still answer in the platform's shape.
  const std::size_t max_body = options.max_body_bytes;
  server->set_error_handler(
      httplib::Server::HandlerWithResponse([max_body](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string detail = "The request could not be read";
        if (res.status == 413) {
          detail = "The request body is larger than the limit of " + std::to_string(max_body) + " bytes";
        } else if (res.status == 414) {
          detail = "The request URI is too long";
        } else if (res.status == 400) {
          detail = "The request is not well-formed HTTP";
        }
        ApiResponse api = internal::ErrorResponse(res.status, internal::StatusTitle(res.status), detail);
        res.set_content(api.body, api.content_type.c_str());
        return httplib::Server::HandlerResponse::Handled;
      }));
  server->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    ApiResponse api =
        internal::ErrorResponse(500, internal::StatusTitle(500), "epmock failed while handling the request");
    WriteResponse(api, res);
  });

  Status listening = listener.Start(std::move(server), options.host, options.port, "the API server");
  if (!listening.ok()) {
    router->set_events(nullptr);
    events.reset();
    StopQueues();
    return listening;
  }
  port = listener.port();
  return Status::Ok();
}

void Server::Impl::StopQueues() {
  router->set_queues(nullptr, nullptr);
  if (sqs) {
    sqs->Stop();
    sqs.reset();
  }
  if (stomp) {
    stomp->Stop();
    stomp.reset();
  }
}

void Server::Impl::Stop() {
  std::lock_guard<std::mutex> lock(mu);
  if (!listener.started()) return;
  listener.Stop();
  // No request can fire events now; what is still pending is finished or logged as not
  // delivered.
  router->set_events(nullptr);
  events->Stop();
  events.reset();
  StopQueues();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { Stop(); }

Status Server::Start() { return impl_->Start(); }

void Server::Stop() { impl_->Stop(); }

bool Server::Running() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->listener.running();
}

std::string Server::Url() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port);
}

SqsEndpoint* Server::Sqs() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->sqs.get();
}

StompBroker* Server::Stomp() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stomp.get();
}

int Server::Port() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->port;
}

void Server::Reset() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->router) return;
  impl_->router->stores().Reset();
  impl_->router->tokens().Reset();
  impl_->router->journal().Clear();
  impl_->router->sinks().Reset();
  if (impl_->events) impl_->events->faults().Reset();
}

std::vector<RequestRecord> Server::Requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->router ? impl_->router->journal().Records() : std::vector<RequestRecord>{};
}

std::uint64_t Server::DroppedRequests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->router ? impl_->router->journal().Dropped() : 0;
}

std::string Server::StoreIdFor(const std::string& client_id) {
  return internal::NameUuid("store:" + client_id);
}

nlohmann::json Server::Integrations(const std::string& client_id) const {
  const std::string url = Url();
  std::lock_guard<std::mutex> lock(impl_->mu);
  nlohmann::json out = nlohmann::json::array();
  if (!impl_->router) return out;
  auto store = impl_->router->stores().Find(StoreIdFor(client_id));
  if (!store) return out;
  for (const auto& integration : store->List()) out.push_back(internal::IntegrationToJson(integration, url));
  return out;
}

namespace {
Status NotRunning() { return Status::Error("the server is not running; Start() it first"); }
}  // namespace

StatusOr<TriggeredEvent> Server::Trigger(const std::string& client_id, const TriggerRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->events) return NotRunning();
  return impl_->events->Trigger(impl_->StoreOf(client_id), request);
}

StatusOr<TriggeredEvent> Server::Replay(const std::string& client_id, const std::string& event_id,
                                        const std::string& integration_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->events) return NotRunning();
  return impl_->events->Replay(impl_->StoreOf(client_id), event_id, integration_id);
}

bool Server::WaitForDeliveries(std::chrono::milliseconds timeout) const {
  internal::EventEngine* events = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    events = impl_->events.get();
  }
  // Not holding mu while waiting: Stop() may come from another thread, and it finishes
  // every pending delivery before the engine goes.
  return events == nullptr || events->WaitIdle(timeout);
}

std::vector<TriggeredEvent> Server::Events(const std::string& client_id) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<TriggeredEvent> out;
  if (!impl_->router) return out;
  for (const auto& e : impl_->StoreOf(client_id)->Events()) out.push_back(internal::ToTriggeredEvent(*e));
  return out;
}

std::vector<IntegrationJob> Server::Jobs(const std::string& client_id) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->router) return {};
  return impl_->StoreOf(client_id)->Jobs("");
}

std::vector<IntegrationLog> Server::Logs(const std::string& client_id) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->router) return {};
  return impl_->StoreOf(client_id)->Logs("", "");
}

StatusOr<Fault> Server::AddFault(const std::string& client_id, Fault fault) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->events) return NotRunning();
  return impl_->events->faults().Add(StoreIdFor(client_id), std::move(fault));
}

std::vector<Fault> Server::Faults(const std::string& client_id) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->events) return {};
  return impl_->events->faults().List(StoreIdFor(client_id));
}

void Server::ClearFaults(const std::string& client_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->events) impl_->events->faults().Clear(StoreIdFor(client_id));
}

std::vector<ReceivedRequest> Server::SinkRequests(const std::string& name) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->router) return {};
  auto sink = impl_->router->sinks().Find(name);
  return sink ? sink->Requests() : std::vector<ReceivedRequest>{};
}

void Server::SinkRespondWith(const std::string& name, std::vector<SinkResponse> responses) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->router) impl_->router = std::make_unique<internal::Router>(impl_->options, Spec::Default());
  impl_->router->sinks().Get(name)->RespondWith(std::move(responses));
}

bool Server::WaitForSinkRequests(const std::string& name, std::size_t count,
                                 std::chrono::milliseconds timeout) const {
  std::shared_ptr<internal::SinkRecorder> sink;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->router) return false;
    sink = impl_->router->sinks().Get(name);
  }
  return sink->WaitForRequests(count, timeout);
}

}  // namespace epmock
