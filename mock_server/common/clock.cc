#include "common/clock.h"

#include <algorithm>
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

std::int64_t NowNanos() {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  using std::chrono::system_clock;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

// RFC 3339 in UTC with `digits` digits of the second's `fraction`.
std::string Rfc3339(std::int64_t seconds_since_epoch, long fraction, int digits) {
  std::time_t seconds = static_cast<std::time_t>(seconds_since_epoch);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%0*ldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, digits, fraction);
  return buf;
}

}  // namespace

std::string Rfc3339Millis(std::int64_t epoch_millis) {
  return Rfc3339(epoch_millis / 1000, static_cast<long>(epoch_millis % 1000), 3);
}

std::string Rfc3339Nanos(std::int64_t epoch_nanos) {
  return Rfc3339(epoch_nanos / 1000000000, static_cast<long>(epoch_nanos % 1000000000), 9);
}

std::int64_t Clock::EpochNanos() const { return NowNanos(); }

namespace {

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (years of 400 years,
// each starting in March so that a leap day ends its year).
std::int64_t DaysFromCivil(int year, int month, int day) {
  year -= month <= 2;
  const int era = year / 400;  // years from 1970 on: never negative
  const int year_of_era = year - era * 400;
  const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return static_cast<std::int64_t>(era) * 146097 + day_of_era - 719468;
}

// `count` digits at `at` as a number, or -1.
int Digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int n = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    n = n * 10 + (text[i] - '0');
  }
  return n;
}

}  // namespace

std::optional<std::int64_t> ParseDurationMillis(std::string_view text) {
  constexpr std::int64_t kMaxMs = 100LL * 365 * 24 * 3600 * 1000;  // 100 years
  if (text.empty() || text.size() > 32) return std::nullopt;
  const bool bare = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  std::int64_t total = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t digits = 0;
    std::int64_t number = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (++digits > 13) return std::nullopt;
      number = number * 10 + (text[at++] - '0');
    }
    if (digits == 0) return std::nullopt;
    std::int64_t unit = 1;  // a bare number: milliseconds
    if (!bare) {
      const std::string_view rest = text.substr(at);
      if (rest.rfind("ms", 0) == 0) {
        at += 2;
      } else if (rest.empty()) {
        return std::nullopt;  // "1h30": a number without its unit
      } else {
        switch (rest[0]) {
          case 'd':
            unit = 86400000;
            break;
          case 'h':
            unit = 3600000;
            break;
          case 'm':
            unit = 60000;
            break;
          case 's':
            unit = 1000;
            break;
          default:
            return std::nullopt;
        }
        ++at;
      }
    }
    if (number > kMaxMs / unit) return std::nullopt;
    total += number * unit;
    if (total > kMaxMs) return std::nullopt;
  }
  return total;
}

std::optional<std::int64_t> ParseRfc3339Millis(std::string_view text) {
  // 2030-01-01T00:00:00[.fraction](Z|+hh:mm|-hh:mm)
  if (text.size() < 20 || text.size() > 35) return std::nullopt;
  const int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1] + (month == 2 && leap)) return std::nullopt;
  std::size_t at = 19;
  int millis = 0;
  if (at < text.size() && text[at] == '.') {
    std::size_t digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
      if (digits < 3) millis = millis * 10 + (text[at] - '0');
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  int offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int hours = Digits(text, at + 1, 2), minutes = Digits(text, at + 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || at + 3 >= text.size() ||
        text[at + 3] != ':')
      return std::nullopt;
    offset_minutes = (text[at] == '+' ? 1 : -1) * (hours * 60 + minutes);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const std::int64_t seconds =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  // Before the epoch, or past year 9999 in UTC, by its offset.
  if (seconds < 0 || seconds > 253402300799) return std::nullopt;
  return seconds * 1000 + millis;
}

namespace {

class Steady final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(Mutex* mu, CondVar* wake, TimePoint due) EPMOCK_REQUIRES(mu) override {
    wake->WaitUntil(mu, due);
  }
  void WaitUntilOr(Mutex* mu, CondVar* wake, TimePoint due, std::chrono::steady_clock::time_point deadline)
      EPMOCK_REQUIRES(mu) override {
    wake->WaitUntil(mu, std::min(due, deadline));
  }
};

}  // namespace

Clock& SteadyClock() {
  static Steady clock;
  return clock;
}

}  // namespace epmock::internal
