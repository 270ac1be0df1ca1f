#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "epmock/spec.h"

namespace epmock::cli {

namespace {
int RunSchema(bool published);
}  // namespace

void AddSchema(CLI::App& root, int* exit_code) {
  CLI::App* cmd = root.add_subcommand("schema", "print the (corrected) OpenAPI description as JSON");
  cmd->footer(
      "Prints the OpenAPI description epmock serves, as JSON: the published one with\n"
      "schemas/overlay.json's corrections applied, or with --published, without them.\n"
      "Feed it to other OpenAPI tools to check them against the same contract.");
  auto published = std::make_shared<bool>(false);
  cmd->add_flag("--published", *published, "the published document, without epmock's corrections");
  cmd->callback([published, exit_code] { *exit_code = RunSchema(*published); });
}

namespace {
int RunSchema(bool published) {
  auto spec = Spec::Load(SpecOptions{!published, ""});
  if (!spec.ok()) {
    std::fprintf(stderr, "epmock schema: %s\n", spec.status().message().c_str());
    return 1;
  }
  std::printf("%s\n", (*spec)->OpenApi().dump(2).c_str());
  return 0;
}

}  // namespace

}  // namespace epmock::cli
