// YAML to JSON, with YAML 1.2 core-schema typing of plain scalars.
#ifndef EPMOCK_SCHEMA_YAML_JSON_H_
#define EPMOCK_SCHEMA_YAML_JSON_H_

#include <string>

#include <nlohmann/json.hpp>

#include "epmock/status.h"

namespace epmock::internal {

// Parses a YAML document into JSON. Quoted scalars stay strings; plain ones become null,
// booleans, integers or floats where they read as such.
StatusOr<nlohmann::json> YamlToJson(const std::string& yaml);

// The deepest nesting of arrays and objects in a JSON text (or a YAML text's flow style),
// without parsing it: a file's depth is checked before a recursive parser sees it.
std::size_t JsonTextDepth(const std::string& text);

}  // namespace epmock::internal

#endif  // EPMOCK_SCHEMA_YAML_JSON_H_
