#include "http/listener.h"

#include <httplib.h>

#include <chrono>

#include "common/thread.h"

namespace epmock::internal {

HttpListener::HttpListener() = default;
HttpListener::~HttpListener() { Stop(); }

Status HttpListener::Start(std::unique_ptr<httplib::Server> server, const std::string& host, int port,
                           const std::string& what) {
  if (server_) return Status::FailedPrecondition(what + " is already started");
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  const int bound =
      port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) return Status::Unavailable(what + " cannot listen on " + host + ":" + std::to_string(port));
  port_ = bound;
  httplib::Server* raw = server.get();
  thread_ = StartThread("HTTP listener", [raw] { raw->listen_after_bind(); });
  // The socket already accepts connections (they queue); wait for the accept loop too.
  for (int i = 0; i < 10000 && !raw->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  server_ = std::move(server);
  return Status::Ok();
}

void HttpListener::Stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

bool HttpListener::running() const { return server_ && server_->is_running(); }

}  // namespace epmock::internal
