// Engine: everything one Server holds, for the Server's whole life.
//
//   internal::Engine engine(options, Spec::Default());
//   HttpResponse response = internal::Route(engine, request);  // api/router.h
//
// Built in Server's constructor and destroyed with it. Server::Start()/Stop() only start
// and stop listeners and threads (the API listener, the dispatcher's workers, the embedded
// SQS endpoint and STOMP broker); nothing here is created or forgotten by them, so a
// restarted server still has its integrations, faults and queued messages. Reset() is the
// one way to forget.
//
// Thread-safe: each member owns its state behind its own mutex.
#ifndef EPMOCK_API_ENGINE_H_
#define EPMOCK_API_ENGINE_H_

#include <atomic>
#include <memory>
#include <string>

#include "api/auth.h"
#include "api/certify_runs.h"
#include "api/control.h"
#include "api/dashboard.h"
#include "api/journal.h"
#include "api/rate_limit.h"
#include "common/ids.h"
#include "epmock/options.h"
#include "epmock/spec.h"
#include "epmock/sqs.h"
#include "epmock/stomp.h"
#include "events/event_engine.h"
#include "http/message.h"
#include "http/self_authorities.h"
#include "sinks/recorder.h"
#include "store/store.h"

namespace epmock::internal {

class Engine {
 public:
  Engine(ServerOptions options, std::shared_ptr<const Spec> spec);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const ServerOptions& options() const { return options_; }
  const Spec& spec() const { return *spec_; }
  const std::shared_ptr<const Spec>& shared_spec() const { return spec_; }
  TokenRegistry& tokens() { return tokens_; }
  StoreRegistry& stores() { return stores_; }
  const StoreRegistry& stores() const { return stores_; }
  Journal& journal() { return journal_; }
  const Journal& journal() const { return journal_; }
  SinkRegistry& sinks() { return sinks_; }
  RateLimiter& rate_limiter() { return rate_limiter_; }
  // The open live streams and long polls of the dashboard's routes (api/dashboard.h).
  StreamGate& streams() { return streams_; }
  // Closes the gate and wakes every stream and long poll waiting on a store's changes, so
  // each ends now and Stop() is not held up by them.
  void CloseStreams();
  AdminSessions& sessions() { return sessions_; }
  EventEngine& events() { return events_; }
  const EventEngine& events() const { return events_; }
  // The embedded SQS endpoint and STOMP broker: null when the options run none, otherwise
  // valid for the engine's life, started or not.
  SqsEndpoint* sqs() const { return sqs_.get(); }
  StompBroker* stomp() const { return stomp_.get(); }

  // The id of a request to the API port (X-Moltin-Request-Id): from the server's seed, or,
  // derived (common/ids.h), from the request's content and how often it came before.
  std::string NewRequestId(const HttpRequest& request) {
    if (!events_.ids().derived()) return request_ids_.Next();
    return events_.ids().ForContent("request", request.method + ' ' + request.target + '\n' + request.body);
  }

  // epmock's ports by the names clients know them by (http/self_authorities.h).
  const std::shared_ptr<SelfAuthorities>& self() const { return self_; }
  // The URLs an answer to `request` hands out (ServerOptions::advertise_*): empty for a port
  // that does not run.
  struct Urls {
    std::string api, sqs, stomp;
  };
  Urls UrlsFor(const HttpRequest& request) const;
  // The API's port, once bound (Server::Start).
  void SetApiPort(int port) { api_port_ = port; }

  // The one place every admin operation is asked for (api/control.h).
  Control& control() { return control_; }
  // POST /__admin/certify's runs (api/certify_runs.h).
  CertifyRuns& certify_runs() { return certify_runs_; }

  // Forgets every store, token, journal entry, sink request and fault (Control::ResetAll
  // also ends every story run first).
  void Reset();

 private:
  const ServerOptions options_;
  const std::shared_ptr<const Spec> spec_;
  const std::shared_ptr<SelfAuthorities> self_ = std::make_shared<SelfAuthorities>();
  std::atomic<int> api_port_{0};
  TokenRegistry tokens_;
  StoreRegistry stores_;
  Journal journal_;
  SinkRegistry sinks_;
  RateLimiter rate_limiter_;
  EventEngine events_;
  StreamGate streams_;
  AdminSessions sessions_;
  const std::unique_ptr<SqsEndpoint> sqs_;
  const std::unique_ptr<StompBroker> stomp_;
  UuidSequence request_ids_;
  Control control_{*this};
  // Last: its destructor waits for the runs, which announce on stores' change signals.
  CertifyRuns certify_runs_{options_.certify_runner};
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_ENGINE_H_
