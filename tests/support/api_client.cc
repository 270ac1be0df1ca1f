#include "support/api_client.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

#include "epmock/spec.h"

namespace epmock::testing_support {

using nlohmann::json;

std::string Reply::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return "";
}

namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string RawExchange(int port, const std::vector<std::string>& writes,
                        const std::function<bool(const std::string&)>& done, int timeout_ms) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  for (const std::string& bytes : writes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the peer may answer and close before reading everything
      sent += static_cast<std::size_t>(n);
    }
  }
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[8192];
  while (!done(answer) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return answer;
}

std::string RawExchange(int port, const std::string& bytes, int timeout_ms) {
  return RawExchange(
      port, std::vector<std::string>{bytes}, [](const std::string&) { return false; }, timeout_ms);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

int ListenLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

std::string UniqueClientId(const std::string& suffix) {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "test";
  return name + "#" + std::to_string(counter++) + suffix;
}

ApiClient::ApiClient(const std::string& url, std::string client_id)
    : url_(url), client_id_(client_id.empty() ? UniqueClientId() : std::move(client_id)), http_(url) {
  http_.set_connection_timeout(5);
  http_.set_tcp_nodelay(true);
  http_.set_read_timeout(10);
  httplib::Params form{
      {"grant_type", "client_credentials"}, {"client_id", client_id_}, {"client_secret", "secret"}};
  auto res = http_.Post("/oauth/access_token", form);
  if (!res || res->status != 200) {
    ADD_FAILURE() << "could not authenticate against " << url;
    return;
  }
  token_ = json::parse(res->body).value("access_token", "");
}

Reply ApiClient::Send(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& content_type, bool authenticate) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (authenticate && !token_.empty()) req.headers.emplace("Authorization", "Bearer " + token_);
  if (!content_type.empty()) req.headers.emplace("Content-Type", content_type);
  for (const auto& [name, value] : extra_headers_) req.headers.emplace(name, value);
  req.body = body;
  Reply reply;
  auto res = http_.send(req);
  if (!res) return reply;
  reply.status = res->status;
  reply.body = res->body;
  reply.headers = res->headers;
  reply.json = res->body.empty() ? json(nullptr) : json::parse(res->body, nullptr, false);
  if (reply.json.is_discarded()) reply.json = nullptr;
  CheckAgainstSpec(method, path.substr(0, path.find('?')), reply);
  return reply;
}

void ApiClient::CheckAgainstSpec(const std::string& method, const std::string& path, const Reply& reply) {
  if (reply.status >= 400) {
    // Every error, on every route, is in the platform's shape.
    EXPECT_EQ(reply.Header("Content-Type"), "application/json") << method << " " << path;
  }
  auto spec = Spec::Default();
  std::optional<std::string> op = spec->OperationFor(method, path);
  if (!op) {
    if (reply.status >= 400) {
      auto violations = spec->ValidateSchema("ErrorResponse", reply.json);
      for (const auto& v : violations)
        ADD_FAILURE() << method << " " << path << ": " << v.source << " " << v.detail;
    }
    return;
  }
  json body = reply.body.empty() ? json(nullptr) : reply.json;
  if (!reply.body.empty() && reply.json.is_null()) {
    ADD_FAILURE() << method << " " << path << " answered a body that is not JSON: " << reply.body;
    return;
  }
  for (const SchemaViolation& v : spec->ValidateResponse(*op, reply.status, body)) {
    ADD_FAILURE() << *op << " " << reply.status << " response breaks its schema at '" << v.source
                  << "': " << v.detail << "\n  body: " << reply.body;
  }
}

Reply ApiClient::Get(const std::string& path) { return Send("GET", path, "", ""); }
Reply ApiClient::Delete(const std::string& path) { return Send("DELETE", path, "", ""); }
Reply ApiClient::Post(const std::string& path, const json& body) {
  return Send("POST", path, body.dump(), "application/json");
}
Reply ApiClient::Put(const std::string& path, const json& body) {
  return Send("PUT", path, body.dump(), "application/json");
}

json WebhookCreateBody(const std::string& name) {
  json body = json::parse(R"({
    "data": {
      "type": "integration",
      "name": "",
      "description": "Send a shipping notification via email with discount code.",
      "enabled": true,
      "observes": ["order.fulfilled"],
      "integration_type": "webhook",
      "configuration": {"url": "https://yourwebsite.com/order-created-notification"}
    }})");
  body["data"]["name"] = name;
  return body;
}

json SqsCreateBody() {
  return json::parse(R"({
    "data": {
      "type": "integration",
      "name": "Cart updated notifications",
      "description": "Send an SQS message when a cart is updated",
      "enabled": true,
      "observes": ["cart.updated"],
      "integration_type": "aws_sqs",
      "configuration": {
        "url": "https://sqs.eu-west-1.amazonaws.com/123456789/epcc-external-queue",
        "aws_access_key_id": "ASIAJLVYNHUWCPKOPSYQ",
        "aws_secret_access_key": "mgJteE7dZgSLC2eo2vKsAUWRSnchrWzCRnoDpUSJ",
        "region": "eu-west-1"
      }
    }})");
}

json StompCreateBody() {
  return json::parse(R"({
    "data": {
      "type": "integration",
      "integration_type": "stomp",
      "name": "Customer address updated",
      "configuration": {
        "addresses": ["stomp://useast.api.elasticpath.com"],
        "destination": "/queue/queue1",
        "username": "user1",
        "password": "supersecretd123"
      },
      "observes": ["address.updated"]
    }})");
}

}  // namespace epmock::testing_support
