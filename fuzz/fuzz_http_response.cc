// libFuzzer: the webhook client's answer parser (http/wire_response.h) on bytes a receiver
// could send, split at a fuzzer-chosen size. Fed whole or in pieces, it must come to the same
// end (the same status and kept body, or an error that says why); the kept body never
// passes its bound; a gzip-labelled body decodes to at most the bound asked for.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/wire_response.h"

using epmock::internal::GunzipPrefix;
using epmock::internal::HttpResponseParser;
using epmock::internal::WireResponseLimits;

namespace {

struct End {
  HttpResponseParser::Result result;
  int status = 0;
  std::string body;
};

End Feed(const std::uint8_t* data, std::size_t size, std::size_t step, const WireResponseLimits& limits) {
  HttpResponseParser parser(limits);
  End end{HttpResponseParser::Result::kNeedMore};
  std::string error;
  for (std::size_t at = 0; at < size && end.result == HttpResponseParser::Result::kNeedMore; at += step) {
    end.result = parser.Append(reinterpret_cast<const char*>(data) + at, std::min(step, size - at), &error);
  }
  if (end.result == HttpResponseParser::Result::kNeedMore) end.result = parser.Close(&error);
  if (end.result == HttpResponseParser::Result::kError && error.empty()) std::abort();  // always says why
  if (end.result == HttpResponseParser::Result::kDone) {
    end.status = parser.response().status;
    end.body = parser.response().body;
    if (end.status < 200 || end.status > 999 || end.body.size() > limits.max_kept_body_bytes) std::abort();
  }
  return end;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 32;
  WireResponseLimits limits;
  limits.max_head_bytes = 4096;
  limits.max_kept_body_bytes = 256;
  limits.max_body_bytes = 1 << 20;
  End whole = Feed(data + 1, size - 1, size, limits);
  End split = Feed(data + 1, size - 1, step, limits);
  if (whole.result != split.result || whole.status != split.status || whole.body != split.body) std::abort();
  std::string decoded, error;
  if (GunzipPrefix(whole.body, 512, &decoded, &error) && decoded.size() > 512) std::abort();
  return 0;
}
