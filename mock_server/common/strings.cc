#include "common/strings.h"

namespace epmock::internal {

std::string UrlHost(const std::string& host) {
  const bool ipv6_literal = host.find(':') != std::string::npos && host.front() != '[';
  return ipv6_literal ? "[" + host + "]" : host;
}

}  // namespace epmock::internal
