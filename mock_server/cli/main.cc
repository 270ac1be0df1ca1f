// epmock: a fake of the Elastic Path Commerce Cloud Integrations API.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: epmock <command> [flags]\n"
    "\n"
    "commands:\n"
    "  serve     run the fake Integrations API until SIGINT/SIGTERM\n"
    "  trigger   fire an event on a running epmock serve\n"
    "  contracts verify recorded contracts against a server (epmock or the real API)\n"
    "  record    a recording proxy: writes contracts from real traffic, secrets masked\n"
    "  validate  check one payload against the schemas (request, response, webhook, cloudevent)\n"
    "  schema    print the (corrected) OpenAPI description as JSON\n"
    "\n"
    "'epmock <command> --help' describes a command's flags.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "serve") return epmock::cli::Serve(args);
  if (command == "schema") return epmock::cli::Schema(args);
  if (command == "trigger") return epmock::cli::Trigger(args);
  if (command == "contracts") return epmock::cli::Contracts(args);
  if (command == "record") return epmock::cli::Record(args);
  if (command == "validate") return epmock::cli::Validate(args);
  std::fprintf(stderr, "epmock: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
