#include "api/errors.h"

#include <nlohmann/json.hpp>

namespace epmock::internal {

using nlohmann::json;

const char* StatusTitle(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Failed Validation";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return status >= 500 ? "Server Error" : "Client Error";
  }
}

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

HttpResponse ErrorResponse(const std::vector<ApiError>& errors) {
  json list = json::array();
  for (const ApiError& e : errors) {
    json entry = {{"status", e.status}, {"title", e.title}, {"detail", e.detail}};
    if (e.source) entry["source"] = *e.source;
    list.push_back(std::move(entry));
  }
  HttpResponse response;
  response.status = errors.empty() ? 500 : errors.front().status;
  response.body = json{{"errors", std::move(list)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

HttpResponse ErrorResponse(int status, std::string title, std::string detail,
                           std::optional<std::string> source) {
  return ErrorResponse({ApiError{status, std::move(title), std::move(detail), std::move(source)}});
}

HttpResponse ValidationFailed(const std::vector<SchemaViolation>& violations) {
  std::vector<ApiError> errors;
  for (const SchemaViolation& v : violations) {
    errors.push_back({422, StatusTitle(422), v.detail, v.source});
  }
  return ErrorResponse(errors);
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 422;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kUnknown:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse StatusResponse(const Status& status, std::optional<std::string> source) {
  const int code = HttpStatusFor(status.code());
  return ErrorResponse(code, StatusTitle(code), status.message(), std::move(source));
}

}  // namespace epmock::internal
