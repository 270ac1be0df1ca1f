// The platform's error shape: {"errors":[{"status","title","detail","source"}]}.
#ifndef EPMOCK_API_ERRORS_H_
#define EPMOCK_API_ERRORS_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "epmock/spec.h"

namespace epmock::internal {

struct ApiError {
  int status = 500;
  std::string title;
  std::string detail;
  std::optional<std::string> source;  // JSON pointer into the body, or a query parameter name
};

ApiResponse ErrorResponse(const std::vector<ApiError>& errors);
ApiResponse ErrorResponse(int status, std::string title, std::string detail,
                          std::optional<std::string> source = std::nullopt);

// 422 with one entry per violation.
ApiResponse ValidationFailed(const std::vector<SchemaViolation>& violations);

// A JSON answer (invalid UTF-8 in caller-given strings is replaced, never thrown over).
ApiResponse JsonResponse(int status, const nlohmann::json& body);

// The reason phrase the platform uses as the title for a status ("Not Found").
const char* StatusTitle(int status);

}  // namespace epmock::internal

#endif  // EPMOCK_API_ERRORS_H_
