#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "contract/recording.h"

namespace epmock::cli {

namespace {

int RunRecord(const internal::RecordingProxyOptions& options);

}  // namespace

void AddRecord(CLI::App& root, int* exit_code) {
  CLI::App* cmd =
      root.add_subcommand("record", "a recording proxy: writes contracts from real traffic, secrets masked");
  cmd->footer(
      "A recording proxy: forwards every request to URL (the real API, or an epmock) and\n"
      "answers with its response, and writes what passed as contracts under DIR, one file per\n"
      "bearer token (one store's scenario, in order), rewritten after every request. Replay\n"
      "them with 'epmock contracts verify'. When listening it prints one line to stdout:\n"
      "  epmock recording on http://HOST:PORT -> URL\n"
      "and records until SIGINT or SIGTERM, then exits 0.\n"
      "\n"
      "As it records: ids first seen in a response are captured ({{uuid:id1}}) and used as\n"
      "${id1} after; timestamps become {{timestamp}} and URL ${base}; the Authorization\n"
      "header and /oauth/access_token exchanges are never written; secret fields of request\n"
      "bodies (secret_key, aws_secret_access_key, aws_access_key_id, password, passcode,\n"
      "client_secret) are replaced by a stand-in, and masked secrets in responses by\n"
      "{{masked}}.");
  auto options = std::make_shared<internal::RecordingProxyOptions>();
  options->port = 8081;
  cmd->add_option("--upstream", options->upstream, "where requests go")->required();
  cmd->add_option("--out", options->out_dir, "where contracts are written (created if missing)")->required();
  cmd->add_option("--host", options->host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", options->port, "port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->callback([options, exit_code] { *exit_code = RunRecord(*options); });
}

namespace {

int RunRecord(const internal::RecordingProxyOptions& options) {
  StopSignals stop;  // before any thread starts

  internal::RecordingProxy proxy(options);
  if (Status started = proxy.Start(); !started.ok()) {
    std::fprintf(stderr, "epmock record: %s\n", started.message().c_str());
    return 1;
  }
  std::printf("epmock recording on %s -> %s\n", proxy.Url().c_str(), options.upstream.c_str());
  std::fflush(stdout);
  stop.Wait();
  proxy.Stop();
  for (const std::string& file : proxy.Files())
    std::fprintf(stderr, "epmock record: wrote %s\n", file.c_str());
  return 0;
}

}  // namespace

}  // namespace epmock::cli
