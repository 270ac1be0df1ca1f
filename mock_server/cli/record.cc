#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "contract/recording.h"

namespace epmock::cli {

const char kRecordHelp[] =
    "usage: epmock record --upstream URL --out DIR [--host H] [--port P]\n"
    "\n"
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
    "{{masked}}.\n"
    "\n"
    "flags:\n"
    "  --upstream URL   where requests go (required)\n"
    "  --out DIR        where contracts are written (required; created if missing)\n"
    "  --host H         address to listen on (default 127.0.0.1)\n"
    "  --port P         port to listen on; 0 picks a free one (default 8081)\n";

int Record(const std::vector<std::string>& args) {
  internal::RecordingProxyOptions options;
  options.port = 8081;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kRecordHelp, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "epmock record: %s needs a value\n\n%s", flag.c_str(), kRecordHelp);
      return 2;
    }
    const std::string& value = args[++i];
    if (flag == "--upstream") {
      options.upstream = value;
    } else if (flag == "--out") {
      options.out_dir = value;
    } else if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      char* end = nullptr;
      long port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || port < 0 || port > 65535) {
        std::fprintf(stderr, "epmock record: --port takes a number from 0 to 65535, not '%s'\n",
                     value.c_str());
        return 2;
      }
      options.port = static_cast<int>(port);
    } else {
      std::fprintf(stderr, "epmock record: unknown flag %s\n\n%s", flag.c_str(), kRecordHelp);
      return 2;
    }
  }
  if (options.upstream.empty() || options.out_dir.empty()) {
    std::fprintf(stderr, "epmock record: --upstream and --out are required\n\n%s", kRecordHelp);
    return 2;
  }

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

}  // namespace epmock::cli
