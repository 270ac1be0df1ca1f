// Contract checks: recorded interactions (contracts/*.json) replayed against a server, each
// response compared with the recording by rules and validated against the schemas.
//
//   epmock::ContractVerifier verifier({server.Url()});
//   for (const epmock::ContractResult& r : verifier.VerifyDirectory("contracts/api"))
//     EXPECT_TRUE(r.passed()) << r.Report();
//
// The file format and the matching rules are documented in contracts/README.md.
//
// Thread-safety: a ContractVerifier is used from one thread at a time.
#ifndef EPMOCK_CONTRACT_H_
#define EPMOCK_CONTRACT_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmock {

struct ContractResult {
  std::string file;
  std::string description;
  int interactions = 0;
  // One line per difference: "interaction 2: /data/name: expected "x", got "y"".
  std::vector<std::string> mismatches;

  bool passed() const { return mismatches.empty(); }
  // A readable account for a failure message.
  std::string Report() const;
};

struct ContractOptions {
  // The server to check: epmock, or the real API.
  std::string target_url;
  // With a token, requests use it as is (the real API's store); without one, each contract
  // authenticates as a fresh client_id, so it runs on an empty store.
  std::string token;
  // How long a delivery contract waits for its delivery to arrive.
  std::chrono::milliseconds delivery_timeout{10000};
};

class ContractVerifier {
 public:
  explicit ContractVerifier(ContractOptions options);

  // A malformed contract (wrong types anywhere) is a result with a mismatch saying so.
  ContractResult VerifyFile(const std::string& path) const;
  ContractResult Verify(const nlohmann::json& contract, const std::string& name) const;
  // Every *.json file below `dir`, in name order.
  std::vector<ContractResult> VerifyDirectory(const std::string& dir) const;

 private:
  ContractResult VerifyUnguarded(const nlohmann::json& contract, const std::string& name) const;
  ContractOptions options_;
};

// Compares `actual` with `expected` under the contract rules: placeholders such as
// "{{uuid}}" or "{{uuid:id}}" (which captures the value as ${id}), ${var} substitution,
// exact key sets for objects. Appends one line per difference to `mismatches`.
void MatchContractValue(const nlohmann::json& expected, const nlohmann::json& actual,
                        const std::string& pointer, std::map<std::string, std::string>& variables,
                        std::vector<std::string>* mismatches);

}  // namespace epmock

#endif  // EPMOCK_CONTRACT_H_
