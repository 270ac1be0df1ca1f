// The request journal: a bounded record of every API request, oldest dropped first.
#ifndef EPMOCK_API_JOURNAL_H_
#define EPMOCK_API_JOURNAL_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "epmock/journal.h"

namespace epmock::internal {

class Journal {
 public:
  explicit Journal(std::size_t capacity) : capacity_(capacity) {}

  // Assigns the sequence number and stores the record.
  void Record(RequestRecord record);

  // Oldest first. An empty store_id returns every record.
  std::vector<RequestRecord> Records(const std::string& store_id = "") const;
  std::uint64_t Dropped() const;
  std::size_t Capacity() const { return capacity_; }

  void Clear();
  void ClearStore(const std::string& store_id);

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::deque<RequestRecord> records_;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_JOURNAL_H_
