#include "api/engine.h"

#include "common/strings.h"
#include "http/hosts.h"
#include "sqs/endpoint_clock.h"

namespace epmock::internal {
namespace {

// Advertised URLs without their trailing "/"; the rest as given.
ServerOptions Normalized(ServerOptions o) {
  if (o.admin_token == kAdminTokenOff) o.admin_token.clear();  // the checks read "none"
  for (std::string* url : {&o.advertise_api, &o.advertise_sqs, &o.advertise_stomp})
    *url = TrimAdvertisedUrl(*url);
  return o;
}

std::unique_ptr<SqsEndpoint> MakeSqs(const ServerOptions& o, const std::shared_ptr<SelfAuthorities>& self,
                                     Clock& clock) {
  if (o.sqs_port < 0) return nullptr;
  SqsEndpointOptions sqs;
  sqs.host = o.host;
  sqs.port = o.sqs_port;
  sqs.access_key_id = o.sqs_access_key_id;
  sqs.secret_access_key = o.sqs_secret_access_key;
  sqs.allow_hosts = o.allow_hosts;
  sqs.advertised_url = o.advertise_sqs;
  sqs.advertised_host = o.advertise_host;
  sqs.host_seen = [self, bind = o.host](const std::string& host, int port) {
    self->Saw(host, 80, LocalAddressOf(bind, port));
  };
  return MakeSqsEndpoint(std::move(sqs), clock,
                         IdSource(o.seed, o.clock == ServerOptions::ClockMode::kVirtual));
}

std::unique_ptr<StompBroker> MakeStomp(const ServerOptions& o) {
  if (o.stomp_port < 0) return nullptr;
  StompBrokerOptions broker;
  broker.host = o.host;
  broker.port = o.stomp_port;
  broker.advertised_url = o.advertise_stomp;
  broker.advertised_host = o.advertise_host;
  if (o.clock == ServerOptions::ClockMode::kVirtual) broker.message_id_seed = o.seed;
  return std::make_unique<StompBroker>(broker);
}

// The host of a Host header as a URL names it, a wildcard as loopback.
std::string RequestHostName(const HttpRequest& request) {
  std::string name = HostName(request.Header("Host"));
  if (name == "0.0.0.0") return "127.0.0.1";
  if (name == "[::]") return "[::1]";
  return name;
}

}  // namespace

Engine::Engine(ServerOptions options, std::shared_ptr<const Spec> spec)
    : options_(Normalized(std::move(options))),
      spec_(std::move(spec)),
      // Tokens and rate windows tell time by the server's clock, which events_ (built after
      // them) owns: they ask for it only once requests come.
      tokens_(
          options_.token_ttl_seconds, [this] { return events_.clock().EpochNanos() / 1000000; },
          IdSource(options_.seed, options_.clock == ServerOptions::ClockMode::kVirtual)),
      stores_(Retention{options_.event_retention, options_.event_retention_bytes, options_.log_retention},
              options_.store_ids),
      journal_(options_.journal_capacity),
      sinks_(SinkRetention{options_.sink_retention, options_.sink_retention_bytes}),
      rate_limiter_(options_.time_scale, [this] { return events_.clock().Now(); }),
      events_(options_, spec_, self_),
      streams_(options_.max_streams),
      sqs_(MakeSqs(options_, self_, events_.clock())),
      stomp_(MakeStomp(options_)),
      // Apart from the synthesizer's generator: requests never shift the resources a seed gives.
      request_ids_(options_.seed == 0 ? 0 : options_.seed ^ 0x9e3779b97f4a7c15ULL) {}

Engine::Urls Engine::UrlsFor(const HttpRequest& request) const {
  const ServerOptions& o = options_;
  const std::string host = RequestHostName(request);
  // A port's URL: advertised, else the advertised host on the port, else the request's host
  // on it, else its own.
  const auto url = [&](const std::string& scheme, const std::string& advertised, int port,
                       const std::string& bound) -> std::string {
    if (!advertised.empty()) return advertised;
    if (!o.advertise_host.empty())
      return scheme + "://" + UrlHost(o.advertise_host) + ":" + std::to_string(port);
    if (!host.empty()) return scheme + "://" + host + ":" + std::to_string(port);
    return bound;
  };
  Urls urls;
  const LocalAddress api = LocalAddressOf(o.host, api_port_);
  // The API edge's base_url follows the same rule (http/edge.h).
  urls.api = !request.base_url.empty() ? request.base_url
                                       : url("http", o.advertise_api, api_port_,
                                             "http://" + UrlHost(api.host) + ":" + std::to_string(api.port));
  if (sqs_) {
    const LocalAddress bound = LocalAddressOf(o.host, sqs_->Port());
    urls.sqs = url("http", o.advertise_sqs, bound.port,
                   "http://" + UrlHost(bound.host) + ":" + std::to_string(bound.port));
  }
  if (stomp_) {
    const LocalAddress bound = LocalAddressOf(o.host, stomp_->Port());
    urls.stomp = url("stomp", o.advertise_stomp, bound.port,
                     "stomp://" + UrlHost(bound.host) + ":" + std::to_string(bound.port));
  }
  return urls;
}

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
