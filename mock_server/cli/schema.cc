#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "epmock/spec.h"

namespace epmock::cli {

const char kSchemaHelp[] =
    "usage: epmock schema [--published]\n"
    "\n"
    "Prints the OpenAPI description epmock serves, as JSON: the published one with\n"
    "schemas/overlay.json's corrections applied, or with --published, without them.\n"
    "Feed it to other OpenAPI tools to check them against the same contract.\n";

int Schema(const std::vector<std::string>& args) {
  bool published = false;
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kSchemaHelp, stdout);
      return 0;
    }
    if (arg != "--published") {
      std::fprintf(stderr, "epmock schema: unknown flag '%s'\n\n%s", arg.c_str(), kSchemaHelp);
      return 2;
    }
    published = true;
  }
  auto spec = Spec::Load(SpecOptions{!published, ""});
  if (!spec.ok()) {
    std::fprintf(stderr, "epmock schema: %s\n", spec.status().message().c_str());
    return 1;
  }
  std::printf("%s\n", (*spec)->OpenApi().dump(2).c_str());
  return 0;
}

}  // namespace epmock::cli
