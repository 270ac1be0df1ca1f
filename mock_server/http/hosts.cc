#include "http/hosts.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace epmock::internal {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool IsHostName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_'; });
}

}  // namespace

std::string HostName(const std::string& host_header) {
  std::string host = Lower(host_header);
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    return close == std::string::npos ? host : host.substr(0, close + 1);
  }
  const std::size_t colon = host.rfind(':');
  if (colon != std::string::npos) host.resize(colon);
  if (!host.empty() && host.back() == '.') host.pop_back();  // "localhost." is localhost
  return host;
}

bool HostAllowed(const HostPolicy& policy, const std::string& host_header) {
  if (policy.any || host_header.empty()) return true;
  const std::string host = HostName(host_header);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr v6{};
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6) == 1;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return true;
  if (!IsHostName(host)) return false;
  if (host == "localhost" || EndsWith(host, ".localhost")) return true;
  if (host.find('.') == std::string::npos) return true;  // a service name: "epmock"
  return std::any_of(policy.names.begin(), policy.names.end(),
                     [&](const std::string& name) { return HostName(name) == host; });
}

std::optional<HostPolicy> ParseHostPolicy(const std::vector<std::string>& values, std::string* refused) {
  HostPolicy policy;
  for (const std::string& value : values) {
    if (value == "*") {
      policy.any = true;
    } else if (IsHostName(Lower(value))) {
      policy.names.push_back(Lower(value));
    } else {
      if (refused) *refused = "'" + value.substr(0, 100) + "' is not a host name without port, or '*'";
      return std::nullopt;
    }
  }
  return policy;
}

}  // namespace epmock::internal
