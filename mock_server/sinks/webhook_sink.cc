#include "epmock/sinks.h"

#include <httplib.h>

#include <thread>

#include "common/http_listener.h"
#include "sinks/recorder.h"

namespace epmock {

class WebhookSink::Impl {
 public:
  internal::SinkRecorder recorder;
  std::mutex mu;
  internal::HttpListener listener;
  int port = 0;
};

WebhookSink::WebhookSink() : impl_(std::make_unique<Impl>()) {}
WebhookSink::~WebhookSink() { Stop(); }

Status WebhookSink::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);

  auto server = std::make_unique<httplib::Server>();
  server->set_tcp_nodelay(true);
  server->set_keep_alive_max_count(100000);
  server->new_task_queue = [] { return new httplib::ThreadPool(128); };
  internal::SinkRecorder* recorder = &impl_->recorder;
  auto handler = [recorder](const httplib::Request& req, httplib::Response& res) {
    ReceivedRequest received;
    received.method = req.method;
    received.path = req.path;
    for (const auto& [key, value] : req.headers) {
      // httplib adds these for its own bookkeeping; they were not sent.
      if (key == "REMOTE_ADDR" || key == "REMOTE_PORT" || key == "LOCAL_ADDR" || key == "LOCAL_PORT")
        continue;
      received.headers.emplace_back(key, value);
    }
    received.body = req.body;
    SinkResponse answer = recorder->Record(std::move(received));
    if (answer.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(answer.delay_ms));
    res.status = answer.status;
    res.set_content(answer.body, "text/plain");
  };
  server->Post(".*", handler);
  server->Put(".*", handler);
  server->Get(".*", handler);
  // Restarted after Stop, it listens on the same port (what it recorded is kept).
  Status listening = impl_->listener.Start(std::move(server), "127.0.0.1", impl_->port, "the webhook sink");
  if (listening.ok()) impl_->port = impl_->listener.port();
  return listening;
}

void WebhookSink::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->listener.Stop();
}

std::string WebhookSink::Url() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void WebhookSink::RespondWith(std::vector<SinkResponse> responses) {
  impl_->recorder.RespondWith(std::move(responses));
}

void WebhookSink::Handle(std::function<SinkResponse(const ReceivedRequest&)> handler) {
  impl_->recorder.Handle(std::move(handler));
}

std::vector<ReceivedRequest> WebhookSink::Requests() const { return impl_->recorder.Requests(); }

void WebhookSink::Clear() { impl_->recorder.Clear(); }

bool WebhookSink::WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->recorder.WaitForRequests(count, timeout);
}

}  // namespace epmock
