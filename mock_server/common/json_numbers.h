// Whole numbers read from JSON for a check that comes later, in the typed value's own words.
#ifndef EPMOCK_COMMON_JSON_NUMBERS_H_
#define EPMOCK_COMMON_JSON_NUMBERS_H_

#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

namespace epmock::internal {

// A JSON integer as an int, saturated at INT_MIN/INT_MAX: a decoder keeps the type check and
// leaves the range to the value's check, which refuses a saturated number as it refuses any
// other out of range. (nlohmann's get<int>() of 2^40 wraps instead.)
inline int SaturatedInt(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const std::uint64_t n = value.get<std::uint64_t>();
    return n > static_cast<std::uint64_t>(std::numeric_limits<int>::max()) ? std::numeric_limits<int>::max()
                                                                           : static_cast<int>(n);
  }
  const std::int64_t n = value.get<std::int64_t>();
  if (n > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  if (n < std::numeric_limits<int>::min()) return std::numeric_limits<int>::min();
  return static_cast<int>(n);
}

// The same as a long long, for sizes and counts (saturated at LLONG_MAX).
inline long long SaturatedLong(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const std::uint64_t n = value.get<std::uint64_t>();
    return n > static_cast<std::uint64_t>(std::numeric_limits<long long>::max())
               ? std::numeric_limits<long long>::max()
               : static_cast<long long>(n);
  }
  return value.get<long long>();
}

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_JSON_NUMBERS_H_
