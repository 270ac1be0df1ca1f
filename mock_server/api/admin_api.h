// The admin API under /__admin/ (WireMock's convention): a test's window onto the engine, as
// one route table (kAdminRoutes in admin_api.cc, like WireMock's AdminRoutes). Each route is
// a method, a path pattern, who may call it, a handler and a line of documentation; a
// handler decodes the request, calls the control layer (api/control.h) and encodes its
// answer. docs/ADMIN_API.md is the table printed (AdminRoutesMarkdown), and a test keeps the
// two the same.
#ifndef EPMOCK_API_ADMIN_API_H_
#define EPMOCK_API_ADMIN_API_H_

#include <string>
#include <vector>

#include "api/api.h"
#include "api/journal.h"
#include "api/router.h"

namespace epmock::internal {

// Who may call a route (api/router.cc checks it before the handler runs).
enum class AdminAccess {
  kOpen,             // anyone: health, sign-out
  kDashboard,        // loopback peers, or the admin token when one is set: the list of stores
  kStore,            // a Bearer token, acting on its store (and the admin token when one is set)
  kStoreOrClientId,  // kStore, or kDashboard with ?client_id=ID (a browser's EventSource)
};

struct AdminRoute {
  const char* method;
  const char* path;  // "/__admin/events/{id}/replay": a braced segment matches any one segment
  AdminAccess access;
  HttpResponse (*handle)(RouteContext& context);  // the braced segments' values in context.args
  const char* summary;
};

// Every admin route, in the documentation's order.
const std::vector<AdminRoute>& AdminRoutes();

struct AdminMatch {
  const AdminRoute* route = nullptr;         // null: no route has this method at this path
  bool path_known = false;                   // some route has this path (then 405, with `allowed`)
  std::string allowed;                       // "GET, PUT": the methods the path's routes take
  AdminAccess access = AdminAccess::kStore;  // the route's, or the path's first route's
  std::vector<std::string> args;             // the braced segments' values
};
// The route for METHOD PATH: the one with fewest braced segments when several match
// (/__admin/stories/runs before /__admin/stories/{name}).
AdminMatch MatchAdminRoute(const std::string& method, const std::string& path);

// The table as documentation: a Markdown table (docs/ADMIN_API.md), and a plain list for
// `epmock serve --help`.
std::string AdminRoutesMarkdown();
std::string AdminRoutesText();

// A delivery attempt as the admin API shows it: the /v2 log, with the event, whether it was
// the job's last, the refusal it carried and when the next attempt is due.
nlohmann::json LogWithEvent(const IntegrationLog& log);

}  // namespace epmock::internal

#endif  // EPMOCK_API_ADMIN_API_H_
