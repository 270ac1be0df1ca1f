#include "http/client_pool.h"

#include <httplib.h>

#include "common/mutex.h"
#include "http/socket.h"

namespace epmock::internal {

namespace {
constexpr std::size_t kIdleConnectionsPerOrigin = 64;
// What went wrong, in words for an integration log: `error_code` is an httplib::Error.
std::string DescribeHttpError(int error_code, const std::string& host, int port, int timeout_ms) {
  const auto error = static_cast<httplib::Error>(error_code);
  const std::string where = host + ":" + std::to_string(port);
  switch (error) {
    case httplib::Error::Connection:
      return "Could not connect to " + where + " (refused, unreachable or no answer within " +
             std::to_string(timeout_ms) + " ms)";
    case httplib::Error::Read:
      return "No answer from " + where + " within " + std::to_string(timeout_ms) +
             " ms, or the connection closed before an answer";
    case httplib::Error::Write:
      return "The connection to " + where + " broke while sending the request";
    case httplib::Error::SSLConnection:
      return "TLS handshake with " + where + " failed";
    case httplib::Error::SSLServerVerification:
      return "The certificate of " + where + " could not be verified";
    case httplib::Error::Canceled:
      return "Not delivered: epmock stopped during the attempt";
    default:
      return "The request to " + where + " failed: " + httplib::to_string(error);
  }
}

}  // namespace

std::unique_ptr<httplib::ClientImpl> NewHttpClient(const Url& url) {
  if (url.scheme == "http")
    return std::make_unique<httplib::ClientImpl>(url.ConnectHost(), url.ConnectPort());
  if (url.scheme == "https")
    return std::make_unique<httplib::SSLClient>(url.ConnectHost(), url.ConnectPort());
  return nullptr;
}

std::unique_ptr<httplib::ClientImpl> NewHttpClient(const std::string& url) {
  std::optional<Url> parsed = ParseUrl(url);
  return parsed ? NewHttpClient(*parsed) : nullptr;
}

HttpPool::HttpPool(HttpPoolOptions options) : options_(std::move(options)) {}
HttpPool::~HttpPool() = default;

std::unique_ptr<httplib::ClientImpl> HttpPool::Acquire(const Url& url) {
  const std::string origin = url.Origin();
  std::unique_ptr<httplib::ClientImpl> client;
  {
    MutexLock lock(&mu_);
    if (cancelled_) return nullptr;
    auto& pool = idle_[origin];
    if (!pool.empty()) {
      client = std::move(pool.back());
      pool.pop_back();
    }
  }
  if (!client) {
    client = NewHttpClient(url);
    if (!client) return nullptr;
    const time_t seconds = options_.timeout_ms / 1000;
    const time_t micros = (options_.timeout_ms % 1000) * 1000;
    client->set_connection_timeout(seconds, micros);
    client->set_read_timeout(seconds, micros);
    client->set_write_timeout(seconds, micros);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->enable_server_certificate_verification(options_.verify_tls);
    static const std::string fallback = FallbackCaBundle();
    const std::string& ca_file = options_.ca_file.empty() ? fallback : options_.ca_file;
    if (!ca_file.empty()) client->set_ca_cert_path(ca_file.c_str());
  }
  MutexLock lock(&mu_);
  if (cancelled_) return nullptr;
  in_flight_.insert(client.get());
  return client;
}

void HttpPool::Release(const std::string& origin, std::unique_ptr<httplib::ClientImpl> client,
                       bool reusable) {
  MutexLock lock(&mu_);
  in_flight_.erase(client.get());
  auto& pool = idle_[origin];
  if (reusable && !cancelled_ && pool.size() < kIdleConnectionsPerOrigin) pool.push_back(std::move(client));
}

std::optional<httplib::Response> HttpPool::Post(const Url& url, const std::string& path,
                                                const httplib::Headers& headers, const std::string& body,
                                                const char* content_type, std::string* error) {
  const std::string origin = url.Origin();
  std::unique_ptr<httplib::ClientImpl> client = Acquire(url);
  if (!client) {
    *error =
        cancelled_ ? "Not delivered: epmock stopped before the attempt" : "Not an http(s) URL: " + origin;
    return std::nullopt;
  }
  httplib::Result res = client->Post(path, headers, body, content_type);
  const bool answered = static_cast<bool>(res);
  std::optional<httplib::Response> response;
  if (answered) {
    response = *res;
  } else {
    *error = cancelled_
                 ? "Not delivered: epmock stopped during the attempt"
                 : DescribeHttpError(static_cast<int>(res.error()), url.host, url.port, options_.timeout_ms);
  }
  Release(origin, std::move(client), answered);
  return response;
}

void HttpPool::Cancel() {
  MutexLock lock(&mu_);
  cancelled_ = true;
  for (httplib::ClientImpl* client : in_flight_) client->stop();
  idle_.clear();
}

}  // namespace epmock::internal
