// The HTTP-independent face of the API: requests in, responses out. The httplib adapter in
// server.cc fills an ApiRequest; everything below it (auth, validation, store, journal) is
// plain C++ that tests, benchmarks and fuzzers drive directly.
#ifndef EPMOCK_API_API_H_
#define EPMOCK_API_API_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace epmock::internal {

struct ApiRequest {
  std::string method;         // upper case
  std::string path;           // decoded path, no query
  std::string query;          // raw query string, without '?'
  std::string authorization;  // Authorization header, "" if absent
  std::string content_type;   // Content-Type header, "" if absent
  std::string base_url;       // "http://host:port", from the Host header
  std::string body;
  // Every header, filled only for the sink routes (/__sink/...), which record them.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ApiResponse {
  int status = 200;
  std::string body;  // empty for 204
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;  // the adapter waits this long before answering (programmed sinks)
};

// "/v2/integrations/abc/logs" -> {"v2", "integrations", "abc", "logs"}.
std::vector<std::string> PathSegments(const std::string& path);

// Decoded query or form parameters, in order. Returns false on malformed percent-encoding.
using Params = std::multimap<std::string, std::string>;
bool DecodeForm(const std::string& text, Params* out);

}  // namespace epmock::internal

#endif  // EPMOCK_API_API_H_
