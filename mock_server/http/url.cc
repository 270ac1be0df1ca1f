#include "http/url.h"
#include "common/strings.h"

#include <cctype>
#include <cstdlib>

namespace epmock::internal {

std::string Url::Origin() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string origin = scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  // Connections to another address are pooled apart.
  return dial_port ? origin + "@" + dial_host + ":" + std::to_string(dial_port) : origin;
}

std::optional<Url> ParseUrl(const std::string& text) {
  Url url;
  auto sep = text.find("://");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  url.scheme = text.substr(0, sep);
  url.scheme = ToLower(url.scheme);
  std::string rest = text.substr(sep + 3);
  auto path_at = rest.find_first_of("/?");
  std::string authority = rest.substr(0, path_at);
  url.path = path_at == std::string::npos ? "/" : rest.substr(path_at);
  if (!url.path.empty() && url.path[0] == '?') url.path = "/" + url.path;
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;
  if (port.empty()) {
    if (url.scheme == "http")
      url.port = 80;
    else if (url.scheme == "https")
      url.port = 443;
    else if (url.scheme == "stomp")
      url.port = 61613;
    else if (url.scheme == "stomp+ssl")
      url.port = 61614;
    else
      return std::nullopt;
  } else {
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    url.port = std::atoi(port.c_str());
    if (url.port <= 0 || url.port > 65535) return std::nullopt;
  }
  return url;
}

}  // namespace epmock::internal
