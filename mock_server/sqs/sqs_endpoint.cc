#include "epmock/sqs.h"

#include <httplib.h>

#include <thread>

#include "common/net.h"
#include "sqs/protocol.h"
#include "sqs/queues.h"

namespace epmock {

class SqsEndpoint::Impl {
 public:
  explicit Impl(SqsEndpointOptions o) : options(std::move(o)) {}
  const SqsEndpointOptions options;
  internal::SqsQueues queues;
  std::mutex mu;
  std::unique_ptr<httplib::Server> http;
  std::thread thread;
  int port = 0;
};

SqsEndpoint::SqsEndpoint(SqsEndpointOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
SqsEndpoint::~SqsEndpoint() { Stop(); }

Status SqsEndpoint::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->http) return Status::Error("the SQS endpoint is already started");
  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(64); };
  server->set_tcp_nodelay(true);
  server->set_keep_alive_max_count(100000);
  server->set_payload_max_length(2 * 1024 * 1024);
  server->set_read_timeout(30, 0);  // long polls last up to 20 s
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  Impl* impl = impl_.get();
  const internal::SqsCredentials credentials{impl->options.access_key_id, impl->options.secret_access_key};
  auto handler = [impl, credentials](const httplib::Request& req, httplib::Response& res) {
    internal::SqsHttpRequest request;
    request.method = req.method;
    request.path = req.path;
    auto question = req.target.find('?');
    if (question != std::string::npos) request.query = req.target.substr(question + 1);
    for (const auto& [name, value] : req.headers) {
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") continue;
      request.headers.emplace_back(name, value);
    }
    request.body = req.body;
    const std::string host = req.get_header_value("Host");
    request.base_url = "http://" + (host.empty() ? impl->options.host + ":" + std::to_string(impl->port) : host);
    internal::SqsHttpResponse response = internal::HandleSqsRequest(impl->queues, request, credentials);
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name, value);
    res.set_content(response.body, response.content_type.c_str());
  };
  server->Post(".*", handler);
  server->Get(".*", handler);
  int bound = impl_->options.port == 0
                  ? server->bind_to_any_port(impl_->options.host)
                  : (server->bind_to_port(impl_->options.host, impl_->options.port) ? impl_->options.port : -1);
  if (bound <= 0) {
    return Status::Error("the SQS endpoint cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port));
  }
  impl_->port = bound;
  httplib::Server* raw = server.get();
  impl_->thread = std::thread([raw] { raw->listen_after_bind(); });
  for (int i = 0; i < 10000 && !raw->is_running(); ++i) std::this_thread::sleep_for(std::chrono::microseconds(50));
  impl_->http = std::move(server);
  return Status::Ok();
}

void SqsEndpoint::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->http) return;
  impl_->queues.Shutdown();  // ends long polls
  impl_->http->stop();
  internal::ShutdownAcceptedConnections(impl_->port);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->http.reset();
}

std::string SqsEndpoint::Url() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port);
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

bool SqsEndpoint::WaitForMessages(const std::string& queue, std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->queues.WaitForCount(queue, count, timeout);
}

}  // namespace epmock
