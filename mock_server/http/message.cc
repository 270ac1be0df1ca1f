#include "http/message.h"

#include "common/strings.h"

namespace epmock::internal {

std::string FindHeader(const HttpHeaders& headers, const std::string& name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

std::string HttpRequest::Header(const std::string& name) const { return FindHeader(headers, name); }

bool HttpRequest::HasHeader(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return true;
  }
  return false;
}

}  // namespace epmock::internal
