#include "schema/schema_errors.h"
#include "common/strings.h"

#include <string>

namespace epmock::internal {
namespace {

using nlohmann::json;

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::vector<std::string> SplitPointer(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  json::json_pointer p(pointer);
  while (!p.empty()) {
    tokens.insert(tokens.begin(), p.back());
    p.pop_back();
  }
  return tokens;
}

// The quoted name inside "Missing required property 'name'."
std::string QuotedName(const std::string& description) {
  auto first = description.find('\'');
  auto last = description.rfind('\'');
  if (first == std::string::npos || last <= first) return "";
  return description.substr(first + 1, last - first - 1);
}

const json* Resolve(const json& root, const json* node) {
  for (int hops = 0; hops < 16 && node->is_object(); ++hops) {
    auto ref = node->find("$ref");
    if (ref == node->end() || !ref->is_string()) return node;
    const std::string target = ref->get<std::string>();
    if (!StartsWith(target, "#")) return node;
    json::json_pointer pointer(target.substr(1));
    if (!root.contains(pointer)) return node;
    node = &root.at(pointer);
  }
  return node;
}

// Whether `instance` satisfies the simple `if` blocks the overlay writes:
// {"properties": {"x": {"const": v}}, "required": ["x"]}.
bool SimpleIfHolds(const json& condition, const json* instance) {
  if (!instance || !instance->is_object()) return false;
  auto props = condition.find("properties");
  if (props == condition.end() || !props->is_object()) return false;
  for (const auto& [name, sub] : props->items()) {
    auto value = instance->find(name);
    if (value == instance->end()) return false;
    auto c = sub.find("const");
    if (c != sub.end() && *c != *value) return false;
  }
  return true;
}

// Collects the schema nodes that describe the instance at tokens[i..].
void Collect(const json& root, const json* node, const std::vector<std::string>& tokens, std::size_t i,
             const json* instance, std::vector<const json*>& out, int depth) {
  if (depth > 32) return;
  node = Resolve(root, node);
  if (!node->is_object()) return;
  for (const char* combinator : {"allOf", "anyOf", "oneOf"}) {
    auto it = node->find(combinator);
    if (it == node->end() || !it->is_array()) continue;
    for (const json& sub : *it) Collect(root, &sub, tokens, i, instance, out, depth + 1);
  }
  auto cond = node->find("if");
  auto then = node->find("then");
  if (cond != node->end() && then != node->end() && SimpleIfHolds(*cond, instance)) {
    Collect(root, &*then, tokens, i, instance, out, depth + 1);
  }
  if (i == tokens.size()) {
    out.push_back(node);
    return;
  }
  const std::string& token = tokens[i];
  const json* child = nullptr;
  if (instance && instance->is_object() && instance->contains(token)) child = &(*instance)[token];
  if (instance && instance->is_array()) {
    char* end = nullptr;
    unsigned long index = std::strtoul(token.c_str(), &end, 10);
    if (end && *end == '\0' && index < instance->size()) child = &(*instance)[index];
  }
  auto props = node->find("properties");
  if (props != node->end() && props->is_object() && props->contains(token)) {
    Collect(root, &(*props)[token], tokens, i + 1, child, out, depth + 1);
  }
  auto items = node->find("items");
  if (items != node->end() && items->is_object()) {
    Collect(root, &*items, tokens, i + 1, child, out, depth + 1);
  }
}

const json* FindKeyword(const std::vector<const json*>& nodes, const char* keyword) {
  for (const json* n : nodes) {
    auto it = n->find(keyword);
    if (it != n->end()) return &*it;
  }
  return nullptr;
}

std::string TypeWord(const std::string& type) {
  if (type == "string") return "a string";
  if (type == "integer") return "an integer";
  if (type == "number") return "a number";
  if (type == "boolean") return "true or false";
  if (type == "array") return "an array";
  if (type == "object") return "an object";
  if (type == "null") return "null";
  return type;
}

std::string InstanceTypeWord(const json* v) {
  if (!v) return "nothing";
  switch (v->type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

std::string ExpectedTypes(const json& type) {
  if (type.is_string()) return TypeWord(type.get<std::string>());
  std::string out;
  if (type.is_array()) {
    for (std::size_t i = 0; i < type.size(); ++i) {
      if (i) out += i + 1 == type.size() ? " or " : ", ";
      out += TypeWord(type[i].get<std::string>());
    }
  }
  return out;
}

std::string FieldName(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return "The request body";
  // "data.configuration.url", the way the docs name fields.
  std::string out;
  for (const std::string& t : tokens) {
    if (!out.empty()) out += '.';
    out += t;
  }
  return out;
}

SchemaViolation Describe(const valijson::ValidationResults::Error& error, const json& root,
                         const json& instance) {
  SchemaViolation v;
  v.source = ContextToPointer(error.context);
  std::vector<std::string> tokens = SplitPointer(v.source);
  const json* value =
      instance.contains(json::json_pointer(v.source)) ? &instance.at(json::json_pointer(v.source)) : nullptr;
  std::vector<const json*> schemas;
  Collect(root, &root, tokens, 0, &instance, schemas, 0);
  const std::string field = FieldName(tokens);
  const std::string& d = error.description;

  if (const json* custom = FindKeyword(schemas, "x-error");
      custom && custom->is_string() && !StartsWith(d, "Missing required") && !StartsWith(d, "Value type")) {
    v.detail = field + " " + custom->get<std::string>();
    v.rule = "pattern";
  } else if (StartsWith(d, "Missing required property")) {
    std::string name = QuotedName(d);
    v.source += "/" + JsonPointerEscape(name);
    tokens.push_back(name);
    v.detail = FieldName(tokens) + " is required";
    v.rule = "required";
  } else if (StartsWith(d, "Value type not permitted")) {
    const json* type = FindKeyword(schemas, "type");
    v.detail = field + " must be " + (type ? ExpectedTypes(*type) : "of another type") + ", not " +
               InstanceTypeWord(value);
    v.rule = "type";
  } else if (StartsWith(d, "Failed to match against any enum values")) {
    const json* values = FindKeyword(schemas, "enum");
    std::string list;
    if (values && values->is_array()) {
      for (const json& e : *values) list += (list.empty() ? "" : ", ") + e.dump();
    }
    v.detail = field + " must be one of " + list;
    v.rule = "enum";
  } else if (StartsWith(d, "Failed to match expected value set by 'const'")) {
    const json* c = FindKeyword(schemas, "const");
    v.detail = field + " must be " + (c ? c->dump() : std::string("a fixed value"));
    v.rule = "const";
  } else if (StartsWith(d, "Failed to match regex")) {
    const json* pattern = FindKeyword(schemas, "pattern");
    v.detail = field + " must match " + (pattern ? pattern->dump() : std::string("its pattern"));
    v.rule = "pattern";
  } else if (StartsWith(d, "Array should contain no fewer than")) {
    const json* min = FindKeyword(schemas, "minItems");
    v.detail = (min && *min == 1)
                   ? field + " must not be empty"
                   : field + " must have at least " + (min ? min->dump() : std::string("more")) + " items";
    v.rule = "minItems";
  } else if (StartsWith(d, "Object contains a property that could not be validated")) {
    std::string name = QuotedName(d);
    v.source += "/" + JsonPointerEscape(name);
    tokens.push_back(name);
    v.detail = FieldName(tokens) + " is not allowed here";
    v.rule = "additionalProperties";
  } else {
    // valijson's own words ("String should be a valid date-time."), with the field named.
    v.detail = field + ": " + d;
    v.rule = "schema";
  }
  if (value && v.rule != "required" && v.rule != "additionalProperties") {
    constexpr std::size_t kValueLimit = 200;
    v.value = value->dump(-1, ' ', false, json::error_handler_t::replace);
    if (v.value.size() > kValueLimit) v.value = v.value.substr(0, kValueLimit) + "...";
  }
  return v;
}

}  // namespace

std::string ContextToPointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (const std::string& part : context) {
    if (part == "<root>") continue;
    std::string token = part;
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') {
      token = token.substr(1, token.size() - 2);
    }
    pointer += "/" + JsonPointerEscape(token);
  }
  return pointer;
}

std::vector<SchemaViolation> DescribeViolations(const valijson::ValidationResults& results,
                                                const json& schema_root, const json& instance) {
  std::vector<SchemaViolation> out;
  std::vector<const valijson::ValidationResults::Error*> leaves;
  for (const auto& error : results) {
    if (StartsWith(error.description, "Failed to validate")) continue;
    leaves.push_back(&error);
  }
  if (leaves.empty()) {
    for (const auto& error : results) leaves.push_back(&error);
  }
  for (const auto* error : leaves) {
    SchemaViolation v = Describe(*error, schema_root, instance);
    bool seen = false;
    for (const SchemaViolation& o : out) seen |= (o.source == v.source && o.detail == v.detail);
    if (!seen) out.push_back(std::move(v));
  }
  return out;
}

}  // namespace epmock::internal
