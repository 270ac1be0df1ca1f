// Request bodies read with a limit that holds for chunked bodies too. httplib 0.11 checks
// its payload limit against Content-Length only: a chunked body is read whole, however
// large, so a client could exhaust memory. Routes with bodies read them through this.
#ifndef EPMOCK_HTTP_BODY_H_
#define EPMOCK_HTTP_BODY_H_

#include <cstddef>
#include <string>

#include <httplib.h>

namespace epmock::internal {

enum class BodyRead { kOk, kTooLarge, kBroken };

// Reads the body into *body, stopping as soon as it passes `limit` bytes. After kTooLarge or
// kBroken the connection cannot be reused: answer with Connection: close.
BodyRead ReadBodyUpTo(const httplib::Request& request, const httplib::ContentReader& reader,
                      std::size_t limit, std::string* body);

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_BODY_H_
