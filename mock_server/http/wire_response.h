// HttpResponseParser: reads an HTTP/1.x answer from the bytes a receiver sends, in any
// pieces: the status line, the headers, and the body framed by Content-Length, by chunked
// transfer coding, or by the connection's close (RFC 9112 section 6). Interim 1xx answers are
// skipped. The webhook client (http/wire_client.h) keeps the first bytes of the body for the
// integration log and says whether the connection can carry another request.
//
// Bounded: a head over 64 KiB or 100 headers, a malformed line, a chunk size that is not hex
// or overflows, two Content-Lengths that disagree: an error that says why. The body beyond
// what is kept is counted and dropped; past max_body_bytes the answer ends there and the
// connection is not reused.
//
// Not thread-safe.
#ifndef EPMOCK_HTTP_WIRE_RESPONSE_H_
#define EPMOCK_HTTP_WIRE_RESPONSE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace epmock::internal {

struct WireResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;              // the first bytes of the body (still content-encoded)
  std::uint64_t body_bytes = 0;  // the body's whole length, after de-chunking
  bool keep_alive = false;       // the connection can carry another request

  // The first header of that name, compared without regard to case; "" when absent.
  std::string Header(const std::string& name) const;
};

struct WireResponseLimits {
  std::size_t max_head_bytes = 64 * 1024;
  std::size_t max_headers = 100;
  std::size_t max_kept_body_bytes = 64 * 1024;
  std::uint64_t max_body_bytes = 64ull * 1024 * 1024;
};

class HttpResponseParser {
 public:
  enum class Result { kNeedMore, kDone, kError };

  // `bodiless`: the request was HEAD, so no answer has a body.
  explicit HttpResponseParser(WireResponseLimits limits = {}, bool bodiless = false);

  // Takes the next bytes. kDone once a whole final answer is in (bytes after it are ignored,
  // and the connection is then not reused); kError with *error saying why.
  Result Append(const char* data, std::size_t size, std::string* error);
  // The peer closed the connection: ends a body that runs to the close (kDone), else kError.
  Result Close(std::string* error);

  const WireResponse& response() const { return response_; }
  // True once any byte of an answer has arrived.
  bool started() const { return started_; }

 private:
  enum class State { kHead, kLength, kChunkSize, kChunkData, kChunkEnd, kTrailers, kUntilClose, kDone };
  Result ParseHead(std::string* error);
  bool ChooseFraming(std::string* error);
  void Keep(const char* data, std::size_t size);

  const WireResponseLimits limits_;
  const bool bodiless_;
  State state_ = State::kHead;
  WireResponse response_;
  std::string buffer_;  // the head, a chunk-size line or trailers in progress
  std::uint64_t remaining_ = 0;
  bool started_ = false;
};

// Decodes a gzip stream's first bytes, at most max_out of them, into *out; a stream cut short
// decodes as far as it goes. False, with *error, when the bytes are not gzip.
bool GunzipPrefix(const std::string& in, std::size_t max_out, std::string* out, std::string* error);

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_WIRE_RESPONSE_H_
