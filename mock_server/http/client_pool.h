// HttpPool: keep-alive HTTP(S) clients per origin for the transports, which can all be
// interrupted at once when the server stops.
//
// Thread-safe.
#ifndef EPMOCK_HTTP_CLIENT_POOL_H_
#define EPMOCK_HTTP_CLIENT_POOL_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <httplib.h>

#include "common/mutex.h"
#include "http/url.h"

namespace epmock::internal {

// A client for the URL's origin, built from its parts. (httplib::Client's "scheme://host:port"
// constructor parses with a function-local static std::regex inside Debian's uninstrumented
// libcpp-httplib.so, whose first use from a second thread ThreadSanitizer cannot see as
// ordered; building from parts needs no regex.) Nullptr for a scheme other than http(s).
std::unique_ptr<httplib::ClientImpl> NewHttpClient(const Url& url);
// The same for a URL given as text ("http://127.0.0.1:8080"): every outbound HTTP use in
// epmock (deliveries, the recording proxy, the harness, the CLI, contract checks) builds its
// client through these two. Nullptr when it is not an http(s) URL.
std::unique_ptr<httplib::ClientImpl> NewHttpClient(const std::string& url);

struct HttpPoolOptions {
  int timeout_ms = 10000;  // connect, read and write
  bool verify_tls = true;
  std::string ca_file;
};

class HttpPool {
 public:
  explicit HttpPool(HttpPoolOptions options);
  ~HttpPool();

  // POSTs through a pooled client to url's origin and returns the answer for the caller to
  // judge. Without one (refused, timed out, TLS, stopped): nullopt, and *error says why in
  // words for an integration log.
  std::optional<httplib::Response> Post(const Url& url, const std::string& path,
                                        const httplib::Headers& headers, const std::string& body,
                                        const char* content_type, std::string* error);

  // Interrupts every client in use and refuses new ones.
  void Cancel();
  // Serves again after Cancel.
  void Resume() { cancelled_ = false; }

 private:
  // A client for "scheme://host:port", idle from the pool or new. Null once cancelled.
  std::unique_ptr<httplib::ClientImpl> Acquire(const Url& url);
  // Back to the pool when `reusable` (it answered), else closed.
  void Release(const std::string& origin, std::unique_ptr<httplib::ClientImpl> client, bool reusable);
  const HttpPoolOptions options_;
  std::atomic<bool> cancelled_{false};
  Mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::ClientImpl>>> idle_ EPMOCK_GUARDED_BY(mu_);
  std::set<httplib::ClientImpl*> in_flight_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_CLIENT_POOL_H_
