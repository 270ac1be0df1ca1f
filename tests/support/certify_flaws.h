// What the certify tests' flawed consumers share (certify_test.cc, certify_sqs_test.cc,
// certify_stomp_test.cc): the two flaws every kind of consumer can have about a resource, and
// the names of a report's checks with one verdict.
#ifndef EPMOCK_TESTS_SUPPORT_CERTIFY_FLAWS_H_
#define EPMOCK_TESTS_SUPPORT_CERTIFY_FLAWS_H_

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/certify.h"

namespace epmock::testing_support {

// A string longer than a short-strings-only consumer takes (the edge-cases profile sends one).
inline bool HasLongString(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>().size() > 1900;
  for (const nlohmann::json& item : value) {
    if ((item.is_structured() || item.is_string()) && HasLongString(item)) return true;
  }
  return false;
}

// An order status beyond today's (the forward-compatible profile sends one).
inline bool HasUnknownStatus(const nlohmann::json& data) {
  static const std::set<std::string> known = {"incomplete", "complete", "processing", "cancelled"};
  return data.is_object() && data.contains("status") &&
         (!data["status"].is_string() || !known.count(data["status"].get<std::string>()));
}

// The report's checks with this verdict, by name, in order.
inline std::vector<std::string> ChecksWith(const CertifyReport& report, CheckVerdict verdict) {
  std::vector<std::string> out;
  for (const CertifyCheck& c : report.checks) {
    if (c.verdict == verdict) out.push_back(c.name);
  }
  return out;
}

// A row of a flaw table: a consumer with `flaws`, and every check it must fail, in order.
template <typename Flaws>
struct FlawCase {
  const char* name;
  Flaws flaws;
  std::vector<std::string> fails;
};

template <typename Flaws>
void PrintTo(const FlawCase<Flaws>& c, std::ostream* os) {
  *os << c.name;
}

// A consumer with one flaw: WithFlaw(&WorkerFlaws::strict_enums).
template <typename Flaws>
Flaws WithFlaw(bool Flaws::*flaw) {
  Flaws f;
  f.*flaw = true;
  return f;
}

}  // namespace epmock::testing_support

#endif  // EPMOCK_TESTS_SUPPORT_CERTIFY_FLAWS_H_
