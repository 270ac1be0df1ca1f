// The platform's error shape: {"errors":[{"status","title","detail","source"}]}.
#ifndef EPMOCK_API_ERRORS_H_
#define EPMOCK_API_ERRORS_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "epmock/spec.h"
#include "epmock/status.h"

namespace epmock::internal {

// The title of the platform's 401, its whole body but the status (elasticpath/elasticpath-dev
// guides/Getting-Started/errors.md).
constexpr char kUnauthorizedTitle[] = "Unable to validate access token";

using ApiError = ErrorEntry;

// An error answer, its errors kept as data (HttpResponse::errors): the route renders it for its
// audience once, with RenderErrors.
HttpResponse ErrorResponse(std::vector<ApiError> errors);
HttpResponse ErrorResponse(int status, std::string title, std::string detail,
                           std::optional<std::string> source = std::nullopt);

// Whom an error answer is for.
enum class ErrorAudience {
  // The platform's routes (/v2, /oauth): no JSON-pointer source (elasticpath/epcc-cli
  // docs/tutorial.md), and a 500 says only the platform's words and the request id
  // (elasticpath/elasticpath-dev guides/Getting-Started/errors.md).
  kPlatform,
  // epmock's own routes (/__admin, the dashboard): sources and details as they are; a 500
  // carries the request id.
  kEpmock,
};

// Writes the body of an error answer (one with HttpResponse::errors) for `audience`, once;
// any other answer is left as it is. For kPlatform, what the answer leaves out goes to the
// journal: each error's "source: detail" (or its detail) to `reasons`, and what a 500's
// detail said to `hidden`. Either may be null.
void RenderErrors(HttpResponse& response, ErrorAudience audience, const std::string& request_id,
                  std::vector<std::string>* reasons = nullptr, std::vector<std::string>* hidden = nullptr);

// 422 with one entry per violation, worded as the platform's legacy API family words them
// (elasticpath/epcc-cli docs/tutorial.md): title "Failed Validation", detail "The data.name field is
// required.", no source. The pointer, rule and value belong in the request journal (JournalLine).
HttpResponse ValidationFailed(const std::vector<SchemaViolation>& violations);

// "The data.name field is required." for the violation at /data/name "data.name is required".
std::string PlatformDetail(const SchemaViolation& violation);

// "/data/name: data.name is required [rule required]": the journal's account of a violation,
// with the pointer, the failed schema rule and the offending value.
std::string JournalLine(const SchemaViolation& violation);

// The platform's 500 error (elasticpath/elasticpath-dev guides/Getting-Started/errors.md).
constexpr char kServerErrorDetail[] =
    "There was an internal server error, you can report with your request id.";

// A JSON answer (invalid UTF-8 in caller-given strings is replaced, never thrown over).
HttpResponse JsonResponse(int status, const nlohmann::json& body);

// The one mapping from a Status's code to an HTTP status: invalid argument 422, not found
// 404, already exists and failed precondition 409, resource exhausted 429, unavailable 503,
// anything else 500.
int HttpStatusFor(StatusCode code);

// An error answer for a failed Status, its message as the detail.
HttpResponse StatusResponse(const Status& status, std::optional<std::string> source = std::nullopt);

// The reason phrase the platform uses as the title for a status ("Not Found").
const char* StatusTitle(int status);

}  // namespace epmock::internal

#endif  // EPMOCK_API_ERRORS_H_
