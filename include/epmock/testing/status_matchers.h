// gMock matchers for epmock::Status and epmock::StatusOr, after Abseil's status_matchers.h.
//
//   using epmock::testing::IsOk;
//   using epmock::testing::StatusIs;
//   ASSERT_THAT(server.Start(), IsOk());
//   EXPECT_THAT(server.AddFault(client_id, fault), StatusIs(epmock::StatusCode::kInvalidArgument));
//   EXPECT_THAT(spec->Extend(extension), StatusIs(epmock::StatusCode::kInvalidArgument,
//   HasSubstr("pattern")));
//
// A failure prints the status ("INVALID_ARGUMENT: ..."), and a StatusOr its value or status.
#ifndef EPMOCK_TESTING_STATUS_MATCHERS_H_
#define EPMOCK_TESTING_STATUS_MATCHERS_H_

#include <ostream>

#include <gmock/gmock.h>

#include "epmock/status.h"

namespace epmock {

// gtest's printer for a StatusOr: its value when it has one, else its status.
template <typename T>
void PrintTo(const StatusOr<T>& status_or, std::ostream* os) {
  if (status_or.ok()) {
    *os << "OK: " << ::testing::PrintToString(*status_or);
  } else {
    *os << status_or.status();
  }
}

namespace testing {
namespace internal {

inline const Status& GetStatus(const Status& status) { return status; }
template <typename T>
const Status& GetStatus(const StatusOr<T>& status_or) {
  return status_or.status();  // OK when it holds a value
}

}  // namespace internal

// The Status, or the StatusOr's status, is OK.
MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const Status& status = internal::GetStatus(arg);
  if (!status.ok()) *result_listener << "whose status is " << status;
  return status.ok();
}

// The status has this code.
MATCHER_P(StatusIs, code,
          std::string(negation ? "has a status other than " : "has status ") + StatusCodeName(code)) {
  const Status& status = internal::GetStatus(arg);
  if (status.code() == code) return true;
  *result_listener << "whose status is " << status;
  return false;
}

// The status has this code and a message that message_matcher accepts.
MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "does not have status " : "has status ") + StatusCodeName(code) +
               " and a message that " + ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const Status& status = internal::GetStatus(arg);
  if (status.code() != code) {
    *result_listener << "whose status is " << status;
    return false;
  }
  return ::testing::ExplainMatchResult(message_matcher, status.message(), result_listener);
}

}  // namespace testing
}  // namespace epmock

#endif  // EPMOCK_TESTING_STATUS_MATCHERS_H_
