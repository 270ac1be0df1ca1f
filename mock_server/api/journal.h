// The request journal: a bounded record of every API request, oldest dropped first.
#ifndef EPMOCK_API_JOURNAL_H_
#define EPMOCK_API_JOURNAL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/history.h"
#include "common/mutex.h"
#include "epmock/journal.h"

namespace epmock::internal {

class Journal {
 public:
  explicit Journal(std::size_t capacity) : capacity_(capacity) {}

  // Assigns the sequence number and stores the record.
  void Record(RequestRecord record);

  // Oldest first. An empty store_id returns every record.
  std::vector<RequestRecord> Records(const std::string& store_id = "") const;

  struct Page {
    std::vector<RequestRecord> records;
    std::size_t total = 0;
  };
  // A store's records oldest first, one page (only the page is copied), and its total.
  Page RecordsPage(const std::string& store_id, std::size_t offset, std::size_t limit) const;
  // The same of the records `keep` selects: one comparison a record under the lock, and only
  // the page copied (a filtered journal costs no copy of the whole).
  Page FilteredPage(const std::string& store_id, const std::function<bool(const RequestRecord&)>& keep,
                    std::size_t offset, std::size_t limit) const;
  // The cursor: the store's records after the one numbered `after`, oldest first; null when
  // the store holds no record with that sequence number (never, or dropped).
  std::optional<Page> RecordsAfter(const std::string& store_id, std::uint64_t after, std::size_t limit) const;
  std::uint64_t Dropped() const;
  std::size_t Capacity() const { return capacity_; }

  void Clear();
  void ClearStore(const std::string& store_id);

 private:
  const std::size_t capacity_;
  mutable Mutex mu_;
  // Each store's records, oldest first, and every record's (sequence, store) in arrival
  // order, for dropping the oldest across stores. A page of a store is a slice of its own.
  // A store's slice is a History (common/history.h) without a limit of its own: the one
  // capacity is the journal's, the oldest across stores dropped first.
  std::unordered_map<std::string, History<RequestRecord>> by_store_ EPMOCK_GUARDED_BY(mu_);
  std::deque<std::pair<std::uint64_t, std::string>> order_ EPMOCK_GUARDED_BY(mu_);
  std::size_t live_ EPMOCK_GUARDED_BY(mu_) = 0;
  std::uint64_t next_sequence_ EPMOCK_GUARDED_BY(mu_) = 1;
  std::uint64_t dropped_ EPMOCK_GUARDED_BY(mu_) = 0;
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_JOURNAL_H_
