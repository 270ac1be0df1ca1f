// The admin route table (api/admin_api.h): how a request finds its route, and
// docs/ADMIN_API.md as the table printed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "api/admin_api.h"

namespace epmock::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(AdminRoutesTest, EachMethodAndPathIsOneRouteUnderAdmin) {
  std::set<std::string> seen;
  for (const AdminRoute& route : AdminRoutes()) {
    const std::string key = std::string(route.method) + " " + route.path;
    EXPECT_TRUE(seen.insert(key).second) << key << " is listed twice";
    EXPECT_EQ(std::string(route.path).rfind("/__admin/", 0), 0u) << key;
    EXPECT_NE(route.handle, nullptr) << key;
    EXPECT_GT(std::string(route.summary).size(), 10u) << key << " says nothing";
  }
  EXPECT_GE(seen.size(), 40u);
}

TEST(AdminRoutesTest, BracedSegmentsAreHandedToTheHandler) {
  AdminMatch match = MatchAdminRoute("POST", "/__admin/events/e-1/replay");
  ASSERT_NE(match.route, nullptr);
  EXPECT_STREQ(match.route->path, "/__admin/events/{id}/replay");
  EXPECT_THAT(match.args, ElementsAre("e-1"));
}

TEST(AdminRoutesTest, ALiteralSegmentWinsOverABracedOne) {
  AdminMatch runs = MatchAdminRoute("GET", "/__admin/stories/runs");
  ASSERT_NE(runs.route, nullptr);
  EXPECT_STREQ(runs.route->path, "/__admin/stories/runs");
  EXPECT_THAT(runs.args, IsEmpty());
  AdminMatch batch = MatchAdminRoute("POST", "/__admin/events/batch");
  ASSERT_NE(batch.route, nullptr);
  EXPECT_STREQ(batch.route->path, "/__admin/events/batch");
  AdminMatch story = MatchAdminRoute("POST", "/__admin/stories/checkout");
  ASSERT_NE(story.route, nullptr);
  EXPECT_THAT(story.args, ElementsAre("checkout"));
}

TEST(AdminRoutesTest, AWrongMethodNamesTheMethodsThePathTakes) {
  AdminMatch match = MatchAdminRoute("PATCH", "/__admin/faults");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.path_known);
  EXPECT_EQ(match.allowed, "POST, GET, DELETE");
  AdminMatch health = MatchAdminRoute("POST", "/__admin/health");
  EXPECT_EQ(health.route, nullptr);
  EXPECT_EQ(health.access, AdminAccess::kOpen);  // 405 before any token is asked for
}

TEST(AdminRoutesTest, AnUnknownPathIsNoRoute) {
  for (const char* path : {"/__admin/nope", "/__admin/events/a/b/c", "/__admin/", "/__admin/sinks/webhook"}) {
    AdminMatch match = MatchAdminRoute("GET", path);
    EXPECT_EQ(match.route, nullptr) << path;
    EXPECT_FALSE(match.path_known) << path;
  }
}

// docs/ADMIN_API.md holds the table between its markers; EPMOCK_UPDATE_DOCS=1 writes it.
TEST(AdminRoutesDocTest, TheDocsPageIsTheRouteTablePrinted) {
  const std::string path = std::string(EPMOCK_SOURCE_DIR) + "/docs/ADMIN_API.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  const std::string page = text.str();
  const std::string begin_marker = "<!-- routes:begin";
  const std::string end_marker = "<!-- routes:end -->";
  const std::size_t begin = page.find(begin_marker);
  const std::size_t end = page.find(end_marker);
  ASSERT_NE(begin, std::string::npos) << path << " has no routes:begin marker";
  ASSERT_NE(end, std::string::npos) << path << " has no routes:end marker";
  const std::size_t body = page.find('\n', begin) + 1;
  ASSERT_LE(body, end);
  const std::string want = AdminRoutesMarkdown();
  if (const char* update = std::getenv("EPMOCK_UPDATE_DOCS"); update && std::string(update) == "1") {
    std::ofstream(path) << page.substr(0, body) << want << page.substr(end);
    GTEST_SKIP() << "wrote " << path;
  }
  EXPECT_EQ(page.substr(body, end - body), want)
      << path << " differs from the route table; write it again with EPMOCK_UPDATE_DOCS=1 "
      << "./build/tests/unit_tests --gtest_filter='AdminRoutesDocTest.*'";
}

}  // namespace
}  // namespace epmock::internal
