// HttpEdge: how every epmock port meets HTTP, written once. It runs an httplib server on
// background threads and turns each request into an HttpRequest for a handler:
// - the body is read within a limit that holds for chunked bodies too (413 past it);
// - a request carrying both Content-Length and Transfer-Encoding is refused (400: how
//   requests are smuggled past a proxy, RFC 9112 6.1);
// - a POST/PUT/PATCH with neither has an empty body (RFC 9112 6.3);
// - the listener's bookkeeping headers (REMOTE_ADDR, ...) are filtered out;
// - malformed HTTP, a too-long URI and a handler that throws get an answer in the port's
//   own error shape (`render_error`), never a bare status;
// - a request whose Host is not one the port answers (HostPolicy: DNS rebinding) gets 403;
// - on a port that asks for it, every request gets an id and every answer carries it;
// - a connection holds a worker only while a request is served (http/connections.h): a
//   slow head, an idle keep-alive connection or a delayed answer holds none;
// - a bounded worker pool, keep-alive and TCP_NODELAY tuned as every port needs them, and a
//   prompt stop (every open connection is closed, not waited out).
//
//   HttpEdge edge;
//   Status s = edge.Start(options, [](const HttpRequest& r) { return HttpResponse{...}; });
//
// Start after Stop listens on the same port again. Thread-safe.
#ifndef EPMOCK_HTTP_EDGE_H_
#define EPMOCK_HTTP_EDGE_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/mutex.h"
#include "epmock/status.h"
#include "http/hosts.h"
#include "http/listener.h"
#include "http/message.h"

namespace epmock::internal {

// Connections served at once by default: each keep-alive or half-open connection holds a
// worker until the idle timeout, so 128 leaves room for normal clients beside 64 idle ones
// (tests/integration/hostile_test.cc), and for many SQS long polls (20 s each).
inline constexpr int kDefaultWorkerThreads = 128;
// Requests one keep-alive connection may carry: effectively unbounded, as clients expect.
inline constexpr int kKeepAliveMaxRequests = 100000;

struct EdgeOptions {
  std::string what = "the server";  // names the server in error messages
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  int worker_threads = kDefaultWorkerThreads;
  std::size_t max_body_bytes = 1024 * 1024;
  // A connection idle (keep-alive, or mid-request) this long is closed.
  int idle_timeout_seconds = 5;
  // A request head not complete this long after its first byte is closed (slowloris).
  int header_timeout_seconds = 10;
  // Answers held for a delay at once (API faults, programmed sinks) before one queue's
  // further delayed answers wait behind its own.
  std::size_t max_delayed = 256;
  // The Host headers answered; others get 403.
  HostPolicy hosts;
  // What HttpRequest::base_url says: `advertised_url` when set, else `advertised_host` on
  // this port, else the request's Host (a wildcard address in it as loopback), else the
  // bound address.
  std::string advertised_url;
  std::string advertised_host;
  // Told the Host header of every request the host check lets through, and the port.
  std::function<void(const std::string& host_header, int port)> host_seen;
  // When set, every request gets an id from it (HttpRequest::request_id) and every answer
  // of the port, the edge's own refusals included, carries that id in `request_id_header`.
  // It is asked once the body is read: an id may name the content.
  std::function<std::string(const HttpRequest&)> request_id;
  std::string request_id_header = "X-Moltin-Request-Id";
  // The answer the edge itself gives (400 malformed, 413, 414, 500 for a throwing handler)
  // in the port's own error shape. `request` is as much as was read.
  std::function<HttpResponse(const HttpRequest& request, int status, const std::string& detail)> render_error;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class GatedServer;

class HttpEdge {
 public:
  HttpEdge();
  ~HttpEdge();
  HttpEdge(const HttpEdge&) = delete;
  HttpEdge& operator=(const HttpEdge&) = delete;

  // Listening and serving when it returns. FailedPrecondition when started; Unavailable
  // when the port cannot be bound.
  Status Start(EdgeOptions options, HttpHandler handler);
  void Stop();
  bool started() const;
  bool running() const;
  int port() const;
  // "http://HOST:PORT" (an IPv6 host in brackets).
  std::string Url() const;

 private:
  mutable Mutex mu_;
  CondVar stopped_;                             // a Stop under way has ended
  EdgeOptions options_ EPMOCK_GUARDED_BY(mu_);  // handlers read it by pointer while started
  std::unique_ptr<HttpListener> listener_ EPMOCK_GUARDED_BY(mu_);  // while started
  GatedServer* gated_ EPMOCK_GUARDED_BY(mu_) = nullptr;            // the listener's server, while started
  bool stopping_ EPMOCK_GUARDED_BY(mu_) = false;  // a Stop is joining the threads, mu_ released
  std::atomic<int> port_{0};  // kept across Stop so that Start listens there again; read by handlers
};

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_EDGE_H_
