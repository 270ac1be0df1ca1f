#include "delivery/faults.h"

#include "common/clock.h"

#include <algorithm>
#include <set>

#include "common/json_numbers.h"

namespace epmock {

using nlohmann::json;

json Fault::ToJson() const {
  return {{"id", id},
          {"integration_id", integration_id.empty() ? json(nullptr) : json(integration_id)},
          {"duplicate", duplicate},
          {"reorder", reorder},
          {"reorder_window_ms", reorder_window_ms},
          {"delay_ms", delay_ms},
          {"fail_first_attempts", fail_first_attempts},
          {"late_first_attempts", late_first_attempts},
          {"events", events},
          {"refuse", refuse.empty() ? json(nullptr) : json(refuse)},
          {"replay_after_ms", replay_after_ms}};
}

namespace {

constexpr const char* kRefusals[] = {"wrong_secret", "missing_secret", "invalid_json", "other_store",
                                     "replay"};

// A fault's whole-number fields and their bounds, for reading and for checking.
struct Field {
  const char* name;
  int Fault::*member;
  int max;
};
constexpr Field kFields[] = {{"duplicate", &Fault::duplicate, 100},
                             {"reorder", &Fault::reorder, 10000},
                             {"reorder_window_ms", &Fault::reorder_window_ms, 3600000},
                             {"delay_ms", &Fault::delay_ms, 86400000},
                             {"fail_first_attempts", &Fault::fail_first_attempts, 1000},
                             {"late_first_attempts", &Fault::late_first_attempts, 1000},
                             {"events", &Fault::events, 1000000},
                             {"replay_after_ms", &Fault::replay_after_ms, 86400000}};

std::string Bounds(const Field& field) {
  return std::string(field.name) + " must be a whole number from 0 to " + std::to_string(field.max);
}

}  // namespace

StatusOr<Fault> Fault::FromJson(const json& doc) {
  StatusOr<Fault> fault = internal::DecodeFault(doc);
  if (!fault.ok()) return fault;
  if (Status checked = internal::CheckFault(*fault); !checked.ok()) return checked;
  return fault;
}

namespace internal {

StatusOr<Fault> DecodeFault(const json& doc) {
  if (!doc.is_object()) return Status::InvalidArgument("a fault is a JSON object");
  Fault fault;
  for (const auto& [key, value] : doc.items()) {
    if (key == "integration_id") {
      if (value.is_null()) continue;
      if (!value.is_string()) return Status::InvalidArgument("integration_id must be a string");
      fault.integration_id = value.get<std::string>();
      continue;
    }
    if (key == "id") continue;
    if (key == "refuse") {
      if (value.is_null()) continue;
      if (!value.is_string()) return Status::InvalidArgument(internal::kRefusalChoices);
      fault.refuse = value.get<std::string>();
      continue;
    }
    const Field* field = nullptr;
    for (const Field& f : kFields) {
      if (key == f.name) field = &f;
    }
    if (!field) {
      return Status::InvalidArgument(
          "unknown fault field '" + key.substr(0, 64) +
          "'; use duplicate, reorder, reorder_window_ms, delay_ms, "
          "fail_first_attempts, late_first_attempts, events, refuse, replay_after_ms, "
          "integration_id");
    }
    // A whole number of the JSON's; its range is CheckFault's (a number past int saturates,
    // and is refused there with the same words).
    if (!value.is_number_integer()) return Status::InvalidArgument(Bounds(*field));
    fault.*(field->member) = SaturatedInt(value);
  }
  return fault;
}

Status CheckFault(const Fault& fault) {
  for (const Field& field : kFields) {
    const int value = fault.*(field.member);
    if (value < 0 || value > field.max) return Status::InvalidArgument(Bounds(field));
  }
  if (!fault.refuse.empty() &&
      std::find(std::begin(kRefusals), std::end(kRefusals), fault.refuse) == std::end(kRefusals)) {
    return Status::InvalidArgument(kRefusalChoices);
  }
  if (fault.duplicate == 0 && fault.reorder == 0 && fault.delay_ms == 0 && fault.fail_first_attempts == 0 &&
      fault.late_first_attempts == 0 && fault.refuse.empty()) {
    return Status::InvalidArgument(
        "the fault does nothing: set duplicate, reorder, delay_ms, fail_first_attempts, late_first_attempts "
        "or refuse");
  }
  return Status::Ok();
}

FaultPlan DeliveryFaults::Plan(const std::vector<Fault>& faults, const std::string& integration_id,
                               std::vector<std::string>* used) {
  FaultPlan plan;
  for (const Fault& f : faults) {
    if (!f.integration_id.empty() && f.integration_id != integration_id) continue;
    plan.duplicate = std::max(plan.duplicate, f.duplicate);
    if (f.reorder > plan.reorder) {
      plan.reorder = f.reorder;
      plan.reorder_window_ms = f.reorder_window_ms;
    }
    plan.delay_ms += f.delay_ms;
    plan.fail_first_attempts = std::max(plan.fail_first_attempts, f.fail_first_attempts);
    plan.late_first_attempts = std::max(plan.late_first_attempts, f.late_first_attempts);
    if (plan.refuse.empty() && !f.refuse.empty()) {  // the first one added wins
      plan.refuse = f.refuse;
      plan.replay_after_ms = f.replay_after_ms;
    }
    used->push_back(f.id);
  }
  return plan;
}

void DeliveryFaults::Consume(const std::vector<std::string>& used, std::int64_t now_ms) {
  const std::set<std::string> ids(used.begin(), used.end());
  if (used.empty()) return;
  // A fault whose budget ran out (-1) leaves the list for the used ones, its budget shown as 0.
  UpdateAndRetire(
      [&](std::vector<Fault>& faults) {
        for (Fault& f : faults) {
          if (ids.count(f.id) && f.events > 0) f.events = f.events == 1 ? -1 : f.events - 1;
        }
        return true;
      },
      [](Fault& f) {
        if (f.events >= 0) return false;
        f.events = 0;
        return true;
      },
      now_ms);
}

}  // namespace internal
}  // namespace epmock
