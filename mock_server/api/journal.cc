#include "api/journal.h"

#include <algorithm>

#include "common/mutex.h"

namespace epmock {

nlohmann::json ToJson(const RequestRecord& r) {
  const char* validation = "not_applicable";
  if (r.validation == RequestRecord::Validation::kPassed) validation = "passed";
  if (r.validation == RequestRecord::Validation::kFailed) validation = "failed";
  nlohmann::json out = {{"sequence", r.sequence},
                        {"received_at", r.received_at},
                        {"method", r.method},
                        {"path", r.path},
                        {"query", r.query},
                        {"request_id", r.request_id},
                        {"status", r.status},
                        {"store_id", r.store_id},
                        {"authorization", r.authorization},
                        {"operation_id", r.operation_id},
                        {"validation", validation},
                        {"validation_errors", r.validation_errors},
                        {"errors", r.errors},
                        {"warnings", r.warnings},
                        {"origin", r.origin},
                        {"duration_ms", r.duration_ms}};
  if (r.real_duration_ms) out["real_duration_ms"] = *r.real_duration_ms;
  return out;
}

namespace internal {

namespace {

void Cap(std::vector<std::string>& lines) {
  if (lines.size() <= kMaxJournalLines) return;
  const std::size_t more = lines.size() - (kMaxJournalLines - 1);
  lines.resize(kMaxJournalLines - 1);
  lines.push_back("... and " + std::to_string(more) + " more");
}

}  // namespace

void Journal::Record(RequestRecord record) {
  Cap(record.validation_errors);
  Cap(record.errors);
  Cap(record.warnings);
  MutexLock lock(&mu_);
  record.sequence = next_sequence_++;
  if (capacity_ == 0) {
    ++dropped_;
    return;
  }
  order_.emplace_back(record.sequence, record.store_id);
  by_store_[record.store_id].Push(std::move(record));
  ++live_;
  // The oldest go first, whichever store they are of.
  while (live_ > capacity_ && !order_.empty()) {
    const auto [sequence, store_id] = order_.front();
    order_.pop_front();
    auto it = by_store_.find(store_id);
    if (it == by_store_.end() || it->second.empty() || it->second.front().sequence != sequence) continue;
    it->second.DropOldest();
    if (it->second.empty()) by_store_.erase(it);
    --live_;
    ++dropped_;
  }
}

std::vector<RequestRecord> Journal::Records(const std::string& store_id) const {
  MutexLock lock(&mu_);
  std::vector<RequestRecord> out;
  if (!store_id.empty()) {
    auto it = by_store_.find(store_id);
    if (it != by_store_.end()) out.assign(it->second.begin(), it->second.end());
    return out;
  }
  for (const auto& [id, records] : by_store_) out.insert(out.end(), records.begin(), records.end());
  std::sort(out.begin(), out.end(),
            [](const RequestRecord& a, const RequestRecord& b) { return a.sequence < b.sequence; });
  return out;
}

Journal::Page Journal::RecordsPage(const std::string& store_id, std::size_t offset, std::size_t limit) const {
  MutexLock lock(&mu_);
  Page page;
  auto it = by_store_.find(store_id);
  if (it == by_store_.end()) return page;
  const History<RequestRecord>& records = it->second;
  page.total = records.size();
  for (std::size_t i = offset; i < records.size() && page.records.size() < limit; ++i) {
    page.records.push_back(records[i]);  // oldest first, as the journal lists
  }
  return page;
}

Journal::Page Journal::FilteredPage(const std::string& store_id,
                                    const std::function<bool(const RequestRecord&)>& keep, std::size_t offset,
                                    std::size_t limit) const {
  MutexLock lock(&mu_);
  Page page;
  auto it = by_store_.find(store_id);
  if (it == by_store_.end()) return page;
  for (const RequestRecord& record : it->second) {
    if (!keep(record)) continue;
    if (page.total >= offset && page.records.size() < limit) page.records.push_back(record);
    ++page.total;
  }
  return page;
}

std::optional<Journal::Page> Journal::RecordsAfter(const std::string& store_id, std::uint64_t after,
                                                   std::size_t limit) const {
  MutexLock lock(&mu_);
  auto it = by_store_.find(store_id);
  if (it == by_store_.end()) return std::nullopt;
  const History<RequestRecord>& records = it->second;
  // Numbered by the journal, not by the slice: the store's records are every few of them.
  auto at = std::lower_bound(records.begin(), records.end(), after,
                             [](const RequestRecord& r, std::uint64_t s) { return r.sequence < s; });
  if (at == records.end() || at->sequence != after) return std::nullopt;
  Page page;
  page.total = static_cast<std::size_t>(records.end() - at) - 1;
  for (++at; at != records.end() && page.records.size() < limit; ++at) page.records.push_back(*at);
  return page;
}

std::uint64_t Journal::Dropped() const {
  MutexLock lock(&mu_);
  return dropped_;
}

void Journal::Clear() {
  MutexLock lock(&mu_);
  by_store_.clear();
  order_.clear();
  live_ = 0;
  dropped_ = 0;
}

void Journal::ClearStore(const std::string& store_id) {
  MutexLock lock(&mu_);
  auto it = by_store_.find(store_id);
  if (it == by_store_.end()) return;
  live_ -= it->second.size();
  by_store_.erase(it);
  // A reset is rare: dropping its entries from the arrival order keeps that bounded too.
  order_.erase(
      std::remove_if(order_.begin(), order_.end(),
                     [&](const std::pair<std::uint64_t, std::string>& e) { return e.second == store_id; }),
      order_.end());
}

}  // namespace internal
}  // namespace epmock
