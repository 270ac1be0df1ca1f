#include "epmock/server.h"

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "api/engine.h"
#include "api/errors.h"
#include "api/router.h"
#include "common/http_body.h"
#include "common/http_listener.h"
#include "common/ids.h"
#include "common/strings.h"
#include "epmock/spec.h"
#include "events/event_engine.h"

namespace epmock {

using internal::ApiRequest;
using internal::ApiResponse;

class Server::Impl {
 public:
  explicit Impl(ServerOptions options) : engine(std::move(options), Spec::Default()) {}

  Status Start();
  void Stop();
  void Serve(const httplib::Request& req, const std::string& body, httplib::Response& res);

  // Built with the Server and kept for its whole life; Start/Stop do not touch its state.
  internal::Engine engine;
  mutable std::mutex mu;  // guards the lifecycle: the listener and port below
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
  request.base_url =
      "http://" +
      (host.empty() ? internal::UrlHost(engine.options().host) + ":" + std::to_string(port) : host);
  request.body = body;
  if (req.path.rfind("/__sink/", 0) == 0) {
    for (const auto& [name, value] : req.headers) {
      // httplib adds these for its own bookkeeping; they were not sent.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT")
        continue;
      request.headers.emplace_back(name, value);
    }
  }
  ApiResponse response = internal::Route(engine, request);
  if (response.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(response.delay_ms));
  WriteResponse(response, res);
}

Status Server::Impl::Start() {
  std::lock_guard<std::mutex> lock(mu);
  if (listener.started()) return Status::FailedPrecondition("server already started");
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

  // Started again after Stop, it listens where its clients knew it.
  const int listen_port = options.port != 0 ? options.port : port;
  Status listening = listener.Start(std::move(server), options.host, listen_port, "the API server");
  if (!listening.ok()) {
    engine.events().Stop();
    if (sqs) sqs->Stop();
    if (stomp) stomp->Stop();
    return listening;
  }
  port = listener.port();
  return Status::Ok();
}

void Server::Impl::Stop() {
  std::lock_guard<std::mutex> lock(mu);
  if (!listener.started()) return;
  listener.Stop();
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

bool Server::Running() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->listener.running();
}

std::string Server::Url() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return "http://" + internal::UrlHost(impl_->engine.options().host) + ":" + std::to_string(impl_->port);
}

SqsEndpoint* Server::Sqs() { return impl_->engine.sqs(); }

StompBroker* Server::Stomp() { return impl_->engine.stomp(); }

int Server::Port() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->port;
}

void Server::Reset() { impl_->engine.Reset(); }

std::vector<RequestRecord> Server::Requests() const { return impl_->engine.journal().Records(); }

std::uint64_t Server::DroppedRequests() const { return impl_->engine.journal().Dropped(); }

std::string Server::StoreIdFor(const std::string& client_id) { return internal::StoreIdForClient(client_id); }

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
  return impl_->engine.events().faults().Add(StoreIdFor(client_id), std::move(fault));
}

std::vector<Fault> Server::Faults(const std::string& client_id) const {
  return impl_->engine.events().faults().List(StoreIdFor(client_id));
}

void Server::ClearFaults(const std::string& client_id) {
  impl_->engine.events().faults().Clear(StoreIdFor(client_id));
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
