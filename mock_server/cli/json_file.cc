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
