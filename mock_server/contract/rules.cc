#include "contract/rules.h"
#include "common/regex.h"

#include <regex>

namespace epmock::internal {

bool IsTimestamp(const std::string& s) {
  static const std::regex re =
      internal::CompileRegex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  return std::regex_match(s, re);
}

bool IsMaskedSecret(const std::string& s) {
  static const std::regex re = internal::CompileRegex(R"(\*+[^*]{0,4})");
  return std::regex_match(s, re);
}

}  // namespace epmock::internal
