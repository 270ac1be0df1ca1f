#include "http/edge.h"

#include <httplib.h>

#include <chrono>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/strings.h"
#include "common/thread.h"
#include "http/body.h"
#include "http/connections.h"
#include "http/self_authorities.h"

namespace epmock::internal {
namespace {

// Marks an answer the handler meant to be empty though its status is an error (see Start).
constexpr char kMeantEmpty[] = "X-Epmock-Meant-Empty";

// httplib's ThreadPool starts all its threads at once: 128 a server, 2,560 for 20 servers in
// one test process. This one starts a worker when a task finds none idle, up to the most it
// may have, and keeps it: a server has as many threads as it has ever served connections at
// once (a test's server a handful), and the same bound as before.
class GrowingPool : public httplib::TaskQueue {
 public:
  explicit GrowingPool(std::size_t max) : max_(max) {}
  ~GrowingPool() override = default;

  void enqueue(std::function<void()> fn) override {
    {
      MutexLock lock(&mu_);
      if (shutdown_) return;  // the gate stops first; nothing should come now
      jobs_.push_back(std::move(fn));
      if (idle_ < jobs_.size() && threads_.size() < max_) {
        threads_.push_back(StartThread("HTTP worker", [this] { Work(); }));
        ++idle_;  // counted as idle until it takes its first job
      }
    }
    ready_.Signal();
  }

  void shutdown() override {
    {
      MutexLock lock(&mu_);
      shutdown_ = true;
    }
    ready_.SignalAll();
    std::vector<std::thread> threads;  // joined with mu_ released: a job ending takes it
    {
      MutexLock lock(&mu_);
      threads.swap(threads_);  // no enqueue comes after shutdown
    }
    for (std::thread& t : threads) t.join();
  }

 private:
  void Work() {
    MutexLock lock(&mu_);
    for (;;) {
      while (jobs_.empty() && !shutdown_) ready_.Wait(&mu_);
      if (jobs_.empty()) return;  // shut down, nothing left to do
      std::function<void()> fn = std::move(jobs_.front());
      jobs_.pop_front();
      --idle_;
      lock.Unlock();
      fn();
      lock.Lock();
      ++idle_;
    }
  }

  const std::size_t max_;
  Mutex mu_;
  CondVar ready_;
  std::deque<std::function<void()>> jobs_ EPMOCK_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ EPMOCK_GUARDED_BY(mu_);
  std::size_t idle_ EPMOCK_GUARDED_BY(mu_) = 0;
  bool shutdown_ EPMOCK_GUARDED_BY(mu_) = false;
};

// Headers httplib adds for its own bookkeeping; the client did not send them.
bool IsBookkeeping(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT";
}

// The origin the URLs of an answer name (EdgeOptions::advertised_url).
std::string BaseUrl(const EdgeOptions& options, const std::string& host, int port) {
  if (!options.advertised_url.empty()) return options.advertised_url;
  if (!options.advertised_host.empty())
    return "http://" + UrlHost(options.advertised_host) + ":" + std::to_string(port);
  if (host.empty()) {
    const LocalAddress local = LocalAddressOf(options.host, port);
    return "http://" + UrlHost(local.host) + ":" + std::to_string(local.port);
  }
  // A client that reached 0.0.0.0 (Linux connects it to loopback) is handed loopback URLs.
  const std::string name = HostName(host);
  if (name == "0.0.0.0") return "http://127.0.0.1" + host.substr(name.size());
  if (name == "[::]") return "http://[::1]" + host.substr(name.size());
  return "http://" + host;
}

// Without its body or id (Identified gives the id).
HttpRequest FromWire(const httplib::Request& req, const EdgeOptions& options, int port) {
  HttpRequest request;
  request.method = req.method;
  request.path = req.path;
  request.target = req.target;
  const auto question = req.target.find('?');
  if (question != std::string::npos) request.query = req.target.substr(question + 1);
  for (const auto& [name, value] : req.headers) {
    if (!IsBookkeeping(name)) request.headers.emplace_back(name, value);
  }
  request.remote_addr = req.remote_addr;
  request.base_url = BaseUrl(options, req.get_header_value("Host"), port);
  return request;
}

// The request with the id the port gives it, once it is whole.
HttpRequest Identified(const EdgeOptions& options, HttpRequest request) {
  if (options.request_id) request.request_id = options.request_id(request);
  return request;
}

// The answer with the request's id in the port's header, when the port gives ids.
HttpResponse Stamped(const EdgeOptions& options, const HttpRequest& request, HttpResponse response) {
  if (!request.request_id.empty())
    response.headers.emplace_back(options.request_id_header, request.request_id);
  return response;
}

// A whole answer as bytes, for a request the gate refuses before httplib reads it.
std::string RawAnswer(const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    (response.status == 431 ? "Request Header Fields Too Large" : "Error") +
                    "\r\nContent-Type: " + response.content_type +
                    "\r\nContent-Length: " + std::to_string(response.body.size()) +
                    "\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  return out + "\r\n" + response.body;
}

std::string HostRefusal(const std::string& host) {
  const std::string name = HostName(host).substr(0, 100);
  return "The Host '" + name +
         "' is not a name epmock answers (a defence against DNS rebinding); start epmock with --allow-host " +
         name + " to answer it";
}

void ToWire(const HttpResponse& response, httplib::Response& res) {
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  if (response.stream) {
    auto stream = response.stream;
    res.set_chunked_content_provider(response.content_type, [stream](std::size_t, httplib::DataSink& sink) {
      const HttpResponse::Write write = [&sink](std::string_view text) {
        if (text.empty()) return sink.is_writable();  // a zero-length chunk would end the answer
        return sink.is_writable() && sink.write(text.data(), text.size());
      };
      if (!stream(write)) sink.done();
      return true;
    });
    return;
  }
  if (!response.body.empty()) res.set_content(response.body, response.content_type.c_str());
}

}  // namespace

HttpEdge::HttpEdge() = default;
HttpEdge::~HttpEdge() { Stop(); }

Status HttpEdge::Start(EdgeOptions options, HttpHandler handler) {
  MutexLock lock(&mu_);
  while (stopping_) stopped_.Wait(&mu_);  // a Stop under way ends first: the port is free then
  if (listener_) return Status::FailedPrecondition(options.what + " is already started");
  options_ = std::move(options);
  const EdgeOptions& o = options_;
  ConnectionLimits limits;
  limits.idle_timeout_seconds = o.idle_timeout_seconds;
  limits.header_timeout_seconds = o.header_timeout_seconds;
  limits.max_requests_per_connection = kKeepAliveMaxRequests;
  limits.max_delayed = o.max_delayed;
  const EdgeOptions* opts = &options_;
  auto server = std::make_unique<GatedServer>(limits, [opts](int status, const std::string& detail) {
    HttpRequest unread;
    unread = Identified(*opts, std::move(unread));
    return RawAnswer(Stamped(*opts, unread, opts->render_error(unread, status, detail)));
  });
  GatedServer* gated = server.get();
  const int threads = std::max(1, o.worker_threads);
  server->new_task_queue = [threads, gated] {
    auto* pool = new GrowingPool(static_cast<std::size_t>(threads));
    gated->UsePool(pool);
    return pool;
  };
  server->set_payload_max_length(o.max_body_bytes);
  server->set_read_timeout(o.idle_timeout_seconds, 0);
  server->set_write_timeout(o.idle_timeout_seconds, 0);
  server->set_keep_alive_timeout(o.idle_timeout_seconds);
  server->set_keep_alive_max_count(kKeepAliveMaxRequests);
  // Responses go out as header and body writes; with Nagle on, the second waits for the
  // client's delayed ACK (40 ms on Linux) and every request takes 40 ms.
  server->set_tcp_nodelay(true);

  // Copies for the handlers, which outlive no Start: Stop joins them first.
  const std::atomic<int>* port = &port_;
  auto answer = [opts, port, handler](const httplib::Request& req, std::string body, httplib::Response& res) {
    HttpRequest request = FromWire(req, *opts, *port);
    request.body = std::move(body);
    request = Identified(*opts, std::move(request));
    if (!HostAllowed(opts->hosts, req.get_header_value("Host"))) {
      ToWire(Stamped(*opts, request,
                     opts->render_error(request, 403, HostRefusal(req.get_header_value("Host")))),
             res);
      return;
    }
    if (req.has_header("Transfer-Encoding") && req.has_header("Content-Length")) {
      // RFC 9112 6.1: a request with both is how requests are smuggled past a proxy.
      ToWire(Stamped(*opts, request,
                     opts->render_error(request, 400,
                                        "A request may not carry both Content-Length and Transfer-Encoding")),
             res);
      res.set_header("Connection", "close");
      GatedServer::CloseAfterCurrentResponse();
      return;
    }
    if (opts->host_seen) opts->host_seen(req.get_header_value("Host"), *port);
    request.peer_connected = [] { return GatedServer::CurrentPeerConnected(); };
    HttpResponse response = handler(request);
    if (response.reset_connection && GatedServer::ResetCurrentConnection()) return;  // nothing is written
    if (response.delay_ms > 0 &&
        !GatedServer::DelayCurrentResponse(response.delay_ms, response.delay_queue)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(response.delay_ms));
    }
    const bool empty_error = response.status >= 400 && response.body.empty();
    ToWire(Stamped(*opts, request, std::move(response)), res);
    // httplib hands every 4xx/5xx without a body to the error handler below, which would
    // write an error of its own into an answer meant to be empty (a sink programmed with a
    // status and no body): marked, it is left as it is.
    if (empty_error) res.set_header(kMeantEmpty, "1");
  };
  auto without_body = [answer](const httplib::Request& req, httplib::Response& res) { answer(req, "", res); };
  const std::size_t limit = o.max_body_bytes;
  // An answer the edge gives itself, before the handler sees the request.
  auto refuse = [opts, port](const httplib::Request& req, int status, const std::string& detail,
                             httplib::Response& res) {
    const HttpRequest request = Identified(*opts, FromWire(req, *opts, *port));
    ToWire(Stamped(*opts, request, opts->render_error(request, status, detail)), res);
  };
  auto with_body = [opts, answer, refuse, limit](const httplib::Request& req, httplib::Response& res,
                                                 const httplib::ContentReader& reader) {
    if (!HostAllowed(opts->hosts, req.get_header_value("Host"))) {
      // Refused before its body is read.
      refuse(req, 403, HostRefusal(req.get_header_value("Host")), res);
      res.set_header("Connection", "close");
      GatedServer::CloseAfterCurrentResponse();
      return;
    }
    std::string body;
    switch (ReadBodyUpTo(req, reader, limit, &body)) {
      case BodyRead::kOk:
        answer(req, std::move(body), res);
        return;
      case BodyRead::kTooLarge:
        refuse(req, 413, "The request body is larger than the limit of " + std::to_string(limit) + " bytes",
               res);
        break;
      case BodyRead::kBroken:
        refuse(req, 400, "The request is not well-formed HTTP", res);
        break;
    }
    res.set_header("Connection", "close");  // the rest of the body is unread
    GatedServer::CloseAfterCurrentResponse();
  };
  server->Get(".*", without_body);
  server->Delete(".*", without_body);
  server->Options(".*", without_body);
  server->Post(".*", with_body);
  server->Put(".*", with_body);
  server->Patch(".*", with_body);

  // Errors httplib raises itself (body too large, malformed request line, unknown method)
  // still answer in the port's shape.
  server->set_error_handler(
      httplib::Server::HandlerWithResponse([opts, port](const httplib::Request& req, httplib::Response& res) {
        if (res.has_header(kMeantEmpty)) {
          res.headers.erase(kMeantEmpty);
          return httplib::Server::HandlerResponse::Unhandled;
        }
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string detail = "The request could not be read";
        if (res.status == 413) {
          detail = "The request body is larger than the limit of " + std::to_string(opts->max_body_bytes) +
                   " bytes";
        } else if (res.status == 414) {
          detail = "The request URI is too long";
        } else if (res.status == 400) {
          detail = "The request is not well-formed HTTP";
        }
        // What follows a request httplib could not read cannot be trusted to be a request.
        GatedServer::CloseAfterCurrentResponse();
        res.set_header("Connection", "close");
        const HttpRequest request = Identified(*opts, FromWire(req, *opts, *port));
        const HttpResponse answer = Stamped(*opts, request, opts->render_error(request, res.status, detail));
        for (const auto& [name, value] : answer.headers) res.set_header(name, value);
        res.set_content(answer.body, answer.content_type.c_str());
        return httplib::Server::HandlerResponse::Handled;
      }));
  server->set_exception_handler(
      [refuse](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        refuse(req, 500, "epmock failed while handling the request", res);
      });

  // Started again after Stop, it listens where its clients knew it.
  const int listen_port = o.port != 0 ? o.port : port_.load();
  auto listener = std::make_unique<HttpListener>();
  Status listening = listener->Start(std::move(server), o.host, listen_port, o.what);
  if (listening.ok()) {
    port_ = listener->port();
    gated_ = gated;
    listener_ = std::move(listener);
  }
  return listening;
}

void HttpEdge::Stop() {
  std::unique_ptr<HttpListener> listener;
  GatedServer* gated = nullptr;
  {
    MutexLock lock(&mu_);
    while (stopping_) stopped_.Wait(&mu_);  // another Stop is under way: it ends first
    if (!listener_) return;
    listener = std::move(listener_);
    gated = std::exchange(gated_, nullptr);
    stopping_ = true;
  }
  // With mu_ released, since both join threads (the gate's, the listener's and its workers)
  // and a handler on one of them may ask for Url(). Connections first: the gate stops
  // handing them to the pool, which stops next.
  if (gated) gated->CloseConnections();
  listener->Stop();
  {
    MutexLock lock(&mu_);
    stopping_ = false;
  }
  stopped_.SignalAll();
}

bool HttpEdge::started() const {
  MutexLock lock(&mu_);
  return listener_ != nullptr;
}

bool HttpEdge::running() const {
  MutexLock lock(&mu_);
  return listener_ && listener_->running();
}

int HttpEdge::port() const {
  MutexLock lock(&mu_);
  return port_;
}

std::string HttpEdge::Url() const {
  MutexLock lock(&mu_);
  const LocalAddress local = LocalAddressOf(options_.host, port_);  // 0.0.0.0 as 127.0.0.1
  return "http://" + UrlHost(local.host) + ":" + std::to_string(local.port);
}

}  // namespace epmock::internal
