#include "delivery/webhook_transport.h"

#include <algorithm>

#include "common/ids.h"
#include "common/mutex.h"
#include "envelope/envelope.h"
#include "http/url.h"

namespace epmock::internal {

namespace {

// The secret's header, in the lower case of the other platform headers (fact 23; the
// captures with a secret do not show its case).
constexpr char kSecretHeader[] = "x-moltin-secret-key";

// The platform's own words for a non-2xx answer (seeds/003, IntegrationLog.error_detail).
constexpr char kNon2xx[] = "Received a status code outside of 2xx range - treating webhook as a fail";

}  // namespace

WebhookTransport::WebhookTransport(WebhookOptions options, std::shared_ptr<const Spec> spec)
    : options_(options),
      spec_(std::move(spec)),
      client_({options.timeout_ms, options.verify_tls, options.ca_file}) {}

WebhookTransport::~WebhookTransport() = default;

void WebhookTransport::Cancel() { client_.Cancel(); }
void WebhookTransport::Resume() { client_.Resume(); }

WebhookRequest BuildWebhookRequest(const EventRecord& event, const EventBodies& bodies,
                                   const Integration& integration, int attempt, const std::string& refuse) {
  WebhookRequest request;
  request.url = integration.configuration.value("url", "");
  HttpHeaders& headers = request.headers;
  // The platform's names, in its case (fact 23: elasticpath/epcc-composable-commerce-reference
  // src/modules/elasticsearch/functions/updateElasticsearchIndex/test/assets/product-updated.json,
  // an API Gateway capture that keeps names as sent); Host and Content-Length are the
  // client's (http/wire_client.h).
  headers = {{"User-Agent", "moltin/integrations"},
             {"x-moltin-integration-trigger", event.type},
             {"content-type", "application/json"},
             {"accept-encoding", "gzip"}};
  const nlohmann::json& configuration = integration.configuration;
  const auto drop_secret = [&headers] {
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [](const auto& h) { return h.first == kSecretHeader; }),
                  headers.end());
  };
  // An empty secret sends no header (elasticpath/epcc-composable-commerce-reference
  // src/modules/elasticsearch/functions/updateElasticsearchIndex/test/assets/product-updated.json: the real
  // capture with "" has none).
  if (auto secret = configuration.find("secret_key"); secret != configuration.end() && secret->is_string() &&
                                                      !secret->get_ref<const std::string&>().empty()) {
    headers.emplace_back(kSecretHeader, secret->get<std::string>());
  }
  // Refusal faults: what a consumer must refuse (epmock/faults.h).
  if (refuse == "wrong_secret") {
    drop_secret();
    headers.emplace_back(kSecretHeader,
                         "not-" + configuration.value("secret_key", std::string("the-secret")));
  } else if (refuse == "missing_secret") {
    drop_secret();
  }
  std::string& body = request.body;
  body = WebhookBody(event, bodies, integration, attempt);
  if (refuse == "invalid_json") {
    body.resize(body.size() / 2);  // cut mid-document
  } else if (refuse == "other_store") {
    const std::string& own = event.store_id.empty() ? event.org_id : event.store_id;
    const std::string other = NameUuid("other-store/" + event.id);  // the same for every attempt
    for (std::size_t at = own.empty() ? std::string::npos : body.find(own); at != std::string::npos;
         at = body.find(own, at + other.size())) {
      body.replace(at, own.size(), other);
    }
  }
  return request;
}

AttemptResult WebhookTransport::Send(const DeliveryAttempt& delivery) {
  AttemptResult result;
  const std::string url_text = delivery.integration.configuration.value("url", "");
  std::optional<Url> url = ParseUrl(url_text);
  if (!url || (url->scheme != "http" && url->scheme != "https")) {
    result.error_detail = "The webhook url is not an http(s) URL: " + url_text;
    return result;
  }
  // Validation follows what the body is made of: the event's part (id, triggered_by,
  // payload, resources) was validated once when it fired (BuildEventBodies); the
  // integration's part (integration, configuration) once per version of the integration,
  // here; the attempt is a positive integer by construction.
  if (!delivery.bodies->webhook_error.empty()) {
    result.error_detail = delivery.bodies->webhook_error;
    return result;
  }
  const std::string version = delivery.integration.id + "@" +
                              std::to_string(delivery.integration.updated_at_ms) + "/" +
                              delivery.event->webhook.schema;
  bool validated;
  {
    MutexLock lock(&mu_);
    validated = validated_.count(version) > 0;
  }
  if (!validated) {
    std::vector<SchemaViolation> violations =
        spec_->ValidateEnvelope(delivery.event->webhook.schema,
                                WebhookSkeleton(*delivery.event, delivery.integration, delivery.attempt));
    if (!violations.empty()) {
      result.error_detail =
          "The webhook body failed its schema at " + violations[0].source + ": " + violations[0].detail;
      return result;
    }
    MutexLock lock(&mu_);
    if (validated_.size() > 100000) validated_.clear();  // bounded; a miss only re-validates
    validated_.insert(version);
  }
  WebhookRequest request = BuildWebhookRequest(*delivery.event, *delivery.bodies, delivery.integration,
                                               delivery.attempt, delivery.faults.refuse);
  WireRequest wire;
  wire.headers = std::move(request.headers);
  wire.body = std::move(request.body);
  std::string error;
  std::optional<WireResponse> response =
      client_.Send(SelfAuthorities::Route(options_.self.get(), *url), wire, &error);
  if (!response) {
    result.error_detail = error;
    return result;
  }
  result.status_code = response->status;
  result.body = std::move(response->body);
  result.response_headers = std::move(response->headers);
  if (response->status < 200 || response->status > 299) {
    result.error_detail = kNon2xx;
  } else {
    result.succeeded = true;
  }
  return result;
}

}  // namespace epmock::internal
