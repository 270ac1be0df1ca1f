#include "epmock/sqs.h"

#include <httplib.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "common/http_body.h"
#include "common/http_listener.h"
#include "common/strings.h"
#include "sqs/protocol.h"
#include "sqs/queues.h"

namespace epmock {

class SqsEndpoint::Impl {
 public:
  explicit Impl(SqsEndpointOptions o) : options(std::move(o)) {}
  const SqsEndpointOptions options;
  internal::SqsQueues queues;
  std::mutex mu;
  internal::HttpListener listener;
  int port = 0;
};

namespace {
// SQS takes messages of up to 256 KiB; batches of ten, base64 and encoding stay far below.
constexpr std::size_t kMaxRequestBytes = 2 * 1024 * 1024;
}  // namespace

SqsEndpoint::SqsEndpoint(SqsEndpointOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
SqsEndpoint::~SqsEndpoint() { Stop(); }

Status SqsEndpoint::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto server = std::make_unique<httplib::Server>();
  // Long polls hold a worker for up to 20 s each: room for many consumers beside idle or
  // half-open connections, which the read timeout closes after 5 s.
  server->new_task_queue = [] { return new httplib::ThreadPool(128); };
  server->set_tcp_nodelay(true);
  server->set_keep_alive_max_count(100000);
  server->set_payload_max_length(kMaxRequestBytes);
  server->set_read_timeout(5, 0);  // reading a request; a long poll's wait is not a read
  Impl* impl = impl_.get();
  const internal::SqsCredentials credentials{impl->options.access_key_id, impl->options.secret_access_key};
  auto handler = [impl, credentials](const httplib::Request& req, const std::string& body,
                                     httplib::Response& res) {
    internal::SqsHttpRequest request;
    request.method = req.method;
    request.path = req.path;
    auto question = req.target.find('?');
    if (question != std::string::npos) request.query = req.target.substr(question + 1);
    for (const auto& [name, value] : req.headers) {
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT")
        continue;
      request.headers.emplace_back(name, value);
    }
    request.body = body;
    const std::string host = req.get_header_value("Host");
    request.base_url =
        "http://" + (host.empty() ? impl->options.host + ":" + std::to_string(impl->port) : host);
    internal::SqsHttpResponse response = internal::HandleSqsRequest(impl->queues, request, credentials);
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name, value);
    res.set_content(response.body, response.content_type.c_str());
  };
  server->Post(".*", [handler](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& reader) {
    std::string body;
    const internal::BodyRead read = internal::ReadBodyUpTo(req, reader, kMaxRequestBytes, &body);
    if (read == internal::BodyRead::kOk) return handler(req, body, res);
    // Answered in the request's protocol, as the endpoint's other errors are.
    const bool too_large = read == internal::BodyRead::kTooLarge;
    const std::string code = too_large ? "RequestEntityTooLarge" : "MalformedRequest";
    const std::string message =
        too_large ? "The request is larger than " + std::to_string(kMaxRequestBytes) + " bytes"
                  : "The request body could not be read";
    res.status = too_large ? 413 : 400;
    res.set_header("Connection", "close");
    if (req.has_header("X-Amz-Target")) {
      res.set_content(nlohmann::json{{"__type", "com.amazonaws.sqs#" + code}, {"message", message}}.dump(),
                      "application/x-amz-json-1.0");
    } else {
      res.set_content("<?xml version=\"1.0\"?><ErrorResponse><Error><Type>Sender</Type><Code>" + code +
                          "</Code><Message>" + message + "</Message></Error></ErrorResponse>",
                      "text/xml");
    }
  });
  server->Get(
      ".*", [handler](const httplib::Request& req, httplib::Response& res) { handler(req, req.body, res); });
  // Restarted after Stop, it listens where its clients knew it, its queues intact, and its
  // long polls wait again.
  impl_->queues.Resume();
  const int port = impl_->options.port != 0 ? impl_->options.port : impl_->port;
  Status listening = impl_->listener.Start(std::move(server), impl_->options.host, port, "the SQS endpoint");
  impl_->port = impl_->listener.port();
  return listening;
}

void SqsEndpoint::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->listener.started()) return;
  impl_->queues.Shutdown();  // ends long polls
  impl_->listener.Stop();
}

std::string SqsEndpoint::Url() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return "http://" + internal::UrlHost(impl_->options.host) + ":" + std::to_string(impl_->port);
}

std::string SqsEndpoint::QueueUrl(const std::string& name) const { return Url() + "/000000000000/" + name; }

std::string SqsEndpoint::CreateQueue(const std::string& name) {
  std::optional<internal::SqsError> error;
  impl_->queues.Create(name, {}, &error);
  return error ? "" : QueueUrl(name);
}

std::vector<SqsQueuedMessage> SqsEndpoint::Messages(const std::string& queue) const {
  std::vector<SqsQueuedMessage> out;
  for (const internal::SqsMessage& m : impl_->queues.Peek(queue)) {
    SqsQueuedMessage message{m.id, m.body, {}, m.receive_count};
    for (const auto& [name, value] : m.attributes) message.attributes[name] = value.value;
    out.push_back(std::move(message));
  }
  return out;
}

bool SqsEndpoint::WaitForMessages(const std::string& queue, std::size_t count,
                                  std::chrono::milliseconds timeout) const {
  return impl_->queues.WaitForCount(queue, count, timeout);
}

}  // namespace epmock
