// Status, StatusOr and the matchers of epmock/testing/status_matchers.h.
#include <memory>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "epmock/status.h"
#include "epmock/testing/status_matchers.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using ::epmock::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Explain(const ::testing::Matcher<const Status&>& matcher, const Status& status) {
  ::testing::StringMatchResultListener listener;
  matcher.MatchAndExplain(status, &listener);
  return listener.str();
}

TEST(StatusTest, PrintsItsCodeAndMessage) {
  EXPECT_EQ(Status::NotFound("no integration 42").ToString(), "NOT_FOUND: no integration 42");
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  std::ostringstream out;
  out << Status::InvalidArgument("bad");
  EXPECT_EQ(out.str(), "INVALID_ARGUMENT: bad");
  EXPECT_EQ(::testing::PrintToString(Status::Internal("x")), "INTERNAL: x");
}

TEST(StatusOrTest, PrintsItsValueOrItsStatus) {
  EXPECT_EQ(::testing::PrintToString(StatusOr<int>(7)), "OK: 7");
  EXPECT_EQ(::testing::PrintToString(StatusOr<int>(Status::NotFound("gone"))), "NOT_FOUND: gone");
}

TEST(StatusOrTest, ValueOfAnErrorThrowsBadStatusOrAccessNamingTheStatus) {
  StatusOr<std::string> missing(Status::NotFound("no integration 42"));
  EXPECT_THROW((void)missing.value(), BadStatusOrAccess);
  EXPECT_THROW((void)*missing, BadStatusOrAccess);
  EXPECT_THROW((void)missing->size(), BadStatusOrAccess);
  EXPECT_THROW((void)std::move(missing).value(), BadStatusOrAccess);
  try {
    (void)missing.value();
    FAIL() << "value() did not throw";
  } catch (const std::logic_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("NOT_FOUND: no integration 42"));
  }
}

TEST(StatusOrTest, AnOkStatusWithoutAValueIsAnInternalError) {
  StatusOr<int> made(Status::Ok());
  EXPECT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInternal);
}

TEST(StatusOrTest, GivesItsValue) {
  StatusOr<std::unique_ptr<int>> held(std::make_unique<int>(5));
  ASSERT_THAT(held, IsOk());
  EXPECT_EQ(**held, 5);
  std::unique_ptr<int> taken = std::move(held).value();
  EXPECT_EQ(*taken, 5);
}

TEST(StatusMatchersTest, IsOkAcceptsOnlyOk) {
  EXPECT_THAT(Status::Ok(), IsOk());
  EXPECT_THAT(StatusOr<int>(1), IsOk());
  EXPECT_THAT(Status::Internal("x"), Not(IsOk()));
  EXPECT_THAT(StatusOr<int>(Status::Internal("x")), Not(IsOk()));
  EXPECT_EQ(Explain(IsOk(), Status::Unavailable("port 80 is taken")),
            "whose status is UNAVAILABLE: port 80 is taken");
}

TEST(StatusMatchersTest, StatusIsComparesTheCodeAndTheMessage) {
  const Status refused = Status::InvalidArgument("duplicate must be 0 or more");
  EXPECT_THAT(refused, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(refused, Not(StatusIs(StatusCode::kNotFound)));
  EXPECT_THAT(refused, StatusIs(StatusCode::kInvalidArgument, HasSubstr("duplicate")));
  EXPECT_THAT(refused, Not(StatusIs(StatusCode::kInvalidArgument, HasSubstr("delay"))));
  EXPECT_THAT(StatusOr<int>(refused), StatusIs(StatusCode::kInvalidArgument, "duplicate must be 0 or more"));
  EXPECT_THAT(StatusOr<int>(3), StatusIs(StatusCode::kOk));
  EXPECT_EQ(Explain(StatusIs(StatusCode::kNotFound), refused),
            "whose status is INVALID_ARGUMENT: duplicate must be 0 or more");
  EXPECT_EQ(::testing::DescribeMatcher<Status>(StatusIs(StatusCode::kNotFound, HasSubstr("42"))),
            "has status NOT_FOUND and a message that has substring \"42\"");
}

}  // namespace
}  // namespace epmock
