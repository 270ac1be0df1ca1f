// libFuzzer: init files (docs/INIT.md), JSON or YAML: the input is the file's text, read as
// LoadInitFile reads it. It must load or be refused with a message naming where, never
// crash; a loaded plan stays within the file's limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/init_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace e = epmock::internal;
  const std::string text(reinterpret_cast<const char*>(data), size);
  epmock::StatusOr<e::InitPlan> plan = e::ParseInitText(text, "fuzz: ");
  if (!plan.ok()) {
    if (plan.status().message().rfind("fuzz: ", 0) != 0) std::abort();  // a refusal says where
    return 0;
  }
  if (plan->queues.size() > e::kMaxInitQueues || plan->organizations.size() > e::kMaxInitOrganizations ||
      plan->stores.size() > e::kMaxInitStores)
    std::abort();
  std::size_t integrations = 0;
  for (const e::InitStore& store : plan->stores) {
    if (store.client_id.empty()) std::abort();
    integrations += store.integrations.size();
    for (const nlohmann::json& integration : store.integrations) {
      if (!integration.is_object()) std::abort();
      (void)integration.dump();
    }
  }
  if (integrations > e::kMaxInitIntegrations) std::abort();
  return 0;
}
