// epmock asyncapi: prints the AsyncAPI 3.0 document of everything epmock delivers.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "epmock/spec.h"
#include "events/asyncapi.h"

namespace epmock::cli {

namespace {

struct AsyncApiArgs {
  std::string catalog_file;
  std::string output = "-";
  internal::AsyncApiOptions options;
};

int RunAsyncApi(const AsyncApiArgs& a) {
  std::shared_ptr<const Spec> spec = Spec::Default();
  if (!a.catalog_file.empty()) {
    StatusOr<std::shared_ptr<const Spec>> extended = spec->ExtendFromFile(a.catalog_file);
    if (!extended.ok()) {
      std::fprintf(stderr, "epmock asyncapi: %s\n", extended.status().message().c_str());
      return 1;
    }
    spec = *extended;
  }
  const std::string text = internal::AsyncApiDocument(spec, a.options).dump(2) + "\n";
  if (a.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  std::FILE* out = std::fopen(a.output.c_str(), "wb");
  if (!out) {
    std::fprintf(stderr, "epmock asyncapi: cannot write %s\n", a.output.c_str());
    return 1;
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (std::fclose(out) != 0 || !written) {
    std::fprintf(stderr, "epmock asyncapi: cannot write %s\n", a.output.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void AddAsyncApi(CLI::App& root, int* exit_code) {
  auto a = std::make_shared<AsyncApiArgs>();
  CLI::App* cmd =
      root.add_subcommand("asyncapi", "print an AsyncAPI 3.0 document of every event epmock delivers");
  cmd->footer(
      "Prints, as JSON, an AsyncAPI 3.0 document of everything epmock can deliver: a message per\n"
      "observable event and channel (webhook POST, SQS message, STOMP frame) with its payload\n"
      "schema, headers and an example built as real deliveries are; the channels, their bindings,\n"
      "and the envelopes. Feed it to AsyncAPI generators and doc tools. The same seed gives the\n"
      "same example resources.");
  cmd->add_option("--catalog", a->catalog_file, "a catalog extension file (docs/CATALOG.md): its keys too")
      ->check(CLI::ExistingFile);
  cmd->add_option("--seed", a->options.seed, "seed of the examples' resources")->capture_default_str();
  cmd->add_option("--cloudevent-source", a->options.cloudevent_source,
                  "the CloudEvent source of the examples")
      ->check([](const std::string& v) {
        return v.empty() || v.size() > 2048 ? std::string("a URI of 1 to 2048 characters") : std::string();
      })
      ->capture_default_str();
  cmd->add_option("-o,--output", a->output, "file to write ('-': standard output)")->capture_default_str();
  cmd->callback([a, exit_code] { *exit_code = RunAsyncApi(*a); });
}

}  // namespace epmock::cli
