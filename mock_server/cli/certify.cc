// epmock certify webhook: grades a webhook consumer against everything the platform can send
// it (docs/CERTIFY.md), on a server of its own with a virtual clock.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "epmock/certify.h"

namespace epmock::cli {

namespace {

struct CertifyArgs {
  CertifyOptions options;
  std::string observes;  // comma-separated, as given
  std::string junit, json, html;
  bool allow_inconclusive = false;
};

std::vector<std::string> SplitKeys(const std::string& text) {
  std::vector<std::string> keys;
  std::string key;
  for (char c : text + ",") {
    if (c == ',') {
      if (!key.empty()) keys.push_back(key);
      key.clear();
    } else if (c != ' ') {
      key += c;
    }
  }
  return keys;
}

bool WriteFile(const std::string& path, const std::string& content, const char* flag) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    std::fprintf(stderr, "epmock certify: %s: cannot write '%s'\n", flag, path.c_str());
    return false;
  }
  return true;
}

}  // namespace

void AddCertify(CLI::App& root, int* exit_code) {
  CLI::App* cmd =
      root.add_subcommand("certify", "grade a consumer against everything the platform can send it");
  cmd->require_subcommand(1);
  cmd->footer(
      "Exit 0 when every check passed, 1 when any failed, 3 when none failed but some were\n"
      "inconclusive (0 with --allow-inconclusive), 2 for a usage error. docs/CERTIFY.md lists the checks.");
  auto a = std::make_shared<CertifyArgs>();
  CLI::App* webhook = cmd->add_subcommand("webhook", "certify a webhook consumer at --url");
  webhook->add_option("--url", a->options.url, "the consumer's webhook URL, http(s)")->required();
  webhook->add_option("--secret", a->options.secret, "the secret_key it expects in x-moltin-secret-key")
      ->required();
  webhook
      ->add_option("--observes", a->observes,
                   "the event keys it handles, comma-separated: order.paid,order.fulfilled")
      ->required();
  webhook->add_option(
      "--effects-url", a->options.effects_url,
      "GET URL?event_id=ID answers {\"<id>\": <times acted>}: proves each event was acted on once");
  webhook
      ->add_option("--settle-ms", a->options.settle_ms,
                   "how long effects reads may take to agree (two reads 500 ms apart), 0 to 60000")
      ->capture_default_str();
  webhook->add_option("--timeout-ms", a->options.timeout_ms, "the platform's delivery timeout, 1 to 60000")
      ->capture_default_str();
  webhook->add_option("--burst", a->options.burst, "events sent at once in the concurrent burst, 1 to 200")
      ->capture_default_str();
  webhook->add_option("--seed", a->options.seed, "fixes every resource sent, so a run sends the same again")
      ->capture_default_str();
  webhook->add_option(
      "--client-id", a->options.client_id,
      "the store's client: the same one gives the same store_id every run (default: a new one)");
  webhook->add_option("--store-id", a->options.store_id,
                      "the store_id the consumer expects in every delivery (default: the client's, printed)");
  webhook->add_option("--org-id", a->options.org_id,
                      "the org_id it expects: the store then belongs to an organization of this id");
  webhook->add_option("--junit", a->junit, "also write JUnit XML here");
  webhook->add_option("--json", a->json, "also write the report as JSON here");
  webhook->add_option("--html", a->html, "also write a self-contained HTML report here");
  webhook->add_flag("--allow-inconclusive", a->allow_inconclusive, "exit 0 when no check failed");
  webhook->add_option("--ca-file", a->options.ca_file, "PEM CAs to trust for an https consumer");
  webhook->add_flag("--insecure", a->options.insecure, "do not verify an https consumer's certificate");
  webhook->callback([a, exit_code] {
    a->options.observes = SplitKeys(a->observes);
    if (Status valid = a->options.Check(); !valid.ok()) {
      std::fprintf(stderr, "epmock certify webhook: %s\n", valid.message().c_str());
      *exit_code = 2;
      return;
    }
    StatusOr<CertifyReport> report = CertifyWebhook(a->options);
    if (!report.ok()) {
      std::fprintf(stderr, "epmock certify webhook: %s\n", report.status().message().c_str());
      *exit_code = report.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
      return;
    }
    std::fputs(report->ToText().c_str(), stdout);
    std::fflush(stdout);
    bool written = true;
    if (!a->junit.empty()) written = WriteFile(a->junit, report->ToJunit(), "--junit") && written;
    if (!a->json.empty()) written = WriteFile(a->json, report->ToJson().dump(2) + "\n", "--json") && written;
    if (!a->html.empty()) written = WriteFile(a->html, report->ToHtml(), "--html") && written;
    *exit_code = written ? report->ExitCode(a->allow_inconclusive) : 2;
  });
}

}  // namespace epmock::cli
