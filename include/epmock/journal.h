// RequestRecord: one entry of the request journal, every API request the server answered.
//
//   for (const epmock::RequestRecord& r : server.Requests())
//     std::cout << r.method << " " << r.path << " -> " << r.status << "\n";
#ifndef EPMOCK_JOURNAL_H_
#define EPMOCK_JOURNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmock {

// A record keeps at most this many lines of validation_errors and of errors (the last says
// how many more there were), so that one hostile body cannot make a record megabytes long.
inline constexpr std::size_t kMaxJournalLines = 20;

struct RequestRecord {
  // What validation said about the request body.
  enum class Validation {
    kNotApplicable,  // no body to validate (GET, DELETE, rejected before validation)
    kPassed,
    kFailed,
  };

  std::uint64_t sequence = 0;  // 1, 2, ... in arrival order, per server
  std::string received_at;     // RFC 3339 with milliseconds
  std::string method;
  std::string path;
  std::string query;  // raw query string, without '?'
  // The id its answer carried in X-Moltin-Request-Id (and, for a 500, in its body).
  std::string request_id;
  int status = 0;
  std::string store_id;  // empty when the request carried no valid token
  // How the Authorization header carried its token: "Bearer", "Bearer:" or "bare"; or
  // "refused: <why>" for a form the platform does not take; empty without the header.
  std::string authorization;
  std::string operation_id;  // OpenAPI operationId, empty when no operation matched
  Validation validation = Validation::kNotApplicable;
  // "source: detail [rule R, value V]" per violation: the JSON pointer, the failed schema
  // rule and the value, which the platform-shaped 422 does not carry.
  std::vector<std::string> validation_errors;
  // Why the answer was an error, beyond validation: "source: detail" for each error whose
  // source the platform-shaped answer left out, and the reason behind a bare 401 or 403.
  std::vector<std::string> errors;
  // What the request did that it may not have meant to, though it was answered as asked: a
  // PUT that stores the masked form of a secret as the secret, for one.
  std::vector<std::string> warnings;
  // "dashboard" for a request epmock's own dashboard made (it says so in X-Epmock-Origin),
  // "client" for any other.
  std::string origin = "client";
  double duration_ms = 0;                  // on a virtual clock, the clock's time (docs/CLOCK.md)
  std::optional<double> real_duration_ms;  // on a virtual clock: the real time it took
};

// The record as the admin API shows it.
nlohmann::json ToJson(const RequestRecord& record);

}  // namespace epmock

#endif  // EPMOCK_JOURNAL_H_
