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
  // "scheme://host:port", as httplib::Client wants it.
  std::string Origin() const;
};

// Parses scheme://host[:port][/path][?query]. Nullopt when it is not such a URL.
std::optional<Url> ParseUrl(const std::string& text);

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_URL_H_
