// YAML to JSON, with YAML 1.2 core-schema typing of plain scalars.
#ifndef EPMOCK_SCHEMA_YAML_JSON_H_
#define EPMOCK_SCHEMA_YAML_JSON_H_

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "epmock/status.h"

namespace epmock::internal {

// What converting one YAML document may make: every node and every byte of its scalars and
// keys, an alias counted each time it is used.
struct YamlLimits {
  std::size_t max_nodes = 1000000;
  std::size_t max_bytes = 64 * 1024 * 1024;
  // Nesting, aliases followed: an alias inside its own anchor's node would nest forever.
  std::size_t max_depth = 256;
};

// Parses a YAML text of one document into JSON. Quoted scalars stay strings; plain ones
// become null, booleans, integers or floats where they read as such. A text of several
// documents, or one that expands past `limits`, is refused.
StatusOr<nlohmann::json> YamlToJson(const std::string& yaml, const YamlLimits& limits = YamlLimits{});

// The deepest nesting of arrays and objects in a JSON text (or a YAML text's flow style),
// without parsing it: a file's depth is checked before a recursive parser sees it.
std::size_t JsonTextDepth(const std::string& text);

}  // namespace epmock::internal

#endif  // EPMOCK_SCHEMA_YAML_JSON_H_
