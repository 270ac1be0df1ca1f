// A store's API faults (epmock/faults.h: ApiFault).
//
// Thread-safe.
#ifndef EPMOCK_API_API_FAULTS_H_
#define EPMOCK_API_API_FAULTS_H_

#include <optional>
#include <string>
#include <vector>

#include "epmock/faults.h"
#include "store/parts.h"

namespace epmock::internal {

// An API fault as a request body gives it, its members' types checked and nothing else:
// what POST /__admin/api-faults hands to the control layer.
StatusOr<ApiFault> DecodeApiFault(const nlohmann::json& doc);
// What every front door checks of an API fault's values (the words ApiFault::FromJson gives).
Status CheckApiFault(const ApiFault& fault);

// A store's API faults: a part of the store (store/parts.h: add, list, remove, clear).
class ApiFaults : public StoreList<ApiFault> {
 public:
  static constexpr std::size_t kMaxPerStore = 100;
  ApiFaults() : StoreList(kMaxPerStore, "API faults") {}

  // The first fault that applies to METHOD PATH, counted against its budget (and gone after
  // its last request); none when no fault applies.
  // `now_ms`: the time on the server's clock, which a used-up fault's used_up_at says.
  std::optional<ApiFault> Take(const std::string& method, const std::string& path, std::int64_t now_ms);
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_API_FAULTS_H_
