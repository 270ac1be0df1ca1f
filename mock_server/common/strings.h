// Small string helpers, written once for every layer: hex, case, splitting, percent-decoding,
// JSON-pointer escaping, case-insensitive comparison.
#ifndef EPMOCK_COMMON_STRINGS_H_
#define EPMOCK_COMMON_STRINGS_H_

#include <map>
#include <string>
#include <vector>

namespace epmock::internal {

// Lower-case hex of the bytes: "\x0f\xa0" -> "0fa0".
std::string HexEncode(const std::string& bytes);
std::string HexEncode(const unsigned char* bytes, std::size_t size);
// 0-15 for a hex digit of either case, -1 for anything else.
int HexDigitValue(char c);

// ASCII lower case (HTTP header names, schemes, media types).
std::string ToLower(std::string text);
bool EqualsIgnoreCase(const std::string& a, const std::string& b);

// "a/b//c" split at '/' -> {"a", "b", "", "c"}; keep_empty false drops the empty parts.
std::vector<std::string> Split(const std::string& text, char separator, bool keep_empty = true);

// Percent-decoding, in the two forms epmock needs, side by side:
// - strict, for form bodies and query strings (application/x-www-form-urlencoded): '+' is a
//   space and a '%' not followed by two hex digits makes the whole input malformed (false),
//   so that the API answers 400 rather than guess;
// - lenient, for SigV4's canonical request: a stray '%' stays as it is and '+' stays '+',
//   because the signer must see exactly what AWS's own signer sees when it re-encodes.
bool PercentDecodeForm(const std::string& in, std::string* out);
std::string PercentDecodeLenient(const std::string& in);
// RFC 3986 encoding, unreserved characters kept; '/' kept when `keep_slash`.
std::string PercentEncode(const std::string& in, bool keep_slash = false);

// Decoded form or query parameters, in order. False on malformed percent-encoding.
using Params = std::multimap<std::string, std::string>;
bool DecodeForm(const std::string& text, Params* out);

// One reference token of a JSON pointer (RFC 6901): '~' -> "~0", '/' -> "~1".
std::string JsonPointerEscape(const std::string& token);

// A host as it goes into a URL: an IPv6 literal in brackets ("[::1]"), anything else as is.
std::string UrlHost(const std::string& host);

// Whether the bytes are well-formed UTF-8 (no overlong forms, surrogates, or code points
// past U+10FFFF): what nlohmann::json can dump.
bool IsValidUtf8(const std::string& text);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_STRINGS_H_
