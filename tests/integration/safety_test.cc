// Safe to leave running: no input kills the process, no web page reaches it through DNS
// rebinding, no client starves the others, and wrong input is refused by name. Each table row
// names its case; after each, the server still answers and nothing stored changed.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "epmock/server.h"
#include "epmock/sqs.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using ::epmock::testing::StatusIs;

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing_support::ApiClient;
using testing_support::Reply;

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(test.begin(), test.end(), '/', '_');
  const std::string path = ::testing::TempDir() + "/" + name + "-" + std::to_string(::getpid()) + "-" + test;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// --- 1. No value kills the process: patterns and formats on the breadth-first executor ----

// A catalog extension whose resource has an ordinary pattern, each format valijson checks
// with a regular expression of its own, and a patternProperties key; and a story about it.
constexpr char kCatalog[] = R"({"events": [{
  "key": "loyalty.awarded", "resource": "loyalty-points",
  "schema": {"type": "object",
             "properties": {"code": {"type": "string", "pattern": "^[A-Z0-9-]*$"},
                            "when": {"type": "string", "format": "date-time"},
                            "day": {"type": "string", "format": "date"},
                            "at": {"type": "string", "format": "time"},
                            "nested": {"type": "string", "pattern": "(a*)*b"}},
             "patternProperties": {"^x-[a-z]*$": {"type": "string"}, "^(a|aa)*c$": {"type": "integer"}}},
  "samples": [{"data": {"code": "AB-1", "when": "2024-01-01T00:00:00Z"}}]}]})";
constexpr char kStories[] = R"({"stories": [{"name": "award", "steps": [{"event": "loyalty.awarded"}]}]})";

struct LongValue {
  const char* name;
  std::function<json()> data;  // the resource sent
  bool valid;                  // what the schema says of it
};
void PrintTo(const LongValue& c, std::ostream* os) { *os << c.name; }

const std::string k100k(100000, 'A');
const std::string kDigits(100000, '1');

class LongValueTest : public ::testing::TestWithParam<LongValue> {
 protected:
  static ServerOptions Options() {
    ServerOptions options;
    options.catalog_file = WriteTemp("catalog", kCatalog);
    options.story_files = {WriteTemp("stories", kStories)};
    return options;
  }
  void SetUp() override {
    const Status started = server_.Start();
    ASSERT_THAT(started, IsOk());
    api_ = std::make_unique<ApiClient>(server_.Url());
  }
  void ExpectAlive() {
    EXPECT_EQ(api_->Get("/__admin/health").status, 200);
    EXPECT_EQ(api_->Get("/v2/integrations").status, 200);
  }
  Server server_{Options()};
  std::unique_ptr<ApiClient> api_;
};

TEST_P(LongValueTest, IsAnsweredThroughTheResourceCheck) {
  const Reply r = api_->Post("/__admin/catalog/loyalty.awarded/validate", GetParam().data());
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.json["data"]["valid"], GetParam().valid) << r.body.substr(0, 300);
  ExpectAlive();
}

TEST_P(LongValueTest, IsAnsweredAsAnEventsData) {
  // Data a caller gives is delivered as given (the resource check is the caller's to ask for).
  const Reply r = api_->Post("/__admin/events", {{"type", "loyalty.awarded"}, {"data", GetParam().data()}});
  EXPECT_EQ(r.status, 201) << r.body.substr(0, 300);
  ExpectAlive();
}

TEST_P(LongValueTest, IsAnsweredAsAStorysSet) {
  // A run is planned, its resources checked, before it starts: a bad one is refused whole.
  const Reply r = api_->Post("/__admin/stories/award", {{"set", {{"loyalty_points", GetParam().data()}}}});
  EXPECT_EQ(r.status, GetParam().valid ? 202 : 422) << r.body.substr(0, 300);
  ExpectAlive();
}

INSTANTIATE_TEST_SUITE_P(
    Schemas, LongValueTest,
    ::testing::Values(LongValue{"pattern_matching_100000_characters",
                                [] {
                                  return json{{"code", k100k}};
                                },
                                true},
                      LongValue{"pattern_failing_after_100000_characters",
                                [] {
                                  return json{{"code", k100k + "a"}};
                                },
                                false},
                      LongValue{"date_time_of_100000_digits",
                                [] {
                                  return json{{"when", kDigits}};
                                },
                                false},
                      LongValue{"date_time_with_100000_fraction_digits",
                                [] {
                                  return json{{"when", "2024-01-01T00:00:00." + kDigits + "Z"}};
                                },
                                false},
                      LongValue{"date_of_100000_digits",
                                [] {
                                  return json{{"day", kDigits + "-01-01"}};
                                },
                                false},
                      LongValue{"time_with_100000_fraction_digits",
                                [] {
                                  return json{{"at", "10:00:00." + kDigits + "Z"}};
                                },
                                false},
                      LongValue{"member_name_of_100000_characters_under_pattern_properties",
                                [] {
                                  return json{{"x-" + std::string(100000, 'a'), "v"}};
                                },
                                true},
                      LongValue{"member_of_100000_characters_failing_its_pattern_properties_schema",
                                [] {
                                  return json{{"x-" + std::string(100000, 'a'), 5}};
                                },
                                false},
                      // Each is exponential for a backtracking engine, quadratic for a
                      // breadth-first one searching from every position: RE2 is linear.
                      LongValue{"nested_repetition_pattern_against_100000_characters",
                                [] {
                                  return json{{"nested", std::string(100000, 'a')}};
                                },
                                false},
                      LongValue{"nested_repetition_pattern_properties_key_against_a_100000_character_name",
                                [] {
                                  return json{{std::string(100000, 'a') + "c", 5}};
                                },
                                true},
                      LongValue{"ordinary_valid_values",
                                [] {
                                  return json{{"code", "AB-1"},
                                              {"when", "2024-01-01T00:00:00.123Z"},
                                              {"day", "2024-02-29"},
                                              {"at", "10:00:00Z"},
                                              {"x-note", "v"}};
                                },
                                true},
                      LongValue{"a_date_that_does_not_exist",
                                [] {
                                  return json{{"day", "2024-02-30"}};
                                },
                                false}),
    [](const ::testing::TestParamInfo<LongValue>& info) { return std::string(info.param.name); });

// --- 2. Bad files are refused at start, naming what is wrong ------------------------------

struct BadFile {
  const char* name;
  bool catalog;  // else a story file
  std::string text;
  const char* refusal;  // part of Start()'s message
};
void PrintTo(const BadFile& c, std::ostream* os) { *os << c.name; }

std::string ExtensionWithSchema(const std::string& schema) {
  return R"({"events": [{"key": "loop.made", "resource": "loop", "schema": )" + schema +
         R"(, "samples": [{"data": {}}]}]})";
}

// 481 bytes of YAML whose aliases of aliases expand to 10^9 strings ("billion laughs").
std::string BillionLaughs() {
  std::string yaml = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char p = static_cast<char>(c - 1);
    yaml += std::string(1, c) + ": &" + c + " [*" + p + ",*" + p + ",*" + p + ",*" + p + ",*" + p + ",*" + p +
            ",*" + p + ",*" + p + ",*" + p + "]\n";
  }
  return yaml;
}

class BadFileTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadFileTest, IsRefusedAtStartNamingWhatIsWrong) {
  const BadFile& c = GetParam();
  ServerOptions options;
  const std::string path = WriteTemp(c.name, c.text);
  if (c.catalog) {
    options.catalog_file = path;
  } else {
    options.story_files = {path};
  }
  Server server(options);
  const Status started = server.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.message(), HasSubstr(c.refusal));
  EXPECT_THAT(started.message(), HasSubstr(path));
}

INSTANTIATE_TEST_SUITE_P(
    Files, BadFileTest,
    ::testing::Values(
        BadFile{
            "ref_to_the_root", true, ExtensionWithSchema(R"({"$ref": "#"})"),
            "events[0] (loop.made): a $ref cycle that validation would follow forever, at the schema's root"},
        BadFile{"ref_to_itself_under_all_of", true,
                ExtensionWithSchema(R"({"allOf": [{"$ref": "#/allOf/0/allOf/0"}]})"), "a $ref cycle"},
        BadFile{"refs_to_each_other", true,
                ExtensionWithSchema(
                    R"({"anyOf": [{"$ref": "#/allOf/0/anyOf/1"}, {"not": {"$ref": "#/allOf/0/anyOf/0"}}]})"),
                "a $ref cycle"},
        BadFile{"ref_through_then", true,
                ExtensionWithSchema(R"({"if": {"type": "object"}, "then": {"$ref": "#"}})"), "a $ref cycle"},
        BadFile{"ref_to_nothing", true, ExtensionWithSchema(R"({"$ref": "#/nowhere"})"),
                "events[0] (loop.made)"},
        BadFile{"pattern_with_a_back_reference", true,
                ExtensionWithSchema(R"({"properties": {"a": {"type": "string", "pattern": "(a)\\1"}}})"),
                "without back-references"},
        BadFile{"pattern_longer_than_1000_characters", true,
                ExtensionWithSchema(R"({"properties": {"a": {"type": "string", "pattern": ")" +
                                    std::string(1001, 'a') + R"("}}})"),
                "longer than the 1000 characters"},
        BadFile{"pattern_properties_key_that_does_not_compile", true,
                ExtensionWithSchema(R"({"patternProperties": {"[a-": {}}})"), "patternProperties key"},
        BadFile{"yaml_billion_laughs", false, BillionLaughs(), "expands to more than"},
        BadFile{"yaml_of_two_documents", false,
                "stories:\n  - name: one\n    steps: [{event: order.created}]\n---\nstories: []\n",
                "holds one YAML document; this one holds more"}),
    [](const ::testing::TestParamInfo<BadFile>& info) { return std::string(info.param.name); });

TEST(BadFileTest, TheBillionLaughsFileIsAFewHundredBytes) { EXPECT_LE(BillionLaughs().size(), 500u); }

TEST(BadFileTest, ARecursiveStructureThroughPropertiesStillLoads) {
  ServerOptions options;
  options.catalog_file = WriteTemp(
      "tree",
      ExtensionWithSchema(
          R"({"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/allOf/0"}}}})"));
  Server server(options);
  EXPECT_THAT(server.Start(), IsOk());
}

// --- 3. DNS rebinding: only names that cannot be someone else's are answered -------------

bool WholeHttpAnswer(const std::string& answer) {
  const std::size_t end = answer.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  const std::size_t length = answer.find("Content-Length: ");
  if (length == std::string::npos || length > end) return true;
  return answer.size() >= end + 4 + std::stoul(answer.substr(length + 16));
}

std::string Ask(int port, const std::string& method, const std::string& path, const std::string& host,
                const std::vector<std::string>& headers = {}, const std::string& body = "") {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n";
  for (const std::string& h : headers) request += h + "\r\n";
  if (!body.empty() || method == "POST") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return testing_support::RawExchange(port, {request + "\r\n" + body}, WholeHttpAnswer);
}

struct Route {
  const char* name;
  bool sqs;  // on the SQS port, else the API port
  const char* method;
  std::string path;
  std::vector<std::string> headers;
  std::string body;
};
void PrintTo(const Route& r, std::ostream* os) { *os << r.name; }

class HostCheckTest : public ::testing::TestWithParam<Route> {
 protected:
  static ServerOptions Options(std::vector<std::string> allow, std::string admin_token = "") {
    ServerOptions options;
    options.sqs_port = 0;
    options.allow_hosts = std::move(allow);
    options.admin_token = std::move(admin_token);
    return options;
  }
  std::string Send(Server& server, const std::string& host) {
    const Route& r = GetParam();
    const int port =
        r.sqs ? std::stoi(server.Sqs()->Url().substr(server.Sqs()->Url().rfind(':') + 1)) : server.Port();
    return Ask(port, r.method, r.path, host + ":" + std::to_string(port), r.headers, r.body);
  }
};

TEST_P(HostCheckTest, AForeignNameGets403InThePortsOwnShapeNamingTheFlag) {
  for (const char* token : {"", "s3cret-admin-token"}) {
    Server server(Options({}, token));
    ASSERT_THAT(server.Start(), IsOk());
    const std::string answer = Send(server, "rebind.attacker.example");
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 403")) << answer.substr(0, 300);
    EXPECT_THAT(answer, HasSubstr("--allow-host rebind.attacker.example"));
    if (GetParam().sqs) {
      EXPECT_THAT(answer, ::testing::AnyOf(HasSubstr("<ErrorResponse>"), HasSubstr("\"__type\"")));
    } else {
      EXPECT_THAT(answer, HasSubstr("{\"errors\":[{"));
    }
  }
}

TEST_P(HostCheckTest, LocalNamesIpLiteralsServiceNamesAndAllowedNamesAreAnswered) {
  Server server(Options({"epmock.test"}));
  ASSERT_THAT(server.Start(), IsOk());
  for (const char* host : {"127.0.0.1", "localhost", "LocalHost", "app.localhost", "epmock", "[::1]",
                           "10.1.2.3", "EPMOCK.test"}) {
    const std::string answer = Send(server, host);
    EXPECT_THAT(answer, Not(StartsWith("HTTP/1.1 403"))) << host << ": " << answer.substr(0, 300);
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 ")) << host;
  }
  for (const char* host :
       {"epmock.test.attacker.example", "localhost.attacker.example", "127.0.0.1.nip.io"}) {
    EXPECT_THAT(Send(server, host), StartsWith("HTTP/1.1 403")) << host;
  }
}

TEST_P(HostCheckTest, AnAsteriskTurnsTheCheckOff) {
  Server server(Options({"*"}));
  ASSERT_THAT(server.Start(), IsOk());
  EXPECT_THAT(Send(server, "rebind.attacker.example"), Not(StartsWith("HTTP/1.1 403")));
}

INSTANTIATE_TEST_SUITE_P(
    EveryPort, HostCheckTest,
    ::testing::Values(
        Route{"api_list", false, "GET", "/v2/integrations", {}, ""},
        Route{"token_endpoint",
              false,
              "POST",
              "/oauth/access_token",
              {"Content-Type: application/x-www-form-urlencoded"},
              "grant_type=client_credentials&client_id=a&client_secret=b"},
        Route{"admin_health", false, "GET", "/__admin/health", {}, ""},
        Route{"admin_events", false, "GET", "/__admin/events", {}, ""},
        Route{"admin_stream", false, "GET", "/__admin/stream?client_id=x", {}, ""},
        Route{"dashboard", false, "GET", "/__admin/ui/", {}, ""},
        Route{"sink", false, "POST", "/__sink/webhook/hook", {"Content-Type: application/json"}, "{}"},
        Route{"sqs_query",
              true,
              "POST",
              "/",
              {"Content-Type: application/x-www-form-urlencoded"},
              "Action=ListQueues"},
        Route{"sqs_json",
              true,
              "POST",
              "/",
              {"Content-Type: application/x-amz-json-1.0", "X-Amz-Target: AmazonSQS.ListQueues"},
              "{}"}),
    [](const ::testing::TestParamInfo<Route>& info) { return std::string(info.param.name); });

TEST(HostCheckTest, AnAllowedHostThatIsNoHostNameIsRefusedAtStart) {
  for (const char* bad : {"", "a b", "evil.example:80", "http://evil.example", "a/b"}) {
    ServerOptions options;
    options.allow_hosts = {bad};
    Server server(options);
    const Status started = server.Start();
    EXPECT_FALSE(started.ok()) << bad;
    EXPECT_THAT(started.message(), HasSubstr("allow_hosts")) << bad;
  }
}

// --- 4. Story runs: a store's share, stopping one, keeping them within bounds -------------

constexpr char kSlowStory[] =
    R"({"stories": [{"name": "slow", "steps": [{"event": "order.created"}, {"event": "order.paid", "pause_ms": 600000}]}]})";

TEST(StoryRunsTest, AStoreRunsAtMostItsShareAndAnotherStoreStillStartsOne) {
  ServerOptions options;
  options.story_files = {WriteTemp("slow", kSlowStory)};
  options.max_story_runs_per_store = 16;
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient first(server.Url());
  ApiClient second(server.Url());
  const Reply many = first.Post("/__admin/stories/slow", {{"count", 64}});
  EXPECT_EQ(many.status, 429);
  EXPECT_THAT(many.body, HasSubstr("this store has 0 story runs running and a store may run at most 16"));
  ASSERT_EQ(first.Post("/__admin/stories/slow", {{"count", 16}}).status, 202);
  const Reply one_more = first.Post("/__admin/stories/slow", json::object());
  EXPECT_EQ(one_more.status, 429);
  EXPECT_THAT(one_more.body, HasSubstr("this store has 16 story runs running"));
  EXPECT_THAT(one_more.body, HasSubstr("--max-story-runs-per-store"));
  EXPECT_EQ(second.Post("/__admin/stories/slow", json::object()).status, 202);
}

TEST(StoryRunsTest, ARunningRunIsStoppedOnceAndAnUnknownOneIsNotFound) {
  ServerOptions options;
  options.story_files = {WriteTemp("slow", kSlowStory)};
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  const Reply run = api.Post("/__admin/stories/slow", json::object());
  ASSERT_EQ(run.status, 202);
  const std::string id = run.json["data"]["id"];
  const Reply stopped = api.Delete("/__admin/stories/runs/" + id);
  EXPECT_EQ(stopped.status, 202);
  EXPECT_EQ(stopped.json["data"]["state"], "stopped");
  EXPECT_EQ(api.Get("/__admin/stories/runs/" + id).json["data"]["state"], "stopped");
  const Reply again = api.Delete("/__admin/stories/runs/" + id);
  EXPECT_EQ(again.status, 409);
  EXPECT_THAT(again.body, HasSubstr("has ended (stopped)"));
  EXPECT_EQ(api.Delete("/__admin/stories/runs/story-999999").status, 404);
  ApiClient other(server.Url());
  EXPECT_EQ(other.Delete("/__admin/stories/runs/" + id).status, 404);  // another store's run

  // The same from C++.
  StatusOr<StoryRun> second = server.RunStory(api.client_id(), "slow");
  ASSERT_THAT(second, IsOk());
  StatusOr<StoryRun> by_api = server.StopStory(api.client_id(), second->id);
  ASSERT_THAT(by_api, IsOk());
  EXPECT_EQ(by_api->state, "stopped");
  EXPECT_EQ(server.StopStory(api.client_id(), second->id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.StopStory(api.client_id(), "nope").status().code(), StatusCode::kNotFound);
}

TEST(StoryRunsTest, EndedRunsAreKeptWithinTheStoresBytesOldestFirstAndCounted) {
  ServerOptions options;
  options.story_files = {WriteTemp("slow", kSlowStory)};
  options.story_run_retention_bytes = 20000;  // a few runs' plans
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  const std::string running = api.Post("/__admin/stories/slow", json::object()).json["data"]["id"];
  std::vector<std::string> ended;
  for (int i = 0; i < 12; ++i) {
    const std::string id = api.Post("/__admin/stories/slow", json::object()).json["data"]["id"];
    ASSERT_EQ(api.Delete("/__admin/stories/runs/" + id).status, 202);
    ended.push_back(id);
  }
  const Reply list = api.Get("/__admin/stories/runs?page[limit]=100");
  ASSERT_EQ(list.status, 200);
  const std::size_t kept = list.json["data"].size();
  EXPECT_LT(kept, 13u);
  EXPECT_EQ(list.json["meta"]["dropped"].get<std::size_t>(), 13u - kept);
  EXPECT_EQ(list.json["meta"]["page"]["total"].get<std::size_t>(), kept);
  // The newest ended runs and the running one stay; the oldest ended ones went.
  EXPECT_EQ(api.Get("/__admin/stories/runs/" + ended.back()).status, 200);
  EXPECT_EQ(api.Get("/__admin/stories/runs/" + running).status, 200);
  EXPECT_EQ(api.Get("/__admin/stories/runs/" + ended.front()).status, 404);
}

// --- 5. Places come back when their clients go ------------------------------------------

int Streams(ApiClient& api) { return api.Get("/__admin/health").json["streams"].get<int>(); }

bool WaitForStreams(ApiClient& api, int n, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (Streams(api) == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(PlacesTest, AClosedStreamOrAnAbandonedWaitGivesItsPlaceBack) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  for (const std::string path : {"/__admin/stream", "/__admin/wait?deliveries=1000&timeout_ms=60000"}) {
    const int fd = testing_support::ConnectLoopback(server.Port());
    ASSERT_GE(fd, 0);
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + api.token() + "\r\n\r\n";
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    ASSERT_TRUE(WaitForStreams(api, 1, std::chrono::seconds(5))) << path;
    const auto closed = std::chrono::steady_clock::now();
    close(fd);
    ASSERT_TRUE(WaitForStreams(api, 0, std::chrono::seconds(5))) << path;
    std::printf("places: %s gave its place back %lld ms after its client closed\n", path.c_str(),
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - closed)
                                           .count()));
  }
}

// --- 7. Wrong input is refused by name, never silently changed ------------------------------

struct Refusal {
  const char* name;
  const char* method;
  std::string target;  // path and query, as sent
  std::string content_type;
  std::string body;
  int status;
  const char* detail;  // part of errors[0].detail
};
void PrintTo(const Refusal& r, std::ostream* os) { *os << r.name; }

std::string CreateBody() { return testing_support::WebhookCreateBody("refused").dump(); }

class RefusedByNameTest : public ::testing::TestWithParam<Refusal> {
 protected:
  void SetUp() override {
    ASSERT_THAT(server_.Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_.Url());
    ASSERT_EQ(api_->Post("/v2/integrations", testing_support::WebhookCreateBody("kept")).status, 201);
  }
  Server server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_P(RefusedByNameTest, GetsItsStatusNamingWhatIsWrongAndChangesNothing) {
  const Refusal& r = GetParam();
  const json integrations = api_->Get("/v2/integrations").json["data"];
  const std::size_t events = api_->Get("/__admin/events").json["meta"]["page"]["total"].get<std::size_t>();
  std::vector<std::string> headers = {"Authorization: Bearer " + api_->token()};
  if (!r.content_type.empty()) headers.push_back("Content-Type: " + r.content_type);
  const std::string answer = Ask(server_.Port(), r.method, r.target, "127.0.0.1", headers, r.body);
  ASSERT_THAT(answer, StartsWith("HTTP/1.1 " + std::to_string(r.status))) << answer.substr(0, 400);
  const json error = json::parse(answer.substr(answer.find("\r\n\r\n") + 4), nullptr, false);
  ASSERT_TRUE(error.contains("errors")) << answer.substr(0, 400);
  EXPECT_THAT(error["errors"][0]["detail"].get<std::string>(), HasSubstr(r.detail));
  EXPECT_EQ(api_->Get("/v2/integrations").json["data"], integrations);
  EXPECT_EQ(api_->Get("/__admin/events").json["meta"]["page"]["total"].get<std::size_t>(), events);
  EXPECT_EQ(api_->Get("/__admin/faults").json["data"].size(), 0u);
  EXPECT_EQ(api_->Get("/__admin/api-faults").json["data"].size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, RefusedByNameTest,
    ::testing::Values(
        Refusal{"v2_body_cut_by_a_nul", "POST", "/v2/integrations", "application/json",
                CreateBody() + std::string("\0garbage", 8), 400, "a NUL byte at offset"},
        Refusal{"admin_body_cut_by_a_nul", "POST", "/__admin/events", "application/json",
                std::string("{\"type\": \"order.paid\"}\0{", 24), 400, "a NUL byte at offset"},
        Refusal{"admin_post_form_encoded", "POST", "/__admin/events", "application/x-www-form-urlencoded",
                "type=order.paid", 415, "Content-Type must be application/json, not"},
        Refusal{"admin_put_as_text", "PUT", "/__admin/store", "text/plain", R"({"kind": "production"})", 415,
                "Content-Type must be application/json"},
        Refusal{"admin_post_json_without_a_type", "POST", "/__admin/faults", "", R"({"duplicate": 1})", 415,
                "none was given"},
        Refusal{"number_that_is_a_nul", "GET", "/__admin/idle?timeout_ms=%00", "", "", 400,
                "timeout_ms must be a whole number"},
        Refusal{"number_with_a_plus", "GET", "/__admin/wait?deliveries=%2B1&timeout_ms=0", "", "", 400,
                "deliveries must be a whole number"},
        Refusal{"number_after_a_space", "GET", "/__admin/wait?deliveries=1&timeout_ms=%201", "", "", 400,
                "timeout_ms must be a whole number"},
        Refusal{"page_limit_with_a_plus", "GET", "/__admin/events?page[limit]=%2B1", "", "", 400,
                "page[limit]"},
        Refusal{"story_set_of_an_unknown_subject", "POST", "/__admin/stories/checkout", "application/json",
                R"({"set": {"ordr": {"status": "paid"}}})", 422, "has no subject 'ordr'"},
        Refusal{"organization_with_an_unknown_member", "PUT", "/__admin/organization", "application/json",
                R"({"stores": ["a"], "name": "x"})", 422, "name: not a member of an organization"},
        Refusal{"api_fault_with_an_id", "POST", "/__admin/api-faults", "application/json",
                R"({"id": "mine", "status": 500})", 422, "id is epmock's to give"},
        Refusal{"client_id_not_utf8", "POST", "/oauth/access_token", "application/x-www-form-urlencoded",
                "grant_type=client_credentials&client_secret=x&client_id=%FF%FE", 400,
                "client_id must be UTF-8"},
        Refusal{"wait_for_a_key_no_integration_could_observe", "GET",
                "/__admin/wait?event_type=order.teleported", "", "", 400,
                "event_type: 'order.teleported' is not an observable event"},
        Refusal{"stream_cursor_that_is_no_id", "GET", "/__admin/stream?after_event=%3Cscript%3E", "", "", 400,
                "after_event: not an id"},
        Refusal{"stream_cursor_not_held", "GET", "/__admin/stream?after_log=0f0f0f0f", "", "", 404,
                "after_log: no delivery '0f0f0f0f' is held"},
        Refusal{"stream_journal_cursor_not_a_number", "GET", "/__admin/stream?after_request=1e3", "", "", 400,
                "after_request: not a journal sequence number"},
        Refusal{"stream_journal_cursor_not_held", "GET", "/__admin/stream?after_request=987654321", "", "",
                404, "after_request: no request 987654321"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return std::string(info.param.name); });

TEST(RefusedByNameTest, AWaitForACustomApiKeyValidByItsPatternIsAccepted) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  EXPECT_EQ(api.Get("/__admin/wait?event_type=wishlist_ext.created&timeout_ms=0").status, 408);
}

TEST(RefusedByNameTest, ADashboardPathOverAnAdminRouteIsRefused) {
  for (const char* path : {"/__admin/", "/__admin/events/", "/__admin/stories/ui/", "/__admin/health/",
                           "/__admin/sqs/", "/__admin/logout/"}) {
    ServerOptions options;
    options.dashboard_path = path;
    Server server(options);
    const Status started = server.Start();
    EXPECT_FALSE(started.ok()) << path;
    EXPECT_THAT(started.message(), HasSubstr("/__admin/")) << path;
  }
  for (const char* path : {"/__admin/ui/", "/__admin/dashboard/", "/ui/"}) {
    ServerOptions options;
    options.dashboard_path = path;
    Server server(options);
    EXPECT_THAT(server.Start(), IsOk());
  }
}

// --- 4. Slow heads, idle connections and delayed answers hold no worker ---------------------

// Whether the peer closed `fd` within `timeout` (reads until end of stream).
bool ClosedWithin(int fd, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  char buffer[256];
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return true;
    }
  }
  return false;
}

TEST(WorkersTest, HeadsStillArrivingHoldNoWorkerAndAreClosedAfterTheHeaderTimeout) {
  ServerOptions options;
  options.worker_threads = 2;
  options.header_timeout_seconds = 1;
  options.idle_timeout_seconds = 60;  // only the header timeout may close them
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  std::vector<int> slow;
  for (int i = 0; i < 20; ++i) {
    const int fd = testing_support::ConnectLoopback(server.Port());
    ASSERT_GE(fd, 0);
    const std::string part = "GET /v2/integrations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a";
    ASSERT_EQ(send(fd, part.data(), part.size(), MSG_NOSIGNAL), static_cast<ssize_t>(part.size()));
    slow.push_back(fd);
  }
  // Two workers, twenty half-sent heads: a whole request is still served.
  ApiClient api(server.Url());
  EXPECT_EQ(api.Get("/v2/integrations").status, 200);
  for (int fd : slow) {
    EXPECT_TRUE(ClosedWithin(fd, std::chrono::seconds(10)));
    close(fd);
  }
  EXPECT_EQ(api.Get("/v2/integrations").status, 200);
}

// One whole answer from `fd` (by its Content-Length), or what came within the timeout.
std::string ReadAnswer(int fd, std::chrono::milliseconds timeout) {
  std::string answer;
  const auto end = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (!WholeHttpAnswer(answer) && std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  return answer;
}

TEST(WorkersTest, IdleKeepAliveConnectionsHoldNoWorker) {
  ServerOptions options;
  options.worker_threads = 1;
  options.idle_timeout_seconds = 60;
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  const std::string request =
      "GET /v2/integrations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + api.token() + "\r\n\r\n";
  std::vector<int> idle;
  for (int i = 0; i < 5; ++i) {  // each served once, then left open
    const int fd = testing_support::ConnectLoopback(server.Port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    ASSERT_THAT(ReadAnswer(fd, std::chrono::seconds(10)), StartsWith("HTTP/1.1 200"));
    idle.push_back(fd);
  }
  EXPECT_EQ(api.Get("/v2/integrations").status, 200);  // the one worker is free
  // And an idle connection is served again when it asks again.
  ASSERT_EQ(send(idle[0], request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  EXPECT_THAT(ReadAnswer(idle[0], std::chrono::seconds(10)), StartsWith("HTTP/1.1 200"));
  for (int fd : idle) close(fd);
}

TEST(WorkersTest, DelayedAnswersHoldNoWorkerAndPastTheBoundQueueBehindTheirStore) {
  ServerOptions options;
  options.worker_threads = 2;
  options.max_delayed_requests = 2;
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient first(server.Url());
  ApiClient second(server.Url());
  ASSERT_EQ(first.Post("/__admin/api-faults", {{"delay_ms", 1500}, {"requests", 6}}).status, 201);
  std::vector<std::thread> delayed;
  std::atomic<int> answered{0};
  for (int i = 0; i < 6; ++i) {
    delayed.emplace_back([&] {
      httplib::Client client(server.Url());
      client.set_read_timeout(30);
      auto res = client.Get("/v2/integrations", {{"Authorization", "Bearer " + first.token()}});
      if (res && res->status == 200) ++answered;
    });
  }
  // Six delayed answers on two workers (the fault is used up once all six have arrived):
  // the second store is answered meanwhile.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until && !first.Get("/__admin/api-faults").json["data"].empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(second.Get("/v2/integrations").status, 200);
  for (std::thread& t : delayed) t.join();
  EXPECT_EQ(answered.load(), 6);
}

}  // namespace
}  // namespace epmock
