#include "api/engine.h"

namespace epmock::internal {
namespace {

std::unique_ptr<SqsEndpoint> MakeSqs(const ServerOptions& o) {
  if (o.sqs_port < 0) return nullptr;
  return std::make_unique<SqsEndpoint>(SqsEndpointOptions{
      o.host, o.sqs_port, o.sqs_access_key_id, o.sqs_secret_access_key,
      SqsEndpointOptions{}.max_queue_messages, SqsEndpointOptions{}.max_queue_bytes, o.allow_hosts});
}

std::unique_ptr<StompBroker> MakeStomp(const ServerOptions& o) {
  if (o.stomp_port < 0) return nullptr;
  StompBrokerOptions broker;
  broker.host = o.host;
  broker.port = o.stomp_port;
  return std::make_unique<StompBroker>(broker);
}

}  // namespace

Engine::Engine(ServerOptions options, std::shared_ptr<const Spec> spec)
    : options_(std::move(options)),
      spec_(std::move(spec)),
      tokens_(options_.token_ttl_seconds),
      stores_(Retention{options_.event_retention, options_.event_retention_bytes, options_.log_retention}),
      journal_(options_.journal_capacity),
      sinks_(SinkRetention{options_.sink_retention, options_.sink_retention_bytes}),
      rate_limiter_(options_.time_scale),
      events_(options_, spec_),
      streams_(options_.max_streams),
      sqs_(MakeSqs(options_)),
      stomp_(MakeStomp(options_)),
      // Apart from the synthesizer's generator: requests never shift the resources a seed gives.
      request_ids_(options_.seed == 0 ? 0 : options_.seed ^ 0x9e3779b97f4a7c15ULL) {}

void Engine::CloseStreams() {
  streams_.Close();
  for (const std::shared_ptr<Store>& store : stores_.All()) store->changes().Notify();
}

void Engine::Reset() {
  stores_.Reset();
  tokens_.Reset();
  journal_.Clear();
  sinks_.Reset();
}

}  // namespace epmock::internal
