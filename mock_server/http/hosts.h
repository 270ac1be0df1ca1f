// Which Host headers a port answers: the defence against DNS rebinding, where a web page on
// a name its attacker controls is made to resolve to 127.0.0.1 and the browser then sends
// the page's requests, with that name as Host, to epmock.
//
//   HostPolicy policy;                       // loopback names, IP literals, bare names
//   policy.names.push_back("epmock.test");   // and this one (--allow-host)
//   if (!HostAllowed(policy, request.Header("Host"))) answer 403;
#ifndef EPMOCK_HTTP_HOSTS_H_
#define EPMOCK_HTTP_HOSTS_H_

#include <optional>
#include <string>
#include <vector>

namespace epmock::internal {

struct HostPolicy {
  // Any Host at all: the check is off (--allow-host '*').
  bool any = false;
  // Further names answered, exactly (any case, any port).
  std::vector<std::string> names;
};

// True for a Host (port or not) that is an IP literal, `localhost` or a name under
// `.localhost`, a name without a dot (a container's service name), or one of `names`; and
// for a request without Host (HTTP/1.0), which no browser sends.
bool HostAllowed(const HostPolicy& policy, const std::string& host_header);

// The name of a Host header without its port, lower case ("[::1]:80" -> "[::1]").
std::string HostName(const std::string& host_header);

// The policy from --allow-host values: "*" anywhere turns the check off. A value that is
// no host name (empty, with a space, a slash, a port) is nullopt's reason: it names it.
std::optional<HostPolicy> ParseHostPolicy(const std::vector<std::string>& values,
                                          std::string* refused = nullptr);

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_HOSTS_H_
