#include "http/self_authorities.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/strings.h"

namespace epmock::internal {
namespace {

// "name:port" in lower case, IPv6 literals bracketed; nullopt when the header names no port
// that can be read.
std::optional<std::string> Key(const std::string& host_header, int default_port) {
  std::string host = ToLower(host_header);
  std::string port;
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string::npos) return std::nullopt;
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return std::nullopt;
      port = host.substr(close + 2);
    }
    host.resize(close + 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty() || host.size() > 255) return std::nullopt;
  if (port.empty()) return host + ":" + std::to_string(default_port);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int number = std::atoi(port.c_str());
  if (number <= 0 || number > 65535) return std::nullopt;
  return host + ":" + std::to_string(number);
}

std::string KeyOf(const Url& url) {
  const std::string host = ToLower(url.host);
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(url.port);
}

}  // namespace

std::optional<std::string> CheckAdvertisedUrl(const std::string& value, const std::string& scheme) {
  const std::string want = scheme == "stomp" ? "stomp:// or stomp+ssl://" : "http:// or https://";
  const std::string refusal = "'" + value.substr(0, 100) + "' is not " + want + "HOST[:PORT]";
  if (value.empty() || value.size() > 2048) return refusal;
  std::optional<Url> url = ParseUrl(value);
  if (!url) return refusal;
  const bool scheme_ok = scheme == "stomp" ? url->scheme == "stomp" || url->scheme == "stomp+ssl"
                                           : url->scheme == "http" || url->scheme == "https";
  if (!scheme_ok || (url->path != "/" && !url->path.empty())) return refusal;
  if (value.find('@') != std::string::npos || value.find('#') != std::string::npos) return refusal;
  const std::string authority = value.substr(value.find("://") + 3);
  if (authority.find_first_of(" \t\r\n") != std::string::npos) return refusal;
  if (CheckAdvertisedHost(url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host))
    return refusal;
  return std::nullopt;
}

std::optional<std::string> CheckAdvertisedHost(const std::string& value) {
  const std::string refusal = "'" + value.substr(0, 100) + "' is not a host name or IP address without port";
  if (value.empty() || value.size() > 253) return refusal;
  if (value.front() == '[') {
    return value.back() == ']' && value.find_first_not_of("0123456789abcdefABCDEF:.", 1) == value.size() - 1
               ? std::nullopt
               : std::optional<std::string>(refusal);
  }
  const bool ok = std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
  return ok ? std::nullopt : std::optional<std::string>(refusal);
}

std::string TrimAdvertisedUrl(std::string value) {
  if (!value.empty() && value.back() == '/') value.pop_back();
  return value;
}

std::vector<std::string> AdvertisedNames(const std::string& url, const std::string& host) {
  std::vector<std::string> names;
  if (std::optional<Url> parsed = ParseUrl(url); parsed && parsed->host.find(':') == std::string::npos)
    names.push_back(ToLower(parsed->host));
  if (!host.empty() && host.front() != '[') names.push_back(ToLower(host));
  return names;
}

bool IsWildcardHost(const std::string& host) { return host == "0.0.0.0" || host == "::" || host == "[::]"; }

LocalAddress LocalAddressOf(const std::string& bind_host, int port) {
  if (bind_host == "0.0.0.0") return {"127.0.0.1", port};
  if (bind_host == "::" || bind_host == "[::]") return {"::1", port};
  return {bind_host, port};
}

void SelfAuthorities::Saw(const std::string& host_header, int default_port, const LocalAddress& local) {
  if (host_header.empty()) return;
  std::optional<std::string> key = Key(host_header, default_port);
  if (!key) return;
  MutexLock lock(&mu_);
  if (known_.size() >= kMaxSelfAuthorities && known_.count(*key) == 0) return;
  known_[*key] = local;
}

void SelfAuthorities::Advertise(const Url& url, const LocalAddress& local) {
  MutexLock lock(&mu_);
  known_[KeyOf(url)] = local;
}

std::optional<LocalAddress> SelfAuthorities::DialFor(const Url& url) const {
  const std::string key = KeyOf(url);
  MutexLock lock(&mu_);
  auto found = known_.find(key);
  if (found == known_.end()) return std::nullopt;
  return found->second;
}

Url SelfAuthorities::Route(const SelfAuthorities* self, Url url) {
  if (!self || (url.scheme != "http" && url.scheme != "stomp")) return url;
  if (std::optional<LocalAddress> local = self->DialFor(url)) {
    url.dial_host = local->host;
    url.dial_port = local->port;
  }
  return url;
}

std::size_t SelfAuthorities::size() const {
  MutexLock lock(&mu_);
  return known_.size();
}

}  // namespace epmock::internal
