// Spec: the published Integrations API description with epmock's corrections applied,
// compiled into validators once per process.
//
//   std::shared_ptr<const epmock::Spec> spec = epmock::Spec::Default();
//   for (const epmock::SchemaViolation& v :
//        spec->ValidateRequest("CreateIntegration", body))
//     std::cout << v.source << ": " << v.detail << "\n";
//
// Thread-safe: a Spec is immutable once loaded; share it freely.
#ifndef EPMOCK_SPEC_H_
#define EPMOCK_SPEC_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/catalog.h"
#include "epmock/status.h"

namespace epmock {

// One way a document breaks its schema.
struct SchemaViolation {
  std::string source;      // JSON pointer to the offending value ("/data/name"); "" is the root
  std::string detail;      // what was expected, in the API user's words
  std::string rule = {};   // the schema keyword that failed ("required", "type", "pattern", ...)
  std::string value = {};  // the offending value as JSON, cut to 200 bytes; "" when absent
};

struct SpecOptions {
  // Apply schemas/overlay.json. Without it the published description is used as is, which
  // rejects the documentation's own examples (see schemas/overlay.json for why).
  bool apply_overlay = true;

  // Read the schema files from this directory (laid out as schemas/ in the source tree)
  // instead of the copies compiled into the library.
  std::string schema_dir;
};

class Spec {
 public:
  // The corrected spec from the embedded files, loaded and compiled on first use and shared
  // by every Server in the process. Aborts with a message if the embedded files are broken,
  // which a test in the suite rules out.
  static std::shared_ptr<const Spec> Default();

  static StatusOr<std::shared_ptr<const Spec>> Load(const SpecOptions& options);

  ~Spec();
  Spec(const Spec&) = delete;
  Spec& operator=(const Spec&) = delete;

  // Validates a request body of an operation (by OpenAPI operationId). Empty: valid.
  // An operation without a request body schema accepts anything.
  std::vector<SchemaViolation> ValidateRequest(const std::string& operation_id,
                                               const nlohmann::json& body) const;

  // Validates a response body. Statuses the operation does not declare are checked against
  // the error schema when >= 400; a declared status without content (204) must be empty,
  // which the caller checks. Returns one violation naming the gap when the operation does
  // not declare the status at all.
  std::vector<SchemaViolation> ValidateResponse(const std::string& operation_id, int status,
                                                const nlohmann::json& body) const;

  // Validates against a named schema of the corrected library ("IntegrationCreate", ...).
  std::vector<SchemaViolation> ValidateSchema(const std::string& schema_name,
                                              const nlohmann::json& document) const;

  // The operationId that serves METHOD PATH ("/v2/integrations/abc" -> "GetIntegration").
  std::optional<std::string> OperationFor(const std::string& method, const std::string& path) const;

  // The corrected OpenAPI document, as JSON.
  const nlohmann::json& OpenApi() const;

  // Validates a delivery body: kind "webhook" (schemas/envelopes/webhook.schema.json) or
  // "cloudevent" (schemas/envelopes/cloudevent.schema.json).
  std::vector<SchemaViolation> ValidateEnvelope(const std::string& kind,
                                                const nlohmann::json& envelope) const;

  // The JSON Schema of a delivery body ("webhook", "webhook-flat", "cloudevent"), as the
  // embedded file has it; null for another kind.
  const nlohmann::json* EnvelopeSchema(const std::string& kind) const;

  // Validates a synthesized resource against its schema in schemas/resources.json
  // (resource names as in the catalog: "order", "cart", ...).
  std::vector<SchemaViolation> ValidateResource(const std::string& resource,
                                                const nlohmann::json& data) const;

  // The entry of schemas/resources.json for a resource (schema, samples, by_event), or null.
  const nlohmann::json* Resource(const std::string& resource) const;

  // The catalog's named keys (extensions included), in catalog order.
  const std::vector<ObservableEvent>& Events() const;
  // A named key only; patterns are not consulted (see LookupEvent).
  const ObservableEvent* FindEvent(const std::string& key) const;
  // The families of keys accepted by rule.
  const std::vector<EventPattern>& EventPatterns() const;
  // A key the catalog accepts, by name or by pattern: what integrations may observe and
  // what may be triggered.
  std::optional<ObservableEvent> LookupEvent(const std::string& key) const;

  // A copy of this spec with a catalog extension added (docs/CATALOG.md): private or new
  // platform keys, each with an optional resource schema and samples. Errors name the entry.
  StatusOr<std::shared_ptr<const Spec>> Extend(const nlohmann::json& extension) const;
  // The same, read from a JSON file (at most kMaxCatalogExtensionBytes).
  StatusOr<std::shared_ptr<const Spec>> ExtendFromFile(const std::string& path) const;
  static constexpr std::size_t kMaxCatalogExtensionBytes = 4 * 1024 * 1024;

  class Impl;

 private:
  explicit Spec(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace epmock

#endif  // EPMOCK_SPEC_H_
