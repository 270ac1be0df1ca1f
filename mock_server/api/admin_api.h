// The admin API under /__admin/ (WireMock's convention): a test's window onto the engine.
// Every route but health acts on the store of the caller's Bearer token.
#ifndef EPMOCK_API_ADMIN_API_H_
#define EPMOCK_API_ADMIN_API_H_

#include "api/api.h"
#include "api/journal.h"
#include "api/router.h"

namespace epmock::internal {

// A delivery attempt as the admin API shows it: the /v2 log, with the event, whether it was
// the job's last, the refusal it carried and when the next attempt is due.
nlohmann::json LogWithEvent(const IntegrationLog& log);

// GET /__admin/health: no token needed.
HttpResponse AdminHealth(Engine& engine, const HttpRequest& request);

// GET /__admin/requests, POST /__admin/reset.
HttpResponse HandleAdminRequest(RouteContext& context);

}  // namespace epmock::internal

#endif  // EPMOCK_API_ADMIN_API_H_
