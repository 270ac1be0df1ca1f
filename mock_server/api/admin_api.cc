#include "api/admin_api.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"

namespace epmock::internal {

using nlohmann::json;

ApiResponse AdminHealth(const ApiRequest& request) {
  if (request.method != "GET") {
    return ErrorResponse(405, StatusTitle(405), "Use GET for /__admin/health");
  }
  ApiResponse response;
  response.body = json{{"status", "ok"}}.dump();
  return response;
}

ApiResponse HandleAdminRequest(RouteContext& c, Journal& journal) {
  const std::string& path = c.request.path;
  const std::string& method = c.request.method;
  if (path == "/__admin/requests" && method == "GET") {
    json data = json::array();
    for (const RequestRecord& r : journal.Records(c.store.id())) data.push_back(ToJson(r));
    ApiResponse response;
    response.body = json{{"data", std::move(data)},
                         {"meta",
                          {{"store_id", c.store.id()},
                           {"capacity", journal.Capacity()},
                           {"dropped", journal.Dropped()}}}}
                        .dump(-1, ' ', false, json::error_handler_t::replace);
    return response;
  }
  if (path == "/__admin/reset" && method == "POST") {
    c.store.Clear();
    journal.ClearStore(c.store.id());
    ApiResponse response;
    response.status = 204;
    response.content_type.clear();
    return response;
  }
  return ErrorResponse(404, StatusTitle(404), "No such admin endpoint: " + method + " " + path);
}

}  // namespace epmock::internal
