#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"

namespace epmock::cli {

StatusOr<nlohmann::json> ReadJsonFile(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) return Status::NotFound("cannot read " + path);
    text << in.rdbuf();
  }
  nlohmann::json parsed = nlohmann::json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded()) return Status::InvalidArgument(path + " is not valid JSON");
  return parsed;
}

}  // namespace epmock::cli

namespace epmock::cli {

void DeprecatedAlias(CLI::App& app, CLI::Option* replacement, const std::string& old_name) {
  const std::string new_name = replacement->get_name();
  auto* alias = app.add_option_function<std::string>(
      old_name,
      [replacement, old_name, new_name](const std::string& value) {
        std::fprintf(stderr, "epmock: %s is deprecated; use %s\n", old_name.c_str(), new_name.c_str());
        replacement->clear();
        replacement->add_result(value);
        replacement->run_callback();
      },
      "deprecated: use " + new_name);
  alias->group("Deprecated (0.2.0)");
}

}  // namespace epmock::cli
