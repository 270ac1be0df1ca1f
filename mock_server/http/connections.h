// GatedServer: an httplib::Server whose connections hold a worker only while a request is
// being served, so that no client can starve the others.
//
// cpp-httplib 0.11 gives each accepted connection a worker for its whole life: the worker
// reads the request head with only a per-read timeout (a client sending a byte every two
// seconds holds it forever), waits out keep-alive idleness, and sleeps through a delayed
// answer. Here a connection is parked, holding no worker, until its next request head is
// wholly in the socket's buffer:
// - a head not complete `header_timeout_seconds` after its first byte is closed, and so is
//   a connection idle `idle_timeout_seconds` between requests;
// - a head larger than `max_head_bytes` is answered 431 and closed;
// - an answer the handler delays (DelayCurrentResponse) is written by the gate when due,
//   not slept through; at most `max_delayed` wait at once, beyond which one queue's
//   further answers wait behind its own (a queue is a store, a sink);
// - a worker then serves what is buffered, and parks the connection again.
// So slow or idle clients hold no worker; only requests being read, handled or streamed do.
//
// Thread-safety: the connections are the gate's, under its mutex; a connection being served
// is its worker's alone until it is parked or closed.
#ifndef EPMOCK_HTTP_CONNECTIONS_H_
#define EPMOCK_HTTP_CONNECTIONS_H_

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/mutex.h"

namespace epmock::internal {

struct ConnectionLimits {
  int idle_timeout_seconds = 5;
  int header_timeout_seconds = 10;
  std::size_t max_head_bytes = 64 * 1024;
  std::size_t max_requests_per_connection = 100000;
  std::size_t max_delayed = 256;
  std::size_t max_connections = 4096;
};

class GatedServer : public httplib::Server {
 public:
  struct Connection;
  // Raw bytes of a whole answer (status line to body) for a head the gate refuses.
  using Refusal = std::function<std::string(int status, const std::string& detail)>;

  GatedServer(ConnectionLimits limits, Refusal refuse);
  ~GatedServer() override;

  // The pool the accept loop hands connections to (set by new_task_queue); the gate hands
  // parked connections back to it.
  void UsePool(httplib::TaskQueue* pool);
  // Closes every parked connection, shuts down every served one, and stops the gate: call
  // before stop(), so that nothing is handed to the pool once it shuts down.
  void CloseConnections();
  // Connections open now (parked, delayed or served).
  std::size_t connections() const;

  // For a handler, on the worker serving the request: write its answer `delay_ms` from now
  // (later if `queue` is past the bound), without holding the worker. False when called off
  // a served connection (the caller then sleeps).
  static bool DelayCurrentResponse(int delay_ms, const std::string& queue);
  // For a handler: end the connection with a TCP RST instead of answering.
  static bool ResetCurrentConnection();
  // For a handler that waits: whether its peer is still connected (false once it closed or
  // reset its end). True off a served connection.
  static bool CurrentPeerConnected();
  // For a handler: close the connection once this answer is written (what follows the
  // request cannot be trusted to start a request: a malformed head, an unread body).
  static void CloseAfterCurrentResponse();

 private:
  using Clock = std::chrono::steady_clock;
  bool process_and_close_socket(socket_t sock) override;

  void Serve(Connection* connection);
  void Flush(Connection* connection);
  void Park(Connection* connection);
  void Close(Connection* connection, bool abort);
  void GateLoop();
  void Wake();

  const ConnectionLimits limits_;
  const Refusal refuse_;
  int epoll_ = -1;
  int wake_ = -1;  // an eventfd: a parked connection or a stop to look at

  mutable Mutex mu_;
  httplib::TaskQueue* pool_ EPMOCK_GUARDED_BY(mu_) = nullptr;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_ EPMOCK_GUARDED_BY(mu_);  // by descriptor
  std::unordered_map<std::string, Clock::time_point> queue_due_ EPMOCK_GUARDED_BY(mu_);
  std::size_t delayed_ EPMOCK_GUARDED_BY(mu_) = 0;
  bool closing_ EPMOCK_GUARDED_BY(mu_) = false;
  std::thread gate_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_CONNECTIONS_H_
