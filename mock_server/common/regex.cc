#include "common/regex.h"

namespace epmock::internal {

std::regex CompileRegex(const std::string& pattern) {
  if (pattern.size() > kMaxRegexLength) throw std::regex_error(std::regex_constants::error_complexity);
  return std::regex(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial);
}

}  // namespace epmock::internal
