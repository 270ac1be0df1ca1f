#include "api/auth.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/mutex.h"
#include "common/strings.h"

namespace epmock::internal {

using nlohmann::json;

namespace {

bool IsJson(const std::string& content_type) { return content_type.find("json") != std::string::npos; }

// Form or JSON body -> parameters. False when the body is neither. Form fields are read
// whatever the content type says: the platform's docs post them labelled
// `Content-Type: application/json` (elasticpath-dev
// docs/authentication/Tokens/client-credential-token.mdx), while a genuine JSON object is
// accepted too, so that a client sending one is not broken by a fake.
bool ReadParams(const HttpRequest& request, Params* params) {
  const bool labelled_json = IsJson(request.Header("Content-Type"));
  const std::size_t first = request.body.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && request.body[first] == '{') {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_object()) {
      for (const auto& [key, value] : body.items()) {
        if (value.is_string()) params->emplace(key, value.get<std::string>());
      }
      return true;
    }
    if (labelled_json) return false;  // broken JSON, not a form
  }
  return DecodeForm(request.body, params);
}

std::string Param(const Params& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

}  // namespace

HttpResponse TokenRegistry::Issue(const HttpRequest& request) {
  Params params;
  if (!ReadParams(request, &params)) {
    return ErrorResponse(400, StatusTitle(400),
                         "The body must be form-encoded (application/x-www-form-urlencoded) "
                         "with grant_type and client_id, or a JSON object of them");
  }
  const std::string grant_type = Param(params, "grant_type");
  const std::string client_id = Param(params, "client_id");
  if (grant_type.empty()) {
    return ErrorResponse(400, StatusTitle(400), "grant_type is required", "grant_type");
  }
  if (grant_type != "client_credentials" && grant_type != "implicit") {
    return ErrorResponse(400, StatusTitle(400),
                         "grant_type must be client_credentials or implicit, not '" + grant_type + "'",
                         "grant_type");
  }
  if (client_id.empty()) {
    return ErrorResponse(400, StatusTitle(400), "client_id is required", "client_id");
  }
  // A client id names a store everywhere (lists, the dashboard, JSON): it must read as text.
  if (!IsValidUtf8(client_id) || client_id.find('\0') != std::string::npos) {
    return ErrorResponse(400, StatusTitle(400), "client_id must be UTF-8 text without NUL", "client_id");
  }
  if (grant_type == "client_credentials" && Param(params, "client_secret").empty()) {
    return ErrorResponse(401, StatusTitle(401), "client_secret is required for the client_credentials grant",
                         "client_secret");
  }

  const std::int64_t now_s = now_ms_() / 1000;
  std::string token;
  {
    MutexLock lock(&mu_);
    token =
        ids_.derived()
            ? ids_.Hex(grant_type + '/' + client_id + "/token/" + std::to_string(issued_[client_id]++), 20)
            : RandomHex(20);
    // Expired grants are swept here, on the only path that adds any.
    for (auto it = grants_.begin(); it != grants_.end();) {
      it = it->second.expires_at_s <= now_s ? grants_.erase(it) : std::next(it);
    }
    grants_[token] = Grant{Holder{client_id, grant_type == "implicit"}, now_s + ttl_seconds_};
  }
  HttpResponse response;
  response.body = json{
      {"expires", now_s + ttl_seconds_},
      {"identifier", grant_type},
      {"expires_in", ttl_seconds_},
      {"access_token", token},
      {"token_type",
       "Bearer"}}.dump();
  return response;
}

Credentials ReadAuthorization(const std::string& header) {
  Credentials out;
  if (header.empty()) return out;
  std::string form = "bare";
  std::size_t start = 0;
  constexpr std::size_t kScheme = 6;  // "Bearer"
  const bool bearer = header.size() >= kScheme && EqualsIgnoreCase(header.substr(0, kScheme), "Bearer");
  if (bearer && header.size() > kScheme && header[kScheme] == ':') {
    form = "Bearer:";
    start = kScheme + 1;
  } else if (bearer && (header.size() == kScheme || header[kScheme] == ' ')) {
    form = "Bearer";
    start = kScheme;
    if (header.size() == kScheme) {
      out.refusal = "\"Bearer\" without a token";
      return out;
    }
  }
  while (start < header.size() && header[start] == ' ') ++start;
  const std::string token = header.substr(start);
  if (token.empty()) {
    out.refusal = "\"" + form + "\" without a token";
    return out;
  }
  const std::size_t space = token.find_first_of(" \t");
  if (space != std::string::npos) {
    out.refusal = form == "bare" ? "the scheme \"" + token.substr(0, std::min<std::size_t>(space, 20)) +
                                       "\" is not Bearer"
                                 : "two tokens, or a token with a space in it";
    return out;
  }
  out.form = form;
  out.token = token;
  return out;
}

std::optional<TokenRegistry::Holder> TokenRegistry::HolderOf(const std::string& authorization) const {
  const Credentials credentials = ReadAuthorization(authorization);
  if (credentials.form.empty()) return std::nullopt;
  MutexLock lock(&mu_);
  auto it = grants_.find(credentials.token);
  if (it == grants_.end() || it->second.expires_at_s <= now_ms_() / 1000) return std::nullopt;
  return it->second.holder;
}

std::optional<std::string> TokenRegistry::ClientFor(const std::string& authorization) const {
  std::optional<Holder> holder = HolderOf(authorization);
  if (!holder) return std::nullopt;
  return holder->client_id;
}

void TokenRegistry::Reset() {
  MutexLock lock(&mu_);
  grants_.clear();
}

}  // namespace epmock::internal
