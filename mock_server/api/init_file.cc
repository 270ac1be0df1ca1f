#include "api/init_file.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "api/engine.h"
#include "api/router.h"
#include "common/strings.h"
#include "epmock/organization.h"
#include "schema/yaml_json.h"

namespace epmock::internal {
namespace {

using nlohmann::json;

std::size_t Depth(const json& value) {
  if (!value.is_structured()) return 0;
  std::size_t deepest = 0;
  for (const json& item : value) deepest = std::max(deepest, Depth(item));
  return deepest + 1;
}

// Whether every key and string of `value` is UTF-8: yaml-cpp writes the escape "\_" (a
// no-break space) as the one byte 0xA0, which
// the text's own check cannot see, and such a string cannot be written as JSON.
bool AllUtf8(const json& value) {
  if (value.is_string()) return IsValidUtf8(value.get_ref<const std::string&>());
  if (value.is_object()) {
    for (const auto& item : value.items()) {
      if (!IsValidUtf8(item.key()) || !AllUtf8(item.value())) return false;
    }
    return true;
  }
  if (value.is_array()) return std::all_of(value.begin(), value.end(), AllUtf8);
  return true;
}

// Reads one document's parts, each error prefixed by where it is.
class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}

  Status Refuse(const std::string& at, const std::string& why) const {
    return Status::InvalidArgument(where_ + (at.empty() ? "" : at + ": ") + why);
  }
  // Only `known` keys; the first other one is refused by name.
  Status KnownKeys(const json& object, const std::string& at,
                   std::initializer_list<const char*> known) const {
    for (const auto& item : object.items()) {
      const std::string& key = item.key();
      if (std::none_of(known.begin(), known.end(), [&key](const char* k) { return key == k; })) {
        std::string list;
        for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        return Refuse(at, "unknown key '" + key.substr(0, 100) + "' (known: " + list + ")");
      }
    }
    return Status::Ok();
  }
  Status ClientId(const json& value, const std::string& at, std::string* out) const {
    if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
        value.get_ref<const std::string&>().size() > kMaxClientIdLength) {
      return Refuse(at,
                    "a client id: a string of 1 to " + std::to_string(kMaxClientIdLength) + " characters");
    }
    *out = value.get<std::string>();
    return Status::Ok();
  }
  Status Array(const json& document, const char* key, std::size_t most, const json** out) const {
    *out = nullptr;
    if (!document.contains(key)) return Status::Ok();
    const json& value = document[key];
    if (!value.is_array()) return Refuse(key, "a list");
    if (value.size() > most) return Refuse(key, "at most " + std::to_string(most) + " entries");
    *out = &value;
    return Status::Ok();
  }

 private:
  std::string where_;
};

Status ParseStores(const Reader& r, const json& stores, InitPlan* plan) {
  std::size_t integrations = 0;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    const std::string at = "stores[" + std::to_string(i) + "]";
    const json& entry = stores[i];
    if (!entry.is_object()) return r.Refuse(at, "an object: {client_id, kind?, page_length?, integrations?}");
    if (Status known = r.KnownKeys(entry, at, {"client_id", "kind", "page_length", "integrations"});
        !known.ok())
      return known;
    InitStore store;
    if (!entry.contains("client_id")) return r.Refuse(at, "client_id is required");
    if (Status id = r.ClientId(entry["client_id"], at + ".client_id", &store.client_id); !id.ok()) return id;
    if (!seen.insert(store.client_id).second)
      return r.Refuse(
          at, "the store '" + store.client_id.substr(0, 100) + "' is listed twice; merge the entries");
    if (entry.contains("kind")) {
      if (!entry["kind"].is_string()) return r.Refuse(at + ".kind", "a string: production or development");
      store.settings.kind = entry["kind"].get<std::string>();
    }
    if (entry.contains("page_length")) {
      if (!entry["page_length"].is_number_integer()) return r.Refuse(at + ".page_length", "a whole number");
      store.settings.page_length = entry["page_length"].get<long long>();
    }
    if (entry.contains("integrations")) {
      const json& list = entry["integrations"];
      if (!list.is_array())
        return r.Refuse(at + ".integrations", "a list of integrations (POST /v2/integrations' data)");
      integrations += list.size();
      if (integrations > kMaxInitIntegrations)
        return r.Refuse(at + ".integrations",
                        "at most " + std::to_string(kMaxInitIntegrations) + " integrations in all");
      for (std::size_t k = 0; k < list.size(); ++k) {
        if (!list[k].is_object())
          return r.Refuse(at + ".integrations[" + std::to_string(k) + "]",
                          "an object: an integration's data");
        store.integrations.push_back(list[k]);
      }
    }
    plan->stores.push_back(std::move(store));
  }
  return Status::Ok();
}

Status ParseDocument(const json& document, const std::string& where, InitPlan* plan) {
  const Reader r(where);
  if (!document.is_object())
    return r.Refuse("", "an init file is an object: {queues?, organizations?, stores?}");
  if (Status known = r.KnownKeys(document, "", {"queues", "organizations", "stores"}); !known.ok())
    return known;

  const json* queues = nullptr;
  if (Status s = r.Array(document, "queues", kMaxInitQueues, &queues); !s.ok()) return s;
  for (std::size_t i = 0; queues && i < queues->size(); ++i) {
    const json& name = (*queues)[i];
    if (!name.is_string()) return r.Refuse("queues[" + std::to_string(i) + "]", "a queue name");
    plan->queues.push_back(name.get<std::string>());  // the endpoint checks the name
  }

  const json* organizations = nullptr;
  if (Status s = r.Array(document, "organizations", kMaxInitOrganizations, &organizations); !s.ok()) return s;
  for (std::size_t i = 0; organizations && i < organizations->size(); ++i) {
    const std::string at = "organizations[" + std::to_string(i) + "]";
    const json& entry = (*organizations)[i];
    if (!entry.is_object()) return r.Refuse(at, "an object: {client_id, stores}");
    if (Status known = r.KnownKeys(entry, at, {"client_id", "stores"}); !known.ok()) return known;
    InitOrganization organization;
    if (!entry.contains("client_id")) return r.Refuse(at, "client_id is required");
    if (Status id = r.ClientId(entry["client_id"], at + ".client_id", &organization.client_id); !id.ok())
      return id;
    const json stores = entry.value("stores", json::array());
    if (!stores.is_array()) return r.Refuse(at + ".stores", "a list of store client ids");
    for (std::size_t k = 0; k < stores.size(); ++k) {
      std::string store;
      if (Status id = r.ClientId(stores[k], at + ".stores[" + std::to_string(k) + "]", &store); !id.ok())
        return id;
      organization.stores.push_back(std::move(store));
    }
    plan->organizations.push_back(std::move(organization));
  }

  const json* stores = nullptr;
  if (Status s = r.Array(document, "stores", kMaxInitStores, &stores); !s.ok()) return s;
  return stores ? ParseStores(r, *stores, plan) : Status::Ok();
}

// Every string of `value` with {{api_url}}, {{sqs_url}} and {{stomp_url}} replaced.
void Substitute(json& value, const InitUrls& urls) {
  if (value.is_structured()) {
    for (json& item : value) Substitute(item, urls);
    return;
  }
  if (!value.is_string()) return;
  std::string text = value.get<std::string>();
  const std::pair<const char*, const std::string*> names[] = {
      {"{{api_url}}", &urls.api}, {"{{sqs_url}}", &urls.sqs}, {"{{stomp_url}}", &urls.stomp}};
  for (const auto& [name, url] : names) {
    const std::string placeholder = name;
    for (std::size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + url->size()))
      text.replace(at, placeholder.size(), *url);
  }
  value = text;
}

// The first error of an answer in the platform's shape, as "STATUS Title: detail".
std::string Describe(const HttpResponse& answer) {
  const json body = json::parse(answer.body, nullptr, false);
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() && !body["errors"].empty() &&
      body["errors"][0].is_object()) {
    const json& error = body["errors"][0];
    std::string text = std::to_string(answer.status) + " " + error.value("title", "");
    if (error.contains("source") && error["source"].is_string())
      text += ": " + error["source"].get<std::string>();
    return text + ": " + error.value("detail", "");
  }
  return std::to_string(answer.status) + ": " + answer.body.substr(0, 300);
}

HttpRequest InProcess(const std::string& method, const std::string& path, const std::string& base_url) {
  HttpRequest request;
  request.method = method;
  request.path = path;
  request.target = path;
  request.base_url = base_url;
  request.remote_addr = "127.0.0.1";
  return request;
}

}  // namespace

StatusOr<InitPlan> ParseInitText(const std::string& text, const std::string& where) {
  if (text.size() > kMaxInitFileBytes)
    return Status::InvalidArgument(where + "an init file is at most " + std::to_string(kMaxInitFileBytes) +
                                   " bytes");
  // Checked before any parser sees it: its depth (they recurse) and its encoding.
  if (JsonTextDepth(text) > static_cast<std::size_t>(kMaxInitFileDepth))
    return Status::InvalidArgument(where + "nested deeper than " + std::to_string(kMaxInitFileDepth) +
                                   " levels");
  if (!IsValidUtf8(text)) return Status::InvalidArgument(where + "not valid UTF-8");
  json document;
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    document = json::parse(text, nullptr, false);
    if (document.is_discarded()) return Status::InvalidArgument(where + "not valid JSON");
  } else {
    StatusOr<json> parsed = YamlToJson(
        text, YamlLimits{100000, 16 * kMaxInitFileBytes, static_cast<std::size_t>(kMaxInitFileDepth)});
    if (!parsed.ok()) return parsed.status().WithContext(where);
    document = *parsed;
  }
  if (Depth(document) > static_cast<std::size_t>(kMaxInitFileDepth))
    return Status::InvalidArgument(where + "nested deeper than " + std::to_string(kMaxInitFileDepth) +
                                   " levels");
  if (!AllUtf8(document))
    return Status::InvalidArgument(where +
                                   "a string is not valid UTF-8 (yaml-cpp makes one byte of the escape \\_)");
  InitPlan plan;
  if (Status parsed = ParseDocument(document, where, &plan); !parsed.ok()) return parsed;
  return plan;
}

StatusOr<InitPlan> LoadInitFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read the init file " + path);
  std::string text;
  // One byte past the limit is enough to refuse it.
  text.resize(kMaxInitFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return ParseInitText(text, path + ": ");
}

Status ApplyInit(Engine& engine, const InitPlan& plan, const InitUrls& urls, const std::string& where) {
  Control& control = engine.control();
  for (std::size_t i = 0; i < plan.queues.size(); ++i) {
    StatusOr<std::string> created = control.CreateQueue(plan.queues[i]);
    if (!created.ok()) return created.status().WithContext(where + "queues[" + std::to_string(i) + "]: ");
  }
  for (std::size_t i = 0; i < plan.organizations.size(); ++i) {
    const InitOrganization& o = plan.organizations[i];
    StatusOr<Organization> declared = control.DeclareOrganization(o.client_id, o.stores);
    if (!declared.ok())
      return declared.status().WithContext(where + "organizations[" + std::to_string(i) + "]: ");
  }
  for (std::size_t i = 0; i < plan.stores.size(); ++i) {
    const InitStore& s = plan.stores[i];
    const std::string at = where + "stores[" + std::to_string(i) + "]";
    if (s.settings.kind || s.settings.page_length) {
      Status configured = control.ConfigureStore(*engine.stores().ForClient(s.client_id), s.settings);
      if (!configured.ok()) return configured.WithContext(at + ": ");
    }
    if (s.integrations.empty()) continue;
    // A token of the store's client, as any client gets one.
    HttpRequest grant = InProcess("POST", "/oauth/access_token", urls.api);
    grant.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    grant.body =
        "grant_type=client_credentials&client_id=" + PercentEncode(s.client_id) + "&client_secret=epmock";
    const HttpResponse granted = Route(engine, grant);
    const json token = json::parse(granted.body, nullptr, false);
    if (granted.status != 200 || !token.is_object() || !token.contains("access_token"))
      return Status::Internal(at + ": no token for its client: " + Describe(granted));
    for (std::size_t k = 0; k < s.integrations.size(); ++k) {
      json data = s.integrations[k];
      Substitute(data, urls);
      if (!data.contains("type")) data["type"] = "integration";
      HttpRequest create = InProcess("POST", "/v2/integrations", urls.api);
      create.headers = {{"Content-Type", "application/json"},
                        {"Authorization", "Bearer " + token["access_token"].get<std::string>()}};
      create.body = json{{"data", std::move(data)}}.dump(-1, ' ', false, json::error_handler_t::replace);
      const HttpResponse created = Route(engine, create);
      if (created.status != 201) {
        return Status::InvalidArgument(at + ".integrations[" + std::to_string(k) + "]: " + Describe(created));
      }
    }
  }
  return Status::Ok();
}

}  // namespace epmock::internal
