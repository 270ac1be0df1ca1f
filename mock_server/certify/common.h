// What the certifiers of each kind of consumer share (certify.cc, certify_sqs.cc): the text
// they keep of a consumer's answers, the integration they point at it, the option checks
// they have in common, and the latency figures.
#ifndef EPMOCK_CERTIFY_COMMON_H_
#define EPMOCK_CERTIFY_COMMON_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/certify.h"
#include "epmock/server.h"
#include "epmock/status.h"

namespace epmock::certify_internal {

// At most `max` bytes of what a consumer sent, as valid UTF-8 without control characters
// (every report format carries it: JSON needs the one, XML the other).
std::string Cut(const std::string& text, std::size_t max);
std::string JoinComma(const std::vector<std::string>& parts);

// Creates `integration` (the API's data object) on certify's own server as `client`, through
// the API as a user's client would: its id, or the platform's refusal as InvalidArgument.
StatusOr<std::string> CreateIntegration(Server& server, const std::string& client,
                                        const nlohmann::json& integration);

// The checks every kind shares: the observed keys (1 to kMaxObserves, each in the catalog,
// none twice), the client id and the store and organization ids.
Status CheckCommonOptions(const std::vector<std::string>& observes, const std::string& client_id,
                          const std::string& store_id, const std::string& org_id);

// The client whose store sends: `client_id`, or a new one each run.
std::string ClientFor(const std::string& client_id);

// Certify's server: a virtual clock, at most 2 attempts of a delivery (attempt 1 decides;
// the retried-event check needs attempt 2), the store (and organization) ids the consumer
// expects pinned.
ServerOptions BaseServerOptions(const std::string& client, const std::string& org_client,
                                const std::string& store_id, const std::string& org_id);

// Starts it, declares the organization when there is one, and fills the report's store and
// organization ids.
Status StartServer(Server& server, const std::string& client, const std::string& org_client,
                   const std::string& store_id, const std::string& org_id, CertifyReport& report);

// A new check at the end of the report.
CertifyCheck& AddCheck(CertifyReport& report, std::string group, std::string name);

// What every certifier holds (the options, the client whose store sends, a server of its
// own, the report) and how it makes a check: Step runs one unless the run was cancelled and
// tells on_check of it; Add puts a new check at the end of the report.
template <typename Options>
class CertifierBase {
 protected:
  using MakeServerOptions = ServerOptions (*)(const Options&, const std::string& client,
                                              const std::string& org_client);
  CertifierBase(const Options& options, MakeServerOptions server_options)
      : o_(options),
        client_(ClientFor(o_.client_id)),
        org_client_(client_ + "-organization"),
        server_holder_(std::make_unique<Server>(server_options(options, client_, org_client_))),
        server_(*server_holder_) {}

  Status StartOwnServer() {
    return StartServer(server_, client_, org_client_, o_.store_id, o_.org_id, report_);
  }

  template <typename Check>
  void Step(Check check) {
    if (o_.cancelled && o_.cancelled()) return;
    const std::size_t before = report_.checks.size();
    check();
    if (o_.on_check && report_.checks.size() > before) o_.on_check(report_.checks.back());
  }

  CertifyCheck& Add(std::string group, std::string name) {
    return AddCheck(report_, std::move(group), std::move(name));
  }

  const Options& o_;
  const std::string client_;
  const std::string org_client_;
  std::unique_ptr<Server> server_holder_;
  Server& server_;
  CertifyReport report_;
};

// The q-quantile (0 < q <= 1) of ascending, non-empty values: the least value with at
// least q of them at or below it.
double Quantile(const std::vector<double>& ascending, double q);

// "latency p50 1.2 ms, p99 3.4 ms", and the two figures in the report.
std::string LatencyNote(std::vector<double> latencies, CertifyReport& report);

}  // namespace epmock::certify_internal

#endif  // EPMOCK_CERTIFY_COMMON_H_
