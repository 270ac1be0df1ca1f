// PerStoreList<T>: each store's list of one kind of thing a test sets up (its delivery faults,
// its API faults), in the order added, each given an id, at most `max` a store. The storage
// and the add / list / remove / clear of both fault registries (delivery/faults.h,
// api/api_faults.h), written once. A store with none holds nothing, so a look-up on every
// request (an API fault's Take) allocates nothing for the stores that set none.
//
// T has a `std::string id`. Thread-safe.
#ifndef EPMOCK_COMMON_PER_STORE_H_
#define EPMOCK_COMMON_PER_STORE_H_

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "common/mutex.h"
#include "epmock/status.h"

namespace epmock::internal {

template <class T>
class PerStoreList {
 public:
  // `what` names the things in the refusal past the most: "a store has at most 100 API faults".
  PerStoreList(std::size_t max_per_store, std::string what) : max_(max_per_store), what_(std::move(what)) {}

  // Gives it a new id and adds it last. ResourceExhausted when the store has `max` already.
  StatusOr<T> Add(const std::string& store_id, T item) {
    item.id = NewUuid();
    MutexLock lock(&mu_);
    std::vector<T>& items = by_store_[store_id];
    if (items.size() >= max_) {
      if (items.empty()) by_store_.erase(store_id);
      return Status::ResourceExhausted("a store has at most " + std::to_string(max_) + " " + what_ +
                                       "; clear some first");
    }
    items.push_back(item);
    return item;
  }

  std::vector<T> List(const std::string& store_id) const {
    MutexLock lock(&mu_);
    auto it = by_store_.find(store_id);
    return it == by_store_.end() ? std::vector<T>{} : it->second;
  }

  // Whether the store had one with that id.
  bool Remove(const std::string& store_id, const std::string& id) {
    return Update(store_id, [&](std::vector<T>& items) {
      auto found = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.id == id; });
      if (found == items.end()) return false;
      items.erase(found);
      return true;
    });
  }

  void Clear(const std::string& store_id) {
    MutexLock lock(&mu_);
    by_store_.erase(store_id);
  }

  void Reset() {
    MutexLock lock(&mu_);
    by_store_.clear();
  }

  // Calls `change(items)` on the store's list with the lock held, if the store has one
  // (else returns what a default-constructed result is), and forgets a list it leaves
  // empty: how a fault's budget is counted down.
  template <class Change>
  auto Update(const std::string& store_id, Change&& change)
      -> decltype(change(std::declval<std::vector<T>&>())) {
    MutexLock lock(&mu_);
    auto it = by_store_.find(store_id);
    if (it == by_store_.end()) return {};
    auto result = change(it->second);
    if (it->second.empty()) by_store_.erase(it);
    return result;
  }

 private:
  const std::size_t max_;
  const std::string what_;
  mutable Mutex mu_;
  std::map<std::string, std::vector<T>> by_store_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_PER_STORE_H_
