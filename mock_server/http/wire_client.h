// WireClient: the webhook deliveries' HTTP/1.1 client, which writes its request itself so
// that the bytes on the wire are the platform's: the request line, `Host`, the caller's
// headers with their names in the case given and in the order given, `Content-Length`, the
// body, and nothing else (no `Accept`, no `Connection`, no library `User-Agent`; cpp-httplib
// always adds `Accept: */*`). Over http or https (OpenSSL, http/socket.h), reusing
// keep-alive connections per origin; answers framed by Content-Length, chunked or the close
// (http/wire_response.h), a gzip answer decoded; the whole exchange within one deadline.
//
// An idle pooled connection the receiver has closed is never written to (it is checked
// first); one that breaks before any byte of an answer is tried once more on a new
// connection, as browsers and Go's transport do.
//
// Thread-safe.
#ifndef EPMOCK_HTTP_WIRE_CLIENT_H_
#define EPMOCK_HTTP_WIRE_CLIENT_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "http/message.h"
#include "http/socket.h"
#include "http/url.h"
#include "http/wire_response.h"

namespace epmock::internal {

struct WireClientOptions {
  int timeout_ms = 10000;  // the whole exchange: connect, send, the answer's last byte
  bool verify_tls = true;
  std::string ca_file;
  std::size_t max_kept_body_bytes = 64 * 1024;  // of the answer (decoded when gzip)
};

struct WireRequest {
  std::string method = "POST";
  HttpHeaders headers;  // neither Host nor Content-Length: the client writes those
  std::string body;
};

class WireClient {
 public:
  explicit WireClient(WireClientOptions options);
  ~WireClient();

  // The request's bytes as Send writes them to url's origin.
  static std::string Serialize(const Url& url, const WireRequest& request);

  // Sends `request` and returns the answer for the caller to judge. Without one (refused,
  // timed out, TLS, not HTTP, stopped): nullopt, and *error says why in words for an
  // integration log.
  std::optional<WireResponse> Send(const Url& url, const WireRequest& request, std::string* error);

  // Interrupts every exchange in flight and refuses new ones.
  void Cancel();
  // Serves again after Cancel.
  void Resume() { cancelled_ = false; }

 private:
  // One exchange on one connection. *retry: it broke before any byte of an answer on a
  // reused connection, so a new one may be tried.
  std::optional<WireResponse> Exchange(const Url& url, const std::string& bytes, bool head,
                                       ClientSocket::Clock::time_point deadline, std::string* error,
                                       bool* retry);
  // An idle connection to the origin that is still open, or nullptr.
  std::unique_ptr<ClientSocket> TakeIdle(const std::string& origin);
  bool Register(ClientSocket* socket);  // false once cancelled
  void Release(const std::string& origin, std::unique_ptr<ClientSocket> socket, bool reusable);

  const WireClientOptions options_;
  std::atomic<bool> cancelled_{false};
  Mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<ClientSocket>>> idle_ EPMOCK_GUARDED_BY(mu_);
  std::set<ClientSocket*> in_flight_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_WIRE_CLIENT_H_
