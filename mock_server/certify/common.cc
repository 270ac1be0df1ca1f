#include "certify/common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <utility>

#include <httplib.h>

#include "common/ids.h"
#include "common/strings.h"
#include "epmock/spec.h"
#include "http/client_pool.h"

namespace epmock::certify_internal {

using nlohmann::json;

std::string Cut(const std::string& text, std::size_t max) {
  std::size_t n = std::min(max, text.size());
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
    --n;  // whole characters
  std::string out = text.substr(0, n);
  if (!internal::IsValidUtf8(out)) {
    for (char& c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') c = '?';
  }
  return text.size() <= max ? out : out + "...";
}

std::string JoinComma(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

StatusOr<std::string> CreateIntegration(Server& server, const std::string& client, const json& integration) {
  std::unique_ptr<httplib::ClientImpl> http = internal::NewHttpClient(server.Url());
  auto token = http->Post("/oauth/access_token", httplib::Params{{"grant_type", "client_credentials"},
                                                                 {"client_id", client},
                                                                 {"client_secret", "certify"}});
  if (!token || token->status != 200) return Status::Internal("certify's server gave no token");
  const std::string bearer = json::parse(token->body).value("access_token", "");
  http->set_bearer_token_auth(bearer.c_str());
  auto created = http->Post("/v2/integrations", json{{"data", integration}}.dump(), "application/json");
  if (!created) return Status::Internal("certify's server did not answer");
  if (created->status != 201) {
    // The platform's own refusal: an observes key or a URL it does not take.
    return Status::InvalidArgument("the " + integration.value("integration_type", std::string()) +
                                   " integration was refused: " + Cut(created->body, 1000));
  }
  return json::parse(created->body)["data"].value("id", "");
}

Status CheckCommonOptions(const std::vector<std::string>& observes, const std::string& client_id,
                          const std::string& store_id, const std::string& org_id) {
  if (observes.empty() || observes.size() > CertifyOptions::kMaxObserves) {
    return Status::InvalidArgument("--observes must name 1 to " +
                                   std::to_string(CertifyOptions::kMaxObserves) + " event keys");
  }
  const std::shared_ptr<const Spec> spec = Spec::Default();
  std::set<std::string> seen;
  for (const std::string& key : observes) {
    if (!spec->FindEvent(key)) {
      return Status::InvalidArgument("--observes: '" + key.substr(0, 100) +
                                     "' is not an observable event (epmock schema events lists them)");
    }
    if (!seen.insert(key).second) return Status::InvalidArgument("--observes: '" + key + "' is listed twice");
  }
  if (client_id.size() > 256) return Status::InvalidArgument("--client-id must be at most 256 characters");
  if (!store_id.empty() && !internal::IsUuid(store_id)) {
    return Status::InvalidArgument("--store-id must be a UUID, the store's id as the platform shows it");
  }
  if (!org_id.empty() && !internal::IsUuid(org_id)) {
    return Status::InvalidArgument("--org-id must be a UUID, the organization's id as the platform shows it");
  }
  if (!store_id.empty() && store_id == org_id) {
    return Status::InvalidArgument(
        "--store-id and --org-id must differ: a store is not its own organization");
  }
  return Status::Ok();
}

std::string ClientFor(const std::string& client_id) {
  return client_id.empty() ? "epmock-certify-" + internal::NewUuid().substr(0, 8) : client_id;
}

ServerOptions BaseServerOptions(const std::string& client, const std::string& org_client,
                                const std::string& store_id, const std::string& org_id) {
  ServerOptions s;
  if (!store_id.empty()) s.store_ids[client] = store_id;
  if (!org_id.empty()) s.store_ids[org_client] = org_id;
  s.clock = ServerOptions::ClockMode::kVirtual;
  s.max_attempts = 2;
  s.per_integration_concurrency = 8;
  return s;
}

Status StartServer(Server& server, const std::string& client, const std::string& org_client,
                   const std::string& store_id, const std::string& org_id, CertifyReport& report) {
  if (Status s = server.Start(); !s.ok()) return s.WithContext("starting certify's server: ");
  if (!org_id.empty()) {
    if (StatusOr<Organization> org = server.DeclareOrganization(org_client, {client}); !org.ok()) {
      return org.status().WithContext("declaring the organization: ");
    }
  }
  report.store_id = store_id.empty() ? Server::StoreIdFor(client) : store_id;
  report.org_id = org_id;
  return Status::Ok();
}

CertifyCheck& AddCheck(CertifyReport& report, std::string group, std::string name) {
  report.checks.push_back({});
  CertifyCheck& check = report.checks.back();
  check.group = std::move(group);
  check.name = std::move(name);
  return check;
}

double Quantile(const std::vector<double>& ascending, double q) {
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ascending.size())));
  return ascending[std::min(ascending.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string LatencyNote(std::vector<double> latencies, CertifyReport& report) {
  if (latencies.empty()) return "";
  std::sort(latencies.begin(), latencies.end());
  report.burst_p50_ms = Quantile(latencies, 0.50);
  report.burst_p99_ms = Quantile(latencies, 0.99);
  char figures[96];
  std::snprintf(figures, sizeof figures, "latency p50 %.1f ms, p99 %.1f ms", *report.burst_p50_ms,
                *report.burst_p99_ms);
  return figures;
}

}  // namespace epmock::certify_internal
