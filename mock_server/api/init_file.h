// Init files (docs/INIT.md): what a server provisions when it starts, so that a user of the
// image or of `epmock serve` needs no C++ fixture: SQS queues, organizations, each store's
// kind and page length, and its integrations.
//
//   StatusOr<InitPlan> plan = LoadInitFile("init.yaml");     // checked, nothing done yet
//   Status applied = ApplyInit(engine, *plan, server_url);   // through the API's own checks
//
// An error names the file and the entry: "init.yaml: stores[1].integrations[0]: 422 Failed
// Validation: data.configuration.url: ...".
#ifndef EPMOCK_API_INIT_FILE_H_
#define EPMOCK_API_INIT_FILE_H_

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/control.h"
#include "epmock/status.h"

namespace epmock::internal {

class Engine;

inline constexpr std::size_t kMaxInitFileBytes = 1024 * 1024;
inline constexpr int kMaxInitFileDepth = 32;
inline constexpr std::size_t kMaxInitQueues = 1000;
inline constexpr std::size_t kMaxInitOrganizations = 100;
inline constexpr std::size_t kMaxInitStores = 1000;
inline constexpr std::size_t kMaxInitIntegrations = 10000;  // in all stores together

struct InitOrganization {
  std::string client_id;
  std::vector<std::string> stores;  // client ids
};

struct InitStore {
  std::string client_id;
  StoreSettings settings;                    // either may be unset
  std::vector<nlohmann::json> integrations;  // each the `data` of a POST /v2/integrations
};

struct InitPlan {
  std::vector<std::string> queues;
  std::vector<InitOrganization> organizations;
  std::vector<InitStore> stores;
};

// Checks an init document's text (JSON or YAML, within the limits above): its shape, each
// field's type, no unknown key. What the API checks (an integration's schema, a store kind)
// is checked when it is applied. `where` prefixes an error (the file's name).
StatusOr<InitPlan> ParseInitText(const std::string& text, const std::string& where);
// Reads a file and checks it (ParseInitText).
StatusOr<InitPlan> LoadInitFile(const std::string& path);

// The URLs an init file may name in an integration's strings as {{api_url}}, {{sqs_url}}
// and {{stomp_url}}.
struct InitUrls {
  std::string api, sqs, stomp;
};

// Applies a plan in order: queues, organizations, store settings, then each store's
// integrations as POST /v2/integrations with a token of its client (every check of the API
// applies). Stops at the first refusal and returns it with its entry named.
Status ApplyInit(Engine& engine, const InitPlan& plan, const InitUrls& urls, const std::string& where);

}  // namespace epmock::internal

#endif  // EPMOCK_API_INIT_FILE_H_
