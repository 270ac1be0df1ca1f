#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/xml.h"
#include "epmock/contract.h"
#include "epmock/version.h"

namespace epmock::cli {

namespace {

bool WriteJunit(const std::string& path, const std::vector<ContractResult>& results) {
  std::size_t failures = 0;
  for (const ContractResult& r : results) failures += !r.passed();
  std::ofstream out(path);
  if (!out) return false;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites tests=\"" << results.size() << "\" failures=\"" << failures << "\">\n"
      << "  <testsuite name=\"epmock contracts\" tests=\"" << results.size() << "\" failures=\"" << failures
      << "\">\n"
      // Which epmock and which schema revision checked them, for whoever reads the report.
      << "    <properties>\n"
      << "      <property name=\"epmock.version\" value=\"" << Version() << "\"/>\n"
      << "      <property name=\"epmock.schema_revision\" value=\"" << internal::XmlEscape(SchemaRevision())
      << "\"/>\n"
      << "    </properties>\n";
  for (const ContractResult& r : results) {
    out << "    <testcase classname=\"contracts\" name=\"" << internal::XmlEscape(r.file) << "\">";
    if (!r.passed()) {
      std::string detail;
      for (const std::string& m : r.mismatches) detail += m + "\n";
      out << "\n      <failure message=\"" << internal::XmlEscape(r.mismatches.front()) << "\">"
          << internal::XmlEscape(detail) << "</failure>\n    ";
    }
    out << "</testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return static_cast<bool>(out);
}

}  // namespace

namespace {

struct VerifyArgs {
  ContractOptions options;
  std::string junit;
  std::vector<std::string> dirs;
};

int RunVerify(const VerifyArgs& args);

}  // namespace

void AddContracts(CLI::App& root, int* exit_code) {
  CLI::App* cmd =
      root.add_subcommand("contracts", "verify recorded contracts against a server (epmock or the real API)");
  cmd->require_subcommand(1);
  CLI::App* verify = cmd->add_subcommand("verify", "replay contracts against a server");
  verify->footer(
      "Replays every recorded contract (*.json) under each DIR against the server at URL (a\n"
      "running epmock, or the real API with --token), compares each response with the\n"
      "recording by the rules of contracts/README.md, and validates every body against the\n"
      "schemas. Prints a line per contract and each difference; exits 0 when all hold, 1 when\n"
      "any does not, 2 on bad usage.");
  auto a = std::make_shared<VerifyArgs>();
  verify->add_option("DIR", a->dirs, "directories of contracts")->required()->check(CLI::ExistingDirectory);
  verify->add_option("--target", a->options.target_url, "the server to check")->required();
  verify->add_option(
      "--token", a->options.token,
      "use this Bearer token (the real API's store) instead of a fresh client_id per contract");
  verify->add_option("--junit", a->junit, "also write a JUnit XML report, for CI");
  verify->callback([a, exit_code] { *exit_code = RunVerify(*a); });
}

namespace {

int RunVerify(const VerifyArgs& args) {
  const ContractOptions& options = args.options;
  const std::string& junit = args.junit;
  const std::vector<std::string>& dirs = args.dirs;
  ContractVerifier verifier(options);
  std::vector<ContractResult> results;
  for (const std::string& dir : dirs) {
    for (ContractResult& r : verifier.VerifyDirectory(dir)) results.push_back(std::move(r));
  }
  std::size_t failed = 0;
  for (const ContractResult& r : results) {
    failed += !r.passed();
    std::printf("%s  %s\n", r.passed() ? "PASS" : "FAIL", r.file.c_str());
    for (const std::string& m : r.mismatches) std::printf("      %s\n", m.c_str());
  }
  std::printf("contracts: %zu passed, %zu failed\n", results.size() - failed, failed);
  if (!junit.empty() && !WriteJunit(junit, results)) {
    std::fprintf(stderr, "epmock contracts verify: cannot write %s\n", junit.c_str());
    return 2;
  }
  if (results.empty()) {
    std::fprintf(stderr, "epmock contracts verify: no contracts (*.json) under the given directories\n");
    return 1;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

}  // namespace epmock::cli
