// ServerOptions: how an epmock::Server listens and which platform limits it enforces.
//
//   epmock::ServerOptions options;
//   options.integration_limit = 0;  // no per-store limit, for load tests
//   epmock::Server server(options);
#ifndef EPMOCK_OPTIONS_H_
#define EPMOCK_OPTIONS_H_

#include <cstddef>
#include <string>

namespace epmock {

struct ServerOptions {
  // Address to bind. Loopback by default: a fake API has no business on other interfaces.
  std::string host = "127.0.0.1";

  // Port to listen on; 0 picks a free ephemeral port (see Server::Port()).
  int port = 0;

  // Integrations a store may hold, as on the platform; 0 lifts the limit.
  int integration_limit = 100;

  // Request bodies above this size are refused with 413 before they are read.
  std::size_t max_body_bytes = 1024 * 1024;

  // Request journal entries kept; older ones are dropped and counted (Server::DroppedRequests).
  std::size_t journal_capacity = 10000;

  // Worker threads serving connections. Each keep-alive connection holds one while it is
  // open, so this bounds how many clients are served at once.
  int worker_threads = 64;

  // Seconds a connection may sit idle (keep-alive or mid-request) before it is closed, so
  // that idle or half-open connections cannot hold every worker.
  int idle_timeout_seconds = 5;

  // Lifetime of the access tokens POST /oauth/access_token issues.
  int token_ttl_seconds = 3600;
};

}  // namespace epmock

#endif  // EPMOCK_OPTIONS_H_
