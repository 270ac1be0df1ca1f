#include "epmock/spec.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_visitor.hpp>

#include "common/regex.h"
#include "common/strings.h"
#include "schema/embedded_files.h"
#include "schema/patterns.h"
#include "schema/schema_errors.h"
#include "schema/yaml_json.h"

namespace epmock {
namespace {

using internal::DescribeViolations;
using nlohmann::json;

constexpr char kOpenApiFile[] = "integrations.openapi.yaml";
constexpr char kJsonSchemaFile[] = "integrations.schema.json";
constexpr char kOverlayFile[] = "overlay.json";
constexpr char kCatalogFile[] = "observable-events.json";
constexpr char kResourcesFile[] = "resources.json";
constexpr const char* kEnvelopes[] = {"webhook", "webhook-flat", "cloudevent"};
constexpr char kLibraryRef[] = "#/$defs/";
constexpr char kOpenApiRef[] = "#/components/schemas/";

StatusOr<std::string> ReadSchemaFile(const SpecOptions& options, const std::string& name) {
  if (options.schema_dir.empty()) {
    for (const auto& file : internal::EmbeddedFiles()) {
      if (file.name == name) return std::string(file.content);
    }
    return Status::Internal("no embedded schema file " + name);
  }
  // On disk the published files sit in published/, as in the source tree.
  const bool published = name == kOpenApiFile || name == kJsonSchemaFile;
  std::string path = options.schema_dir + (published ? "/published/" : "/") + name;
  if (name.rfind("envelopes/", 0) == 0) path = options.schema_dir + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

StatusOr<json> ParseJsonFile(const SpecOptions& options, const std::string& name) {
  StatusOr<std::string> text = ReadSchemaFile(options, name);
  if (!text.ok()) return text.status();
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded()) return Status::InvalidArgument(name + " is not valid JSON");
  return doc;
}

// Rewrites every "$ref" string that starts with `from` to start with `to` instead.
void RewriteRefs(json& node, const std::string& from, const std::string& to) {
  if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        std::string ref = value.get<std::string>();
        if (ref.rfind(from, 0) == 0) value = to + ref.substr(from.size());
      } else {
        RewriteRefs(value, from, to);
      }
    }
  } else if (node.is_array()) {
    for (json& item : node) RewriteRefs(item, from, to);
  }
}

// Applies overlay entries (JSON Patch operations carrying a "reason") to `doc`.
Status ApplyPatch(json& doc, const json& entries, const std::string& what) {
  json patch = json::array();
  for (const json& entry : entries) {
    json op = entry;
    op.erase("reason");
    patch.push_back(op);
  }
  try {
    doc = doc.patch(patch);
  } catch (const json::exception& e) {
    return Status::InvalidArgument("overlay does not apply to " + what + ": " + e.what());
  }
  return Status::Ok();
}

// valijson checks the formats date, time and date-time with its own recursive std::regex:
// a schema's format applies only to strings this long, longer ones fail "maxLength" (an
// RFC 3339 date-time with nanoseconds and an offset is 35 characters).
constexpr std::size_t kMaxFormattedString = 64;

// Keywords whose values are data, not subschemas: a "pattern" inside them is no keyword.
bool HoldsData(const std::string& keyword) {
  return keyword == "enum" || keyword == "const" || keyword == "default" || keyword == "examples" ||
         keyword == "example" || keyword.rfind("x-", 0) == 0;
}

// Keywords whose values map names to subschemas: a member named "pattern" is no keyword.
bool MapsSubschemas(const std::string& keyword) {
  return keyword == "properties" || keyword == "$defs" || keyword == "definitions" ||
         keyword == "dependencies";
}

bool HoldsRef(const json& node) {
  if (node.is_array()) {
    for (const json& item : node) {
      if (HoldsRef(item)) return true;
    }
  } else if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" || (!HoldsData(key) && HoldsRef(value))) return true;
    }
  }
  return false;
}

struct CompiledSchema;
StatusOr<std::shared_ptr<CompiledSchema>> Compile(const json& node, const json& library);
std::shared_ptr<const valijson::Schema> CompileApart(const json& subschema, const std::string& what);

// Readies a schema for valijson: its patterns for RE2 (schema/patterns.h), each object's
// patternProperties compiled apart into `groups`, and what reaches a format check bounded.
// Throws std::invalid_argument naming what it refuses.
void PrepareSchema(json& node, std::vector<std::shared_ptr<const internal::PatternProperties>>* groups) {
  if (node.is_array()) {
    for (json& item : node) PrepareSchema(item, groups);
    return;
  }
  if (!node.is_object()) return;
  for (auto& [key, value] : node.items()) {
    if (HoldsData(key) || key == "pattern" || key == "patternProperties") continue;
    if (MapsSubschemas(key) && value.is_object()) {
      for (auto& [name, subschema] : value.items()) PrepareSchema(subschema, groups);
    } else {
      PrepareSchema(value, groups);
    }
  }
  auto pattern = node.find("pattern");
  if (pattern != node.end() && pattern->is_string()) {
    StatusOr<std::shared_ptr<const re2::RE2>> re = internal::CompilePattern(pattern->get<std::string>());
    if (!re.ok()) throw std::invalid_argument(re.status().message());
    node[internal::kPatternKeyword] = *pattern;
    node.erase("pattern");
  }
  auto pattern_properties = node.find("patternProperties");
  if (pattern_properties != node.end() && pattern_properties->is_object()) {
    auto group = std::make_shared<internal::PatternProperties>();
    for (const auto& [key, subschema] : pattern_properties->items()) {
      StatusOr<std::shared_ptr<const re2::RE2>> re = internal::CompilePattern(key);
      if (!re.ok()) throw std::invalid_argument("patternProperties key: " + re.status().message());
      group->patterns.push_back({*re, CompileApart(subschema, "a patternProperties schema")});
    }
    auto properties = node.find("properties");
    if (properties != node.end() && properties->is_object()) {
      for (const auto& [name, subschema] : properties->items()) group->names.insert(name);
    }
    auto additional = node.find("additionalProperties");
    if (additional != node.end()) {
      if (additional->is_boolean()) {
        group->additional = *additional ? internal::PatternProperties::Additional::kAny
                                        : internal::PatternProperties::Additional::kNone;
      } else {
        group->additional = internal::PatternProperties::Additional::kSchema;
        group->additional_schema = CompileApart(*additional, "additionalProperties beside patternProperties");
      }
      node.erase("additionalProperties");
    }
    node.erase("patternProperties");
    node[internal::kPatternPropertiesKeyword] = groups->size();
    groups->push_back(std::move(group));
  }
  auto format = node.find("format");
  if (format != node.end() && format->is_string() &&
      (*format == "date" || *format == "time" || *format == "date-time")) {
    json bounded = {{"if", {{"maxLength", kMaxFormattedString}}},
                    {"then", {{"format", *format}}},
                    {"else", {{"maxLength", kMaxFormattedString}}}};
    node.erase("format");
    node["allOf"].push_back(std::move(bounded));
  }
}

// Looks for a "$ref" cycle that validation would follow forever: refs and applicators that
// stay at the same place of the instance (allOf, anyOf, oneOf, not, if, then, else) leading
// back to where they started, as {"$ref": "#"} does. A cycle through "properties" or
// "items" is a recursive structure, bounded by the instance's depth, and allowed.
class RefCycles {
 public:
  explicit RefCycles(const json& document) : document_(document) {}

  // A node on a cycle, as a JSON pointer, or nullopt. Walks the schema under /allOf/0 (the
  // library beside it is followed where the schema refers to it, not walked whole).
  std::optional<std::string> Find() {
    if (document_.contains("/allOf/0"_json_pointer)) Walk(document_["allOf"][0], "/allOf/0");
    return found_;
  }

 private:
  void Walk(const json& node, const std::string& at) {
    if (found_ || !node.is_object()) {
      if (node.is_array() && !found_) {
        for (std::size_t i = 0; i < node.size(); ++i) Walk(node[i], at + "/" + std::to_string(i));
      }
      return;
    }
    Visit(at, 0);
    for (const auto& [key, value] : node.items()) {
      if (!HoldsData(key)) Walk(value, at + "/" + internal::JsonPointerEscape(key));
    }
  }

  // Depth-first over same-place edges, colouring nodes: on the path (1) or done (2).
  void Visit(const std::string& at, int depth) {
    if (found_) return;
    int& colour = colour_[at];
    if (colour == 2) return;
    if (colour == 1 || depth > 10000) {
      found_ = at;
      return;
    }
    colour = 1;
    const json* node = Resolve(at);
    if (node && node->is_object()) {
      for (const char* keyword : {"allOf", "anyOf", "oneOf"}) {
        auto list = node->find(keyword);
        if (list == node->end() || !list->is_array()) continue;
        for (std::size_t i = 0; i < list->size(); ++i)
          Visit(at + "/" + keyword + "/" + std::to_string(i), depth + 1);
      }
      for (const char* keyword : {"not", "if", "then", "else"}) {
        if (node->contains(keyword)) Visit(at + "/" + keyword, depth + 1);
      }
      auto ref = node->find("$ref");
      if (ref != node->end() && ref->is_string()) {
        const std::string target = ref->get<std::string>();
        if (target.rfind('#', 0) == 0) Visit(target.substr(1), depth + 1);
      }
    }
    colour_[at] = 2;  // the reference above may have been invalidated by insertions
  }

  const json* Resolve(const std::string& pointer) const {
    try {
      const json::json_pointer p(pointer);
      return document_.contains(p) ? &document_.at(p) : nullptr;
    } catch (const json::exception&) {
      return nullptr;  // not a JSON pointer: valijson refuses it when it compiles
    }
  }

  const json& document_;
  std::map<std::string, int> colour_;
  std::optional<std::string> found_;
};

struct CompiledSchema {
  json document;  // the schema with the library under $defs; valijson resolves $refs in it
  valijson::Schema schema;
  std::vector<std::shared_ptr<const internal::PatternProperties>> pattern_properties;
};

// Compiles `node` (whose $refs point at #/$defs/...) against the library.
StatusOr<std::shared_ptr<CompiledSchema>> Compile(const json& node, const json& library) {
  auto compiled = std::make_shared<CompiledSchema>();
  compiled->document = json{{"allOf", json::array({node})}, {"$defs", library}};
  try {
    if (std::optional<std::string> cycle = RefCycles(compiled->document).Find()) {
      return Status::InvalidArgument("a $ref cycle that validation would follow forever, at " +
                                     (*cycle == "/allOf/0" ? std::string("the schema's root")
                                                           : cycle->substr(std::string("/allOf/0").size())));
    }
    PrepareSchema(compiled->document, &compiled->pattern_properties);
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    parser.addConstraintBuilder(internal::kPatternKeyword, new internal::PatternBuilder());
    parser.addConstraintBuilder(internal::kPatternPropertiesKeyword,
                                new internal::PatternPropertiesBuilder(&compiled->pattern_properties));
    valijson::adapters::NlohmannJsonAdapter adapter(compiled->document);
    parser.populateSchema(adapter, compiled->schema);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("schema does not compile: ") + e.what());
  }
  return compiled;
}

// A subschema compiled as a root of its own (a patternProperties schema). It may not
// refer elsewhere: a "$ref" would resolve against it, not against the schema around it.
std::shared_ptr<const valijson::Schema> CompileApart(const json& subschema, const std::string& what) {
  if (HoldsRef(subschema)) throw std::invalid_argument(what + " may not hold a \"$ref\"");
  StatusOr<std::shared_ptr<CompiledSchema>> compiled = Compile(subschema, json::object());
  if (!compiled.ok()) throw std::invalid_argument(what + ": " + compiled.status().message());
  std::shared_ptr<CompiledSchema> owner = *compiled;
  return std::shared_ptr<const valijson::Schema>(owner, &owner->schema);
}

std::vector<SchemaViolation> Run(const CompiledSchema& compiled, const json& instance) {
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(instance);
  if (internal::ValidateAgainst(target, {"<root>"}, compiled.schema, &results)) return {};
  std::vector<SchemaViolation> out = DescribeViolations(results, compiled.document, instance);
  if (out.empty()) out.push_back({"", "The document does not match its schema"});
  return out;
}

struct Route {
  std::string method;                 // upper case
  std::vector<std::string> segments;  // "{param}" for a path parameter
  std::string operation_id;
  int parameters = 0;
};

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

class Spec::Impl {
 public:
  json openapi;  // corrected
  json library;  // corrected schema library, $refs at #/$defs/
  std::map<std::string, std::shared_ptr<CompiledSchema>> requests;
  std::map<std::pair<std::string, int>, std::shared_ptr<CompiledSchema>> responses;
  std::map<std::pair<std::string, int>, bool> empty_responses;  // declared without content
  std::map<std::string, std::shared_ptr<CompiledSchema>> named;
  std::shared_ptr<CompiledSchema> error_schema;
  std::vector<Route> routes;
  std::vector<ObservableEvent> events;
  std::map<std::string, std::size_t> event_index;
  std::vector<EventPattern> patterns;
  std::vector<std::regex> pattern_res;         // compiled, one per pattern
  std::map<std::string, WebhookShape> shapes;  // the catalog's envelope variants
  json resources;                              // schemas/resources.json "resources"
  std::map<std::string, std::shared_ptr<CompiledSchema>> resource_schemas;
  std::map<std::string, std::shared_ptr<CompiledSchema>> envelopes;
  std::map<std::string, json> envelope_documents;  // the same schemas, as written

  Status Load(const SpecOptions& options);
  Status AddExtension(const json& extension);

 private:
  Status LoadDocuments(const SpecOptions& options);
  Status CompileOperations();
  Status LoadCatalog(const SpecOptions& options);
  Status LoadDeliverySchemas(const SpecOptions& options);
  const json* ResolveResponse(const json& response) const;
};

Status Spec::Impl::LoadDocuments(const SpecOptions& options) {
  StatusOr<std::string> yaml = ReadSchemaFile(options, kOpenApiFile);
  if (!yaml.ok()) return yaml.status();
  StatusOr<json> parsed = internal::YamlToJson(*yaml);
  if (!parsed.ok()) return parsed.status().WithContext(std::string(kOpenApiFile) + ": ");
  openapi = std::move(parsed).value();
  StatusOr<json> schema_doc = ParseJsonFile(options, kJsonSchemaFile);
  if (!schema_doc.ok()) return schema_doc.status();
  json json_schema = std::move(schema_doc).value();
  if (!openapi.contains("/components/schemas"_json_pointer) || !json_schema.contains("$defs")) {
    return Status::InvalidArgument("the published documents lack components/schemas or $defs");
  }

  json& openapi_library = openapi["components"]["schemas"];
  json& schema_library = json_schema["$defs"];
  if (options.apply_overlay) {
    StatusOr<json> overlay_doc = ParseJsonFile(options, kOverlayFile);
    if (!overlay_doc.ok()) return overlay_doc.status();
    const json& overlay = *overlay_doc;
    const json& refs = overlay.at("json_schema_refs");
    RewriteRefs(schema_library, refs.at("from").get<std::string>(), refs.at("to").get<std::string>());
    Status s = ApplyPatch(openapi_library, overlay.at("schemas"), kOpenApiFile);
    if (!s.ok()) return s;
    json fixes = overlay.at("schemas");
    RewriteRefs(fixes, kOpenApiRef, kLibraryRef);
    s = ApplyPatch(schema_library, fixes, kJsonSchemaFile);
    if (!s.ok()) return s;
    s = ApplyPatch(openapi, overlay.at("openapi"), kOpenApiFile);
    if (!s.ok()) return s;
  }
  // The two published documents describe the same schemas; after the corrections they must
  // agree, or one of them (or the overlay) has drifted.
  library = openapi["components"]["schemas"];
  RewriteRefs(library, kOpenApiRef, kLibraryRef);
  if (options.apply_overlay) {
    json diff = json::diff(library, schema_library);
    if (!diff.empty()) {
      return Status::InvalidArgument("the corrected OpenAPI and JSON Schema documents disagree: " +
                                     diff.dump());
    }
  }
  return Status::Ok();
}

const json* Spec::Impl::ResolveResponse(const json& response) const {
  const json* node = &response;
  auto ref = node->find("$ref");
  if (ref != node->end() && ref->is_string()) {
    std::string target = ref->get<std::string>();
    json::json_pointer pointer(target.substr(1));
    if (!openapi.contains(pointer)) return nullptr;
    node = &openapi.at(pointer);
  }
  return node;
}

Status Spec::Impl::CompileOperations() {
  const json& paths = openapi.at("paths");
  for (const auto& [path, item] : paths.items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!operation.is_object() || !operation.contains("operationId")) continue;
      const std::string op_id = operation.at("operationId").get<std::string>();
      Route route{Upper(method), SplitPath(path), op_id, 0};
      for (const std::string& s : route.segments) route.parameters += s.front() == '{';
      routes.push_back(route);

      json::json_pointer body_schema("/requestBody/content/application~1json/schema");
      if (operation.contains(body_schema)) {
        json node = operation.at(body_schema);
        RewriteRefs(node, kOpenApiRef, kLibraryRef);
        auto compiled = Compile(node, library);
        if (!compiled.ok()) return compiled.status().WithContext(op_id + " request: ");
        requests[op_id] = *compiled;
      }
      if (!operation.contains("responses")) continue;
      for (const auto& [code, response] : operation.at("responses").items()) {
        int status = std::atoi(code.c_str());
        const json* resolved = ResolveResponse(response);
        if (!resolved) return Status::InvalidArgument(op_id + " " + code + ": unresolvable response");
        json::json_pointer schema_ptr("/content/application~1json/schema");
        if (!resolved->contains(schema_ptr)) {
          empty_responses[{op_id, status}] = true;
          continue;
        }
        json node = resolved->at(schema_ptr);
        RewriteRefs(node, kOpenApiRef, kLibraryRef);
        auto compiled = Compile(node, library);
        if (!compiled.ok()) return compiled.status().WithContext(op_id + " " + code + ": ");
        responses[{op_id, status}] = *compiled;
      }
    }
  }
  // Literal segments win over parameters: /integrations/logs is not /integrations/{id}.
  std::stable_sort(routes.begin(), routes.end(),
                   [](const Route& a, const Route& b) { return a.parameters < b.parameters; });

  auto error = Compile(json{{"$ref", std::string(kLibraryRef) + "ErrorResponse"}}, library);
  if (!error.ok()) return error.status();
  error_schema = *error;
  for (const auto& [name, schema] : library.items()) {
    auto compiled = Compile(json{{"$ref", std::string(kLibraryRef) + name}}, library);
    if (!compiled.ok()) return compiled.status().WithContext(name + ": ");
    named[name] = *compiled;
  }
  return Status::Ok();
}

void ReadLevels(const json& levels, bool* store_level, bool* organization_level) {
  for (const json& level : levels) {
    *store_level |= level == "store";
    *organization_level |= level == "organization";
  }
}

Status Spec::Impl::LoadCatalog(const SpecOptions& options) {
  StatusOr<json> catalog = ParseJsonFile(options, kCatalogFile);
  if (!catalog.ok()) return catalog.status();
  shapes["webhook"] = WebhookShape{};
  if (catalog->contains("envelopes")) {
    for (const auto& [name, e] : catalog->at("envelopes").items()) {
      WebhookShape shape;
      shape.attempt = e.value("attempt", true);
      shape.resources = e.value("resources", true);
      shape.flat_payload = e.value("flat_payload", false);
      shape.org_id = e.value("org_id", true);
      shape.schema = e.value("schema", "webhook");
      shapes[name] = shape;
    }
  }
  for (const json& e : catalog->at("events")) {
    ObservableEvent event;
    event.key = e.at("key").get<std::string>();
    event.resource = e.at("resource").get<std::string>();
    event.action = e.at("action").get<std::string>();
    ReadLevels(e.at("levels"), &event.store_level, &event.organization_level);
    event.legacy = e.value("legacy", false);
    event.source = e.value("source", "seeds/003: the Observable Events table");
    event.envelope = e.value("envelope", "");
    if (!event.envelope.empty()) {
      auto shape = shapes.find(event.envelope);
      if (shape == shapes.end()) {
        return Status::InvalidArgument(event.key + ": no envelope named '" + event.envelope + "'");
      }
      event.webhook = shape->second;
    }
    event_index[event.key] = events.size();
    events.push_back(std::move(event));
  }
  for (const json& p : catalog->value("patterns", json::array())) {
    EventPattern pattern;
    pattern.pattern = p.at("pattern").get<std::string>();
    pattern.resource = p.at("resource").get<std::string>();
    pattern.source = p.value("source", "");
    ReadLevels(p.at("levels"), &pattern.store_level, &pattern.organization_level);
    pattern_res.push_back(internal::CompileRegex(pattern.pattern));
    patterns.push_back(std::move(pattern));
  }
  return Status::Ok();
}

namespace {

// What a key looks like: a resource, a dot, an action; actions may hold '-' and '_'
// ("subscription.create-failed", "subscription.pending_cancel": elasticpath/elasticpath-dev
// docs/subscriptions/observable-events.mdx).
bool WellFormedKey(const std::string& key) {
  static const std::regex re = internal::CompileRegex(kEventKeyPattern);
  return key.size() <= kMaxEventKeyLength && std::regex_match(key, re);
}

constexpr std::size_t kMaxExtensionEvents = 1000;
constexpr std::size_t kMaxExtensionDepth = 64;

}  // namespace

Status Spec::Impl::AddExtension(const json& extension) {
  if (!extension.is_object() || !extension.contains("events") || !extension["events"].is_array()) {
    return Status::InvalidArgument("a catalog extension is a JSON object with an \"events\" array");
  }
  for (const auto& [name, value] : extension.items()) {
    if (name != "events" && name != "description") {
      return Status::InvalidArgument("unknown member '" + name +
                                     "' (a catalog extension has events and description)");
    }
  }
  const json& entries = extension["events"];
  if (entries.size() > kMaxExtensionEvents) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxExtensionEvents) + " events, not " +
                                   std::to_string(entries.size()));
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    std::string where = "events[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::InvalidArgument(where + " must be an object");
    for (const auto& [name, value] : e.items()) {
      static const std::set<std::string> kMembers = {"key",     "resource", "levels",     "schema",
                                                     "samples", "envelope", "description"};
      if (!kMembers.count(name)) {
        return Status::InvalidArgument(where + ": unknown member '" + name +
                                       "' (key, resource, levels, schema, samples, envelope, description)");
      }
    }
    if (!e.contains("key") || !e["key"].is_string())
      return Status::InvalidArgument(where + ": key (a string) is required");
    ObservableEvent event;
    event.key = e["key"].get<std::string>();
    where += " (" + event.key.substr(0, kMaxEventKeyLength) + ")";
    if (!WellFormedKey(event.key)) {
      return Status::InvalidArgument(where + ": key must match " + std::string(kEventKeyPattern) +
                                     ", at most " + std::to_string(kMaxEventKeyLength) + " characters");
    }
    if (event_index.count(event.key))
      return Status::InvalidArgument(where + ": the catalog already has this key");
    const std::size_t dot = event.key.find('.');
    event.action = event.key.substr(dot + 1);
    event.resource = event.key.substr(0, dot);
    if (e.contains("resource")) {
      if (!e["resource"].is_string() || !WellFormedKey(e["resource"].get<std::string>() + ".x")) {
        return Status::InvalidArgument(where + ": resource must be a name such as \"loyalty-points\"");
      }
      event.resource = e["resource"].get<std::string>();
    }
    event.store_level = true;
    if (e.contains("levels")) {
      const json& levels = e["levels"];
      bool ok = levels.is_array() && !levels.empty() && levels.size() <= 2;
      for (const json& level : levels) ok = ok && (level == "store" || level == "organization");
      if (!ok)
        return Status::InvalidArgument(where + ": levels must be [\"store\"], [\"organization\"] or both");
      event.store_level = false;
      ReadLevels(levels, &event.store_level, &event.organization_level);
    }
    if (e.contains("envelope")) {
      const json& envelope = e["envelope"];
      auto shape = envelope.is_string() ? shapes.find(envelope.get<std::string>()) : shapes.end();
      if (shape == shapes.end()) {
        std::string names;
        for (const auto& [name, unused] : shapes) names += (names.empty() ? "" : ", ") + name;
        return Status::InvalidArgument(where + ": envelope must name one of the catalog's: " + names);
      }
      event.envelope = shape->first == "webhook" ? "" : shape->first;
      event.webhook = shape->second;
    }
    event.source = "catalog extension";
    const bool own_resource = e.contains("schema") || e.contains("samples");
    if (own_resource) {
      if (resources.contains(event.resource)) {
        return Status::InvalidArgument(where + ": resource '" + event.resource +
                                       "' already exists; give a new resource name for a schema and samples");
      }
      if (!e.contains("schema") || !e["schema"].is_object() || !e.contains("samples") ||
          !e["samples"].is_array() || e["samples"].empty() || e["samples"].size() > 100) {
        return Status::InvalidArgument(where +
                                       ": a resource needs both schema (an object) and samples (1 to 100)");
      }
      auto compiled = Compile(e["schema"], json::object());
      if (!compiled.ok()) return compiled.status().WithContext(where + ": ");
      for (std::size_t k = 0; k < e["samples"].size(); ++k) {
        const json& sample = e["samples"][k];
        if (!sample.is_object() || !sample.contains("data") || !sample["data"].is_object()) {
          return Status::InvalidArgument(where + ": samples[" + std::to_string(k) +
                                         "] needs data (an object)");
        }
        std::vector<SchemaViolation> violations = Run(**compiled, sample["data"]);
        if (!violations.empty()) {
          return Status::InvalidArgument(where + ": samples[" + std::to_string(k) +
                                         "] breaks its schema at " + violations[0].source + ": " +
                                         violations[0].detail);
        }
      }
      resources[event.resource] = {{"schema", e["schema"]}, {"samples", e["samples"]}};
      resource_schemas[event.resource] = *compiled;
    } else if (!resources.contains(event.resource)) {
      // Synthesized as a generic resource of this type.
      event.resource_type = event.resource;
      event.resource = kGenericResource;
    }
    event_index[event.key] = events.size();
    events.push_back(std::move(event));
  }
  return Status::Ok();
}

Status Spec::Impl::LoadDeliverySchemas(const SpecOptions& options) {
  StatusOr<json> resources_doc = ParseJsonFile(options, kResourcesFile);
  if (!resources_doc.ok()) return resources_doc.status();
  resources = resources_doc->at("resources");
  for (const auto& [name, entry] : resources.items()) {
    auto compiled = Compile(entry.at("schema"), json::object());
    if (!compiled.ok()) return compiled.status().WithContext("resource " + name + ": ");
    resource_schemas[name] = *compiled;
  }
  for (const ObservableEvent& event : events) {
    if (!resources.contains(event.resource)) {
      return Status::InvalidArgument("no sample resource for " + event.key + " in " + kResourcesFile);
    }
  }
  for (const char* kind : kEnvelopes) {
    StatusOr<json> schema = ParseJsonFile(options, std::string("envelopes/") + kind + ".schema.json");
    if (!schema.ok()) return schema.status();
    auto compiled = Compile(*schema, json::object());
    if (!compiled.ok()) return compiled.status().WithContext(std::string("envelope ") + kind + ": ");
    envelopes[kind] = *compiled;
    envelope_documents[kind] = std::move(*schema);
  }
  return Status::Ok();
}

Status Spec::Impl::Load(const SpecOptions& options) {
  try {
    Status s = LoadDocuments(options);
    if (s.ok()) s = CompileOperations();
    if (s.ok()) s = LoadCatalog(options);
    if (s.ok()) s = LoadDeliverySchemas(options);
    return s;
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("malformed schema files: ") + e.what());
  }
}

Spec::Spec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Spec::~Spec() = default;

StatusOr<std::shared_ptr<const Spec>> Spec::Load(const SpecOptions& options) {
  auto impl = std::make_unique<Impl>();
  Status s = impl->Load(options);
  if (!s.ok()) return s;
  return std::shared_ptr<const Spec>(new Spec(std::move(impl)));
}

std::shared_ptr<const Spec> Spec::Default() {
  static const std::shared_ptr<const Spec> spec = [] {
    StatusOr<std::shared_ptr<const Spec>> loaded = Load(SpecOptions{});
    if (!loaded.ok()) {
      std::fprintf(stderr, "epmock: the embedded schemas do not load: %s\n",
                   loaded.status().message().c_str());
      std::abort();
    }
    return *loaded;
  }();
  return spec;
}

std::vector<SchemaViolation> Spec::ValidateRequest(const std::string& operation_id, const json& body) const {
  auto it = impl_->requests.find(operation_id);
  if (it == impl_->requests.end()) return {};
  return Run(*it->second, body);
}

std::vector<SchemaViolation> Spec::ValidateResponse(const std::string& operation_id, int status,
                                                    const json& body) const {
  auto it = impl_->responses.find({operation_id, status});
  if (it != impl_->responses.end()) return Run(*it->second, body);
  if (impl_->empty_responses.count({operation_id, status})) {
    if (body.is_null()) return {};
    return {{"", operation_id + " answers " + std::to_string(status) + " with no body"}};
  }
  if (status >= 400) return Run(*impl_->error_schema, body);
  return {{"", operation_id + " does not declare status " + std::to_string(status)}};
}

std::vector<SchemaViolation> Spec::ValidateSchema(const std::string& schema_name,
                                                  const json& document) const {
  auto it = impl_->named.find(schema_name);
  if (it == impl_->named.end()) return {{"", "no schema named " + schema_name}};
  return Run(*it->second, document);
}

std::optional<std::string> Spec::OperationFor(const std::string& method, const std::string& path) const {
  std::string relative = path;
  if (relative.rfind("/v2/", 0) == 0)
    relative = relative.substr(3);
  else
    return std::nullopt;
  std::vector<std::string> segments = SplitPath(relative);
  for (const Route& route : impl_->routes) {
    if (route.method != method || route.segments.size() != segments.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      match = route.segments[i].front() == '{' || route.segments[i] == segments[i];
    }
    if (match) return route.operation_id;
  }
  return std::nullopt;
}

std::vector<SchemaViolation> Spec::ValidateEnvelope(const std::string& kind, const json& envelope) const {
  auto it = impl_->envelopes.find(kind);
  if (it == impl_->envelopes.end()) return {{"", "no envelope schema named " + kind}};
  return Run(*it->second, envelope);
}

const json* Spec::EnvelopeSchema(const std::string& kind) const {
  auto it = impl_->envelope_documents.find(kind);
  return it == impl_->envelope_documents.end() ? nullptr : &it->second;
}

std::vector<SchemaViolation> Spec::ValidateResource(const std::string& resource, const json& data) const {
  auto it = impl_->resource_schemas.find(resource);
  if (it == impl_->resource_schemas.end()) return {{"", "no resource schema for " + resource}};
  return Run(*it->second, data);
}

const json* Spec::Resource(const std::string& resource) const {
  auto it = impl_->resources.find(resource);
  return it == impl_->resources.end() ? nullptr : &*it;
}

const json& Spec::OpenApi() const { return impl_->openapi; }

const std::vector<ObservableEvent>& Spec::Events() const { return impl_->events; }

const ObservableEvent* Spec::FindEvent(const std::string& key) const {
  auto it = impl_->event_index.find(key);
  return it == impl_->event_index.end() ? nullptr : &impl_->events[it->second];
}

const std::vector<EventPattern>& Spec::EventPatterns() const { return impl_->patterns; }

std::optional<ObservableEvent> Spec::LookupEvent(const std::string& key) const {
  if (const ObservableEvent* named = FindEvent(key)) return *named;
  if (key.size() > kMaxEventKeyLength) return std::nullopt;
  for (std::size_t i = 0; i < impl_->patterns.size(); ++i) {
    if (!std::regex_match(key, impl_->pattern_res[i])) continue;
    const EventPattern& pattern = impl_->patterns[i];
    const std::size_t dot = key.find('.');
    ObservableEvent event;
    event.key = key;
    event.resource = pattern.resource;
    event.action = key.substr(dot + 1);
    event.store_level = pattern.store_level;
    event.organization_level = pattern.organization_level;
    event.resource_type = key.substr(0, dot);
    event.source = pattern.source;
    return event;
  }
  return std::nullopt;
}

StatusOr<std::shared_ptr<const Spec>> Spec::Extend(const json& extension) const {
  auto impl = std::make_unique<Impl>(*impl_);
  try {
    Status s = impl->AddExtension(extension);
    if (!s.ok()) return s;
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("malformed catalog extension: ") + e.what());
  }
  return std::shared_ptr<const Spec>(new Spec(std::move(impl)));
}

StatusOr<std::shared_ptr<const Spec>> Spec::ExtendFromFile(const std::string& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read the catalog extension " + path);
  std::string text(kMaxCatalogExtensionBytes + 1, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxCatalogExtensionBytes) {
    return Status::InvalidArgument(path + ": a catalog extension is at most " +
                                   std::to_string(kMaxCatalogExtensionBytes) + " bytes");
  }
  if (internal::JsonTextDepth(text) > kMaxExtensionDepth) {
    return Status::InvalidArgument(path + ": nested deeper than " + std::to_string(kMaxExtensionDepth) +
                                   " levels");
  }
  json extension = json::parse(text, nullptr, false);
  if (extension.is_discarded()) return Status::InvalidArgument(path + " is not valid JSON");
  StatusOr<std::shared_ptr<const Spec>> extended = Extend(extension);
  if (!extended.ok()) return extended.status().WithContext(path + ": ");
  return extended;
}

}  // namespace epmock
