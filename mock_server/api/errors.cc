#include "api/errors.h"

#include <nlohmann/json.hpp>

#include "common/strings.h"

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
    case 429:
      return "Too Many Requests";
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

HttpResponse ErrorResponse(std::vector<ApiError> errors) {
  HttpResponse response;
  response.status = errors.empty() ? 500 : errors.front().status;
  response.errors = std::move(errors);
  return response;
}

void RenderErrors(HttpResponse& response, ErrorAudience audience, const std::string& request_id,
                  std::vector<std::string>* reasons, std::vector<std::string>* hidden) {
  if (response.errors.empty()) return;
  const bool platform = audience == ErrorAudience::kPlatform;
  const bool server_error = response.status == 500;
  json list = json::array();
  for (ApiError& e : response.errors) {
    if (platform && reasons)
      reasons->push_back(e.source && !e.source->empty() ? *e.source + ": " + e.detail
                                                        : (e.detail.empty() ? e.title : e.detail));
    if (platform && server_error) {
      if (hidden && !e.detail.empty()) hidden->push_back(e.detail);
      e.title = StatusTitle(500);
      e.detail = kServerErrorDetail;
    }
    json entry = {{"status", e.status}, {"title", e.title}};
    if (!e.detail.empty()) entry["detail"] = e.detail;
    if (e.source && !platform) entry["source"] = *e.source;
    if (server_error && !request_id.empty()) entry["request_id"] = request_id;
    list.push_back(std::move(entry));
  }
  response.body = json{{"errors", std::move(list)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  response.errors.clear();
}

HttpResponse ErrorResponse(int status, std::string title, std::string detail,
                           std::optional<std::string> source) {
  return ErrorResponse({ApiError{status, std::move(title), std::move(detail), std::move(source)}});
}

std::string PlatformDetail(const SchemaViolation& violation) {
  // The field as the detail names it: "/data/configuration/url" -> "data.configuration.url".
  std::string field;
  for (const std::string& token : Split(violation.source, '/', /*keep_empty=*/false)) {
    field += (field.empty() ? "" : ".") + token;
  }
  // A detail in the platform's own words (the 5-event limit's) is kept as it is.
  if (field.empty() || violation.detail.rfind(field + " ", 0) != 0) return violation.detail;
  std::string detail = "The " + field + " field " + violation.detail.substr(field.size() + 1);
  if (detail.back() != '.') detail += '.';
  return detail;
}

HttpResponse ValidationFailed(const std::vector<SchemaViolation>& violations) {
  std::vector<ApiError> errors;
  for (const SchemaViolation& v : violations) {
    errors.push_back({422, StatusTitle(422), PlatformDetail(v), std::nullopt});
  }
  return ErrorResponse(errors);
}

std::string JournalLine(const SchemaViolation& violation) {
  std::string line = (violation.source.empty() ? "/" : violation.source) + ": " + violation.detail;
  if (!violation.rule.empty()) line += " [rule " + violation.rule;
  if (!violation.rule.empty() && !violation.value.empty()) line += ", value " + violation.value;
  if (!violation.rule.empty()) line += "]";
  return line;
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
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kDeadlineExceeded:
      return 408;
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
