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

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/journal.h"
#include "epmock/options.h"
#include "epmock/status.h"

namespace epmock {

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads; ready to answer when it returns.
  Status Start();

  // Stops accepting, finishes requests in flight, and returns. Idempotent.
  void Stop();

  bool Running() const;

  // "http://HOST:PORT", valid after Start().
  std::string Url() const;
  int Port() const;

  // Forgets every store, token and journal entry.
  void Reset();

  // The request journal, oldest first (at most ServerOptions::journal_capacity entries).
  std::vector<RequestRecord> Requests() const;
  // Journal entries dropped to stay within the capacity.
  std::uint64_t DroppedRequests() const;

  // The store id a client_id maps to (stable: the same client_id always gives the same id).
  static std::string StoreIdFor(const std::string& client_id);

  // The integrations of a client's store as the API would list them (secrets masked).
  nlohmann::json Integrations(const std::string& client_id) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace epmock

#endif  // EPMOCK_SERVER_H_
