#include "delivery/sqs_transport.h"

#include <httplib.h>

#include "aws/md5.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "envelope/envelope.h"
#include "http/url.h"

namespace epmock::internal {

using nlohmann::json;

SqsTransport::SqsTransport(HttpPoolOptions options, std::shared_ptr<const Spec> spec,
                           std::shared_ptr<const SelfAuthorities> self)
    : options_(options), spec_(std::move(spec)), self_(std::move(self)), pool_(options) {}

AttemptResult SqsTransport::Send(const DeliveryAttempt& delivery) {
  AttemptResult result;
  const json& config = delivery.integration.configuration;
  const std::string queue_url = config.value("url", "");
  std::optional<Url> url = ParseUrl(queue_url);
  if (url) url = SelfAuthorities::Route(self_.get(), *url);
  if (!url || (url->scheme != "http" && url->scheme != "https")) {
    result.error_detail = "The queue url is not an http(s) URL: " + queue_url;
    return result;
  }
  // Validated once when the event fired.
  if (!delivery.bodies->cloudevent_error.empty()) {
    result.error_detail = delivery.bodies->cloudevent_error;
    return result;
  }
  const std::string body = CloudEventBody(*delivery.bodies, delivery.integration.id);
  const std::string payload = json{{"QueueUrl", queue_url}, {"MessageBody", body}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  // Host as httplib sends it: the port only when it is not the scheme's default.
  const bool default_port =
      (url->scheme == "http" && url->port == 80) || (url->scheme == "https" && url->port == 443);
  const std::string host = (url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host) +
                           (default_port ? "" : ":" + std::to_string(url->port));
  SigV4Request request{"POST",
                       "/",
                       "",
                       {{"Host", host},
                        {"Content-Type", "application/x-amz-json-1.0"},
                        {"X-Amz-Target", "AmazonSQS.SendMessage"}},
                       payload};
  const long long now_s = NowMillis() / 1000;
  const std::string amz_date = AmzDate(now_s);
  SignRequest(
      &request,
      {config.value("aws_access_key_id", ""), amz_date.substr(0, 8), config.value("region", ""), "sqs"},
      config.value("aws_secret_access_key", ""), amz_date);
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) {
    // httplib writes Host from the address it connects to; when that is not the URL's, the
    // signed Host goes as it is.
    if ((name != "Host" || url->dial_port) && name != "Content-Type") headers.emplace(name, value);
  }
  std::string error;
  std::optional<httplib::Response> response =
      pool_.Post(*url, "/", headers, payload, "application/x-amz-json-1.0", &error);
  if (!response) {
    result.error_detail = error;
    return result;
  }
  result.status_code = response->status;
  result.body = response->body;
  json answer = json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    // The SQS error code, as the query protocol names it when the endpoint says so.
    std::string code = response->get_header_value("x-amzn-query-error");
    code = code.substr(0, code.find(';'));
    if (code.empty() && answer.is_object()) {
      code = answer.value("__type", "");
      code = code.substr(code.find('#') + 1);
    }
    const std::string message =
        answer.is_object() ? answer.value("message", answer.value("Message", "")) : "";
    result.error_detail = "SQS error " + (code.empty() ? std::to_string(response->status) : code) +
                          (message.empty() ? "" : ": " + message);
  } else if (!answer.is_object() || answer.value("MD5OfMessageBody", "") != Md5Hex(body)) {
    result.error_detail = "SQS answered 200 without the MD5 of the message body it should have stored";
  } else {
    result.succeeded = true;
  }
  return result;
}

}  // namespace epmock::internal
