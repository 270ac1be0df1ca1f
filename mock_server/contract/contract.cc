#include "epmock/contract.h"

#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <strings.h>

#include "common/ids.h"
#include "common/strings.h"
#include "contract/rules.h"
#include "epmock/spec.h"
#include "http/client_pool.h"

namespace epmock {
namespace {

using nlohmann::json;
using Variables = std::map<std::string, std::string>;

// Replaces ${name} with the variable's value; unknown names stay as they are.
std::string Substitute(const std::string& text, const Variables& variables) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = text.find("${", i);
    if (start == std::string::npos) break;
    std::size_t end = text.find('}', start);
    if (end == std::string::npos) break;
    out.append(text, i, start - i);
    auto it = variables.find(text.substr(start + 2, end - start - 2));
    out += it == variables.end() ? text.substr(start, end - start + 1) : it->second;
    i = end + 1;
  }
  out.append(text, i, std::string::npos);
  return out;
}

json SubstituteAll(const json& value, const Variables& variables) {
  if (value.is_string()) return Substitute(value.get<std::string>(), variables);
  if (value.is_array() || value.is_object()) {
    json out = value;
    for (auto& item : out) item = SubstituteAll(item, variables);
    return out;
  }
  return value;
}

std::string Short(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

// A whole-value placeholder: {{kind}} or {{kind:capture}}. Returns false if `expected` is
// not one.
bool MatchPlaceholder(const std::string& expected, const json& actual, const std::string& pointer,
                      Variables& variables, std::vector<std::string>* mismatches) {
  static const std::regex re(R"(\{\{([a-z]+)(?::([A-Za-z0-9_]+))?\}\})");
  std::smatch m;
  if (!std::regex_match(expected, m, re)) return false;
  const std::string kind = m[1];
  const std::string capture = m[2];
  const std::string text = actual.is_string() ? actual.get<std::string>() : "";
  bool ok = false;
  if (kind == "any")
    ok = true;
  else if (kind == "string")
    ok = actual.is_string();
  else if (kind == "uuid")
    ok = actual.is_string() && internal::IsUuid(text);
  else if (kind == "timestamp")
    ok = actual.is_string() && internal::IsTimestamp(text);
  else if (kind == "integer")
    ok = actual.is_number_integer();
  else if (kind == "number")
    ok = actual.is_number();
  else if (kind == "boolean")
    ok = actual.is_boolean();
  else if (kind == "masked") {
    ok = actual.is_string() && internal::IsMaskedSecret(text);
  } else if (kind == "url") {
    ok = actual.is_string() && (text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0);
  } else {
    mismatches->push_back(pointer + ": unknown placeholder " + expected);
    return true;
  }
  if (!ok) {
    mismatches->push_back(pointer + ": expected " + expected + ", got " + Short(actual));
  } else if (!capture.empty()) {
    variables[capture] = actual.is_string() ? text : actual.dump();
  }
  return true;
}

std::string EscapeToken(const std::string& token) {
  std::string out;
  out += internal::JsonPointerEscape(token);
  return out;
}

}  // namespace

void MatchContractValue(const json& expected, const json& actual, const std::string& pointer,
                        Variables& variables, std::vector<std::string>* mismatches) {
  const std::string where = pointer.empty() ? "/" : pointer;
  if (expected.is_string() &&
      MatchPlaceholder(expected.get<std::string>(), actual, where, variables, mismatches)) {
    return;
  }
  if (expected.is_object() && expected.size() == 1 && expected.contains("{{json}}")) {
    // A string that holds JSON (the webhook envelope's deprecated `resources`).
    json parsed = actual.is_string() ? json::parse(actual.get<std::string>(), nullptr, false) : json();
    if (!actual.is_string() || parsed.is_discarded()) {
      mismatches->push_back(where + ": expected a string of JSON, got " + Short(actual));
      return;
    }
    MatchContractValue(expected["{{json}}"], parsed, pointer, variables, mismatches);
    return;
  }
  if (expected.is_object()) {
    if (!actual.is_object()) {
      mismatches->push_back(where + ": expected an object, got " + Short(actual));
      return;
    }
    for (const auto& [key, value] : expected.items()) {
      auto it = actual.find(key);
      if (it == actual.end()) {
        mismatches->push_back(pointer + "/" + EscapeToken(key) + ": missing (expected " + Short(value) + ")");
      } else {
        MatchContractValue(value, *it, pointer + "/" + EscapeToken(key), variables, mismatches);
      }
    }
    for (const auto& [key, value] : actual.items()) {
      if (!expected.contains(key)) {
        mismatches->push_back(pointer + "/" + EscapeToken(key) + ": not in the contract (got " +
                              Short(value) + ")");
      }
    }
    return;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      mismatches->push_back(where + ": expected " + std::to_string(expected.size()) + " items, got " +
                            Short(actual));
      return;
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      MatchContractValue(expected[i], actual[i], pointer + "/" + std::to_string(i), variables, mismatches);
    }
    return;
  }
  json wanted = expected.is_string() ? json(Substitute(expected.get<std::string>(), variables)) : expected;
  if (wanted != actual) {
    mismatches->push_back(where + ": expected " + Short(wanted) + ", got " + Short(actual));
  }
}

std::string ContractResult::Report() const {
  std::ostringstream out;
  out << file << " (" << description << "): " << (passed() ? "passed" : "FAILED");
  for (const std::string& m : mismatches) out << "\n  " << m;
  return out.str();
}

ContractVerifier::ContractVerifier(ContractOptions options) : options_(std::move(options)) {}

ContractResult ContractVerifier::VerifyFile(const std::string& path) const {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  json contract = json::parse(text.str(), nullptr, false);
  if (!in || contract.is_discarded()) {
    ContractResult result;
    result.file = path;
    result.mismatches.push_back("cannot read the contract as JSON");
    return result;
  }
  return Verify(contract, path);
}

namespace {

httplib::Result SendJson(httplib::ClientImpl& http, const std::string& method, const std::string& path,
                         const std::string& token, const json* body) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers.emplace("Authorization", "Bearer " + token);
  if (body) {
    req.body = body->dump();
    req.headers.emplace("Content-Type", "application/json");
  }
  return http.send(req);
}

json JsonBody(const httplib::Result& res) {
  if (!res) return json();
  json body = json::parse(res->body, nullptr, false);
  return body.is_discarded() ? json() : body;
}

std::string Answer(const httplib::Result& res) {
  if (!res) return "no answer (" + httplib::to_string(res.error()) + ")";
  return "HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 300);
}

void VerifyInteractions(const json& interactions, httplib::ClientImpl& http, const std::string& token,
                        Variables& variables, ContractResult* result) {
  auto spec = Spec::Default();
  if (!interactions.is_array() || interactions.empty()) {
    result->mismatches.push_back("the contract has no interactions");
    return;
  }
  for (std::size_t i = 0; i < interactions.size(); ++i) {
    const json& interaction = interactions[i];
    const std::string label = "interaction " + std::to_string(i + 1);
    std::vector<std::string> mismatches;
    json request = SubstituteAll(interaction.value("request", json::object()), variables);
    httplib::Request req;
    req.method = request.value("method", "GET");
    req.path = request.value("path", "/");
    if (request.value("auth", true)) req.headers.emplace("Authorization", "Bearer " + token);
    const json request_headers = request.value("headers", json::object());
    for (const auto& [header, value] : request_headers.items()) {
      req.headers.emplace(header, value.get<std::string>());
    }
    if (request.contains("body")) {
      req.body = request["body"].dump();
      if (!req.has_header("Content-Type")) req.headers.emplace("Content-Type", "application/json");
    } else if (request.contains("raw_body")) {
      req.body = request["raw_body"].get<std::string>();
    }
    auto res = http.send(req);
    ++result->interactions;
    if (!res) {
      result->mismatches.push_back(label + ": no answer to " + req.method + " " + req.path);
      break;
    }
    const json expected = interaction.value("response", json::object());
    if (res->status != expected.value("status", 200)) {
      mismatches.push_back("status: expected " + std::to_string(expected.value("status", 200)) + ", got " +
                           std::to_string(res->status) + " " + res->body.substr(0, 300));
    }
    json actual = res->body.empty() ? json(nullptr) : json::parse(res->body, nullptr, false);
    if (actual.is_discarded()) {
      mismatches.push_back("body: not JSON: " + res->body.substr(0, 200));
    } else {
      if (expected.contains("body")) {
        // A first pass only captures ({{uuid:id}}), so that ${id} can be used anywhere in
        // the same body whatever the key order.
        std::vector<std::string> ignored;
        MatchContractValue(expected["body"], actual, "", variables, &ignored);
        MatchContractValue(expected["body"], actual, "", variables, &mismatches);
      }
      const std::string path = req.path.substr(0, req.path.find('?'));
      if (auto op = spec->OperationFor(req.method, path)) {
        for (const SchemaViolation& v : spec->ValidateResponse(*op, res->status, actual)) {
          mismatches.push_back("schema (" + *op + " " + std::to_string(res->status) + ") " +
                               (v.source.empty() ? "/" : v.source) + ": " + v.detail);
        }
      }
    }
    // Headers after the body, whose captures they may use.
    const json expected_headers = expected.value("headers", json::object());
    for (const auto& [header, value] : expected_headers.items()) {
      MatchContractValue(value, json(res->get_header_value(header)), "header " + header, variables,
                         &mismatches);
    }
    for (std::string& m : mismatches) result->mismatches.push_back(label + ": " + m);
  }
}

// A delivery contract: an integration pointed at the target's own sink, queue or broker,
// the event triggered through the admin API, and what arrived compared with the recording.
void VerifyDelivery(const ContractOptions& options, const json& delivery, httplib::ClientImpl& http,
                    const std::string& token, Variables& variables, ContractResult* result) {
  auto fail = [&](const std::string& what) { result->mismatches.push_back(what); };
  const json integration_in = delivery.value("integration", json::object());
  const json trigger = delivery.value("trigger", json::object());
  const json expect = delivery.value("expect", json::object());
  const std::string type = integration_in.value("integration_type", "webhook");
  if (!trigger.is_object() || !trigger.contains("type")) return fail("delivery.trigger needs a type");
  result->interactions = 1;

  // 1. Somewhere on the target to deliver to, which the verifier can read back.
  const std::string name = "contract-" + internal::NewUuid();
  json integration = integration_in;
  integration["type"] = "integration";
  integration["enabled"] = true;
  json& configuration = integration["configuration"];
  if (!configuration.is_object()) configuration = json::object();
  std::string read_back;
  if (type == "webhook") {
    variables["delivery_url"] = options.target_url + "/__sink/webhook/" + name;
    configuration["url"] = variables["delivery_url"];
    read_back = "/__admin/sinks/webhook/" + name;
  } else if (type == "aws_sqs") {
    auto res = SendJson(http, "PUT", "/__admin/sqs/queues/" + name, token, nullptr);
    json body = JsonBody(res);
    if (!res || res->status / 100 != 2 || !body.contains("data")) {
      return fail("cannot create a queue on the target's embedded SQS endpoint: " + Answer(res));
    }
    variables["delivery_url"] = body["data"].value("queue_url", "");
    configuration["url"] = variables["delivery_url"];
    read_back = "/__admin/sqs/queues/" + name;
  } else if (type == "stomp") {
    const std::string destination = "/queue/" + name;
    variables["destination"] = destination;
    read_back = "/__admin/stomp/messages?destination=" + httplib::detail::encode_query_param(destination);
    auto res = SendJson(http, "GET", read_back, token, nullptr);
    json body = JsonBody(res);
    if (!res || res->status != 200 || !body.contains("meta")) {
      return fail("the target runs no embedded STOMP broker: " + Answer(res));
    }
    variables["delivery_url"] = body["meta"].value("broker_url", "");
    configuration["addresses"] = json::array({variables["delivery_url"]});
    configuration["destination"] = destination;
  } else {
    return fail("unknown integration_type " + type);
  }

  // 2. The integration and the event, through the API and the admin API; at the
  // organization level when the contract says so (the client declared an organization of no
  // stores for the contract's length).
  const bool organization = delivery.value("organization", false);
  if (organization) {
    json declaration = {{"stores", json::array()}};
    auto declared = SendJson(http, "PUT", "/__admin/organization", token, &declaration);
    if (!declared || declared->status != 200) {
      return fail("declaring the contract's client an organization failed: " + Answer(declared));
    }
  }
  struct Forget {
    bool active;
    httplib::ClientImpl& http;
    const std::string& token;
    ~Forget() {
      if (active) (void)SendJson(http, "DELETE", "/__admin/organization", token, nullptr);
    }
  } forget{organization, http, token};
  json create = {{"data", integration}};
  auto created = SendJson(http, "POST", "/v2/integrations", token, &create);
  json created_body = JsonBody(created);
  if (!created || created->status != 201) return fail("creating the integration failed: " + Answer(created));
  variables["integration_id"] = created_body["data"].value("id", "");
  json event_request = SubstituteAll(trigger, variables);
  auto triggered = SendJson(http, "POST", "/__admin/events", token, &event_request);
  json event = JsonBody(triggered);
  if (!triggered || triggered->status != 201) {
    return fail("triggering " + trigger.value("type", "") +
                " failed (delivery contracts need an epmock target): " + Answer(triggered));
  }
  auto text = [&event](const char* key) {
    const json& value = event["data"][key];
    return value.is_string() ? value.get<std::string>() : std::string();
  };
  variables["event_id"] = text("id");
  variables["store_id"] = text("store_id");
  variables["org_id"] = text("org_id");

  // 3. What arrived: the first delivery (at least once: duplicates are not differences).
  json received;
  const auto deadline = std::chrono::steady_clock::now() + options.delivery_timeout;
  while (true) {
    auto res = SendJson(http, "GET", read_back, token, nullptr);
    json body = JsonBody(res);
    if (body.contains("data") && body["data"].is_array() && !body["data"].empty()) {
      received = body["data"][0];
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail("nothing was delivered within " + std::to_string(options.delivery_timeout.count()) +
                  " ms (read back from " + read_back + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // 4. Compared by the rules, and validated against the envelope's schema.
  std::vector<std::string> mismatches;
  const json actual_body = received.value("body", json());
  if (expect.contains("body")) {
    std::vector<std::string> ignored;
    MatchContractValue(expect["body"], actual_body, "", variables, &ignored);
    MatchContractValue(expect["body"], actual_body, "", variables, &mismatches);
  }
  // Headers: the HTTP request's (case-insensitive), the SQS message attributes, the frame's.
  const json actual_headers = received.value(type == "aws_sqs" ? "attributes" : "headers", json::object());
  const json expected_headers = expect.value("headers", json::object());
  for (const auto& [header, value] : expected_headers.items()) {
    json actual = "";
    for (const auto& [key, got] : actual_headers.items()) {
      if (type == "webhook" ? internal::EqualsIgnoreCase(key, header) : key == header) actual = got;
    }
    MatchContractValue(value, actual, "header " + header, variables, &mismatches);
  }
  std::string envelope = type == "webhook" ? "webhook" : "cloudevent";
  if (type == "webhook") {
    // The layout the event's catalog entry names (the OTP event's flat one).
    if (auto entry = Spec::Default()->LookupEvent(trigger.value("type", "")))
      envelope = entry->webhook.schema;
  }
  for (const SchemaViolation& v : Spec::Default()->ValidateEnvelope(envelope, actual_body)) {
    mismatches.push_back("schema (" + envelope + ") " + (v.source.empty() ? "/" : v.source) + ": " +
                         v.detail);
  }
  for (std::string& m : mismatches) result->mismatches.push_back("delivery: " + m);
}

}  // namespace

ContractResult ContractVerifier::Verify(const json& contract, const std::string& name) const {
  // A contract is a file a person wrote: a field of the wrong type anywhere in it is a
  // mismatch that names the problem, never an exception out of the verifier.
  try {
    return VerifyUnguarded(contract, name);
  } catch (const std::exception& e) {
    ContractResult result;
    result.file = name;
    result.mismatches.push_back(std::string("the contract is malformed: ") + e.what());
    return result;
  }
}

ContractResult ContractVerifier::VerifyUnguarded(const json& contract, const std::string& name) const {
  ContractResult result;
  result.file = name;
  if (contract.is_object() && contract.contains("description") && contract["description"].is_string()) {
    result.description = contract["description"].get<std::string>();
  }
  if (!contract.is_object() || (!contract.contains("interactions") && !contract.contains("delivery"))) {
    result.mismatches.push_back("the contract has neither interactions nor a delivery");
    return result;
  }
  std::unique_ptr<httplib::ClientImpl> client = internal::NewHttpClient(options_.target_url);
  if (!client) {
    result.mismatches.push_back("the target is not an http(s) URL: " + options_.target_url);
    return result;
  }
  httplib::ClientImpl& http = *client;
  http.set_connection_timeout(5);
  http.set_read_timeout(30);
  http.set_tcp_nodelay(true);

  Variables variables{{"base", options_.target_url}};
  std::string token = options_.token;
  if (token.empty()) {
    const std::string client_id = "contract-" + internal::NewUuid();
    variables["client_id"] = client_id;
    auto res = http.Post("/oauth/access_token", httplib::Params{{"grant_type", "client_credentials"},
                                                                {"client_id", client_id},
                                                                {"client_secret", "contract"}});
    json body = res ? json::parse(res->body, nullptr, false) : json();
    if (!res || res->status != 200 || !body.is_object() || !body.contains("access_token")) {
      result.mismatches.push_back("cannot authenticate against " + options_.target_url);
      return result;
    }
    token = body["access_token"].get<std::string>();
  }
  if (contract.contains("delivery")) {
    VerifyDelivery(options_, contract["delivery"], http, token, variables, &result);
  } else {
    VerifyInteractions(contract["interactions"], http, token, variables, &result);
  }
  return result;
}

std::vector<ContractResult> ContractVerifier::VerifyDirectory(const std::string& dir) const {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<ContractResult> results;
  for (const std::string& file : files) results.push_back(VerifyFile(file));
  if (ec) {
    ContractResult failed;
    failed.file = dir;
    failed.mismatches.push_back("cannot read the directory: " + ec.message());
    results.push_back(failed);
  }
  return results;
}

}  // namespace epmock
