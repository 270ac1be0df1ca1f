// Access tokens: POST /oauth/access_token hands them out, every /v2 request presents one.
#ifndef EPMOCK_API_AUTH_H_
#define EPMOCK_API_AUTH_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/api.h"

namespace epmock::internal {

class TokenRegistry {
 public:
  explicit TokenRegistry(int ttl_seconds) : ttl_seconds_(ttl_seconds) {}

  // Handles POST /oauth/access_token (form-encoded, or JSON).
  HttpResponse Issue(const HttpRequest& request);

  // The client_id behind "Bearer TOKEN", if the token is known and unexpired.
  std::optional<std::string> ClientFor(const std::string& authorization) const;

  void Reset();

 private:
  struct Grant {
    std::string client_id;
    std::int64_t expires_at_s;
  };
  const int ttl_seconds_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Grant> grants_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_AUTH_H_
