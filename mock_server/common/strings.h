// Small string helpers, written once for every layer.
#ifndef EPMOCK_COMMON_STRINGS_H_
#define EPMOCK_COMMON_STRINGS_H_

#include <string>

namespace epmock::internal {

// A host as it goes into a URL: an IPv6 literal in brackets ("[::1]"), anything else as is.
std::string UrlHost(const std::string& host);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_STRINGS_H_
