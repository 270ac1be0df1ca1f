// Router: one ApiRequest in, one ApiResponse out, every request journaled. Owns the
// engine's API-side state (tokens, stores, journal) for one Server.
#ifndef EPMOCK_API_ROUTER_H_
#define EPMOCK_API_ROUTER_H_

#include <atomic>
#include <memory>
#include <string>

#include "api/api.h"
#include "api/auth.h"
#include "api/journal.h"
#include "epmock/options.h"
#include "epmock/spec.h"
#include "epmock/sqs.h"
#include "epmock/stomp.h"
#include "events/event_engine.h"
#include "sinks/recorder.h"
#include "store/store.h"

namespace epmock::internal {

// What a handler of a /v2 or /__admin route needs.
struct RouteContext {
  const ApiRequest& request;
  const Params& params;
  std::shared_ptr<Store> store;
  const Spec& spec;
  const ServerOptions& options;
  RequestRecord& record;  // handlers fill in validation outcome
  EventEngine* events;    // null while the server is not running
  SinkRegistry& sinks;
  SqsEndpoint* sqs = nullptr;  // null when not running one
  StompBroker* stomp = nullptr;
};

class Router {
 public:
  Router(ServerOptions options, std::shared_ptr<const Spec> spec);

  // The event engine CRUD and the admin API fire events through (null: none).
  void set_events(EventEngine* events) { events_ = events; }
  // The embedded SQS endpoint and STOMP broker the admin API shows (null: none).
  void set_queues(SqsEndpoint* sqs, StompBroker* stomp) {
    sqs_ = sqs;
    stomp_ = stomp;
  }

  // Never throws: an unexpected exception becomes a 500 in the platform's error shape.
  ApiResponse Handle(const ApiRequest& request);

  StoreRegistry& stores() { return stores_; }
  SinkRegistry& sinks() { return sinks_; }
  Journal& journal() { return journal_; }
  TokenRegistry& tokens() { return tokens_; }
  const Spec& spec() const { return *spec_; }

 private:
  ApiResponse Dispatch(const ApiRequest& request, RequestRecord& record);
  ApiResponse HandleV2(const ApiRequest& request, const Params& params, RequestRecord& record);
  ApiResponse HandleAdmin(const ApiRequest& request, const Params& params, RequestRecord& record);
  ApiResponse HandleSink(const ApiRequest& request);

  const ServerOptions options_;
  const std::shared_ptr<const Spec> spec_;
  TokenRegistry tokens_;
  StoreRegistry stores_;
  Journal journal_;
  SinkRegistry sinks_;
  std::atomic<EventEngine*> events_{nullptr};
  std::atomic<SqsEndpoint*> sqs_{nullptr};
  std::atomic<StompBroker*> stomp_{nullptr};
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_ROUTER_H_
