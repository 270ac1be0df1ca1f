#include "events/variety.h"

#include <algorithm>
#include <functional>

#include "common/ids.h"
#include "envelope/envelope.h"

namespace epmock::internal {
namespace {

using nlohmann::json;

// Names as shoppers have them: accents, scripts written right to left, CJK, full-width
// forms, emoji, a combining mark.
const std::vector<std::string>& UnicodeNames() {
  static const std::vector<std::string> names = {
      "Zoë Ångström",   "李小龍",      "Ｆｕｌｌ Ｗｉｄｔｈ", "Ana 🙂 Lima",
      "Nguyễn Văn Anh", "Łukasz Żółć", "Ἀλέξανδρος",          "Jos\u0065\u0301 Garc\u0131a"};
  return names;
}
const std::vector<std::string>& RtlNames() {
  static const std::vector<std::string> names = {"محمد الأحمد", "שרה כהן", "فاطمة الزهراء", "دانیال رضایی"};
  return names;
}

bool IsNameKey(const std::string& key) {
  return key == "name" || key == "first_name" || key == "last_name" || key == "company_name" ||
         key == "legal_name";
}

// Calls `visit` on every member of every object in the tree, with its key.
void EachMember(json& node, const std::function<void(const std::string&, json&)>& visit) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      visit(it.key(), it.value());
      EachMember(it.value(), visit);
    }
  } else if (node.is_array()) {
    for (json& item : node) EachMember(item, visit);
  }
}

// The resource's string members an edge case may change: not ids, types, links or times.
std::vector<json*> FreeStrings(json& node) {
  std::vector<json*> out;
  EachMember(node, [&](const std::string& key, json& value) {
    if (!value.is_string() || key == "id" || key == "type" || key == "self" ||
        key.find("_id") != std::string::npos || key.find("_at") != std::string::npos || key == "currency" ||
        key == "email" || key == "status")
      return;
    out.push_back(&value);
  });
  return out;
}

std::string Pick(const std::vector<std::string>& options, std::mt19937_64& rng) {
  return options[rng() % options.size()];
}

// Each case changes the resource and says whether it found anything to change.
using Case = std::function<bool(Resource&, std::mt19937_64&)>;

bool Names(Resource& r, std::mt19937_64& rng, const std::vector<std::string>& names) {
  bool changed = false;
  EachMember(r.data, [&](const std::string& key, json& value) {
    if (IsNameKey(key) && value.is_string()) {
      value = Pick(names, rng);
      changed = true;
    }
  });
  return changed;
}

// Sets every member named `key` whose value is of the kind `applies` accepts, in the
// resource and its included ones.
bool SetEvery(Resource& r, const std::string& key, bool (*applies)(const json&), const json& value) {
  bool changed = false;
  for (json* root : {&r.data, &r.included}) {
    EachMember(*root, [&](const std::string& name, json& member) {
      if (name == key && applies(member)) {
        member = value;
        changed = true;
      }
    });
  }
  return changed;
}

bool IsWholeNumber(const json& value) { return value.is_number_integer(); }
bool IsText(const json& value) { return value.is_string(); }

bool Amounts(Resource& r, std::int64_t amount) { return SetEvery(r, "amount", IsWholeNumber, amount); }

bool ManyItems(Resource& r, std::mt19937_64& rng) {
  if (!r.included.is_object() || !r.included.contains("items") || !r.included["items"].is_array() ||
      r.included["items"].empty())
    return false;
  json& items = r.included["items"];
  const json first = items[0];
  std::int64_t total = 0;
  json links = json::array();
  items = json::array();
  for (int i = 0; i < 40; ++i) {
    json item = first;
    item["id"] = UuidFrom(rng);  // the batch's seed fixes them too
    item["quantity"] = 1 + i % 3;
    if (item.contains("value") && item["value"].contains("amount") && item["unit_price"].contains("amount")) {
      item["value"]["amount"] =
          item["unit_price"]["amount"].get<std::int64_t>() * item["quantity"].get<std::int64_t>();
      total += item["value"]["amount"].get<std::int64_t>();
    }
    links.push_back({{"type", "item"}, {"id", item["id"]}});
    items.push_back(std::move(item));
  }
  if (r.data.contains("relationships") && r.data["relationships"].contains("items"))
    r.data["relationships"]["items"]["data"] = links;
  // The order's totals are its items' values.
  if (json* price = r.data.contains("meta") && r.data["meta"].contains("display_price")
                        ? &r.data["meta"]["display_price"]
                        : nullptr) {
    for (const char* kind : {"with_tax", "without_tax"}) {
      if (price->contains(kind) && (*price)[kind].contains("amount")) (*price)[kind]["amount"] = total;
    }
  }
  return true;
}

bool NearSqsLimit(Resource& r, std::mt19937_64& rng) {
  if (!r.included.is_object() || !r.included.contains("items") || !r.included["items"].is_array() ||
      r.included["items"].empty())
    return false;
  // The included items' names carry enough text that data and included together pass SQS's
  // 256 KiB (the CloudEvent then elides them), while the webhook body stays under 1 MiB.
  const std::size_t each = (kSqsMessageLimit + 16 * 1024) / r.included["items"].size();
  for (json& item : r.included["items"]) {
    if (item.contains("name")) item["name"] = std::string(each, static_cast<char>('a' + rng() % 26));
  }
  return true;
}

const std::vector<std::pair<std::string, Case>>& Cases() {
  static const std::vector<std::pair<std::string, Case>> cases = {
      {"unicode_name", [](Resource& r, std::mt19937_64& rng) { return Names(r, rng, UnicodeNames()); }},
      {"rtl_name", [](Resource& r, std::mt19937_64& rng) { return Names(r, rng, RtlNames()); }},
      {"empty_optional",
       [](Resource& r, std::mt19937_64& rng) {
         std::vector<json*> strings = FreeStrings(r.data);
         if (strings.empty()) return false;
         *strings[rng() % strings.size()] = "";
         return true;
       }},
      {"long_string",
       [](Resource& r, std::mt19937_64& rng) {
         std::vector<json*> strings = FreeStrings(r.data);
         if (strings.empty()) return false;
         *strings[rng() % strings.size()] = std::string(2000, 'x') + " " + Pick(UnicodeNames(), rng);
         return true;
       }},
      {"many_items", ManyItems},
      {"zero_amount", [](Resource& r, std::mt19937_64&) { return Amounts(r, 0); }},
      {"large_amount", [](Resource& r, std::mt19937_64&) { return Amounts(r, 999999999999); }},
      {"currency",
       [](Resource& r, std::mt19937_64& rng) {
         return SetEvery(r, "currency", IsText, Pick({"EUR", "JPY", "GBP", "CAD"}, rng));
       }},
      {"near_sqs_limit", NearSqsLimit},
  };
  return cases;
}

}  // namespace

bool IsVarietyProfile(const std::string& name) {
  return name == "realistic" || name == "edge-cases" || name == kForwardCompatible;
}

Status CheckVarietyProfile(const std::string& name) {
  if (IsVarietyProfile(name)) return Status::Ok();
  return Status::InvalidArgument("profile: 'realistic', 'edge-cases' or 'forward-compatible', not '" +
                                 name.substr(0, 64) + "'");
}

namespace {

// The paths (member names from the resource's root) of every string enum in its schema.
void EnumPaths(const json& schema, std::vector<std::string>* path,
               std::vector<std::vector<std::string>>* out) {
  if (!schema.is_object()) return;
  if (schema.contains("enum") && schema["enum"].is_array() && !path->empty()) {
    const json& values = schema["enum"];
    if (!values.empty() && values[0].is_string()) out->push_back(*path);
  }
  auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object()) return;
  for (auto it = properties->begin(); it != properties->end(); ++it) {
    path->push_back(it.key());
    EnumPaths(it.value(), path, out);
    path->pop_back();
  }
}

void AddFutureFields(json& node) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) AddFutureFields(it.value());
    node[kFutureField] = "a member a later version of the platform may send";
  } else if (node.is_array()) {
    for (json& item : node) AddFutureFields(item);
  }
}

}  // namespace

std::vector<std::string> ApplyForwardCompatible(Resource& resource, const std::string& schema_resource,
                                                const Spec& spec, std::mt19937_64& rng) {
  std::vector<std::string> added;
  if (!resource.data.is_object() || !spec.ValidateResource(schema_resource, resource.data).empty())
    return added;
  // Unknown values where the schema has a closed set.
  if (const json* entry = spec.Resource(schema_resource); entry && entry->contains("schema")) {
    std::vector<std::vector<std::string>> paths;
    std::vector<std::string> path;
    EnumPaths((*entry)["schema"], &path, &paths);
    for (const std::vector<std::string>& at : paths) {
      json* value = &resource.data;
      std::string named;
      for (const std::string& key : at) {
        value = value->is_object() && value->contains(key) ? &(*value)[key] : nullptr;
        if (!value) break;
        named += (named.empty() ? "" : ".") + key;
      }
      if (!value || !value->is_string()) continue;
      *value = kFutureValue;
      added.push_back("unknown_value:" + named);
    }
  }
  // An unknown relationship, and the resource it names among the included ones.
  const std::string future_id = UuidFrom(rng);
  if (!resource.data.contains("relationships") || !resource.data["relationships"].is_object())
    resource.data["relationships"] = json::object();
  resource.data["relationships"][kFutureRelationship] = {
      {"data", {{"type", kFutureType}, {"id", future_id}}}};
  added.push_back("unknown_relationship");
  if (!resource.included.is_object()) resource.included = json::object();
  resource.included[std::string(kFutureType) + "s"] =
      json::array({{{"type", kFutureType}, {"id", future_id}}});
  added.push_back("unknown_included_type");
  // A member nobody knows yet on every object, the new ones included.
  AddFutureFields(resource.data);
  for (auto it = resource.included.begin(); it != resource.included.end(); ++it) AddFutureFields(it.value());
  added.push_back("unknown_fields");
  return added;
}

const std::vector<std::string>& EdgeCaseNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, apply] : Cases()) out.push_back(name);
    return out;
  }();
  return names;
}

std::vector<std::string> ApplyEdgeCases(Resource& resource, const std::string& schema_resource,
                                        const Spec& spec, std::mt19937_64& rng, std::size_t n) {
  std::vector<std::string> kept;
  const auto& cases = Cases();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const bool chosen = i == n % cases.size() || (cases[i].first != "near_sqs_limit" && rng() % 4 == 0);
    if (!chosen) continue;
    Resource before = resource;
    if (!cases[i].second(resource, rng)) continue;
    SettleOrder(resource.data);  // new totals, the same state
    if (!spec.ValidateResource(schema_resource, resource.data).empty()) {
      resource = std::move(before);  // the schema does not allow it here
      continue;
    }
    kept.push_back(cases[i].first);
  }
  return kept;
}

}  // namespace epmock::internal
