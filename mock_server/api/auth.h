// Access tokens: POST /oauth/access_token hands them out, every /v2 request presents one.
#ifndef EPMOCK_API_AUTH_H_
#define EPMOCK_API_AUTH_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/api.h"
#include "common/ids.h"
#include "common/mutex.h"

namespace epmock::internal {

// How a request's Authorization header carries its token. The platform takes the scheme
// Bearer in any case followed by spaces ("Bearer <token>"), "Bearer:" followed by optional
// spaces (the official Go SDK's client_requests.go and the docs' curl examples, seeds 000
// and 001 among them), and a bare token with no scheme (a Moltin engineer's README).
struct Credentials {
  std::string form;     // "Bearer", "Bearer:" or "bare"; empty when refused or absent
  std::string token;    // when form is set
  std::string refusal;  // why the header is no form the platform takes; empty otherwise
};
Credentials ReadAuthorization(const std::string& header);

class TokenRegistry {
 public:
  // `now_ms`: the time on the server's clock (ms since the epoch), which a token's expires
  // and its expiry follow (docs/CLOCK.md). `ids`: derived ones make a client's n-th token
  // the same on every run.
  TokenRegistry(int ttl_seconds, std::function<std::int64_t()> now_ms, IdSource ids = {})
      : ttl_seconds_(ttl_seconds), now_ms_(std::move(now_ms)), ids_(std::move(ids)) {}

  // Handles POST /oauth/access_token (form-encoded, or JSON).
  HttpResponse Issue(const HttpRequest& request);

  // What a token grants: whose it is, and whether it came from the implicit grant (which
  // the platform lets read no integrations: elasticpath/elasticpath-dev
  // docs/authentication/Tokens/permissions.mdx).
  struct Holder {
    std::string client_id;
    bool implicit = false;
  };

  // The holder of the header's token (ReadAuthorization), if it is known and unexpired.
  std::optional<Holder> HolderOf(const std::string& authorization) const;
  // Its client_id alone.
  std::optional<std::string> ClientFor(const std::string& authorization) const;

  void Reset();

 private:
  struct Grant {
    Holder holder;
    std::int64_t expires_at_s;
  };
  const int ttl_seconds_;
  const std::function<std::int64_t()> now_ms_;
  const IdSource ids_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Grant> grants_ EPMOCK_GUARDED_BY(mu_);
  // Tokens issued to each client, with derived ids only (kept across Reset: never one twice).
  std::unordered_map<std::string, std::uint64_t> issued_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_AUTH_H_
