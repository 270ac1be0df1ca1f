// Wall-clock helpers in the formats the platform uses.
#ifndef EPMOCK_COMMON_CLOCK_H_
#define EPMOCK_COMMON_CLOCK_H_

#include <cstdint>
#include <string>

namespace epmock::internal {

// Milliseconds since the Unix epoch, now.
std::int64_t NowMillis();

// "2018-04-30T09:35:32.202Z": RFC 3339, UTC, milliseconds.
std::string Rfc3339Millis(std::int64_t epoch_millis);

// Nanoseconds since the Unix epoch, now (as precise as the system clock is).
std::int64_t NowNanos();

// "2017-10-30T18:15:40.087650928Z": RFC 3339, UTC, nanoseconds, as the platform's logs show
// their timestamps.
std::string Rfc3339Nanos(std::int64_t epoch_nanos);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_CLOCK_H_
