#include "api/api_faults.h"

#include "common/clock.h"

#include <algorithm>

#include "common/json_numbers.h"
#include "common/strings.h"

namespace epmock {

using nlohmann::json;

namespace {

constexpr int kMaxDelayMs = 60000;
constexpr int kMaxRequests = 100000;
constexpr std::size_t kMaxPathLength = 512;
constexpr char kApiFaultStatuses[] = "status must be 429, 500 or 503";
std::string ApiFaultPathRule() {
  return "path must be a /v2/ path pattern of at most " + std::to_string(kMaxPathLength) +
         " characters ('*' for one segment)";
}

// One segment against a pattern segment where '*' matches any run of characters: the
// classic two-pointer match, linear in practice and O(pattern x text) at worst (no
// exponential backtracking, whatever the pattern).
bool SegmentMatches(const std::string& pattern, const std::string& text) {
  std::size_t p = 0, t = 0, star = std::string::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// '*' stands for one path segment or part of one: the pattern and the path must have as
// many segments, each matching.
bool Glob(const std::string& pattern, const std::string& path) {
  const std::vector<std::string> want = internal::Split(pattern, '/');
  const std::vector<std::string> got = internal::Split(path, '/');
  if (want.size() != got.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!SegmentMatches(want[i], got[i])) return false;
  }
  return true;
}

}  // namespace

json ApiFault::ToJson() const {
  json out = {{"id", id}, {"requests", requests}};
  if (status) out["status"] = status;
  if (delay_ms) out["delay_ms"] = delay_ms;
  if (reset) out["reset"] = true;
  out["method"] = method.empty() ? json(nullptr) : json(method);
  out["path"] = path.empty() ? json(nullptr) : json(path);
  return out;
}

StatusOr<ApiFault> ApiFault::FromJson(const json& doc) {
  StatusOr<ApiFault> fault = internal::DecodeApiFault(doc);
  if (!fault.ok()) return fault;
  if (Status checked = internal::CheckApiFault(*fault); !checked.ok()) return checked;
  return fault;
}

namespace internal {

StatusOr<ApiFault> DecodeApiFault(const json& doc) {
  if (!doc.is_object()) return Status::InvalidArgument("an API fault is a JSON object");
  ApiFault fault;
  for (const auto& [key, value] : doc.items()) {
    if (key == "id")
      return Status::InvalidArgument("id is epmock's to give: leave it out of a new API fault");
    if (key == "status") {
      if (!value.is_number_integer()) return Status::InvalidArgument(kApiFaultStatuses);
      fault.status = SaturatedInt(value);
    } else if (key == "delay_ms") {
      if (!value.is_number_integer()) {
        return Status::InvalidArgument("delay_ms must be a whole number from 0 to " +
                                       std::to_string(kMaxDelayMs));
      }
      fault.delay_ms = SaturatedInt(value);
    } else if (key == "reset") {
      if (!value.is_boolean()) return Status::InvalidArgument("reset must be true or false");
      fault.reset = value.get<bool>();
    } else if (key == "requests") {
      if (!value.is_number_integer()) {
        return Status::InvalidArgument("requests must be a whole number from 1 to " +
                                       std::to_string(kMaxRequests));
      }
      fault.requests = SaturatedInt(value);
    } else if (key == "method") {
      if (value.is_null()) continue;
      if (!value.is_string()) return Status::InvalidArgument("method must be GET, POST, PUT or DELETE");
      fault.method = value.get<std::string>();
    } else if (key == "path") {
      if (value.is_null()) continue;
      if (!value.is_string()) return Status::InvalidArgument(ApiFaultPathRule());
      fault.path = value.get<std::string>();
    } else {
      return Status::InvalidArgument("unknown API fault field '" + key.substr(0, 64) +
                                     "'; use status, delay_ms, reset, requests, method, path");
    }
  }
  return fault;
}

Status CheckApiFault(const ApiFault& fault) {
  if (fault.status != 0 && fault.status != 429 && fault.status != 500 && fault.status != 503)
    return Status::InvalidArgument(kApiFaultStatuses);
  if (fault.delay_ms < 0 || fault.delay_ms > kMaxDelayMs) {
    return Status::InvalidArgument("delay_ms must be a whole number from 0 to " +
                                   std::to_string(kMaxDelayMs));
  }
  if (fault.requests < 1 || fault.requests > kMaxRequests) {
    return Status::InvalidArgument("requests must be a whole number from 1 to " +
                                   std::to_string(kMaxRequests));
  }
  if (!fault.method.empty() && fault.method != "GET" && fault.method != "POST" && fault.method != "PUT" &&
      fault.method != "DELETE") {
    return Status::InvalidArgument("method must be GET, POST, PUT or DELETE");
  }
  if (!fault.path.empty() && (fault.path.rfind("/v2/", 0) != 0 || fault.path.size() > kMaxPathLength))
    return Status::InvalidArgument(ApiFaultPathRule());
  if (fault.status == 0 && fault.delay_ms == 0 && !fault.reset) {
    return Status::InvalidArgument("the API fault does nothing: set status, delay_ms or reset");
  }
  if (fault.reset && fault.status != 0) {
    return Status::InvalidArgument("a reset connection answers no status: set status or reset, not both");
  }
  return Status::Ok();
}

}  // namespace internal

bool ApiFault::Matches(const std::string& request_method, const std::string& request_path) const {
  if (!method.empty() && method != request_method) return false;
  return path.empty() || Glob(path, request_path);
}

namespace internal {

std::optional<ApiFault> ApiFaults::Take(const std::string& method, const std::string& path,
                                        std::int64_t now_ms) {
  // One whose last request it was leaves the list for the used ones.
  return UpdateAndRetire(
      [&](std::vector<ApiFault>& faults) -> std::optional<ApiFault> {
        for (ApiFault& f : faults) {
          if (!f.Matches(method, path)) continue;
          ApiFault taken = f;
          --f.requests;
          return taken;
        }
        return std::nullopt;
      },
      [](const ApiFault& f) { return f.requests <= 0; }, now_ms);
}

}  // namespace internal
}  // namespace epmock
