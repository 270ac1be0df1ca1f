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

HttpResponse ErrorResponse(const std::vector<ApiError>& errors) {
  json list = json::array();
  for (const ApiError& e : errors) {
    json entry = {{"status", e.status}, {"title", e.title}};
    if (!e.detail.empty()) entry["detail"] = e.detail;
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

void DropSources(HttpResponse& response, std::vector<std::string>* reasons) {
  if (response.status < 400) return;
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array()) return;
  bool dropped = false;
  for (json& error : body["errors"]) {
    if (!error.is_object()) continue;
    const json detail = error.value("detail", error.value("title", json("")));
    const std::string text = detail.is_string() ? detail.get<std::string>() : detail.dump();
    if (error.contains("source")) {
      const json& source = error["source"];
      const std::string where = source.is_string() ? source.get<std::string>() : source.dump();
      if (reasons) reasons->push_back(where.empty() ? text : where + ": " + text);
      error.erase("source");
      dropped = true;
    } else if (reasons) {
      reasons->push_back(text);
    }
  }
  if (dropped) response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
}

void CarryRequestId(HttpResponse& response, const std::string& request_id, bool platform_detail,
                    std::vector<std::string>* reasons) {
  if (response.status != 500 || request_id.empty()) return;
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array()) return;
  for (json& error : body["errors"]) {
    if (!error.is_object()) continue;
    if (platform_detail) {
      const json said = error.value("detail", json(""));
      if (reasons && said.is_string() && !said.get<std::string>().empty())
        reasons->push_back(said.get<std::string>());
      error["title"] = StatusTitle(500);
      error["detail"] = kServerErrorDetail;
    }
    error["request_id"] = request_id;
  }
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
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
