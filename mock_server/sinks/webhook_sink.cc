#include "epmock/sinks.h"

#include "http/edge.h"
#include "sinks/recorder.h"

namespace epmock {

class WebhookSink::Impl {
 public:
  internal::SinkRecorder recorder;
  internal::HttpEdge edge;
};

namespace {
// Webhook bodies are at most a few hundred KiB; room for far more than any sender sends.
constexpr std::size_t kMaxSinkBodyBytes = 16 * 1024 * 1024;
}  // namespace

WebhookSink::WebhookSink() : impl_(std::make_unique<Impl>()) {}
WebhookSink::~WebhookSink() { Stop(); }

Status WebhookSink::Start() {
  internal::EdgeOptions edge;
  edge.what = "the webhook sink";
  edge.max_body_bytes = kMaxSinkBodyBytes;
  edge.render_error = [](const internal::HttpRequest&, int status, const std::string& detail) {
    internal::HttpResponse response;
    response.status = status;
    response.content_type = "text/plain";
    response.body = detail;
    return response;
  };
  internal::SinkRecorder* recorder = &impl_->recorder;
  // Restarted after Stop, it listens on the same port (what it recorded is kept).
  return impl_->edge.Start(std::move(edge), [recorder](const internal::HttpRequest& request) {
    ReceivedRequest received;
    received.method = request.method;
    received.path = request.path;
    received.headers = request.headers;
    received.body = request.body;
    SinkResponse answer = recorder->Record(std::move(received));
    internal::HttpResponse response;
    response.status = answer.status;
    response.content_type = "text/plain";
    response.body = answer.body;
    response.delay_ms = answer.delay_ms;
    return response;
  });
}

void WebhookSink::Stop() { impl_->edge.Stop(); }

std::string WebhookSink::Url() const { return impl_->edge.Url(); }

void WebhookSink::RespondWith(std::vector<SinkResponse> responses) {
  impl_->recorder.RespondWith(std::move(responses));
}

void WebhookSink::Handle(std::function<SinkResponse(const ReceivedRequest&)> handler) {
  impl_->recorder.Handle(std::move(handler));
}

std::vector<ReceivedRequest> WebhookSink::Requests() const { return impl_->recorder.Requests(); }

std::vector<ReceivedRequest> WebhookSink::RequestsFrom(std::uint64_t from, std::uint64_t* next) const {
  return impl_->recorder.RequestsFrom(from, next);
}

void WebhookSink::Clear() { impl_->recorder.Clear(); }

bool WebhookSink::WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->recorder.WaitForRequests(count, timeout);
}

}  // namespace epmock
