#include "api/journal.h"

#include <algorithm>

namespace epmock {

nlohmann::json ToJson(const RequestRecord& r) {
  const char* validation = "not_applicable";
  if (r.validation == RequestRecord::Validation::kPassed) validation = "passed";
  if (r.validation == RequestRecord::Validation::kFailed) validation = "failed";
  return {{"sequence", r.sequence},   {"received_at", r.received_at},
          {"method", r.method},       {"path", r.path},
          {"query", r.query},         {"status", r.status},
          {"store_id", r.store_id},   {"operation_id", r.operation_id},
          {"validation", validation}, {"validation_errors", r.validation_errors},
          {"errors", r.errors},       {"duration_ms", r.duration_ms}};
}

namespace internal {

void Journal::Record(RequestRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  record.sequence = next_sequence_++;
  if (capacity_ == 0) {
    ++dropped_;
    return;
  }
  if (records_.size() >= capacity_) {
    records_.pop_front();
    ++dropped_;
  }
  records_.push_back(std::move(record));
}

std::vector<RequestRecord> Journal::Records(const std::string& store_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RequestRecord> out;
  for (const RequestRecord& r : records_) {
    if (store_id.empty() || r.store_id == store_id) out.push_back(r);
  }
  return out;
}

std::uint64_t Journal::Dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void Journal::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  records_.clear();
  dropped_ = 0;
}

void Journal::ClearStore(const std::string& store_id) {
  std::lock_guard<std::mutex> lock(mu_);
  records_.erase(std::remove_if(records_.begin(), records_.end(),
                                [&](const RequestRecord& r) { return r.store_id == store_id; }),
                 records_.end());
}

}  // namespace internal
}  // namespace epmock
