// The HTTP-independent face of the API: HttpRequest in, HttpResponse out (http/message.h).
// The edge in server.cc fills the request; everything below it (auth, validation, store,
// journal) is plain C++ that tests, benchmarks and fuzzers drive directly.
#ifndef EPMOCK_API_API_H_
#define EPMOCK_API_API_H_

#include <string>
#include <vector>

#include "common/strings.h"
#include "http/message.h"

namespace epmock::internal {

// "/v2/integrations/abc/logs" -> {"v2", "integrations", "abc", "logs"}.
std::vector<std::string> PathSegments(const std::string& path);

}  // namespace epmock::internal

#endif  // EPMOCK_API_API_H_
