// What a layer above keeps of each store lives in the store, as a part of it.
//
//   DeliveryFaults& faults = store->Part<DeliveryFaults>();   // made on first use
//   if (const ApiFaults* faults = store->FindPart<ApiFaults>()) ...  // none made for a look-up
//
// A store's delivery faults (delivery/faults.h), its API faults (api/api_faults.h) and its
// rate-limit window (api/rate_limit.h) are parts: each made when first asked for, living as
// long as the store, and forgotten by the store's Clear with everything else of it, so that
// one reset forgets all of a store by construction, and a store forgotten takes its parts
// with it. A part guards its own state; the store's Clear calls it with no store lock held.
#ifndef EPMOCK_STORE_PARTS_H_
#define EPMOCK_STORE_PARTS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "common/mutex.h"
#include "epmock/status.h"

namespace epmock::internal {

class StorePart {
 public:
  StorePart() = default;
  StorePart(const StorePart&) = delete;
  StorePart& operator=(const StorePart&) = delete;
  virtual ~StorePart() = default;
  // Forgets what the store's reset forgets.
  virtual void Clear() = 0;
};

// A part that is a list of things a test sets up (delivery faults, API faults), in the order
// added, each given an id, at most `max` a store: the add / list / remove / clear of both
// fault kinds, written once. T has a `std::string id`.
template <class T>
class StoreList : public StorePart {
 public:
  // `what` names the things in the refusal past the most: "a store has at most 100 API faults".
  StoreList(std::size_t max, std::string what) : max_(max), what_(std::move(what)) {}

  // Adds it last, with a new random id unless it has one. ResourceExhausted when the store has `max` already.
  StatusOr<T> Add(T item) {
    if (item.id.empty()) item.id = NewUuid();
    MutexLock lock(&mu_);
    if (items_.size() >= max_) {
      return Status::ResourceExhausted("a store has at most " + std::to_string(max_) + " " + what_ +
                                       "; clear some first");
    }
    items_.push_back(item);
    return item;
  }

  std::vector<T> List() const {
    MutexLock lock(&mu_);
    return items_;
  }

  // Whether there was one with that id.
  bool Remove(const std::string& id) {
    return Update([&](std::vector<T>& items) {
      auto found = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.id == id; });
      if (found == items.end()) return false;
      items.erase(found);
      return true;
    });
  }

  void Clear() override {
    MutexLock lock(&mu_);
    items_.clear();
    used_.clear();
  }

  // The items whose budget ran out, oldest first, each with when (ms since the epoch): kept,
  // at most `max` of them, so that a used fault is listed as used rather than vanishing.
  struct UsedItem {
    T item;
    std::int64_t used_up_at_ms = 0;
  };
  std::vector<UsedItem> Used() const {
    MutexLock lock(&mu_);
    return {used_.begin(), used_.end()};
  }

  // Calls `change(items)` with the lock held and returns what it returns: how a fault's
  // budget is counted down.
  template <class Change>
  auto Update(Change&& change) -> decltype(change(std::declval<std::vector<T>&>())) {
    MutexLock lock(&mu_);
    return change(items_);
  }
  // The same, and then moves the items `spent(item)` selects to the used ones, stamped `now_ms`,
  // under the same lock (no other caller sees a spent item in between).
  template <class Change, class Spent>
  auto UpdateAndRetire(Change&& change, Spent&& spent, std::int64_t now_ms)
      -> decltype(change(std::declval<std::vector<T>&>())) {
    MutexLock lock(&mu_);
    auto result = change(items_);
    for (auto it = items_.begin(); it != items_.end();) {
      if (!spent(*it)) {
        ++it;
        continue;
      }
      used_.push_back({*it, now_ms});
      if (used_.size() > max_) used_.pop_front();
      it = items_.erase(it);
    }
    return result;
  }

 private:
  const std::size_t max_;
  const std::string what_;
  mutable Mutex mu_;
  std::vector<T> items_ EPMOCK_GUARDED_BY(mu_);
  std::deque<UsedItem> used_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_STORE_PARTS_H_
