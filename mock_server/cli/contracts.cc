#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/xml.h"
#include "epmock/contract.h"

namespace epmock::cli {

const char kContractsHelp[] =
    "usage: epmock contracts verify --target URL [--token TOKEN] [--junit FILE] DIR...\n"
    "\n"
    "Replays every recorded contract (*.json) under each DIR against the server at URL (a\n"
    "running epmock, or the real API with --token), compares each response with the\n"
    "recording by the rules of contracts/README.md, and validates every body against the\n"
    "schemas. Prints a line per contract and each difference; exits 0 when all hold, 1 when\n"
    "any does not, 2 on bad usage.\n"
    "\n"
    "flags:\n"
    "  --target URL     the server to check\n"
    "  --token TOKEN    use this Bearer token (the real API's store) instead of a fresh\n"
    "                   client_id per contract\n"
    "  --junit FILE     also write a JUnit XML report, for CI\n";

namespace {

bool WriteJunit(const std::string& path, const std::vector<ContractResult>& results) {
  std::size_t failures = 0;
  for (const ContractResult& r : results) failures += !r.passed();
  std::ofstream out(path);
  if (!out) return false;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites tests=\"" << results.size() << "\" failures=\"" << failures << "\">\n"
      << "  <testsuite name=\"epmock contracts\" tests=\"" << results.size() << "\" failures=\"" << failures
      << "\">\n";
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

int Contracts(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kContractsHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "verify") {
    std::fprintf(stderr, "epmock contracts: unknown subcommand '%s'\n\n%s", args[0].c_str(), kContractsHelp);
    return 2;
  }
  ContractOptions options;
  std::string junit;
  std::vector<std::string> dirs;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string* into) {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "epmock contracts verify: %s needs a value\n", arg.c_str());
        return false;
      }
      *into = args[++i];
      return true;
    };
    if (arg == "--target") {
      if (!value(&options.target_url)) return 2;
    } else if (arg == "--token") {
      if (!value(&options.token)) return 2;
    } else if (arg == "--junit") {
      if (!value(&junit)) return 2;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kContractsHelp, stdout);
      return 0;
    } else if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr, "epmock contracts verify: unknown flag '%s'\n\n%s", arg.c_str(), kContractsHelp);
      return 2;
    } else {
      dirs.push_back(arg);
    }
  }
  if (options.target_url.empty() || dirs.empty()) {
    std::fprintf(stderr, "epmock contracts verify: --target and at least one DIR are required\n\n%s",
                 kContractsHelp);
    return 2;
  }
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

}  // namespace epmock::cli
