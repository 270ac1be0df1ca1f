// CertifyRunner: what runs POST /__admin/certify. The admin API sits below certify in the
// layers (docs/ARCHITECTURE.md), so a server is handed one: epmock::NewCertifyRunner()
// (epmock/certify.h) in ServerOptions::certify_runner, which `epmock serve` and the test
// harness set. Without one the route answers 409.
#ifndef EPMOCK_CERTIFY_RUNNER_H_
#define EPMOCK_CERTIFY_RUNNER_H_

#include <functional>

#include <nlohmann/json.hpp>

#include "epmock/status.h"

namespace epmock {

class CertifyRunner {
 public:
  virtual ~CertifyRunner() = default;
  // Checks a run's request (the body of POST /__admin/certify): INVALID_ARGUMENT naming the
  // first field that is wrong.
  virtual Status Check(const nlohmann::json& request) const = 0;
  // Runs it on a server of its own and returns the report (CertifyReport::ToJson).
  // `progress` is told {"check": ...} as each check ends and, for an SQS worker,
  // {"ready": {"sqs_url", "queue_url"}} once the queue is there; `cancelled` is asked before
  // each check, and true ends the run early.
  virtual StatusOr<nlohmann::json> Run(const nlohmann::json& request,
                                       const std::function<void(const nlohmann::json&)>& progress,
                                       const std::function<bool()>& cancelled) const = 0;
};

}  // namespace epmock

#endif  // EPMOCK_CERTIFY_RUNNER_H_
