// HttpPool: keep-alive HTTP(S) clients per origin for the transports, which can all be
// interrupted at once when the server stops.
//
// Thread-safe.
#ifndef EPMOCK_DELIVERY_HTTP_POOL_H_
#define EPMOCK_DELIVERY_HTTP_POOL_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace epmock::internal {

struct HttpPoolOptions {
  int timeout_ms = 10000;   // connect, read and write
  bool verify_tls = true;
  std::string ca_file;
};

// What went wrong, in words for an integration log: `error_code` is an httplib::Error.
std::string DescribeHttpError(int error_code, const std::string& host, int port, int timeout_ms);

class HttpPool {
 public:
  explicit HttpPool(HttpPoolOptions options);
  ~HttpPool();

  // A client for "scheme://host:port", idle from the pool or new. Null once cancelled.
  std::unique_ptr<httplib::Client> Acquire(const std::string& origin);
  // Back to the pool when `reusable` (it answered), else closed.
  void Release(const std::string& origin, std::unique_ptr<httplib::Client> client, bool reusable);
  // Interrupts every client in use and refuses new ones.
  void Cancel();
  bool cancelled() const { return cancelled_; }

 private:
  const HttpPoolOptions options_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
  std::set<httplib::Client*> in_flight_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_DELIVERY_HTTP_POOL_H_
