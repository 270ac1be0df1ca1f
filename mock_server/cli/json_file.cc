#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"

namespace epmock::cli {

bool ReadJsonFile(const std::string& path, nlohmann::json* out, std::string* error) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) {
      *error = "cannot read " + path;
      return false;
    }
    text << in.rdbuf();
  }
  *out = nlohmann::json::parse(text.str(), nullptr, false);
  if (out->is_discarded()) {
    *error = path + " is not valid JSON";
    return false;
  }
  return true;
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
