// The API faults of one server, per store (epmock/faults.h: ApiFault).
//
// Thread-safe.
#ifndef EPMOCK_API_API_FAULTS_H_
#define EPMOCK_API_API_FAULTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "epmock/faults.h"

namespace epmock::internal {

// An API fault as a request body gives it, its members' types checked and nothing else:
// what POST /__admin/api-faults hands to the control layer.
StatusOr<ApiFault> DecodeApiFault(const nlohmann::json& doc);
// What every front door checks of an API fault's values (the words ApiFault::FromJson gives).
Status CheckApiFault(const ApiFault& fault);

class ApiFaultRegistry {
 public:
  static constexpr std::size_t kMaxPerStore = 100;

  // Assigns the id. ResourceExhausted when the store already has kMaxPerStore.
  StatusOr<ApiFault> Add(const std::string& store_id, ApiFault fault);
  std::vector<ApiFault> List(const std::string& store_id) const;
  bool Remove(const std::string& store_id, const std::string& fault_id);
  void Clear(const std::string& store_id);
  void Reset();

  // The first fault of the store that applies to METHOD PATH, counted against its budget
  // (and gone after its last request); none when no fault applies.
  std::optional<ApiFault> Take(const std::string& store_id, const std::string& method,
                               const std::string& path);

 private:
  mutable Mutex mu_;
  std::map<std::string, std::vector<ApiFault>> by_store_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_API_FAULTS_H_
