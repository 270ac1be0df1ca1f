// Route: one HttpRequest in, one HttpResponse out, every /v2 and /oauth request journaled.
// A stateless function of (request, engine): the engine owns everything it acts on.
#ifndef EPMOCK_API_ROUTER_H_
#define EPMOCK_API_ROUTER_H_

#include <memory>
#include <string>

#include "api/api.h"
#include "api/engine.h"
#include "store/store.h"

namespace epmock::internal {

// What a handler of a /v2 or /__admin route is given: the request and the engine, with
// what the router already worked out (the caller's store, the query, the journal entry).
struct RouteContext {
  const HttpRequest& request;
  const Params& params;
  std::shared_ptr<Store> store;
  RequestRecord& record;  // handlers fill in the validation outcome
  Engine& engine;
  const std::string& client_id;  // the token's client (an organization's, when `store` is one of its stores)
  std::vector<std::string> args = {};  // an admin route's braced path segments (api/admin_api.h)
};

// Never throws: an unexpected exception becomes a 500 in the platform's error shape.
HttpResponse Route(Engine& engine, const HttpRequest& request);

}  // namespace epmock::internal

#endif  // EPMOCK_API_ROUTER_H_
