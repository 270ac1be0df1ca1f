// `epmock serve` as a process: the ready line, flags, --help, and a clean exit on signals.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "epmock/version.h"
#include "support/api_client.h"
#include "support/child.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace epmock {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

using testing_support::Child;

constexpr std::chrono::seconds kTimeout(10);

std::string ApiUrl(const std::string& ready_line) {
  std::smatch m;
  std::regex re(
      R"(^epmock ready api=(http://127\.0\.0\.1:\d+) sqs=http://127\.0\.0\.1:\d+ stomp=stomp://127\.0\.0\.1:\d+$)");
  return std::regex_match(ready_line, m, re) ? m[1].str() : "";
}

TEST(CliTest, ServePrintsTheReadyLineServesAndExitsZeroOnSigterm) {
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"});
  std::string line = serve.ReadLine(kTimeout);
  std::string url = ApiUrl(line);
  ASSERT_FALSE(url.empty()) << "ready line: '" << line << "' stderr: " << serve.Stderr();
  httplib::Client http(url);
  auto token = http.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=cli",
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->status, 200);
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
}

TEST(CliTest, ServeExitsZeroOnSigint) {
  Child serve({"serve", "--port=0", "--sqs-port=0", "--stomp-port=0"});
  ASSERT_FALSE(ApiUrl(serve.ReadLine(kTimeout)).empty());
  kill(serve.pid(), SIGINT);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
}

TEST(CliTest, ServeAppliesItsFlags) {
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--integration-limit", "1",
               "--max-body-bytes", "100"});
  std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty());
  httplib::Client http(url);
  auto token =
      http.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=flags",
                "application/x-www-form-urlencoded");
  ASSERT_TRUE(token);
  std::string bearer = "Bearer " + nlohmann::json::parse(token->body)["access_token"].get<std::string>();
  auto big =
      http.Post("/v2/integrations", {{"Authorization", bearer}}, std::string(200, ' '), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  const std::string body =
      R"({"data":{"type":"integration","name":"n","integration_type":"webhook","observes":["order.paid"],"configuration":{"url":"https://a.io"}}})";
  ASSERT_LE(body.size(), 100u + 100u);
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
}

TEST(CliTest, ServeStartsAVirtualClockWhereItIsTold) {
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--clock", "virtual",
               "--clock-start", "2030-01-01T00:00:00Z"});
  std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty());
  httplib::Client http(url);
  auto token =
      http.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=clock",
                "application/x-www-form-urlencoded");
  ASSERT_TRUE(token);
  const httplib::Headers bearer = {
      {"Authorization", "Bearer " + nlohmann::json::parse(token->body)["access_token"].get<std::string>()}};
  auto advanced = http.Post("/__admin/clock/advance", bearer, R"({"by_ms": 90000})", "application/json");
  ASSERT_TRUE(advanced);
  EXPECT_EQ(advanced->status, 200) << advanced->body;
  auto clock = http.Get("/__admin/clock", bearer);
  ASSERT_TRUE(clock);
  EXPECT_EQ(nlohmann::json::parse(clock->body)["data"]["now"], "2030-01-01T00:01:30.000Z");
  // epmock clock reads and moves it, as a user at a shell would.
  const auto clock_cli = [&url](std::vector<std::string> args) {
    args.insert(args.begin(), "clock");
    args.insert(args.end(), {"--server", url});
    Child cli(args);
    const int code = cli.Wait(kTimeout);
    return std::pair{code, cli.Stdout() + cli.Stderr()};
  };
  auto [code, out] = clock_cli({"advance", "1h30m"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"now\": \"2030-01-01T01:31:30.000Z\""));
  std::tie(code, out) = clock_cli({"advance", "--to", "2030-01-02T00:00:00Z"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"now\": \"2030-01-02T00:00:00.000Z\""));
  std::tie(code, out) = clock_cli({"advance", "--to", "2030-01-01T00:00:00Z"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("time never runs backwards"));
  std::tie(code, out) = clock_cli({"run-until-idle", "--max", "1h"});
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = clock_cli({"resume"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"running\": true"));
  std::tie(code, out) = clock_cli({"freeze"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"running\": false"));
  std::tie(code, out) = clock_cli({});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"mode\": \"virtual\""));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
}

TEST(CliTest, ClockOnARealClockServerIsReadButNotMoved) {
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"});
  const std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty());
  Child read({"clock", "--server", url});
  EXPECT_EQ(read.Wait(kTimeout), 0);
  EXPECT_THAT(read.Stdout(), HasSubstr("\"mode\": \"real\""));
  Child advance({"clock", "advance", "1h", "--server", url});
  EXPECT_EQ(advance.Wait(kTimeout), 1);
  EXPECT_THAT(advance.Stderr(), HasSubstr("epmock clock advance: 409"));
  EXPECT_THAT(advance.Stderr(), HasSubstr("This server's clock is real"));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
}

// Seeds 000 and 001 send "Authorization: Bearer: XXXX" with their create body: pasted
// against `epmock serve`, with its address and a token filled in, it creates the integration.
TEST(CliTest, ServeTakesTheSeedsOwnCreateRequest) {
  std::ifstream in(std::string(EPMOCK_SOURCE_DIR) + "/tests/data/seed_create_examples.json");
  const nlohmann::json examples = nlohmann::json::parse(in);
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"});
  std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty()) << serve.Stderr();
  httplib::Client http(url);
  auto token =
      http.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=seeds",
                "application/x-www-form-urlencoded");
  ASSERT_TRUE(token);
  const std::string access = nlohmann::json::parse(token->body)["access_token"].get<std::string>();
  for (const char* example : {"webhook", "webhook_001"}) {
    auto created = http.Post("/v2/integrations", {{"Authorization", "Bearer: " + access}},
                             examples[example].dump(2), "application/json");
    ASSERT_TRUE(created);
    EXPECT_EQ(created->status, 201) << example << ": " << created->body;
  }
  auto listed = http.Get("/v2/integrations", {{"Authorization", "Bearer: " + access}});
  ASSERT_TRUE(listed);
  EXPECT_EQ(nlohmann::json::parse(listed->body)["data"].size(), 2u);
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
}

TEST(CliTest, ServeLoadsACatalogExtensionOrSaysWhichEntryIsWrong) {
  const std::string example = std::string(EPMOCK_SOURCE_DIR) + "/docs/catalog-extension.json";
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--catalog", example});
  std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty()) << serve.Stderr();
  httplib::Client http(url);
  auto token = http.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=ext",
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(token);
  const httplib::Headers auth = {
      {"Authorization", "Bearer " + nlohmann::json::parse(token->body)["access_token"].get<std::string>()}};
  auto fired =
      http.Post("/__admin/events", auth, R"({"type": "loyalty-points.awarded"})", "application/json");
  ASSERT_TRUE(fired);
  EXPECT_EQ(fired->status, 201) << fired->body;
  EXPECT_EQ(nlohmann::json::parse(fired->body)["data"]["data"]["type"], "loyalty_points") << fired->body;
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);

  const std::string bad = ::testing::TempDir() + "/bad-catalog-" + std::to_string(::getpid()) + ".json";
  std::ofstream(bad) << R"({"events": [{"key": "subscription.created"}]})";
  Child refused({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--catalog", bad});
  EXPECT_EQ(refused.Wait(kTimeout), 1);
  EXPECT_THAT(refused.Stderr(),
              HasSubstr("events[0] (subscription.created): the catalog already has this key"));
  std::filesystem::remove(bad);
}

TEST(CliTest, HelpDocumentsEveryFlag) {
  Child help({"serve", "--help"});
  EXPECT_EQ(help.Wait(kTimeout), 0);
  std::string text = help.Stdout();
  for (const char* flag :
       {"--host", "--port", "--sqs-port", "--stomp-port", "--sqs-credentials", "--integration-limit",
        "--max-body-bytes", "--journal-capacity", "--worker-threads", "--idle-timeout-s", "--max-attempts",
        "--retry-delay-ms", "--time-scale", "--clock", "--clock-start", "--delivery-timeout-ms", "--ca-file",
        "--insecure", "--seed", "--cloudevent-source", "--catalog", "--event-retention",
        "--event-retention-bytes", "--log-retention", "--sink-retention", "--sink-retention-bytes",
        "--stories",
        // The 0.1.0 spellings, kept as deprecated aliases for this version.
        "--webhook-timeout-ms", "--webhook-ca-file", "--webhook-insecure"}) {
    EXPECT_THAT(text, HasSubstr(flag));
  }
  Child top({"--help"});
  EXPECT_EQ(top.Wait(kTimeout), 0);
  EXPECT_THAT(top.Stdout(), HasSubstr("serve"));
}

TEST(CliTest, SchemaPrintsTheCorrectedOrThePublishedOpenApi) {
  Child corrected({"schema"});
  ASSERT_EQ(corrected.Wait(kTimeout), 0);
  auto doc = nlohmann::json::parse(corrected.Stdout(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_TRUE(doc["paths"]["/integrations"]["post"]["responses"].contains("201"));
  EXPECT_EQ(doc["components"]["schemas"]["IntegrationCreate"]["required"][1], "observes");

  Child published({"schema", "--published"});
  ASSERT_EQ(published.Wait(kTimeout), 0);
  auto original = nlohmann::json::parse(published.Stdout(), nullptr, false);
  ASSERT_FALSE(original.is_discarded());
  EXPECT_TRUE(original["paths"]["/integrations"]["post"]["responses"].contains("200"));
  EXPECT_EQ(original["components"]["schemas"]["IntegrationCreate"]["required"][1], "observers");
}

TEST(CliTest, TriggerFiresAnEventOnARunningServer) {
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--time-scale", "0.001",
               "--seed", "7"});
  std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty());
  httplib::Client http(url);
  // An integration of the CLI's store that delivers to the server's own sink.
  auto token =
      http.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=cli-store",
                "application/x-www-form-urlencoded");
  ASSERT_TRUE(token);
  const std::string bearer =
      "Bearer " + nlohmann::json::parse(token->body)["access_token"].get<std::string>();
  nlohmann::json hook = {{"data",
                          {{"type", "integration"},
                           {"name", "n"},
                           {"integration_type", "webhook"},
                           {"enabled", true},
                           {"observes", {"order.paid"}},
                           {"configuration", {{"url", url + "/__sink/webhook/cli"}}}}}};
  auto created = http.Post("/v2/integrations", {{"Authorization", bearer}}, hook.dump(), "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201);

  const std::string data_file = ::testing::TempDir() + "/order-" + std::to_string(::getpid()) + ".json";
  std::ofstream(data_file)
      << R"({"type": "order", "id": "1d67160d-dacb-43ed-80ef-c3c4e7ddf764", "payment": "paid"})";
  Child trigger({"trigger", "order.paid", "--server", url, "--client-id", "cli-store", "--data", data_file});
  ASSERT_EQ(trigger.Wait(kTimeout), 0) << trigger.Stderr();
  auto event = nlohmann::json::parse(trigger.Stdout(), nullptr, false);
  ASSERT_FALSE(event.is_discarded()) << trigger.Stdout();
  EXPECT_EQ(event["type"], "order.paid");
  EXPECT_EQ(event["data"]["id"], "1d67160d-dacb-43ed-80ef-c3c4e7ddf764");
  ASSERT_EQ(event["jobs"].size(), 1u);

  auto idle = http.Get("/__admin/idle?timeout_ms=10000", {{"Authorization", bearer}});
  ASSERT_TRUE(idle);
  EXPECT_EQ(idle->status, 200);
  auto received = http.Get("/__admin/sinks/webhook/cli", {{"Authorization", bearer}});
  ASSERT_TRUE(received);
  auto requests = nlohmann::json::parse(received->body)["data"];
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["body"]["id"], event["id"]);

  // --profile sends a batch: forward-compatible events say what a later platform added.
  Child varied({"trigger", "order.paid", "--server", url, "--client-id", "cli-store", "--profile",
                "forward-compatible", "--count", "2"});
  ASSERT_EQ(varied.Wait(kTimeout), 0) << varied.Stderr();
  auto batch = nlohmann::json::parse(varied.Stdout(), nullptr, false);
  ASSERT_FALSE(batch.is_discarded()) << varied.Stdout();
  ASSERT_TRUE(batch.is_array() && batch.size() == 2u) << varied.Stdout();
  EXPECT_THAT(batch[0]["variety"].dump(), HasSubstr("unknown_value:status")) << varied.Stdout();

  Child unknown({"trigger", "order.shipped", "--server", url});
  EXPECT_EQ(unknown.Wait(kTimeout), 1);
  EXPECT_THAT(unknown.Stderr(), HasSubstr("not an observable event"));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
  std::remove(data_file.c_str());
}

// epmock story: the list, a run waited for to its end, a user's file through --stories, and
// the refusals (an unknown story, a bad story file at start).
TEST(CliTest, StoryListsAndRunsStoriesOnARunningServer) {
  const std::string file = ::testing::TempDir() + "/stories-" + std::to_string(::getpid()) + ".json";
  std::ofstream(file)
      << R"({"stories": [{"name": "two-orders", "steps": [{"event": "order.created", "subject": "a"},
                                                                      {"event": "order.created", "subject": "b"}]}]})";
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--time-scale", "0.001",
               "--stories", file});
  std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty()) << serve.Stderr();
  Child list({"story", "list", "--server", url});
  ASSERT_EQ(list.Wait(kTimeout), 0) << list.Stderr();
  EXPECT_THAT(list.Stdout(), AllOf(HasSubstr("checkout"), HasSubstr("order.created -> order.authorized"),
                                   HasSubstr("two-orders")));
  Child run(
      {"story", "run", "two-orders", "--server", url, "--client-id", "story-cli", "--seed", "5", "--wait"});
  ASSERT_EQ(run.Wait(kTimeout), 0) << run.Stderr();
  auto printed = nlohmann::json::parse(run.Stdout(), nullptr, false);
  ASSERT_FALSE(printed.is_discarded()) << run.Stdout();
  EXPECT_EQ(printed["state"], "delivered");
  ASSERT_EQ(printed["events"].size(), 2u);
  EXPECT_NE(printed["events"][0]["data"]["id"], printed["events"][1]["data"]["id"]);  // two subjects
  Child many(
      {"story", "run", "checkout", "--server", url, "--client-id", "story-cli", "--count", "3", "--wait"});
  ASSERT_EQ(many.Wait(kTimeout), 0) << many.Stderr();
  auto runs = nlohmann::json::parse(many.Stdout(), nullptr, false);
  ASSERT_TRUE(runs.is_array()) << many.Stdout();
  ASSERT_EQ(runs.size(), 3u);
  for (const auto& r : runs) EXPECT_EQ(r["state"], "delivered");
  EXPECT_NE(runs[0]["events"][1]["data"]["id"], runs[2]["events"][1]["data"]["id"]);
  // The count is the server's to check: the CLI shows its refusal as it came.
  Child too_many({"story", "run", "checkout", "--server", url, "--count", "65"});
  EXPECT_EQ(too_many.Wait(kTimeout), 1);
  EXPECT_THAT(too_many.Stderr(),
              HasSubstr("epmock story: 422 Failed Validation: count: a whole number from 1 to 64"));
  Child unknown({"story", "run", "nope", "--server", url});
  EXPECT_EQ(unknown.Wait(kTimeout), 1);
  EXPECT_THAT(unknown.Stderr(), HasSubstr("no story named nope"));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);

  std::ofstream(file) << R"({"stories": [{"name": "bad", "steps": [{"event": "order.payed"}]}]})";
  Child refused({"serve", "--port", "0", "--stories", file});
  EXPECT_EQ(refused.Wait(kTimeout), 1);
  EXPECT_THAT(refused.Stderr(),
              HasSubstr("stories[0] (bad): steps[0].event: 'order.payed' is not an observable event"));
  std::remove(file.c_str());
}

// --allow-host NAME (or EPMOCK_ALLOW_HOSTS, comma-separated) adds names the ports answer;
// '*' answers any, with a warning on stderr.
TEST(CliTest, ServeAnswersTheHostsItIsToldAndWarnsOfAnAsterisk) {
  setenv("EPMOCK_ALLOW_HOSTS", "epmock.test,shared.example", 1);
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"});
  unsetenv("EPMOCK_ALLOW_HOSTS");
  const std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty()) << serve.Stderr();
  httplib::Client http(url);
  for (const char* host : {"epmock.test", "shared.example:8080", "localhost"}) {
    auto res = http.Get("/__admin/health", {{"Host", host}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << host;
  }
  auto refused = http.Get("/__admin/health", {{"Host", "other.example"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_THAT(refused->body, HasSubstr("--allow-host other.example"));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
  EXPECT_THAT(serve.Stderr(), Not(HasSubstr("warning")));

  Child open({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--allow-host", "*"});
  const std::string open_url = ApiUrl(open.ReadLine(kTimeout));
  ASSERT_FALSE(open_url.empty()) << open.Stderr();
  auto any = httplib::Client(open_url).Get("/__admin/health", {{"Host", "other.example"}});
  ASSERT_TRUE(any);
  EXPECT_EQ(any->status, 200);
  kill(open.pid(), SIGTERM);
  EXPECT_EQ(open.Wait(kTimeout), 0);
  EXPECT_THAT(open.Stderr(), HasSubstr("warning: --allow-host '*' answers any Host"));
}

// epmock story stop RUN: the run stopped and printed; the server's refusal shown as it came.
TEST(CliTest, StoryStopEndsARunningRunAndShowsARefusalAsItCame) {
  const std::string file = ::testing::TempDir() + "/held-" + std::to_string(::getpid()) + ".json";
  std::ofstream(file) << R"({"stories": [{"name": "held", "steps": [{"event": "order.created"},
                                          {"event": "order.paid", "pause_ms": 600000}]}]})";
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--stories", file});
  const std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty()) << serve.Stderr();
  Child run({"story", "run", "held", "--server", url, "--client-id", "stopper"});
  ASSERT_EQ(run.Wait(kTimeout), 0) << run.Stderr();
  const std::string id = nlohmann::json::parse(run.Stdout())["id"];
  Child stop({"story", "stop", id, "--server", url, "--client-id", "stopper"});
  ASSERT_EQ(stop.Wait(kTimeout), 0) << stop.Stderr();
  EXPECT_EQ(nlohmann::json::parse(stop.Stdout())["state"], "stopped");
  Child again({"story", "stop", id, "--server", url, "--client-id", "stopper"});
  EXPECT_EQ(again.Wait(kTimeout), 1);
  EXPECT_THAT(again.Stderr(), AllOf(HasSubstr("409"), HasSubstr("has ended (stopped)")));
  Child unknown({"story", "stop", "story-404", "--server", url, "--client-id", "stopper"});
  EXPECT_EQ(unknown.Wait(kTimeout), 1);
  EXPECT_THAT(unknown.Stderr(), AllOf(HasSubstr("404"), HasSubstr("No story run story-404")));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
  std::remove(file.c_str());
}

// epmock asyncapi: the document on standard output and in a file, an extension's keys with
// --catalog, a bad catalog refused; and the same document from a running server's admin API,
// its servers that server's embedded SQS endpoint and STOMP broker.
TEST(CliTest, AsyncApiPrintsTheDocumentAndARunningServerServesIt) {
  Child printed({"asyncapi", "--seed", "4"});
  ASSERT_EQ(printed.Wait(kTimeout), 0) << printed.Stderr();
  auto doc = nlohmann::json::parse(printed.Stdout(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["asyncapi"], "3.0.0");
  EXPECT_TRUE(doc["components"]["messages"].contains("order.paid.webhook"));
  EXPECT_FALSE(doc["components"]["messages"].contains("loyalty-points.awarded.webhook"));

  const std::string file = ::testing::TempDir() + "/asyncapi-" + std::to_string(::getpid()) + ".json";
  Child extended({"asyncapi", "--catalog", std::string(EPMOCK_SOURCE_DIR) + "/docs/catalog-extension.json",
                  "--output", file});
  ASSERT_EQ(extended.Wait(kTimeout), 0) << extended.Stderr();
  std::ifstream in(file);
  auto with_extension = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(with_extension.is_discarded());
  EXPECT_TRUE(with_extension["components"]["messages"].contains("loyalty-points.awarded.webhook"));
  std::remove(file.c_str());

  const std::string bad = ::testing::TempDir() + "/bad-catalog-" + std::to_string(::getpid()) + ".json";
  std::ofstream(bad) << R"({"events": [{"key": "order.paid"}]})";
  Child refused({"asyncapi", "--catalog", bad});
  EXPECT_EQ(refused.Wait(kTimeout), 1);
  EXPECT_THAT(refused.Stderr(), HasSubstr("order.paid"));
  std::remove(bad.c_str());

  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"});
  const std::string ready = serve.ReadLine(kTimeout);
  const std::string url = ApiUrl(ready);
  ASSERT_FALSE(url.empty()) << serve.Stderr();
  std::smatch sqs;
  ASSERT_TRUE(std::regex_search(ready, sqs, std::regex(R"(sqs=http://(\S+))")));
  httplib::Client http(url);
  auto token = http.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=doc",
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(token);
  const httplib::Headers auth = {
      {"Authorization", "Bearer " + nlohmann::json::parse(token->body)["access_token"].get<std::string>()}};
  auto served = http.Get("/__admin/asyncapi?seed=4", auth);
  ASSERT_TRUE(served);
  ASSERT_EQ(served->status, 200);
  auto from_server = nlohmann::json::parse(served->body);
  EXPECT_EQ(from_server["servers"]["sqs"]["variables"]["host"]["default"], sqs[1].str());
  EXPECT_EQ(from_server["components"]["messages"].size(), doc["components"]["messages"].size());
  auto bad_seed = http.Get("/__admin/asyncapi?seed=-1", auth);
  ASSERT_TRUE(bad_seed);
  EXPECT_EQ(bad_seed->status, 400);
  EXPECT_THAT(bad_seed->body, HasSubstr("seed"));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
}

TEST(CliTest, ContractsVerifyReportsEachContractAndWritesJunit) {
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"});
  std::string url = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty());
  const std::string junit = ::testing::TempDir() + "/contracts-" + std::to_string(::getpid()) + ".xml";
  Child good({"contracts", "verify", "--target", url, "--junit", junit,
              std::string(EPMOCK_SOURCE_DIR) + "/contracts"});
  EXPECT_EQ(good.Wait(kTimeout), 0) << good.Stdout();
  EXPECT_THAT(good.Stdout(), HasSubstr("PASS"));
  EXPECT_THAT(good.Stdout(), HasSubstr("contracts: 25 passed, 0 failed"));
  std::ifstream report(junit);
  std::string xml((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
  EXPECT_THAT(xml, HasSubstr("<testsuites tests=\"25\" failures=\"0\">"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"epmock.version\" value=\"" + std::string(Version()) + "\"/>"));

  // A recording the server does not honour: exit 1, the difference named, a JUnit failure.
  const std::string dir = ::testing::TempDir() + "/bad-contracts-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/wrong.json") << R"({"description": "wrong", "interactions": [
      {"request": {"method": "GET", "path": "/v2/integrations"}, "response": {"status": 418}}]})";
  Child bad({"contracts", "verify", "--target", url, "--junit", junit, dir});
  EXPECT_EQ(bad.Wait(kTimeout), 1);
  EXPECT_THAT(bad.Stdout(), HasSubstr("FAIL"));
  EXPECT_THAT(bad.Stdout(), HasSubstr("status: expected 418, got 200"));
  std::ifstream bad_report(junit);
  std::string bad_xml((std::istreambuf_iterator<char>(bad_report)), std::istreambuf_iterator<char>());
  EXPECT_THAT(bad_xml, HasSubstr("failures=\"1\""));
  EXPECT_THAT(bad_xml, HasSubstr("<failure message=\"interaction 1: status: expected 418"));
  std::filesystem::remove_all(dir);
  std::remove(junit.c_str());
  Child usage({"contracts", "verify", "--target", url});
  EXPECT_EQ(usage.Wait(kTimeout), 2);
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(CliTest, RecordWritesReplayableContractsWithSecretsMasked) {
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"});
  const std::string upstream = ApiUrl(serve.ReadLine(kTimeout));
  ASSERT_FALSE(upstream.empty());
  const std::string dir = ::testing::TempDir() + "/recorded-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  Child record({"record", "--upstream", upstream, "--out", dir, "--port", "0"});
  std::smatch m;
  const std::string ready = record.ReadLine(kTimeout);
  ASSERT_TRUE(std::regex_search(ready, m, std::regex("recording on (http://\\S+) -> "))) << ready;
  const std::string proxy = m[1];

  // A client's session through the proxy: create (with secrets), get, update, list, delete, 404.
  testing_support::ApiClient api(proxy, "recorded-client");
  const nlohmann::json create = {{"data",
                                  {{"type", "integration"},
                                   {"name", "to SQS"},
                                   {"integration_type", "aws_sqs"},
                                   {"enabled", true},
                                   {"observes", {"order.paid"}},
                                   {"configuration",
                                    {{"url", "https://sqs.eu-west-1.amazonaws.com/1/q"},
                                     {"aws_access_key_id", "AKIAREALKEY0001"},
                                     {"aws_secret_access_key", "REAL-SECRET-VALUE-0001"},
                                     {"region", "eu-west-1"}}}}}};
  testing_support::Reply created = api.Post("/v2/integrations", create);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json["data"]["id"];
  EXPECT_EQ(api.Get("/v2/integrations/" + id).status, 200);
  EXPECT_EQ(
      api.Put("/v2/integrations/" + id, {{"data", {{"type", "integration"}, {"name", "renamed"}}}}).status,
      200);
  EXPECT_EQ(api.Get("/v2/integrations").status, 200);
  EXPECT_EQ(api.Delete("/v2/integrations/" + id).status, 200);
  EXPECT_EQ(api.Get("/v2/integrations/" + id).status, 404);
  httplib::Client anonymous(proxy);
  auto unauthorized = anonymous.Get("/v2/integrations");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);

  kill(record.pid(), SIGTERM);
  EXPECT_EQ(record.Wait(kTimeout), 0);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path().string());
  ASSERT_EQ(files.size(), 2u);  // the client's session, and the request without a token
  std::string all;
  for (const std::string& f : files) all += ReadFile(f);
  EXPECT_THAT(all, Not(HasSubstr("REAL-SECRET-VALUE-0001")));
  EXPECT_THAT(all, Not(HasSubstr("AKIAREALKEY0001")));
  EXPECT_THAT(all, Not(HasSubstr(api.token())));
  EXPECT_THAT(all, Not(HasSubstr(id)));
  EXPECT_THAT(all, HasSubstr("{{uuid:id1}}"));
  EXPECT_THAT(all, HasSubstr("/v2/integrations/${id1}"));
  EXPECT_THAT(all, HasSubstr("{{masked}}"));
  EXPECT_THAT(all, HasSubstr("\"auth\": false"));

  // Replayed against a fresh server, every recorded interaction holds.
  Child verify({"contracts", "verify", "--target", upstream, dir});
  EXPECT_EQ(verify.Wait(kTimeout), 0) << verify.Stdout();
  EXPECT_THAT(verify.Stdout(), HasSubstr("contracts: 2 passed, 0 failed"));
  EXPECT_THAT(ReadFile(files[0]) + ReadFile(files[1]), HasSubstr("\"method\": \"DELETE\""));

  // An upstream that is gone: the proxy answers 502 in the platform's error shape.
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
  Child orphan({"record", "--upstream", upstream, "--out", dir, "--port", "0"});
  const std::string orphan_ready = orphan.ReadLine(kTimeout);
  ASSERT_TRUE(std::regex_search(orphan_ready, m, std::regex("recording on (http://\\S+) -> ")))
      << orphan_ready;
  httplib::Client lost(m[1].str());
  auto gone = lost.Get("/v2/integrations");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 502);
  EXPECT_THAT(gone->body, HasSubstr("\"title\":\"Bad Gateway\""));
  kill(orphan.pid(), SIGTERM);
  EXPECT_EQ(orphan.Wait(kTimeout), 0);

  Child usage({"record", "--out", dir});
  EXPECT_EQ(usage.Wait(kTimeout), 2);
  EXPECT_THAT(usage.Stderr(), HasSubstr("epmock record: --upstream is required"));
  std::filesystem::remove_all(dir);
}

TEST(CliTest, ValidateChecksOnePayloadAndNamesEachViolation) {
  const std::string data = std::string(EPMOCK_SOURCE_DIR) + "/tests/data/";
  const std::string dir = ::testing::TempDir() + "/validate-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const nlohmann::json& doc) {
    std::ofstream(dir + "/" + name) << doc.dump();
    return dir + "/" + name;
  };
  std::ifstream seeds_in(data + "seed_payloads.json");
  nlohmann::json seeds = nlohmann::json::parse(seeds_in);
  std::ifstream examples_in(data + "seed_create_examples.json");
  nlohmann::json examples = nlohmann::json::parse(examples_in);

  nlohmann::json typical = seeds["webhook_typical"];
  typical["store_id"] = "b33e328f-31a8-4d57-b0a3-ebf1039b3756";  // what seed 003's text promises
  Child webhook({"validate", "webhook", write("w.json", typical)});
  EXPECT_EQ(webhook.Wait(kTimeout), 0);
  EXPECT_THAT(webhook.Stdout(), HasSubstr("valid"));
  Child cloudevent({"validate", "cloudevent", write("c.json", seeds["queue_deleted"])});
  EXPECT_EQ(cloudevent.Wait(kTimeout), 0);
  Child request({"validate", "request", "CreateIntegration", write("r.json", examples["stomp"])});
  EXPECT_EQ(request.Wait(kTimeout), 0);
  Child response(
      {"validate", "response", "CreateIntegration", "201", write("s.json", examples["webhook_response"])});
  EXPECT_EQ(response.Wait(kTimeout), 0) << response.Stdout();

  nlohmann::json broken = examples["webhook"];
  broken["data"].erase("name");
  broken["data"]["enabled"] = "yes";
  Child invalid({"validate", "request", "CreateIntegration", write("b.json", broken)});
  EXPECT_EQ(invalid.Wait(kTimeout), 1);
  EXPECT_THAT(invalid.Stdout(), HasSubstr("/data/name: data.name is required"));
  EXPECT_THAT(invalid.Stdout(), HasSubstr("/data/enabled: data.enabled must be true or false, not a string"));

  Child unknown({"validate", "request", "Explode", write("x.json", nlohmann::json::object())});
  EXPECT_EQ(unknown.Wait(kTimeout), 2);
  EXPECT_THAT(unknown.Stderr(), HasSubstr("no operation 'Explode'"));
  std::ofstream(dir + "/not.json") << "{nope";
  Child not_json({"validate", "webhook", dir + "/not.json"});
  EXPECT_EQ(not_json.Wait(kTimeout), 2);
  std::filesystem::remove_all(dir);
}

TEST(CliTest, BadFlagsExitTwoWithAReason) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{"serve", "--nope"}, "unknown flag '--nope'"},
      {{"serve", "--port"}, "epmock serve: --port: 1 required"},
      {{"serve", "--port", "70000"}, "--port: Value 70000 not in range 0 to 65535"},
      {{"serve", "--port=70000"}, "--port: Value 70000 not in range 0 to 65535"},
      {{"serve", "--integration-limit", "many"}, "--integration-limit: Failed parsing many"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"serve", "--time-scale", "fast"}, "--time-scale: Failed parsing fast"},
      {{"serve", "--event-retention", "0"}, "--event-retention: Value 0 not in range 1 to 100000000"},
      {{"serve", "--log-retention", "-5"}, "--log-retention"},
      {{"serve", "--sink-retention-bytes", "10"}, "--sink-retention-bytes: Value 10 not in range 1024"},
      {{"serve", "--journal-capacity", "lots"}, "--journal-capacity: Failed parsing lots"},
      {{"trigger", "order.paid"}, "epmock trigger: --server is required"},
      {{"contracts", "verify", "--target", "http://127.0.0.1:1", "--nope", "/tmp"},
       "epmock contracts verify: unknown flag '--nope'"},
      {{"validate", "response", "GetIntegration", "99", "f.json"}, "Value 99 not in range 100 to 599"},
      {{"record", "--port", "-1", "--upstream", "http://127.0.0.1:1", "--out", "/tmp"}, "--port"},
      {{"serve", "--allow-host", "evil.example:80"}, "--allow-host: a host name without port, or '*'"},
      {{"serve", "--allow-host", "http://evil.example"}, "--allow-host: a host name without port"},
      {{"serve", "--header-timeout-s", "0"}, "--header-timeout-s: Value 0 not in range 1 to 3600"},
      {{"serve", "--max-delayed-requests", "0"}, "--max-delayed-requests: Value 0 not in range 1 to 100000"},
      {{"serve", "--max-story-runs-per-store", "65"},
       "--max-story-runs-per-store: Value 65 not in range 1 to 64"},
      {{"serve", "--story-run-retention-bytes", "10"},
       "--story-run-retention-bytes: Value 10 not in range 1024"},
      {{"serve", "--dashboard-path", "/__admin/"}, "the dashboard path may not be /__admin/ itself"},
      {{"serve", "--dashboard-path", "/__admin/events/ui/"},
       "may not be under the admin route /__admin/events/"},
      {{"story", "stop", "--server", "http://127.0.0.1:1"}, "run is required"},
      {{"serve", "--clock", "sometimes"}, "--clock: sometimes not in {real,virtual}"},
      {{"serve", "--clock-start", "2030-02-30T00:00:00Z"}, "--clock-start: an RFC 3339 time"},
      {{"serve", "--clock", "virtual", "--time-scale", "0.5"}, "time_scale: a virtual clock moves only"},
      {{"clock", "advance", "1h"}, "--server is required"},
      {{"clock", "advance", "--server", "http://127.0.0.1:1"}, "give how far (1h) or --to TIME, one of them"},
      {{"clock", "advance", "1h", "--to", "2030-01-01T00:00:00Z", "--server", "http://127.0.0.1:1"},
       "one of them"},
      {{"clock", "advance", "5x", "--server", "http://127.0.0.1:1"}, "a duration such as 90s"},
      {{"clock", "advance", "-1h", "--server", "http://127.0.0.1:1"}, ""},
      {{"clock", "advance", "101000d", "--server", "http://127.0.0.1:1"}, "up to 100 years"},
      {{"clock", "advance", "1h30", "--server", "http://127.0.0.1:1"}, "a duration such as 90s"},
      {{"clock", "advance", "--to", "soon", "--server", "http://127.0.0.1:1"},
       "--to must be an RFC 3339 time"},
      {{"clock", "advance", "1h", "--timeout", "0", "--server", "http://127.0.0.1:1"}, "--timeout"},
      {{"clock", "run-until-idle", "--max", "forever", "--server", "http://127.0.0.1:1"},
       "--max must be a duration"},
      {{"clock", "rewind", "--server", "http://127.0.0.1:1"}, "rewind"},
      {{"clock", "advance", "1h", "--server", "ftp://x"}, "--server must be an http(s) URL"},
      // "--name=" is an empty value: it never takes the next flag for its value.
      {{"certify", "stomp", "--observes", "order.paid", "--destination=", "--allow-inconclusive"},
       "--destination must be 1 to 1024 characters"},
      {{"certify", "sqs", "--observes", "order.paid", "--queue=", "--allow-inconclusive"}, "--queue"},
      {{"serve", "--port=", "--nope"}, "epmock serve: --port: Failed parsing"},
      {{"certify", "stomp", "--observes", "order.paid", "--allow-inconclusive=", "--destination", "/q"},
       "unexpected argument ''"},
  };
  for (const Case& c : cases) {
    Child child(c.args);
    EXPECT_EQ(child.Wait(kTimeout), 2) << c.message;
    EXPECT_THAT(child.Stderr(), HasSubstr(c.message));
  }
}

// --flag=value and --flag value both work, and a 0.1.0 flag name still works this version,
// saying on stderr what replaced it.
TEST(CliTest, DeprecatedFlagsStillWorkAndSayWhatReplacedThem) {
  Child serve({"serve", "--port=0", "--sqs-port", "0", "--stomp-port=0", "--webhook-timeout-ms", "2500",
               "--webhook-insecure", "--webhook-ca-file=/dev/null"});
  ASSERT_FALSE(ApiUrl(serve.ReadLine(kTimeout)).empty()) << serve.Stderr();
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(kTimeout), 0);
  EXPECT_THAT(serve.Stderr(), HasSubstr("--webhook-timeout-ms is deprecated; use --delivery-timeout-ms"));
  EXPECT_THAT(serve.Stderr(), HasSubstr("--webhook-insecure is deprecated; use --insecure"));
  EXPECT_THAT(serve.Stderr(), HasSubstr("--webhook-ca-file is deprecated; use --ca-file"));
}

TEST(CliTest, VersionNamesTheVersionAndTheSchemaRevision) {
  const std::string expected = std::string("epmock ") + Version() + " (schema 26.0212.7184796)";
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--version"}, {"version"}}) {
    Child child(args);
    EXPECT_EQ(child.Wait(kTimeout), 0) << args[0];
    EXPECT_THAT(child.Stdout(), HasSubstr(expected)) << args[0];
  }
  EXPECT_STREQ(Version(), "0.2.0");
}

TEST(CliTest, ATakenPortExitsOneWithAReason) {
  Child first({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"});
  std::string url = ApiUrl(first.ReadLine(kTimeout));
  ASSERT_FALSE(url.empty());
  std::string port = url.substr(url.rfind(':') + 1);
  Child second({"serve", "--port", port, "--sqs-port", "0", "--stomp-port", "0"});
  EXPECT_EQ(second.Wait(kTimeout), 1);
  EXPECT_THAT(second.Stderr(), HasSubstr("cannot listen"));
}

}  // namespace
}  // namespace epmock
