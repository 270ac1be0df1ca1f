// libFuzzer: the STOMP frame parser on bytes split at fuzzer-chosen points. Every frame it
// accepts must survive a round trip: serialized and parsed again, the same frame.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "codec/stomp_frame.h"

using epmock::internal::StompFrame;
using epmock::internal::StompParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte sets the write size: frames split across many writes must parse alike.
  const std::size_t step = 1 + data[0] % 64;
  StompParser parser(64 * 1024);
  for (std::size_t at = 1; at < size; at += step) {
    parser.Append(reinterpret_cast<const char*>(data) + at, std::min(step, size - at));
    for (;;) {
      StompFrame frame;
      std::string error;
      StompParser::Result result = parser.Next(&frame, &error);
      if (result == StompParser::Result::kError) {
        if (error.empty()) std::abort();  // an error always says why
        return 0;
      }
      if (result == StompParser::Result::kNeedMore) break;
      const std::string bytes = epmock::internal::SerializeFrame(frame);
      StompParser again(bytes.size() + 1024);
      again.Append(bytes.data(), bytes.size());
      StompFrame copy;
      if (again.Next(&copy, &error) != StompParser::Result::kFrame || copy.command != frame.command ||
          copy.headers != frame.headers || copy.body != frame.body) {
        std::abort();
      }
    }
  }
  return 0;
}
