// ApiClient: an HTTP client for tests that checks every response it receives against the
// corrected OpenAPI response schema of the operation (ADD_FAILURE on a mismatch), so that
// every test of the API is also a test of the response shapes.
//
//   epmock::Server server;
//   ASSERT_TRUE(server.Start().ok());
//   epmock::testing_support::ApiClient api(server.Url());  // authenticates a fresh store
//   Reply r = api.Post("/v2/integrations", body);
//   EXPECT_EQ(r.status, 201);
#ifndef EPMOCK_TESTS_SUPPORT_API_CLIENT_H_
#define EPMOCK_TESTS_SUPPORT_API_CLIENT_H_

#include <httplib.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmock::testing_support {

struct Reply {
  int status = 0;  // 0: no answer at all
  std::string body;
  nlohmann::json json;  // parsed body; null when the body is empty or not JSON
  httplib::Headers headers;
  std::string Header(const std::string& name) const;
};

class ApiClient {
 public:
  // Authenticates with client_credentials as `client_id`; an empty one is made unique to the
  // running test, so each test gets its own store.
  explicit ApiClient(const std::string& url, std::string client_id = "");

  Reply Get(const std::string& path);
  Reply Delete(const std::string& path);
  Reply Post(const std::string& path, const nlohmann::json& body);
  Reply Put(const std::string& path, const nlohmann::json& body);
  // Any request, body sent as given; "" content type sends none.
  Reply Send(const std::string& method, const std::string& path, const std::string& body,
             const std::string& content_type, bool authenticate = true);

  const std::string& token() const { return token_; }
  const std::string& client_id() const { return client_id_; }
  void set_token(std::string token) { token_ = std::move(token); }
  // Sent with every request from now on ("" removes it): X-Moltin-Auth-Store, for instance.
  void set_header(const std::string& name, const std::string& value) {
    if (value.empty()) {
      extra_headers_.erase(name);
    } else {
      extra_headers_[name] = value;
    }
  }

 private:
  void CheckAgainstSpec(const std::string& method, const std::string& path, const Reply& reply);

  std::string url_;
  std::string client_id_;
  std::string token_;
  std::map<std::string, std::string> extra_headers_;
  httplib::Client http_;
};

// A create body for each integration type, as the docs' examples have them.
nlohmann::json WebhookCreateBody(const std::string& name = "Order shipping notification");
nlohmann::json SqsCreateBody();
nlohmann::json StompCreateBody();

// Sends raw bytes to 127.0.0.1:port and returns everything read until the peer closes or
// `timeout_ms` passes: for requests no well-behaved client would send.
std::string RawExchange(int port, const std::string& bytes, int timeout_ms = 5000);
// The same with each of `writes` sent by a write of its own, reading until `done` holds for
// what arrived (or the peer closes, or the timeout passes).
std::string RawExchange(int port, const std::vector<std::string>& writes,
                        const std::function<bool(const std::string&)>& done, int timeout_ms = 10000);
// A socket connected to 127.0.0.1:port; -1 on failure.
int ConnectLoopback(int port);

// A loopback port that was free a moment ago, bound and released without listening, so
// that connecting to it is refused.
int FreePort();

// A socket listening on 127.0.0.1 at a free port (written to *port): for test servers that
// speak something other than HTTP. -1 on failure.
int ListenLoopback(int* port);

// A client_id unique to the running test.
std::string UniqueClientId(const std::string& suffix = "");

}  // namespace epmock::testing_support

#endif  // EPMOCK_TESTS_SUPPORT_API_CLIENT_H_
