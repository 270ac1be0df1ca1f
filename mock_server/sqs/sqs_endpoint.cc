#include "epmock/sqs.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "common/xml.h"
#include "http/edge.h"
#include "http/self_authorities.h"
#include "sqs/endpoint_clock.h"
#include "sqs/protocol.h"
#include "sqs/queues.h"

namespace epmock {

class SqsEndpoint::Impl {
 public:
  explicit Impl(SqsEndpointOptions o, internal::Clock& clock = internal::SteadyClock(),
                internal::IdSource ids = {})
      : options(std::move(o)),
        queues(options.max_queue_messages, options.max_queue_bytes, clock, std::move(ids)) {}
  const SqsEndpointOptions options;
  internal::SqsQueues queues;
  internal::HttpEdge edge;
};

namespace {

// SQS takes messages of up to 256 KiB; batches of ten, base64 and encoding stay far below.
constexpr std::size_t kMaxRequestBytes = 2 * 1024 * 1024;

// An error the edge answers itself, in the request's protocol, as the endpoint's other
// errors are.
internal::HttpResponse ProtocolError(const internal::HttpRequest& request, int status,
                                     const std::string& detail) {
  const std::string code = status == 413   ? "RequestEntityTooLarge"
                           : status >= 500 ? "InternalError"
                                           : "MalformedRequest";
  internal::HttpResponse response;
  response.status = status;
  if (request.HasHeader("X-Amz-Target")) {
    response.content_type = "application/x-amz-json-1.0";
    response.body = nlohmann::json{{"__type", "com.amazonaws.sqs#" + code}, {"message", detail}}.dump();
  } else {
    response.content_type = "text/xml";
    response.body = "<?xml version=\"1.0\"?><ErrorResponse><Error><Type>" +
                    std::string(status >= 500 ? "Receiver" : "Sender") + "</Type><Code>" + code +
                    "</Code><Message>" + internal::XmlEscape(detail) + "</Message></Error></ErrorResponse>";
  }
  return response;
}

}  // namespace

SqsEndpoint::SqsEndpoint(SqsEndpointOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
SqsEndpoint::SqsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

namespace internal {
std::unique_ptr<SqsEndpoint> MakeSqsEndpoint(SqsEndpointOptions options, Clock& clock, IdSource ids) {
  return std::make_unique<SqsEndpoint>(
      std::make_unique<SqsEndpoint::Impl>(std::move(options), clock, std::move(ids)));
}
}  // namespace internal
SqsEndpoint::~SqsEndpoint() { Stop(); }

Status SqsEndpoint::Start() {
  if (impl_->edge.started()) return Status::FailedPrecondition("the SQS endpoint is already started");
  internal::EdgeOptions edge;
  edge.what = "the SQS endpoint";
  edge.host = impl_->options.host;
  edge.port = impl_->options.port;
  edge.max_body_bytes = kMaxRequestBytes;
  // Long polls hold a worker for up to 20 s each (the default pool leaves room for many);
  // the idle timeout bounds reading a request, not a long poll's wait.
  edge.idle_timeout_seconds = 5;
  edge.render_error = ProtocolError;
  std::string refused;
  std::optional<internal::HostPolicy> hosts = internal::ParseHostPolicy(impl_->options.allow_hosts, &refused);
  if (!hosts) return Status::InvalidArgument("allow_hosts: " + refused);
  edge.hosts = *hosts;
  for (const std::string& name :
       internal::AdvertisedNames(impl_->options.advertised_url, impl_->options.advertised_host))
    edge.hosts.names.push_back(name);
  edge.advertised_url = impl_->options.advertised_url;
  edge.advertised_host = impl_->options.advertised_host;
  edge.host_seen = impl_->options.host_seen;
  Impl* impl = impl_.get();
  const internal::SqsCredentials credentials{impl->options.access_key_id, impl->options.secret_access_key};
  // Restarted after Stop, it listens where its clients knew it, its queues intact, and its
  // long polls wait again.
  impl->queues.Resume();
  return impl->edge.Start(std::move(edge), [impl, credentials](const internal::HttpRequest& request) {
    return internal::HandleSqsRequest(impl->queues, request, credentials);
  });
}

void SqsEndpoint::Stop() {
  if (!impl_->edge.started()) return;
  impl_->queues.Shutdown();  // ends long polls
  impl_->edge.Stop();
}

std::string SqsEndpoint::Url() const {
  const SqsEndpointOptions& o = impl_->options;
  if (!o.advertised_url.empty()) return o.advertised_url;
  const int port = impl_->edge.port();
  if (!o.advertised_host.empty())
    return "http://" + internal::UrlHost(o.advertised_host) + ":" + std::to_string(port);
  const internal::LocalAddress local = internal::LocalAddressOf(o.host, port);
  return "http://" + internal::UrlHost(local.host) + ":" + std::to_string(local.port);
}

int SqsEndpoint::Port() const { return impl_->edge.port(); }

std::string SqsEndpoint::QueueUrl(const std::string& name) const { return Url() + "/000000000000/" + name; }

std::string SqsEndpoint::CreateQueue(const std::string& name) {
  std::optional<internal::SqsError> error;
  impl_->queues.Create(name, {}, &error);
  return error ? "" : QueueUrl(name);
}

bool SqsEndpoint::PurgeQueue(const std::string& name) { return !impl_->queues.Purge(name).has_value(); }

namespace {

std::vector<SqsQueuedMessage> Queued(const std::vector<internal::SqsMessage>& messages) {
  std::vector<SqsQueuedMessage> out;
  out.reserve(messages.size());
  for (const internal::SqsMessage& m : messages) {
    SqsQueuedMessage message{m.id, m.body, {}, m.receive_count, m.sent_timestamp_ms};
    for (const auto& [name, value] : m.attributes) message.attributes[name] = value.value;
    out.push_back(std::move(message));
  }
  return out;
}

}  // namespace

std::vector<SqsQueuedMessage> SqsEndpoint::Messages(const std::string& queue) const {
  return Queued(impl_->queues.Peek(queue));
}

std::vector<SqsQueueSummary> SqsEndpoint::Queues() const {
  std::vector<SqsQueueSummary> out;
  for (const std::string& name : impl_->queues.List("")) {
    if (out.size() == 1000) break;
    std::map<std::string, std::string> attributes;
    if (impl_->queues.Attributes(name, {"All"}, &attributes)) continue;  // deleted meanwhile
    const auto count = [&](const char* key) -> std::size_t {
      auto it = attributes.find(key);
      return it == attributes.end() ? 0 : std::strtoull(it->second.c_str(), nullptr, 10);
    };
    SqsQueueSummary q;
    q.name = name;
    q.url = QueueUrl(name);
    q.visible = count("ApproximateNumberOfMessages");
    q.in_flight = count("ApproximateNumberOfMessagesNotVisible");
    q.delayed = count("ApproximateNumberOfMessagesDelayed");
    if (auto redrive = attributes.find("RedrivePolicy"); redrive != attributes.end()) {
      const nlohmann::json policy = nlohmann::json::parse(redrive->second, nullptr, false);
      if (policy.is_object() && policy.contains("deadLetterTargetArn") &&
          policy["deadLetterTargetArn"].is_string())
        q.dead_letter_target = policy["deadLetterTargetArn"].get<std::string>();
    }
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<SqsQueuedMessage> SqsEndpoint::MessagesPage(const std::string& queue, std::size_t offset,
                                                        std::size_t limit, std::size_t* total) const {
  return Queued(impl_->queues.PeekPage(queue, offset, limit, total));
}

StatusOr<SqsFault> SqsEndpoint::AddFault(SqsFault fault) { return impl_->queues.AddFault(std::move(fault)); }

std::vector<SqsFault> SqsEndpoint::Faults() const { return impl_->queues.Faults(); }

void SqsEndpoint::ClearFaults() { impl_->queues.ClearFaults(); }

bool SqsEndpoint::WaitForMessages(const std::string& queue, std::size_t count,
                                  std::chrono::milliseconds timeout) const {
  return impl_->queues.WaitForCount(queue, count, timeout);
}

StatusOr<std::string> SqsEndpoint::SendMessage(const std::string& queue, const std::string& body) {
  internal::SqsMessage sent;
  if (std::optional<internal::SqsError> error = impl_->queues.Send(queue, body, {}, -1, &sent)) {
    if (error->json_type == "QueueDoesNotExist") return Status::NotFound(error->message);
    return Status::InvalidArgument(error->message);
  }
  return sent.id;
}

SqsQueueActivity SqsEndpoint::Activity(const std::string& queue) const {
  return impl_->queues.Activity(queue);
}

bool SqsEndpoint::WaitForActivity(const std::string& queue, std::uint64_t version,
                                  std::chrono::milliseconds timeout) const {
  return impl_->queues.WaitForActivity(queue, version, timeout);
}

}  // namespace epmock
