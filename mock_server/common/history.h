// History<T>: a bounded history, the one type behind every list epmock keeps of what happened
// (a store's events, jobs and logs; each webhook sink's requests; each STOMP destination's
// messages; each store's slice of the request journal).
//
//   History<Message, BodyBytes> sent(/*max_count=*/1000, /*max_bytes=*/1 << 20);
//   sent.Add(message);                       // drops the oldest past either limit
//   sent.NewestFirst(/*offset=*/0, /*limit=*/25);   // a page, and the total held
//   sent.After(seen, 100);                   // a stable cursor: what came after number `seen`
//
// Entries are held oldest first and numbered in arrival order: the n-th ever added is number
// n, and a number is never given again (Clear included), so a reader's cursor stays true while
// the history grows and drops. The newest entry is kept even when it alone is over the bytes.
// A page copies only its own entries: it costs the same however many are held.
//
// Not thread-safe: it lives under its owner's lock.
#ifndef EPMOCK_COMMON_HISTORY_H_
#define EPMOCK_COMMON_HISTORY_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <utility>
#include <vector>

namespace epmock::internal {

// One page of a history, and how many entries the listing holds in all.
template <typename T>
struct PageOf {
  std::vector<T> items;
  std::size_t total = 0;
};

// What an entry counts against a history's byte limit: nothing, unless the history is given
// a BytesOf of its own (a functor of the entry, the same each time it is asked).
struct NoBytes {
  template <typename U>
  std::size_t operator()(const U&) const {
    return 0;
  }
};

template <typename T, typename BytesOf = NoBytes>
class History {
 public:
  static constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

  explicit History(std::size_t max_count = kNoLimit, std::size_t max_bytes = kNoLimit)
      : max_count_(max_count), max_bytes_(max_bytes) {}

  // Adds `entry` and drops the oldest past either limit. Its number.
  std::uint64_t Add(T entry) {
    const std::uint64_t number = Push(std::move(entry));
    while (OverLimit()) DropOldest();
    return number;
  }

  // For an owner that keeps indexes beside the history: adds without dropping, and the owner
  // drops the oldest while the history is over a limit, mending its indexes from front():
  //
  //   events_.Push(event);
  //   while (events_.OverLimit()) { by_id_.erase(events_.front()->id); events_.DropOldest(); }
  std::uint64_t Push(T entry) {
    bytes_ += BytesOf{}(entry);
    entries_.push_back(std::move(entry));
    return next_++;
  }
  // Over the count, or over the bytes with more than the newest held.
  bool OverLimit() const {
    return entries_.size() > max_count_ || (bytes_ > max_bytes_ && entries_.size() > 1);
  }
  // Drops the oldest entry, counted (also what an owner's limit across histories does: the
  // journal's one capacity for every store's slice).
  void DropOldest() {
    bytes_ -= BytesOf{}(entries_.front());
    entries_.pop_front();
    ++dropped_;
  }

  // Forgets every entry and the dropped count; numbers go on from where they were.
  void Clear() {
    entries_.clear();
    bytes_ = 0;
    dropped_ = 0;
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::size_t bytes() const { return bytes_; }
  std::uint64_t dropped() const { return dropped_; }
  // How many were ever added (the next entry's number).
  std::uint64_t added() const { return next_; }
  std::uint64_t front_number() const { return next_ - entries_.size(); }
  bool Holds(std::uint64_t number) const { return number >= front_number() && number < next_; }
  // The entry numbered `number`, which Holds.
  const T& At(std::uint64_t number) const {
    return entries_[static_cast<std::size_t>(number - front_number())];
  }
  // Changing an entry in place must not change what BytesOf says of it.
  T& At(std::uint64_t number) { return entries_[static_cast<std::size_t>(number - front_number())]; }
  // The i-th held, oldest first.
  const T& operator[](std::size_t i) const { return entries_[i]; }
  const T& front() const { return entries_.front(); }
  const T& back() const { return entries_.back(); }
  // Oldest first.
  typename std::deque<T>::const_iterator begin() const { return entries_.begin(); }
  typename std::deque<T>::const_iterator end() const { return entries_.end(); }
  typename std::deque<T>::const_reverse_iterator rbegin() const { return entries_.rbegin(); }
  typename std::deque<T>::const_reverse_iterator rend() const { return entries_.rend(); }

  // Newest first, from `offset`, at most `limit`; the total is all held.
  PageOf<T> NewestFirst(std::size_t offset, std::size_t limit) const {
    PageOf<T> page;
    page.total = entries_.size();
    for (std::size_t i = offset; i < entries_.size() && page.items.size() < limit; ++i) {
      page.items.push_back(entries_[entries_.size() - 1 - i]);
    }
    return page;
  }

  // Newest first, the entries whose numbers `index` lists (oldest first, each held): a
  // filtered listing kept as an index beside the history, paged as a slice of it.
  template <typename Index>
  PageOf<T> NewestFirstOf(const Index& index, std::size_t offset, std::size_t limit) const {
    PageOf<T> page;
    page.total = index.size();
    for (std::size_t i = offset; i < index.size() && page.items.size() < limit; ++i) {
      page.items.push_back(At(index[index.size() - 1 - i]));
    }
    return page;
  }

  // A follower's cursor: the entries from number `from` on, oldest first (those dropped
  // already are gone); the next one to ask for is added().
  std::vector<T> From(std::uint64_t from) const {
    std::vector<T> out;
    const std::uint64_t first = from > front_number() ? from : front_number();
    for (std::uint64_t n = first; n < next_; ++n) out.push_back(At(n));
    return out;
  }

  // The stable cursor: the entries after number `after` (one that Holds), oldest first, at
  // most `limit`; the total is how many came after it.
  PageOf<T> After(std::uint64_t after, std::size_t limit) const {
    PageOf<T> page;
    const std::size_t start = static_cast<std::size_t>(after + 1 - front_number());
    page.total = entries_.size() - start;
    for (std::size_t i = start; i < entries_.size() && page.items.size() < limit; ++i) {
      page.items.push_back(entries_[i]);
    }
    return page;
  }

 private:
  std::size_t max_count_;
  std::size_t max_bytes_;
  std::deque<T> entries_;
  std::size_t bytes_ = 0;
  std::uint64_t next_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_HISTORY_H_
