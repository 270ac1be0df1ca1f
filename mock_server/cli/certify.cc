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

// What every kind of consumer's subcommand takes besides its own options.
struct ReportArgs {
  std::string observes;  // comma-separated, as given
  std::string junit, json, html;
  bool allow_inconclusive = false;
};

struct CertifyArgs : ReportArgs {
  CertifyOptions options;
};

struct CertifySqsArgs : ReportArgs {
  CertifySqsOptions options;
};

struct CertifyStompArgs : ReportArgs {
  CertifyStompOptions options;
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

void AddReportOptions(CLI::App* cmd, ReportArgs* a) {
  cmd->add_option("--junit", a->junit, "also write JUnit XML here");
  cmd->add_option("--json", a->json, "also write the report as JSON here");
  cmd->add_option("--html", a->html, "also write a self-contained HTML report here");
  cmd->add_flag("--allow-inconclusive", a->allow_inconclusive, "exit 0 when no check failed");
}

// Prints the report, writes the files asked for, and says the exit code.
int Finish(const char* command, const StatusOr<CertifyReport>& report, const ReportArgs& a) {
  if (!report.ok()) {
    std::fprintf(stderr, "epmock certify %s: %s\n", command, report.status().message().c_str());
    return report.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::fputs(report->ToText().c_str(), stdout);
  std::fflush(stdout);
  bool written = true;
  if (!a.junit.empty()) written = WriteFile(a.junit, report->ToJunit(), "--junit") && written;
  if (!a.json.empty()) written = WriteFile(a.json, report->ToJson().dump(2) + "\n", "--json") && written;
  if (!a.html.empty()) written = WriteFile(a.html, report->ToHtml(), "--html") && written;
  return written ? report->ExitCode(a.allow_inconclusive) : 2;
}

}  // namespace

// The options an SQS worker's and a STOMP consumer's certification share.
template <typename Args>
void AddQueueOptions(CLI::App* cmd, Args* a, const char* first_call, const char* settled, const char* env) {
  cmd->add_option("--observes", a->observes, "the event keys it handles, comma-separated")->required();
  cmd->add_option("--run", a->options.run, std::string("start it with this command (sh -c), ") + env);
  cmd->add_option("--connect-timeout-ms", a->options.connect_timeout_ms,
                  std::string("how long to wait for ") + first_call + ", 1 to 600000")
      ->capture_default_str();
  cmd->add_option("--message-timeout-ms", a->options.message_timeout_ms,
                  std::string("how long a message may wait to be ") + settled + ", 1 to 600000")
      ->capture_default_str();
  cmd->add_option("--burst", a->options.burst, "messages sent at once in the burst, 1 to 200")
      ->capture_default_str();
  cmd->add_option("--seed", a->options.seed, "fixes every resource sent, so a run sends the same again")
      ->capture_default_str();
  cmd->add_option("--client-id", a->options.client_id, "the store's client (default: a new one)");
  cmd->add_option("--store-id", a->options.store_id, "the storeid it expects in every message");
  cmd->add_option("--org-id", a->options.org_id, "the store then belongs to an organization of this id");
  AddReportOptions(cmd, a);
}

template <typename Args, typename Options>
void RunQueue(const char* kind, Args* a, StatusOr<CertifyReport> (*certify)(const Options&), int* exit_code) {
  a->options.observes = SplitKeys(a->observes);
  if (Status valid = a->options.Check(); !valid.ok()) {
    std::fprintf(stderr, "epmock certify %s: %s\n", kind, valid.message().c_str());
    *exit_code = 2;
    return;
  }
  StatusOr<CertifyReport> report = certify(a->options);
  if (!report.ok() && report.status().code() == StatusCode::kUnavailable) {
    // Most often the port of an epmock serve that runs already.
    report = Status(report.status().code(),
                    report.status().message() + " (is it in use, by epmock serve perhaps? --" + kind +
                        "-port 0 picks a free one, which --run passes to the consumer)");
  }
  *exit_code = Finish(kind, report, *a);
}

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
  AddReportOptions(webhook, a.get());
  webhook->add_option("--ca-file", a->options.ca_file, "PEM CAs to trust for an https consumer");
  webhook->add_flag("--insecure", a->options.insecure, "do not verify an https consumer's certificate");
  webhook->callback([a, exit_code] {
    a->options.observes = SplitKeys(a->observes);
    if (Status valid = a->options.Check(); !valid.ok()) {
      std::fprintf(stderr, "epmock certify webhook: %s\n", valid.message().c_str());
      *exit_code = 2;
      return;
    }
    *exit_code = Finish("webhook", CertifyWebhook(a->options), *a);
  });

  auto q = std::make_shared<CertifySqsArgs>();
  q->options.sqs_port = 9324;  // epmock serve's: a worker configured for it needs no change
  CLI::App* sqs =
      cmd->add_subcommand("sqs", "certify an SQS worker reading --queue on certify's own endpoint");
  sqs->add_option("--queue", q->options.queue, "the queue the worker reads")->required();
  sqs->add_option("--sqs-port", q->options.sqs_port, "the SQS endpoint's port on 127.0.0.1 (0: a free one)")
      ->capture_default_str();
  AddQueueOptions(sqs, q.get(), "its first ReceiveMessage", "deleted",
                  "its endpoint in EPMOCK_QUEUE_URL, AWS_ENDPOINT_URL_SQS, ...");
  sqs->callback([q, exit_code] {
    q->options.ready = [run = !q->options.run.empty()](const std::string& endpoint,
                                                       const std::string& queue_url) {
      std::fprintf(stderr, "epmock certify sqs: %s %s (endpoint %s)\n",
                   run ? "the worker (--run) reads" : "waiting for a worker to read", queue_url.c_str(),
                   endpoint.c_str());
    };
    RunQueue("sqs", q.get(), &CertifySqs, exit_code);
  });

  auto t = std::make_shared<CertifyStompArgs>();
  t->options.stomp_port = 61613;  // epmock serve's
  CLI::App* stomp = cmd->add_subcommand(
      "stomp", "certify a STOMP consumer subscribing to --destination on certify's own broker");
  stomp->add_option("--destination", t->options.destination, "the destination it subscribes to")->required();
  stomp->add_option("--stomp-port", t->options.stomp_port, "the broker's port on 127.0.0.1 (0: a free one)")
      ->capture_default_str();
  AddQueueOptions(stomp, t.get(), "its SUBSCRIBE", "acknowledged",
                  "the broker in EPMOCK_STOMP_URL, the destination in EPMOCK_STOMP_DESTINATION");
  stomp->callback([t, exit_code] {
    t->options.ready = [run = !t->options.run.empty()](const std::string& broker,
                                                       const std::string& destination) {
      std::fprintf(stderr, "epmock certify stomp: %s %s (broker %s)\n",
                   run ? "the consumer (--run) subscribes to" : "waiting for a consumer to subscribe to",
                   destination.c_str(), broker.c_str());
    };
    RunQueue("stomp", t.get(), &CertifyStomp, exit_code);
  });
}

}  // namespace epmock::cli
