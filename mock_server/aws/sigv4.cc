#include "aws/sigv4.h"
#include "common/strings.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

namespace epmock::internal {
namespace {

std::string Hex(const unsigned char* data, unsigned int size) { return HexEncode(data, size); }

std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<char*>(out), size);
}

std::string Lower(std::string s) { return ToLower(std::move(s)); }

// Trims and collapses runs of spaces, as the canonical headers want.
std::string CanonicalValue(const std::string& value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// SigV4 decodes leniently (common/strings.h says why the form decoder is strict).
std::string PercentDecode(const std::string& in) { return PercentDecodeLenient(in); }

std::string CanonicalQuery(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1));
      params.emplace_back(PercentEncode(key, false), PercentEncode(value, false));
    }
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += key + "=" + value;
  }
  return out;
}

std::string CanonicalUri(const std::string& path) {
  if (path.empty()) return "/";
  return PercentEncode(PercentDecode(path), /*keep_slash=*/true);
}

}  // namespace

std::string Sha256Hex(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr);
  return Hex(out, size);
}

std::string AmzDate(long long epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

std::string CanonicalRequest(const SigV4Request& request, const std::vector<std::string>& signed_headers) {
  std::map<std::string, std::string> values;
  for (const auto& [name, value] : request.headers) {
    std::string key = Lower(name);
    std::string& slot = values[key];
    slot += (slot.empty() ? "" : ",") + CanonicalValue(value);
  }
  std::string headers, names;
  for (const std::string& name : signed_headers) {
    headers += name + ":" + values[name] + "\n";
    names += (names.empty() ? "" : ";") + name;
  }
  return request.method + "\n" + CanonicalUri(request.path) + "\n" + CanonicalQuery(request.query) + "\n" +
         headers + "\n" + names + "\n" + Sha256Hex(request.payload);
}

std::string StringToSign(const std::string& amz_date, const SigV4Scope& scope,
                         const std::string& canonical_request) {
  return "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope.date + "/" + scope.region + "/" + scope.service +
         "/aws4_request\n" + Sha256Hex(canonical_request);
}

std::string Signature(const SigV4Request& request, const std::vector<std::string>& signed_headers,
                      const std::string& amz_date, const SigV4Scope& scope, const std::string& secret) {
  std::string key = Hmac("AWS4" + secret, scope.date);
  key = Hmac(key, scope.region);
  key = Hmac(key, scope.service);
  key = Hmac(key, "aws4_request");
  const std::string mac = Hmac(key, StringToSign(amz_date, scope, CanonicalRequest(request, signed_headers)));
  return Hex(reinterpret_cast<const unsigned char*>(mac.data()), static_cast<unsigned int>(mac.size()));
}

void SignRequest(SigV4Request* request, const SigV4Scope& scope, const std::string& secret,
                 const std::string& amz_date) {
  request->headers.emplace_back("X-Amz-Date", amz_date);
  std::vector<std::string> names;
  for (const auto& [name, value] : request->headers) names.push_back(Lower(name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : ";") + n;
  const std::string signature = Signature(*request, names, amz_date, scope, secret);
  request->headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + scope.access_key_id + "/" +
                                                     scope.date + "/" + scope.region + "/" + scope.service +
                                                     "/aws4_request, SignedHeaders=" + joined +
                                                     ", Signature=" + signature);
}

std::optional<ParsedAuthorization> ParseAuthorization(const std::string& header) {
  const std::string prefix = "AWS4-HMAC-SHA256 ";
  if (header.rfind(prefix, 0) != 0) return std::nullopt;
  ParsedAuthorization auth;
  std::string rest = header.substr(prefix.size());
  std::size_t start = 0;
  while (start < rest.size()) {
    std::size_t comma = rest.find(',', start);
    if (comma == std::string::npos) comma = rest.size();
    std::string part = CanonicalValue(rest.substr(start, comma - start));
    std::size_t eq = part.find('=');
    if (eq != std::string::npos) {
      std::string key = part.substr(0, eq), value = part.substr(eq + 1);
      if (key == "Credential") {
        std::vector<std::string> bits;
        std::size_t s = 0;
        while (s <= value.size()) {
          std::size_t slash = value.find('/', s);
          if (slash == std::string::npos) slash = value.size();
          bits.push_back(value.substr(s, slash - s));
          s = slash + 1;
        }
        if (bits.size() != 5 || bits[4] != "aws4_request") return std::nullopt;
        auth.scope = {bits[0], bits[1], bits[2], bits[3]};
      } else if (key == "SignedHeaders") {
        std::size_t s = 0;
        while (s <= value.size()) {
          std::size_t semi = value.find(';', s);
          if (semi == std::string::npos) semi = value.size();
          auth.signed_headers.push_back(value.substr(s, semi - s));
          s = semi + 1;
        }
      } else if (key == "Signature") {
        auth.signature = value;
      }
    }
    start = comma + 1;
  }
  if (auth.scope.access_key_id.empty() || auth.signed_headers.empty() || auth.signature.size() != 64) {
    return std::nullopt;
  }
  return auth;
}

std::string VerifySignature(const SigV4Request& request, const ParsedAuthorization& auth,
                            const std::string& secret) {
  std::string amz_date;
  for (const auto& [name, value] : request.headers) {
    if (Lower(name) == "x-amz-date") amz_date = value;
  }
  if (amz_date.size() != 16 || amz_date.compare(0, 8, auth.scope.date) != 0) {
    return "X-Amz-Date is missing or does not match the credential scope's date";
  }
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "host") ==
      auth.signed_headers.end()) {
    return "The host header must be signed";
  }
  const std::string expected = Signature(request, auth.signed_headers, amz_date, auth.scope, secret);
  if (expected != auth.signature) {
    return "The request signature we calculated does not match the signature you provided. Check your "
           "AWS Secret Access Key and signing method.";
  }
  return "";
}

}  // namespace epmock::internal
