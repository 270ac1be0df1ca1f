// The methods of the public event types (include/epmock/event.h).
#include "epmock/event.h"

namespace epmock {

nlohmann::json TriggeredEvent::ToJson() const {
  nlohmann::json job_list = nlohmann::json::array();
  for (const EventJob& j : jobs) {
    nlohmann::json job = {
        {"id", j.job_id}, {"integration_id", j.integration_id}, {"integration_type", j.integration_type}};
    if (!j.refusal.empty()) job["refusal"] = j.refusal;
    if (j.replay) job["replay"] = true;
    job_list.push_back(std::move(job));
  }
  nlohmann::json skipped_list = nlohmann::json::array();
  for (const SkippedIntegration& s : skipped) {
    skipped_list.push_back({{"integration_id", s.integration_id}, {"reason", s.reason}});
  }
  nlohmann::json out = {{"id", id},
                        {"type", type},
                        {"store_id", store_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(store_id)},
                        {"org_id", org_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(org_id)},
                        {"created_at", created_at},
                        {"data", data},
                        {"included", included},
                        {"jobs", std::move(job_list)},
                        {"skipped", std::move(skipped_list)}};
  if (!notes.empty()) out["notes"] = notes;
  if (!variety.empty()) out["variety"] = variety;
  return out;
}

}  // namespace epmock
