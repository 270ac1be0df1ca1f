#include "schema/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "common/regex.h"

namespace epmock::internal {
namespace {

using nlohmann::json;

json PlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex kInt = CompileRegex("[-+]?[0-9]+");
  static const std::regex kFloat = CompileRegex("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(s, kInt)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return v;
  }
  if (std::regex_match(s, kFloat)) return std::strtod(s.c_str(), nullptr);
  return s;
}

// Converts one document, counting what it makes: yaml-cpp shares an aliased node, but
// its JSON copy is written out in full each time, so a few hundred bytes of aliases of
// aliases ("billion laughs") would expand to gigabytes. Conversion stops at the limits.
class Converter {
 public:
  explicit Converter(const YamlLimits& limits) : limits_(limits) {}

  StatusOr<json> Run(const YAML::Node& root) {
    json out = Convert(root);
    if (!failure_.empty()) return Status::InvalidArgument(failure_);
    return out;
  }

 private:
  bool Count(std::size_t bytes) {
    if (!failure_.empty()) return false;
    ++nodes_;
    bytes_ += bytes;
    if (nodes_ > limits_.max_nodes) {
      failure_ = "expands to more than " + std::to_string(limits_.max_nodes) +
                 " nodes (aliases count each time they are used)";
    } else if (bytes_ > limits_.max_bytes) {
      failure_ = "expands to more than " + std::to_string(limits_.max_bytes) +
                 " bytes (aliases count each time they are used)";
    }
    return failure_.empty();
  }

  json Convert(const YAML::Node& node, std::size_t depth = 0) {
    if (depth > limits_.max_depth) {
      if (failure_.empty()) failure_ = "nests deeper than " + std::to_string(limits_.max_depth) + " levels";
      return nullptr;
    }
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        Count(1);
        return nullptr;
      case YAML::NodeType::Scalar:
        if (!Count(node.Scalar().size())) return nullptr;
        // yaml-cpp tags plain scalars "?" and quoted or block scalars "!".
        return node.Tag() == "?" ? PlainScalar(node.Scalar()) : json(node.Scalar());
      case YAML::NodeType::Sequence: {
        json out = json::array();
        if (!Count(1)) return out;
        for (const YAML::Node& item : node) {
          out.push_back(Convert(item, depth + 1));
          if (!failure_.empty()) break;
        }
        return out;
      }
      case YAML::NodeType::Map: {
        json out = json::object();
        if (!Count(1)) return out;
        for (const auto& kv : node) {
          const std::string key = kv.first.as<std::string>();
          if (!Count(key.size())) break;
          out[key] = Convert(kv.second, depth + 1);
          if (!failure_.empty()) break;
        }
        return out;
      }
    }
    return nullptr;
  }

  const YamlLimits limits_;
  std::size_t nodes_ = 0;
  std::size_t bytes_ = 0;
  std::string failure_;
};

}  // namespace

StatusOr<nlohmann::json> YamlToJson(const std::string& yaml, const YamlLimits& limits) {
  try {
    // A second document starts at a "---" line after content (or after a first "---").
    std::size_t starts = 0;
    bool content = false;
    std::size_t at = 0;
    while (at < yaml.size()) {
      std::size_t end = yaml.find('\n', at);
      if (end == std::string::npos) end = yaml.size();
      const std::string line = yaml.substr(at, end - at);
      if (line.rfind("---", 0) == 0 && (line.size() == 3 || line[3] == ' ' || line[3] == '\r')) {
        if (content || starts > 0) {
          return Status::InvalidArgument(
              "a file holds one YAML document; this one holds more (each after a ---)");
        }
        ++starts;
      } else if (!line.empty() && line[0] != '#' && line.find_first_not_of(" \t\r") != std::string::npos) {
        content = true;
      }
      at = end + 1;
    }
    return Converter(limits).Run(YAML::Load(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("invalid YAML: ") + e.what());
  }
}

std::size_t JsonTextDepth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace epmock::internal
