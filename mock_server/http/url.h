// Splitting the URLs integrations are configured with.
#ifndef EPMOCK_HTTP_URL_H_
#define EPMOCK_HTTP_URL_H_

#include <optional>
#include <string>

namespace epmock::internal {

struct Url {
  std::string scheme;  // lower case: http, https, stomp, stomp+ssl
  std::string host;    // without brackets for IPv6
  int port = 0;        // the scheme's default when the URL names none
  std::string path;    // with the query; "/" when empty
  // Where to connect when not to host:port: one of epmock's own ports, which this URL names
  // by an authority it is known by elsewhere (http/self_authorities.h). The request still
  // names host:port (Host, SigV4).
  std::string dial_host;
  int dial_port = 0;
  // "scheme://host:port", the key connections are pooled by (with "@dial" when set).
  std::string Origin() const;
  // Where a connection goes: the dial address when set, else host and port.
  const std::string& ConnectHost() const { return dial_port ? dial_host : host; }
  int ConnectPort() const { return dial_port ? dial_port : port; }
};

// Parses scheme://host[:port][/path][?query]. Nullopt when it is not such a URL.
std::optional<Url> ParseUrl(const std::string& text);

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_URL_H_
