// libFuzzer: the RFC 3339 reader behind --clock-start and the clock's `to`. Any input is read
// or refused, never a crash; a time it reads is printed back (Rfc3339Millis) and read again
// to the same millisecond.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/clock.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::optional<std::int64_t> ms = epmock::internal::ParseRfc3339Millis(input);
  if (!ms) return 0;
  if (*ms < 0) std::abort();
  if (epmock::internal::ParseRfc3339Millis(epmock::internal::Rfc3339Millis(*ms)) != ms) std::abort();
  return 0;
}
