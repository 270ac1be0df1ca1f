#include "http/body.h"

#include <cstdlib>

namespace epmock::internal {

BodyRead ReadBodyUpTo(const httplib::Request& request, const httplib::ContentReader& reader,
                      std::size_t limit, std::string* body) {
  // RFC 9112 6.3: a request with neither Content-Length nor Transfer-Encoding has no body
  // (what `curl -X POST URL` sends). httplib would wait for one until the connection ends.
  if (!request.has_header("Content-Length") && !request.has_header("Transfer-Encoding")) {
    body->clear();
    return BodyRead::kOk;
  }
  // A declared length over the limit: httplib's reader discards the body (so that the client
  // can read the answer) and fails without saying why.
  bool too_large = false;
  if (request.has_header("Content-Length")) {
    const std::string declared = request.get_header_value("Content-Length");
    char* end = nullptr;
    const unsigned long long length = std::strtoull(declared.c_str(), &end, 10);
    too_large = end != declared.c_str() && length > limit;
  }
  const bool read = reader([&](const char* data, std::size_t size) {
    if (body->size() + size > limit) {
      too_large = true;
      return false;
    }
    body->append(data, size);
    return true;
  });
  if (too_large) return BodyRead::kTooLarge;
  return read ? BodyRead::kOk : BodyRead::kBroken;
}

}  // namespace epmock::internal
