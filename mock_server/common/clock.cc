#include "common/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace epmock::internal {

std::int64_t NowMillis() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string Rfc3339Millis(std::int64_t epoch_millis) {
  std::time_t seconds = static_cast<std::time_t>(epoch_millis / 1000);
  int millis = static_cast<int>(epoch_millis % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buf;
}

}  // namespace epmock::internal
