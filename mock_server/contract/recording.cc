#include "contract/recording.h"

#include <httplib.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "common/mutex.h"
#include "common/regex.h"
#include "common/strings.h"
#include "contract/rules.h"
#include "http/client_pool.h"
#include "http/url.h"

namespace epmock::internal {

using nlohmann::json;

namespace {

// What the proxy forwards: request bodies up to this size, and how long the upstream has.
constexpr std::size_t kMaxProxiedBodyBytes = 64 * 1024 * 1024;
constexpr int kUpstreamConnectTimeoutSeconds = 10;
constexpr int kUpstreamReadTimeoutSeconds = 60;

// The platform's error shape, for what the proxy itself answers.
HttpResponse ProxyError(int status, const std::string& detail) {
  HttpResponse response;
  response.status = status;
  response.body = json{{"errors",
                        {{{"status", status},
                          {"title", status == 502 ? "Bad Gateway" : "Bad Request"},
                          {"detail", detail}}}}}
                      .dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

const std::set<std::string>& SecretFields() {
  static const std::set<std::string> fields = {
      "secret_key", "aws_secret_access_key", "aws_access_key_id", "password", "passcode", "client_secret"};
  return fields;
}

const std::regex& UuidPattern() {
  static const std::regex re =
      internal::CompileRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  return re;
}

void ReplaceAll(std::string* text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text->find(from); at != std::string::npos; at = text->find(from, at + to.size())) {
    text->replace(at, from.size(), to);
  }
}

}  // namespace

ContractRecording::ContractRecording(std::string description, std::string upstream)
    : description_(std::move(description)), upstream_(std::move(upstream)) {}

// Known ids and the upstream's URL, in any string: what a request (or a longer response
// string such as links.self) carries.
std::string ContractRecording::Rewrite(const std::string& text) const {
  std::string out = text;
  ReplaceAll(&out, upstream_, "${base}");
  for (const auto& [value, name] : ids_) ReplaceAll(&out, value, "${" + name + "}");
  return out;
}

json ContractRecording::Generalize(const json& value, bool capture) {
  if (value.is_object() || value.is_array()) {
    json out = value;
    for (auto& item : out) item = Generalize(item, capture);
    return out;
  }
  if (!value.is_string()) return value;
  const std::string text = value.get<std::string>();
  if (text == kMaskedSecret || text == "{{masked}}" || text == "{{string}}") return value;
  if (IsUuid(text)) {
    if (auto known = ids_.find(text); known != ids_.end()) return "${" + known->second + "}";
    if (!capture) return value;
    const std::string name = "id" + std::to_string(ids_.size() + 1);
    ids_[text] = name;
    return "{{uuid:" + name + "}}";
  }
  if (!capture) return Rewrite(text);
  if (IsTimestamp(text)) return "{{timestamp}}";
  std::string rewritten = Rewrite(text);
  // An id seen for the first time inside a longer string cannot be captured from it.
  if (std::regex_search(rewritten, UuidPattern())) return "{{string}}";
  return rewritten;
}

json ContractRecording::MaskRequest(const json& value, std::map<std::string, std::string>* secrets) const {
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) out.push_back(MaskRequest(item, secrets));
    return out;
  }
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& [key, item] : value.items()) {
    if (SecretFields().count(key) && item.is_string()) {
      (*secrets)[item.get<std::string>()] = kMaskedSecret;
      out[key] = kMaskedSecret;
    } else {
      out[key] = MaskRequest(item, secrets);
    }
  }
  return out;
}

json ContractRecording::MaskResponse(const json& value,
                                     const std::map<std::string, std::string>& secrets) const {
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) out.push_back(MaskResponse(item, secrets));
    return out;
  }
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& [key, item] : value.items()) {
    if (SecretFields().count(key) && item.is_string()) {
      const std::string text = item.get<std::string>();
      // The secret echoed back is what the replay sends; a masked one is any masked one;
      // anything else is never written.
      out[key] = secrets.count(text) || text == kMaskedSecret ? json(kMaskedSecret)
                 : IsMaskedSecret(text)                       ? json("{{masked}}")
                                                              : json("{{string}}");
    } else {
      out[key] = MaskResponse(item, secrets);
    }
  }
  return out;
}

void ContractRecording::Add(const RecordedExchange& exchange) {
  json request = {{"method", exchange.method}, {"path", Rewrite(exchange.path)}};
  if (!exchange.authenticated) request["auth"] = false;
  std::map<std::string, std::string> secrets;
  if (!exchange.request_body.empty()) {
    json body = json::parse(exchange.request_body, nullptr, false);
    if (!body.is_discarded() && exchange.request_content_type.find("json") != std::string::npos) {
      request["body"] = Generalize(MaskRequest(body, &secrets), false);
    } else {
      request["raw_body"] = exchange.request_body;
      request["headers"] = {{"Content-Type", exchange.request_content_type}};
    }
  }
  json response = {{"status", exchange.status}};
  json body =
      exchange.response_body.empty() ? json(nullptr) : json::parse(exchange.response_body, nullptr, false);
  if (!body.is_discarded()) response["body"] = Generalize(MaskResponse(body, secrets), true);
  if (!exchange.location.empty()) response["headers"] = {{"Location", Rewrite(exchange.location)}};
  interactions_.push_back({{"request", std::move(request)}, {"response", std::move(response)}});
}

json ContractRecording::Contract() const {
  return {{"description", description_},
          {"source", "epmock record --upstream " + upstream_},
          {"interactions", interactions_}};
}

RecordingProxy::RecordingProxy(RecordingProxyOptions options) : options_(std::move(options)) {
  while (!options_.upstream.empty() && options_.upstream.back() == '/') options_.upstream.pop_back();
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", std::gmtime(&now));
  stamp_ = stamp;
}

RecordingProxy::~RecordingProxy() { Stop(); }

Status RecordingProxy::Start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.out_dir, ec);
  if (ec) return Status::Unavailable("cannot create " + options_.out_dir + ": " + ec.message());
  std::optional<internal::Url> upstream_url = ParseUrl(options_.upstream);
  if (!upstream_url || !NewHttpClient(*upstream_url))
    return Status::InvalidArgument("not an http(s) URL: " + options_.upstream);
  const internal::Url url = *upstream_url;
  EdgeOptions edge;
  edge.what = "the recording proxy";
  edge.host = options_.host;
  edge.port = options_.port;
  edge.max_body_bytes = kMaxProxiedBodyBytes;
  edge.idle_timeout_seconds = kUpstreamReadTimeoutSeconds;  // a slow upstream holds the client as long
  edge.render_error = [](const HttpRequest&, int status, const std::string& detail) {
    return ProxyError(status, detail);
  };
  return edge_.Start(std::move(edge), [this, url](const HttpRequest& request) {
    std::unique_ptr<httplib::ClientImpl> upstream = NewHttpClient(url);
    upstream->set_connection_timeout(kUpstreamConnectTimeoutSeconds);
    upstream->set_read_timeout(kUpstreamReadTimeoutSeconds);
    httplib::Request out;
    out.method = request.method;
    out.path = request.target.empty() ? request.path : request.target;
    for (const auto& [key, value] : request.headers) {
      static const std::set<std::string> skip = {"host", "content-length", "connection", "accept-encoding"};
      if (!skip.count(ToLower(key))) out.headers.emplace(key, value);
    }
    out.body = request.body;
    auto answer = upstream->send(out);
    if (!answer) return ProxyError(502, "The upstream did not answer: " + httplib::to_string(answer.error()));
    HttpResponse response;
    response.status = answer->status;
    for (const auto& [key, value] : answer->headers) {
      static const std::set<std::string> skip = {"content-length", "transfer-encoding", "connection",
                                                 "content-type"};
      if (!skip.count(ToLower(key))) response.headers.emplace_back(key, value);
    }
    response.content_type = answer->get_header_value("Content-Type");
    response.body = answer->body;
    if (request.path == "/oauth/access_token") return response;  // the verifier authenticates itself
    RecordedExchange exchange;
    exchange.method = request.method;
    exchange.path = out.path;
    exchange.request_content_type = request.Header("Content-Type");
    exchange.request_body = request.body;
    exchange.authenticated = request.HasHeader("Authorization");
    exchange.status = answer->status;
    exchange.location = answer->get_header_value("Location");
    exchange.response_body = answer->body;
    Record(request.Header("Authorization"), exchange);
    return response;
  });
}

void RecordingProxy::Stop() { edge_.Stop(); }

std::string RecordingProxy::Url() const { return edge_.Url(); }

std::vector<std::string> RecordingProxy::Files() const {
  MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [auth, file] : files_) out.push_back(file);
  return out;
}

void RecordingProxy::Record(const std::string& authorization, const RecordedExchange& exchange) {
  MutexLock lock(&mu_);
  std::unique_ptr<ContractRecording>& recording = recordings_[authorization];
  if (!recording) {
    const std::string n = std::to_string(recordings_.size());
    recording = std::make_unique<ContractRecording>(
        "Recorded from " + options_.upstream + " at " + Rfc3339Millis(NowMillis()) +
            (authorization.empty() ? " (requests without a token)" : " (one client's requests, in order)"),
        options_.upstream);
    files_[authorization] =
        (std::filesystem::path(options_.out_dir) / ("recording-" + stamp_ + "-" + n + ".json")).string();
  }
  recording->Add(exchange);
  // Rewritten whole after every interaction, through a rename: never half-written.
  const std::string& file = files_[authorization];
  const std::string temporary = file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << recording->Contract().dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  }
  std::rename(temporary.c_str(), file.c_str());
}

}  // namespace epmock::internal
