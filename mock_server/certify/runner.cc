// NewCertifyRunner: POST /__admin/certify's request, read strictly into CertifyOptions or
// CertifySqsOptions, and run as `epmock certify` runs it.
#include <cctype>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/certify.h"
#include "epmock/certify_runner.h"

namespace epmock {

namespace certify_runner_internal {
namespace {

using nlohmann::json;

// One request's fields, each read once by its type; the first wrong one is the error.
class Fields {
 public:
  explicit Fields(const json& request) : request_(request) {}

  void String(const char* key, std::string* out) {
    const json* v = Find(key);
    if (!v) return;
    if (!v->is_string()) return Fail(std::string(key) + " must be a string");
    *out = v->get<std::string>();
  }
  void Int(const char* key, int* out) {
    const json* v = Find(key);
    if (!v) return;
    if (!v->is_number_integer() || v->get<std::int64_t>() < std::numeric_limits<int>::min() ||
        v->get<std::int64_t>() > std::numeric_limits<int>::max()) {
      return Fail(std::string(key) + " must be a whole number");
    }
    *out = v->get<int>();
  }
  void Seed(std::uint64_t* out) {
    const json* v = Find("seed");
    if (!v) return;
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0))
      return Fail("seed must be a whole number, 0 or more");
    *out = v->get<std::uint64_t>();
  }
  void Bool(const char* key, bool* out) {
    const json* v = Find(key);
    if (!v) return;
    if (!v->is_boolean()) return Fail(std::string(key) + " must be true or false");
    *out = v->get<bool>();
  }
  // An array of strings, or one comma-separated string as the command takes it.
  void Keys(std::vector<std::string>* out) {
    const json* v = Find("observes");
    if (!v) return;
    if (v->is_string()) {
      std::string key;
      for (char c : v->get<std::string>() + ",") {
        if (c == ',') {
          if (!key.empty()) out->push_back(key);
          key.clear();
        } else if (c != ' ') {
          key += c;
        }
      }
      return;
    }
    if (!v->is_array() || v->size() > CertifyOptions::kMaxObserves + 1)
      return Fail("observes must be an array of event keys (or one string of them, comma-separated)");
    for (const json& key : *v) {
      if (!key.is_string()) return Fail("observes must hold event keys, each a string");
      out->push_back(key.get<std::string>());
    }
  }
  // After every field is read: a field nobody read is unknown.
  Status Done(const char* kind, const std::string& known) {
    if (!error_.empty()) return Status::InvalidArgument(error_);
    for (const auto& [key, value] : request_.items()) {
      if (key == "kind") continue;
      if (read_.find("," + key + ",") == std::string::npos) {
        if (key == "run") {
          return Status::InvalidArgument(
              "run is not taken over HTTP: a web request must not start programs on the server (the epmock "
              "certify sqs and stomp commands start a consumer, from a shell)");
        }
        return Status::InvalidArgument("unknown " + std::string(kind) + " certify field '" +
                                       key.substr(0, 64) + "'; use " + known);
      }
    }
    return Status::Ok();
  }

 private:
  const json* Find(const char* key) {
    read_ += std::string(",") + key + ",";
    auto it = request_.find(key);
    if (it == request_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  void Fail(std::string error) {
    if (error_.empty()) error_ = std::move(error);
  }

  const json& request_;
  std::string read_ = ",";
  std::string error_;
};

Status ReadKind(const json& request, std::string* kind) {
  if (!request.is_object()) return Status::InvalidArgument("the request must be a JSON object");
  *kind = "webhook";
  if (auto it = request.find("kind"); it != request.end() && !it->is_null()) {
    if (!it->is_string() || (*it != "webhook" && *it != "sqs" && *it != "stomp"))
      return Status::InvalidArgument("kind must be webhook, sqs or stomp");
    *kind = it->get<std::string>();
  }
  return Status::Ok();
}

Status ReadWebhook(const json& request, CertifyOptions* o) {
  Fields f(request);
  f.String("url", &o->url);
  f.String("secret", &o->secret);
  f.Keys(&o->observes);
  f.String("effects_url", &o->effects_url);
  f.Int("settle_ms", &o->settle_ms);
  f.Int("timeout_ms", &o->timeout_ms);
  f.Int("burst", &o->burst);
  f.Seed(&o->seed);
  f.String("client_id", &o->client_id);
  f.String("store_id", &o->store_id);
  f.String("org_id", &o->org_id);
  f.Bool("insecure", &o->insecure);
  if (Status s = f.Done("webhook",
                        "url, secret, observes, effects_url, settle_ms, timeout_ms, burst, seed, client_id, "
                        "store_id, org_id, insecure");
      !s.ok())
    return s;
  return o->Check();
}

// What an SQS and a STOMP request share besides where the consumer reads.
template <typename Options>
void ReadQueueFields(Fields& f, Options* o) {
  f.Keys(&o->observes);
  f.Int("connect_timeout_ms", &o->connect_timeout_ms);
  f.Int("message_timeout_ms", &o->message_timeout_ms);
  f.Int("burst", &o->burst);
  f.Seed(&o->seed);
  f.String("client_id", &o->client_id);
  f.String("store_id", &o->store_id);
  f.String("org_id", &o->org_id);
}

constexpr char kQueueFields[] =
    "observes, connect_timeout_ms, message_timeout_ms, burst, seed, client_id, store_id, org_id";

Status ReadSqs(const json& request, CertifySqsOptions* o) {
  Fields f(request);
  f.String("queue", &o->queue);
  f.Int("sqs_port", &o->sqs_port);
  ReadQueueFields(f, o);
  if (Status s = f.Done("sqs", std::string("queue, sqs_port, ") + kQueueFields); !s.ok()) return s;
  return o->Check();
}

Status ReadStomp(const json& request, CertifyStompOptions* o) {
  Fields f(request);
  f.String("destination", &o->destination);
  f.Int("stomp_port", &o->stomp_port);
  ReadQueueFields(f, o);
  if (Status s = f.Done("stomp", std::string("destination, stomp_port, ") + kQueueFields); !s.ok()) return s;
  return o->Check();
}

// The options' refusals name the command's flags (--store-id); over HTTP they are fields
// (store_id).
Status AsFields(const Status& status) {
  if (status.ok()) return status;
  std::string message = status.message();
  for (std::size_t at = 0; (at = message.find("--", at)) != std::string::npos;) {
    message.erase(at, 2);
    for (std::size_t i = at;
         i < message.size() && (std::isalnum(static_cast<unsigned char>(message[i])) || message[i] == '-');
         ++i) {
      if (message[i] == '-') message[i] = '_';
    }
  }
  return Status(status.code(), message);
}

json CheckJson(const CertifyCheck& c) {
  return {{"group", c.group}, {"name", c.name}, {"verdict", VerdictName(c.verdict)}, {"reason", c.reason}};
}

class Runner final : public CertifyRunner {
 public:
  Status Check(const json& request) const override {
    std::string kind;
    if (Status s = ReadKind(request, &kind); !s.ok()) return s;
    if (kind == "sqs") {
      CertifySqsOptions o;
      return AsFields(ReadSqs(request, &o));
    }
    if (kind == "stomp") {
      CertifyStompOptions o;
      return AsFields(ReadStomp(request, &o));
    }
    CertifyOptions o;
    return AsFields(ReadWebhook(request, &o));
  }

  StatusOr<json> Run(const json& request, const std::function<void(const json&)>& progress,
                     const std::function<bool()>& cancelled) const override {
    std::string kind;
    if (Status s = ReadKind(request, &kind); !s.ok()) return s;
    const auto on_check = [&progress](const CertifyCheck& check) {
      if (progress) progress(json{{"check", CheckJson(check)}});
    };
    StatusOr<CertifyReport> report = Status::Internal("not run");
    if (kind == "sqs") {
      CertifySqsOptions o;
      if (Status s = ReadSqs(request, &o); !s.ok()) return s;
      o.on_check = on_check;
      o.cancelled = cancelled;
      o.ready = [&progress](const std::string& endpoint, const std::string& queue_url) {
        if (progress) progress(json{{"ready", {{"sqs_url", endpoint}, {"queue_url", queue_url}}}});
      };
      report = CertifySqs(o);
    } else if (kind == "stomp") {
      CertifyStompOptions o;
      if (Status s = ReadStomp(request, &o); !s.ok()) return s;
      o.on_check = on_check;
      o.cancelled = cancelled;
      o.ready = [&progress](const std::string& broker, const std::string& destination) {
        if (progress) progress(json{{"ready", {{"stomp_url", broker}, {"destination", destination}}}});
      };
      report = CertifyStomp(o);
    } else {
      CertifyOptions o;
      if (Status s = ReadWebhook(request, &o); !s.ok()) return s;
      o.on_check = on_check;
      o.cancelled = cancelled;
      report = CertifyWebhook(o);
    }
    if (!report.ok()) return report.status();
    return report->ToJson();
  }
};

}  // namespace
}  // namespace certify_runner_internal

std::shared_ptr<const CertifyRunner> NewCertifyRunner() {
  return std::make_shared<certify_runner_internal::Runner>();
}

}  // namespace epmock
