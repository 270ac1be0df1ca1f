#include "api/router.h"

#include <algorithm>
#include <chrono>

#include "api/admin_api.h"
#include "api/api_faults.h"
#include "api/dashboard.h"
#include "api/errors.h"
#include "api/integrations_api.h"
#include "api/json_body.h"
#include "common/clock.h"
#include "common/strings.h"
#include "epmock/organization.h"

namespace epmock::internal {
std::vector<std::string> PathSegments(const std::string& path) {
  return Split(path, '/', /*keep_empty=*/false);
}

namespace {

// The header with which an organization's token acts on one of its stores (elasticpath/js-sdk
// src/factories/request.js).
constexpr char kAuthStoreHeader[] = "X-Moltin-Auth-Store";

HttpResponse Dispatch(Engine& engine, const HttpRequest& request, RequestRecord& record);

}  // namespace

HttpResponse Route(Engine& engine, const HttpRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  // The journal tells time by the server's clock; its real figure goes along on a virtual one.
  const Clock& clock = engine.events().clock();
  const Clock::TimePoint started_on_clock = clock.Now();
  RequestRecord record;
  record.received_at = Rfc3339Millis(clock.EpochNanos() / 1000000);
  record.method = request.method;
  record.path = request.path;
  record.query = request.query;
  record.request_id = request.request_id;
  if (EqualsIgnoreCase(request.Header("X-Epmock-Origin"), "dashboard")) record.origin = "dashboard";
  HttpResponse response;
  try {
    response = Dispatch(engine, request, record);
  } catch (const std::exception& e) {
    response = ErrorResponse(500, StatusTitle(500), std::string("epmock failed: ") + e.what());
  }
  // An error answer is rendered here, once, for whom it is: the platform's own routes answer
  // without a JSON-pointer source (elasticpath/epcc-cli docs/tutorial.md) and a 500 in the
  // platform's words, and the journal keeps what was left out; epmock's own routes keep both.
  if (request.path.rfind("/v2/", 0) == 0 || request.path == "/oauth/access_token") {
    std::vector<std::string> reasons;
    std::vector<std::string> hidden;
    RenderErrors(response, ErrorAudience::kPlatform, request.request_id, &reasons, &hidden);
    // What the answer said, unless the handler already said why more precisely.
    if (record.errors.empty() && record.validation_errors.empty()) record.errors = std::move(reasons);
    // What a 500 said before the platform's words replaced it.
    for (std::string& reason : hidden) {
      if (std::find(record.errors.begin(), record.errors.end(), reason) == record.errors.end())
        record.errors.push_back(std::move(reason));
    }
  } else {
    RenderErrors(response, ErrorAudience::kEpmock, request.request_id);
  }
  record.status = response.status;
  const double real_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  record.duration_ms = clock.IsVirtual()
                           ? std::chrono::duration<double, std::milli>(clock.Now() - started_on_clock).count()
                           : real_ms;
  if (clock.IsVirtual()) record.real_duration_ms = real_ms;
  // The admin API and the sinks are the test's side of the engine, not traffic to record.
  if (request.path.rfind("/__admin/", 0) != 0 && request.path.rfind("/__sink/", 0) != 0 &&
      !IsDashboardPath(engine.options(), request.path)) {
    const std::string store_id = record.store_id;
    engine.journal().Record(std::move(record));
    // The store's streams show its requests: they wake on its changes.
    if (std::shared_ptr<Store> store = store_id.empty() ? nullptr : engine.stores().Find(store_id))
      store->changes().Notify();
  }
  return response;
}

namespace {

HttpResponse HandleV2(Engine& engine, const HttpRequest& request, const Params& params,
                      RequestRecord& record);
// A /v2 request past auth, faults and limits: its operation, or 404/405.
HttpResponse Answer(Engine& engine, const HttpRequest& request, const Params& params, RequestRecord& record,
                    const std::shared_ptr<Store>& store, const std::string& client_id);

// Requests a second the store (or organization) may make; 0: no limit.
int RateLimitFor(const ServerOptions& options, const Store& store) {
  if (!options.rate_limits) return 0;
  if (store.is_organization()) return options.organization_rate_limit;
  return store.kind() == "development" ? options.development_store_rate_limit
                                       : options.production_store_rate_limit;
}
HttpResponse HandleAdmin(Engine& engine, const HttpRequest& request, const Params& params,
                         RequestRecord& record);
HttpResponse HandleSink(Engine& engine, const HttpRequest& request);

HttpResponse Dispatch(Engine& engine, const HttpRequest& request, RequestRecord& record) {
  Params params;
  if (!DecodeForm(request.query, &params)) {
    return ErrorResponse(400, StatusTitle(400),
                         "The query string has malformed percent-encoding: '" + request.query + "'", "query");
  }
  if (std::optional<HttpResponse> page = HandleDashboardRoute(engine, request)) return *page;
  if (request.path == "/oauth/access_token") {
    record.operation_id = "Authenticate";
    if (request.method != "POST") {
      HttpResponse r = ErrorResponse(405, StatusTitle(405), "Use POST to get an access token");
      r.headers.emplace_back("Allow", "POST");
      return r;
    }
    return engine.tokens().Issue(request);
  }
  if (request.path.rfind("/v2/", 0) == 0) return HandleV2(engine, request, params, record);
  if (request.path.rfind("/__admin/", 0) == 0) return HandleAdmin(engine, request, params, record);
  if (request.path.rfind("/__sink/webhook/", 0) == 0) return HandleSink(engine, request);
  return ErrorResponse(404, StatusTitle(404), "No such endpoint: " + request.method + " " + request.path);
}

HttpResponse HandleV2(Engine& engine, const HttpRequest& request, const Params& params,
                      RequestRecord& record) {
  const std::string& authorization = request.Header("Authorization");
  const Credentials credentials = ReadAuthorization(authorization);
  record.authorization = credentials.refusal.empty() ? credentials.form : "refused: " + credentials.refusal;
  std::optional<TokenRegistry::Holder> holder = engine.tokens().HolderOf(authorization);
  if (!holder) {
    // The platform's exact body (elasticpath/elasticpath-dev guides/Getting-Started/errors.md); the journal
    // says which case it was.
    if (authorization.empty()) {
      record.errors.push_back("no Authorization: Bearer token; get one from POST /oauth/access_token");
    } else if (!credentials.refusal.empty()) {
      record.errors.push_back("the Authorization header is no form the platform takes (" +
                              credentials.refusal + "); send \"Bearer <token>\"");
    } else {
      record.errors.push_back(
          "the access token is unknown or has expired; get a new one from POST "
          "/oauth/access_token");
    }
    return ErrorResponse(401, kUnauthorizedTitle, "");
  }
  StatusOr<std::shared_ptr<Store>> acting =
      engine.stores().ForRequest(holder->client_id, request.Header(kAuthStoreHeader));
  if (!acting.ok()) {
    record.errors.push_back(acting.status().message());
    return ErrorResponse(403, StatusTitle(403), "");
  }
  std::shared_ptr<Store> store = *acting;
  record.store_id = store->id();
  if (holder->implicit) {
    // Implicit tokens have neither read nor write access to integrations (elasticpath/elasticpath-dev
    // docs/authentication/Tokens/permissions.mdx).
    record.errors.push_back(
        "an implicit token has no access to integrations; use a client_credentials token");
    return ErrorResponse(403, StatusTitle(403), "");
  }
  // Faults the test asked for, then the platform's limits: neither counts against the other.
  ApiFaults* api_faults = store->FindPart<ApiFaults>();
  if (std::optional<ApiFault> fault =
          api_faults
              ? api_faults->Take(request.method, request.path, engine.events().clock().EpochNanos() / 1000000)
              : std::nullopt) {
    record.errors.push_back("API fault " + fault->id + " (POST /__admin/api-faults)");
    HttpResponse faulted = fault->status ? ErrorResponse(fault->status, StatusTitle(fault->status), "")
                                         : Answer(engine, request, params, record, store, holder->client_id);
    faulted.delay_ms = fault->delay_ms;
    faulted.delay_queue = store->id();
    faulted.reset_connection = fault->reset;
    return faulted;
  }
  if (const int limit = RateLimitFor(engine.options(), *store);
      limit > 0 && !engine.rate_limiter().Allow(*store, limit)) {
    record.errors.push_back(
        "over the rate limit of " + std::to_string(limit) + " requests a second of this " +
        (store->is_organization() ? std::string("organization") : store->kind() + " store"));
    return ErrorResponse(429, StatusTitle(429), "");
  }
  return Answer(engine, request, params, record, store, holder->client_id);
}

HttpResponse Answer(Engine& engine, const HttpRequest& request, const Params& params, RequestRecord& record,
                    const std::shared_ptr<Store>& store, const std::string& client_id) {
  std::optional<std::string> operation = engine.spec().OperationFor(request.method, request.path);
  if (!operation) {
    std::string allowed;
    for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
      if (engine.spec().OperationFor(method, request.path))
        allowed += (allowed.empty() ? "" : ", ") + std::string(method);
    }
    if (allowed.empty()) {
      return ErrorResponse(404, StatusTitle(404), "No such endpoint: " + request.method + " " + request.path);
    }
    HttpResponse r =
        ErrorResponse(405, StatusTitle(405), request.method + " is not allowed here; use " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  record.operation_id = *operation;
  RouteContext context{request, params, store, record, engine, client_id};
  HttpResponse response;
  if (!HandleIntegrationsOperation(*operation, context, &response)) {
    return ErrorResponse(501, "Not Implemented", *operation + " is not implemented");
  }
  return response;
}

HttpResponse HandleAdmin(Engine& engine, const HttpRequest& request, const Params& params,
                         RequestRecord& record) {
  AdminMatch match = MatchAdminRoute(request.method, request.path);
  const std::string no_client;
  RouteContext open{request, params, nullptr, record, engine, no_client, match.args};
  if (match.access == AdminAccess::kOpen) {
    if (!match.route) {
      HttpResponse r = ErrorResponse(405, StatusTitle(405), "Use " + match.allowed + " for " + request.path);
      r.headers.emplace_back("Allow", match.allowed);
      return r;
    }
    return match.route->handle(open);
  }
  // The dashboard's reach: the list of stores, and a stream opened by client id (a
  // browser's EventSource sends no header), answer loopback peers only, unless an admin
  // token is set; then every admin route needs it.
  const bool by_client_id =
      match.access == AdminAccess::kStoreOrClientId && request.Header("Authorization").empty();
  const bool dashboard = match.access == AdminAccess::kDashboard || by_client_id;
  if (std::optional<HttpResponse> refused = CheckAdminAccess(engine, request, dashboard)) return *refused;
  // The admin API reads JSON, as /v2 does: a body of another type is refused, not guessed at.
  if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    const std::string type = request.Header("Content-Type");
    if ((!type.empty() || !request.body.empty()) && !IsJsonMediaType(type)) {
      return ErrorResponse(415, StatusTitle(415),
                           type.empty()
                               ? "Content-Type must be application/json; none was given"
                               : "Content-Type must be application/json, not '" + type.substr(0, 100) + "'");
    }
  }
  const auto unrouted = [&] {
    if (!match.path_known) {
      return ErrorResponse(404, StatusTitle(404),
                           "No such admin endpoint: " + request.method + " " + request.path);
    }
    HttpResponse r = ErrorResponse(405, StatusTitle(405), "Use " + match.allowed + " for " + request.path);
    r.headers.emplace_back("Allow", match.allowed);
    return r;
  };
  if (match.access == AdminAccess::kDashboard) return match.route ? match.route->handle(open) : unrouted();
  if (by_client_id) {
    if (!match.route) return unrouted();
    auto client = params.find("client_id");
    if (client == params.end() || client->second.empty() || client->second.size() > kMaxClientIdLength) {
      return ErrorResponse(401, StatusTitle(401),
                           "A stream is for the store of a Bearer token, or of client_id=ID (1 to " +
                               std::to_string(kMaxClientIdLength) + " characters)",
                           "client_id");
    }
    std::shared_ptr<Store> store = engine.stores().ForClient(client->second);
    record.store_id = store->id();
    RouteContext context{request, params, store, record, engine, client->second, match.args};
    return match.route->handle(context);
  }
  std::optional<std::string> client_id = engine.tokens().ClientFor(request.Header("Authorization"));
  if (!client_id) {
    return ErrorResponse(401, StatusTitle(401),
                         "The admin API acts on the store of the Bearer token it is given; get "
                         "one from POST /oauth/access_token");
  }
  if (!match.route) return unrouted();
  StatusOr<std::shared_ptr<Store>> acting =
      engine.stores().ForRequest(*client_id, request.Header(kAuthStoreHeader));
  if (!acting.ok()) return StatusResponse(acting.status(), kAuthStoreHeader);
  std::shared_ptr<Store> store = *acting;
  record.store_id = store->id();
  RouteContext context{request, params, store, record, engine, *client_id, match.args};
  return match.route->handle(context);
}

// Which store's delivery sent a request to the sink: epmock's webhook envelope names its
// integration and its store (store_id; org_id alone for an organization's own event), and
// that store must hold that integration. Anything else belongs to none. Two look-ups,
// whatever the server holds.
std::string SinkOwner(const Engine& engine, const std::string& body) {
  if (body.empty() || body.front() != '{') return SinkRegistry::kNoStore;
  const nlohmann::json envelope = nlohmann::json::parse(body, nullptr, false);
  if (!envelope.is_object()) return SinkRegistry::kNoStore;
  auto integration = envelope.find("integration");
  if (integration == envelope.end() || !integration->is_object()) return SinkRegistry::kNoStore;
  auto id = integration->find("id");
  if (id == integration->end() || !id->is_string()) return SinkRegistry::kNoStore;
  auto owner = envelope.find("store_id");
  if (owner == envelope.end()) owner = envelope.find("org_id");
  if (owner == envelope.end() || !owner->is_string()) return SinkRegistry::kNoStore;
  std::shared_ptr<Store> store = engine.stores().Find(owner->get<std::string>());
  if (!store || !store->Get(id->get<std::string>())) return SinkRegistry::kNoStore;
  return store->id();
}

HttpResponse HandleSink(Engine& engine, const HttpRequest& request) {
  const std::string name = request.path.substr(std::string("/__sink/webhook/").size());
  if (name.empty() || name.find('/') != std::string::npos) {
    return ErrorResponse(404, StatusTitle(404), "A sink is /__sink/webhook/{name}, one path segment");
  }
  ReceivedRequest received;
  received.method = request.method;
  received.path = request.path;
  received.headers = request.headers;
  received.body = request.body;
  received.received_at_ms = engine.events().clock().EpochNanos() / 1000000;  // the server's clock
  SinkResponse answer = engine.sinks().Record(SinkOwner(engine, request.body), name, std::move(received));
  HttpResponse response;
  response.status = answer.status;
  response.body = answer.body;
  response.content_type = "text/plain";
  response.delay_ms = answer.delay_ms;
  response.delay_queue = "sink " + name;
  return response;
}

}  // namespace

}  // namespace epmock::internal
