#include "api/router.h"

#include <chrono>

#include "api/admin_api.h"
#include "api/errors.h"
#include "api/integrations_api.h"
#include "common/clock.h"

namespace epmock::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(const std::string& in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      int hi = i + 1 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> PathSegments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool DecodeForm(const std::string& text, Params* out) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t amp = text.find('&', start);
    if (amp == std::string::npos) amp = text.size();
    if (amp > start) {
      std::string pair = text.substr(start, amp - start);
      std::size_t eq = pair.find('=');
      std::string key, value;
      if (!PercentDecode(pair.substr(0, eq), &key)) return false;
      if (eq != std::string::npos && !PercentDecode(pair.substr(eq + 1), &value)) return false;
      out->emplace(std::move(key), std::move(value));
    }
    start = amp + 1;
  }
  return true;
}

namespace {

ApiResponse Dispatch(Engine& engine, const ApiRequest& request, RequestRecord& record);

}  // namespace

ApiResponse Route(Engine& engine, const ApiRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  RequestRecord record;
  record.received_at = Rfc3339Millis(NowMillis());
  record.method = request.method;
  record.path = request.path;
  record.query = request.query;
  ApiResponse response;
  try {
    response = Dispatch(engine, request, record);
  } catch (const std::exception& e) {
    response = ErrorResponse(500, StatusTitle(500), std::string("epmock failed: ") + e.what());
  }
  record.status = response.status;
  record.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  // The admin API and the sinks are the test's side of the engine, not traffic to record.
  if (request.path.rfind("/__admin/", 0) != 0 && request.path.rfind("/__sink/", 0) != 0) {
    engine.journal().Record(std::move(record));
  }
  return response;
}

namespace {

ApiResponse HandleV2(Engine& engine, const ApiRequest& request, const Params& params, RequestRecord& record);
ApiResponse HandleAdmin(Engine& engine, const ApiRequest& request, const Params& params,
                        RequestRecord& record);
ApiResponse HandleSink(Engine& engine, const ApiRequest& request);

ApiResponse Dispatch(Engine& engine, const ApiRequest& request, RequestRecord& record) {
  Params params;
  if (!DecodeForm(request.query, &params)) {
    return ErrorResponse(400, StatusTitle(400),
                         "The query string has malformed percent-encoding: '" + request.query + "'", "query");
  }
  if (request.path == "/oauth/access_token") {
    record.operation_id = "Authenticate";
    if (request.method != "POST") {
      ApiResponse r = ErrorResponse(405, StatusTitle(405), "Use POST to get an access token");
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

ApiResponse HandleV2(Engine& engine, const ApiRequest& request, const Params& params, RequestRecord& record) {
  std::optional<std::string> client_id = engine.tokens().ClientFor(request.authorization);
  if (!client_id) {
    return ErrorResponse(401, StatusTitle(401),
                         request.authorization.empty()
                             ? "An Authorization: Bearer token is required; get one from "
                               "POST /oauth/access_token"
                             : "The access token is invalid or has expired; get a new one "
                               "from POST /oauth/access_token");
  }
  std::shared_ptr<Store> store = engine.stores().ForClient(*client_id);
  record.store_id = store->id();
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
    ApiResponse r =
        ErrorResponse(405, StatusTitle(405), request.method + " is not allowed here; use " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  record.operation_id = *operation;
  RouteContext context{request, params, store, record, engine};
  ApiResponse response;
  if (!HandleIntegrationsOperation(*operation, context, &response)) {
    return ErrorResponse(501, "Not Implemented", *operation + " is not implemented");
  }
  return response;
}

ApiResponse HandleAdmin(Engine& engine, const ApiRequest& request, const Params& params,
                        RequestRecord& record) {
  if (request.path == "/__admin/health") return AdminHealth(request);
  std::optional<std::string> client_id = engine.tokens().ClientFor(request.authorization);
  if (!client_id) {
    return ErrorResponse(401, StatusTitle(401),
                         "The admin API acts on the store of the Bearer token it is given; get "
                         "one from POST /oauth/access_token");
  }
  std::shared_ptr<Store> store = engine.stores().ForClient(*client_id);
  record.store_id = store->id();
  RouteContext context{request, params, store, record, engine};
  return HandleAdminRequest(context);
}

// Which store's delivery sent a request to the sink: epmock's webhook envelope names its
// integration, and an integration id belongs to one store. Anything else belongs to none.
std::string SinkOwner(const Engine& engine, const std::string& body) {
  if (body.empty() || body.front() != '{') return SinkRegistry::kNoStore;
  const nlohmann::json envelope = nlohmann::json::parse(body, nullptr, false);
  if (!envelope.is_object()) return SinkRegistry::kNoStore;
  auto integration = envelope.find("integration");
  if (integration == envelope.end() || !integration->is_object()) return SinkRegistry::kNoStore;
  auto id = integration->find("id");
  if (id == integration->end() || !id->is_string()) return SinkRegistry::kNoStore;
  return engine.stores().OwnerOfIntegration(id->get<std::string>());
}

ApiResponse HandleSink(Engine& engine, const ApiRequest& request) {
  const std::string name = request.path.substr(std::string("/__sink/webhook/").size());
  if (name.empty() || name.find('/') != std::string::npos) {
    return ErrorResponse(404, StatusTitle(404), "A sink is /__sink/webhook/{name}, one path segment");
  }
  ReceivedRequest received;
  received.method = request.method;
  received.path = request.path;
  received.headers = request.headers;
  received.body = request.body;
  SinkResponse answer = engine.sinks().Record(SinkOwner(engine, request.body), name, std::move(received));
  ApiResponse response;
  response.status = answer.status;
  response.body = answer.body;
  response.content_type = "text/plain";
  response.delay_ms = answer.delay_ms;
  return response;
}

}  // namespace

}  // namespace epmock::internal
