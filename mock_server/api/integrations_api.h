// Handlers of the /v2/integrations operations (by OpenAPI operationId).
#ifndef EPMOCK_API_INTEGRATIONS_API_H_
#define EPMOCK_API_INTEGRATIONS_API_H_

#include <string>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/router.h"

namespace epmock::internal {

// The platform's per-integration limit on observed events, and its exact message.
constexpr std::size_t kObservesLimit = 5;
constexpr char kObservesLimitMessage[] = "You have reached the integration event limit of 5";

// Runs the operation; false if `operation_id` is not an integrations operation.
bool HandleIntegrationsOperation(const std::string& operation_id, RouteContext& context,
                                 HttpResponse* response);

}  // namespace epmock::internal

#endif  // EPMOCK_API_INTEGRATIONS_API_H_
