// libFuzzer: the time readers of the clock: RFC 3339 (--clock-start, the clock's `to`) and
// durations (`epmock clock advance 1h30m`). Any input is read or refused, never a crash; a
// time read is printed back (Rfc3339Millis) and read again to the same millisecond, and a
// duration read is within 0 to 100 years and, read as milliseconds, the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/clock.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const std::optional<std::int64_t> d = epmock::internal::ParseDurationMillis(input)) {
    if (*d < 0 || *d > 100LL * 365 * 24 * 3600 * 1000) std::abort();
    if (epmock::internal::ParseDurationMillis(std::to_string(*d)) != d) std::abort();
  }
  const std::optional<std::int64_t> ms = epmock::internal::ParseRfc3339Millis(input);
  if (!ms) return 0;
  if (*ms < 0) std::abort();
  if (epmock::internal::ParseRfc3339Millis(epmock::internal::Rfc3339Millis(*ms)) != ms) std::abort();
  return 0;
}
