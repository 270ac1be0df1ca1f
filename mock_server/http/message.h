// HttpRequest and HttpResponse: the one request/response type of every port epmock serves
// (the API, the SQS endpoint, the webhook sinks, the recording proxy). The edge
// (http/edge.h) fills a request from the wire; everything above it is plain C++ that tests,
// benchmarks and fuzzers drive directly.
#ifndef EPMOCK_HTTP_MESSAGE_H_
#define EPMOCK_HTTP_MESSAGE_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace epmock::internal {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;       // upper case
  std::string path;         // decoded path, no query
  std::string query;        // raw query string, without '?'
  HttpHeaders headers;      // as sent, in order (none of the listener's own bookkeeping)
  std::string body;         // read whole, within the port's limit
  std::string base_url;     // "http://host:port", from the Host header
  std::string target;       // the request target as sent: path and query, still encoded
  std::string remote_addr;  // the peer's address ("127.0.0.1", "::1"); "" when unknown
  // The id the edge gave this request and writes on its answer (EdgeOptions::request_id);
  // "" on a port that gives none.
  std::string request_id;
  // Whether the peer is still connected (false once it has closed or reset), for a handler
  // that waits: callable on the handler's thread only; empty off an HTTP edge.
  std::function<bool()> peer_connected;

  // Case-insensitive; "" when absent.
  std::string Header(const std::string& name) const;
  bool HasHeader(const std::string& name) const;
};

// One error of an answer in the platform's error shape ({"errors": [...]}), kept as data until
// the answer is rendered for whoever asked (api/errors.h RenderErrors): the platform's routes
// leave the source out and say a 500 in the platform's words, epmock's own keep both.
struct ErrorEntry {
  int status = 500;
  std::string title;
  std::string detail;
  std::optional<std::string> source;  // JSON pointer into the body, or a query parameter name
};

struct HttpResponse {
  int status = 200;
  std::string body;  // empty for 204
  std::string content_type = "application/json";
  HttpHeaders headers;
  int delay_ms = 0;  // the edge waits this long before answering (API faults, programmed sinks)
  // Whose delayed answers queue together once the edge holds its most (a store, a sink).
  std::string delay_queue;
  // The edge resets the connection (TCP RST, no answer) instead of answering (API faults).
  bool reset_connection = false;
  // A streamed answer (Server-Sent Events) instead of `body`: the edge calls it again and
  // again, each call writing what it has with `write` (false once the peer is gone) and
  // returning whether to go on; the answer ends when it returns false. `write("")` writes
  // nothing and says whether the peer is still there. Each call should
  // return within a fraction of a second, so that a stopping server is not held up.
  using Write = std::function<bool(std::string_view)>;
  std::function<bool(const Write& write)> stream;
  // An error answer not rendered yet: `body` is empty until RenderErrors writes it, once.
  std::vector<ErrorEntry> errors;
};

// The value of a header in a list, case-insensitively; "" when absent.
std::string FindHeader(const HttpHeaders& headers, const std::string& name);

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_MESSAGE_H_
