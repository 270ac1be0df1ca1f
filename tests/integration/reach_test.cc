// Reaching epmock from elsewhere (a container behind a port mapping, another name): every URL
// an answer hands out names what the client used or what was advertised, a delivery to such
// a URL reaches epmock's own port, and beyond loopback the admin routes need a token.
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "epmock/server.h"
#include "epmock/sqs.h"
#include "epmock/stomp.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"
#include "support/child.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using ::epmock::testing::StatusIs;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using testing_support::ApiClient;
using testing_support::Child;
using testing_support::Reply;

ServerOptions WithReceivers() {
  ServerOptions options;
  options.sqs_port = 0;
  options.stomp_port = 0;
  return options;
}

// CreateQueue on the SQS endpoint (JSON protocol) sent with `host` as its Host header.
std::string CreateQueueAs(SqsEndpoint& sqs, const std::string& host, const std::string& name) {
  httplib::Client http("127.0.0.1", sqs.Port());
  const httplib::Headers headers = {{"Host", host}, {"X-Amz-Target", "AmazonSQS.CreateQueue"}};
  auto answer = http.Post("/", headers, json{{"QueueName", name}}.dump(), "application/x-amz-json-1.0");
  if (!answer || answer->status != 200) return "";
  return json::parse(answer->body).value("QueueUrl", "");
}

json SqsIntegration(const std::string& url) {
  json body = testing_support::SqsCreateBody();
  body["data"]["observes"] = {"order.paid"};
  body["data"]["configuration"]["url"] = url;
  return body;
}

TEST(HandedOutUrlsTest, NameTheHostAndPortTheClientUsed) {
  Server server(WithReceivers());
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  api.set_header("Host", "mapped.localhost:18080");

  Reply created = api.Post("/v2/integrations", testing_support::WebhookCreateBody());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string self = created.json["data"]["links"]["self"];
  EXPECT_THAT(self, StartsWith("http://mapped.localhost:18080/v2/integrations/"));
  EXPECT_EQ(created.Header("Location"), self);

  Reply health = api.Get("/__admin/health");
  EXPECT_EQ(health.json["api_url"], "http://mapped.localhost:18080");
  EXPECT_EQ(health.json["sqs_url"], "http://mapped.localhost:" + std::to_string(server.Sqs()->Port()));
  EXPECT_EQ(health.json["stomp_url"], "stomp://mapped.localhost:" + std::to_string(server.Stomp()->Port()));

  Reply queue = api.Put("/__admin/sqs/queues/orders", json::object());
  ASSERT_EQ(queue.status, 201) << queue.body;
  EXPECT_EQ(queue.json["data"]["queue_url"],
            "http://mapped.localhost:" + std::to_string(server.Sqs()->Port()) + "/000000000000/orders");
  EXPECT_EQ(api.Get("/__admin/sqs/queues").json["data"][0]["queue_url"], queue.json["data"]["queue_url"]);
  EXPECT_EQ(api.Get("/__admin/sqs/queues/orders").json["meta"]["queue_url"], queue.json["data"]["queue_url"]);
  EXPECT_EQ(api.Get("/__admin/stomp/messages?destination=/queue/x").json["meta"]["broker_url"],
            health.json["stomp_url"]);

  // The SQS endpoint's own answers name its Host too.
  EXPECT_EQ(CreateQueueAs(*server.Sqs(), "sqs.localhost:19324", "orders"),
            "http://sqs.localhost:19324/000000000000/orders");
}

TEST(HandedOutUrlsTest, AQueueUrlGotThroughAMappingIsDeliveredToTheEmbeddedEndpoint) {
  Server server(WithReceivers());
  ASSERT_THAT(server.Start(), IsOk());
  // A client outside the container reached the endpoint as sqs.localhost:19324 (nothing
  // listens there); the URL it was given is what its integration names.
  const std::string queue_url = CreateQueueAs(*server.Sqs(), "sqs.localhost:19324", "mapped");
  ASSERT_EQ(queue_url, "http://sqs.localhost:19324/000000000000/mapped");
  ApiClient api(server.Url());
  ASSERT_EQ(api.Post("/v2/integrations", SqsIntegration(queue_url)).status, 201);

  // And a webhook to the API port's sink, by the name the client used for the API.
  api.set_header("Host", "api.localhost:18081");
  json hook = testing_support::WebhookCreateBody();
  hook["data"]["observes"] = {"order.paid"};
  hook["data"]["configuration"]["url"] = "http://api.localhost:18081/__sink/webhook/mapped";
  ASSERT_EQ(api.Post("/v2/integrations", hook).status, 201);

  ASSERT_EQ(api.Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  EXPECT_TRUE(server.Sqs()->WaitForMessages("mapped", 1, std::chrono::seconds(10)));
  EXPECT_TRUE(server.WaitForSinkRequests("mapped", 1, std::chrono::seconds(10)));
}

TEST(HandedOutUrlsTest, AdvertisedHostWinsIsAnsweredAndIsDeliveredTo) {
  ServerOptions options = WithReceivers();
  options.advertise_host = "epmock.test";
  // The endpoint checks SigV4 signatures, which cover the Host the delivery names.
  const json sqs_config = testing_support::SqsCreateBody()["data"]["configuration"];
  options.sqs_access_key_id = sqs_config["aws_access_key_id"];
  options.sqs_secret_access_key = sqs_config["aws_secret_access_key"];
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  const std::string api_port = std::to_string(server.Port());
  const std::string sqs_port = std::to_string(server.Sqs()->Port());
  const std::string stomp_port = std::to_string(server.Stomp()->Port());

  ApiClient api(server.Url());
  Reply health = api.Get("/__admin/health");
  EXPECT_EQ(health.json["api_url"], "http://epmock.test:" + api_port);
  EXPECT_EQ(health.json["sqs_url"], "http://epmock.test:" + sqs_port);
  EXPECT_EQ(health.json["stomp_url"], "stomp://epmock.test:" + stomp_port);
  EXPECT_EQ(server.Sqs()->Url(), "http://epmock.test:" + sqs_port);
  EXPECT_EQ(server.Stomp()->Url(), "stomp://epmock.test:" + stomp_port);

  // Its name passes the Host check; another dotted name still does not.
  api.set_header("Host", "epmock.test:" + api_port);
  EXPECT_EQ(api.Get("/v2/integrations").status, 200);
  api.set_header("Host", "elsewhere.test");
  EXPECT_EQ(api.Get("/v2/integrations").status, 403);
  api.set_header("Host", "");

  const std::string queue_url = server.Sqs()->CreateQueue("advertised");
  EXPECT_EQ(queue_url, "http://epmock.test:" + sqs_port + "/000000000000/advertised");
  // epmock.test resolves nowhere: these arrive because epmock dials its own ports.
  ASSERT_EQ(api.Post("/v2/integrations", SqsIntegration(queue_url)).status, 201);
  json stomp = testing_support::StompCreateBody();
  stomp["data"]["observes"] = {"order.paid"};
  stomp["data"]["enabled"] = true;
  stomp["data"]["configuration"] = {{"addresses", {"stomp://epmock.test:" + stomp_port}},
                                    {"destination", "/queue/advertised"}};
  ASSERT_EQ(api.Post("/v2/integrations", stomp).status, 201);
  ASSERT_EQ(api.Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  EXPECT_TRUE(server.Sqs()->WaitForMessages("advertised", 1, std::chrono::seconds(10)));
  EXPECT_TRUE(server.Stomp()->WaitForMessages("/queue/advertised", 1, std::chrono::seconds(10)));
}

TEST(HandedOutUrlsTest, AdvertisedApiUrlNamesLinksAndLocation) {
  ServerOptions options;
  options.advertise_api = "http://localhost:18099/";
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  Reply created = api.Post("/v2/integrations", testing_support::WebhookCreateBody());
  ASSERT_EQ(created.status, 201);
  EXPECT_THAT(created.json["data"]["links"]["self"].get<std::string>(),
              StartsWith("http://localhost:18099/v2/integrations/"));
  EXPECT_THAT(created.Header("Location"), StartsWith("http://localhost:18099/v2/integrations/"));
  EXPECT_EQ(api.Get("/__admin/health").json["api_url"], "http://localhost:18099");
  EXPECT_TRUE(api.Get("/__admin/health").json["sqs_url"].is_null());  // none runs
}

TEST(HandedOutUrlsTest, AWildcardBindIsNamedAsLoopbackNever0000) {
  ServerOptions options = WithReceivers();
  options.host = "0.0.0.0";
  options.admin_token = "a-test-token-0123";
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  EXPECT_THAT(server.Url(), StartsWith("http://127.0.0.1:"));
  EXPECT_THAT(server.Sqs()->Url(), StartsWith("http://127.0.0.1:"));
  EXPECT_THAT(server.Stomp()->Url(), StartsWith("stomp://127.0.0.1:"));
  // A client that connected to 0.0.0.0 (Linux takes it as loopback) is handed 127.0.0.1.
  ApiClient api(server.Url());
  api.set_header("X-Epmock-Admin-Token", "a-test-token-0123");
  api.set_header("Host", "0.0.0.0:" + std::to_string(server.Port()));
  Reply health = api.Get("/__admin/health");
  EXPECT_EQ(health.json["api_url"], "http://127.0.0.1:" + std::to_string(server.Port()));
  Reply created = api.Post("/v2/integrations", testing_support::WebhookCreateBody());
  EXPECT_THAT(created.json["data"]["links"]["self"].get<std::string>(), StartsWith("http://127.0.0.1:"));
  EXPECT_EQ(CreateQueueAs(*server.Sqs(), "0.0.0.0:" + std::to_string(server.Sqs()->Port()), "q"),
            server.Sqs()->Url() + "/000000000000/q");
}

struct BadAdvertised {
  const char* name;
  std::string ServerOptions::*field;
  std::string value;
  const char* refusal;
};
void PrintTo(const BadAdvertised& c, std::ostream* os) { *os << c.name; }

class BadAdvertisedTest : public ::testing::TestWithParam<BadAdvertised> {};

TEST_P(BadAdvertisedTest, IsRefusedAtStartByName) {
  ServerOptions options = WithReceivers();
  options.*(GetParam().field) = GetParam().value;
  Server server(options);
  EXPECT_THAT(server.Start(), StatusIs(StatusCode::kInvalidArgument, HasSubstr(GetParam().refusal)));
  EXPECT_FALSE(server.Running());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadAdvertisedTest,
    ::testing::Values(
        BadAdvertised{"api_ftp", &ServerOptions::advertise_api, "ftp://epmock.test", "advertise_api"},
        BadAdvertised{"api_stomp", &ServerOptions::advertise_api, "stomp://epmock.test:61613",
                      "advertise_api"},
        BadAdvertised{"api_no_host", &ServerOptions::advertise_api, "http://", "advertise_api"},
        BadAdvertised{"api_path", &ServerOptions::advertise_api, "http://epmock.test/v2", "advertise_api"},
        BadAdvertised{"api_query", &ServerOptions::advertise_api, "http://epmock.test?x=1", "advertise_api"},
        BadAdvertised{"api_user", &ServerOptions::advertise_api, "http://me@epmock.test", "advertise_api"},
        BadAdvertised{"api_space", &ServerOptions::advertise_api, "http://epm ock.test", "advertise_api"},
        BadAdvertised{"api_port_too_big", &ServerOptions::advertise_api, "http://epmock.test:99999",
                      "advertise_api"},
        BadAdvertised{"api_huge", &ServerOptions::advertise_api, "http://" + std::string(3000, 'a'),
                      "advertise_api"},
        BadAdvertised{"api_newline", &ServerOptions::advertise_api, "http://epmock.test\r\nX: y",
                      "advertise_api"},
        BadAdvertised{"sqs_https_path", &ServerOptions::advertise_sqs, "https://q.test/000000000000",
                      "advertise_sqs"},
        BadAdvertised{"stomp_http", &ServerOptions::advertise_stomp, "http://broker.test:61613",
                      "advertise_stomp"},
        BadAdvertised{"host_with_port", &ServerOptions::advertise_host, "epmock.test:80", "advertise_host"},
        BadAdvertised{"host_with_slash", &ServerOptions::advertise_host, "epmock.test/x", "advertise_host"},
        BadAdvertised{"host_unclosed_v6", &ServerOptions::advertise_host, "[::1", "advertise_host"},
        BadAdvertised{"host_huge", &ServerOptions::advertise_host, std::string(300, 'a'), "advertise_host"}),
    [](const ::testing::TestParamInfo<BadAdvertised>& info) { return info.param.name; });

// --- Beyond loopback, the admin routes need a token -------------------------------------------

TEST(AdminTokenBeyondLoopbackTest, AWildcardBindWithoutATokenIsRefused) {
  ServerOptions options;
  options.host = "0.0.0.0";
  Server server(options);
  EXPECT_THAT(server.Start(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("reaches beyond loopback")));
  EXPECT_FALSE(server.Running());
}

TEST(AdminTokenBeyondLoopbackTest, OffKeepsTheOldRule) {
  ServerOptions options;
  options.host = "0.0.0.0";
  options.admin_token = "off";
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  EXPECT_EQ(api.Get("/__admin/events").status, 200);  // a store's token is enough
  EXPECT_EQ(api.Get("/__admin/health").json["admin_token"], false);
}

TEST(AdminTokenBeyondLoopbackTest, ASetTokenIsRequired) {
  ServerOptions options;
  options.host = "0.0.0.0";
  options.admin_token = "a-test-token-0123";
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  EXPECT_EQ(api.Get("/__admin/events").status, 401);
  api.set_header("X-Epmock-Admin-Token", "a-test-token-0123");
  EXPECT_EQ(api.Get("/__admin/events").status, 200);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AdminTokenBeyondLoopbackTest, ServeMakesOneShowsItOnceAndKeepsItForItsUserAlone) {
  const std::string folder = ::testing::TempDir() + "/epmock-token-" + std::to_string(getpid());
  const std::string file = folder + "/nested/admin-token";
  Child serve({"serve", "--host", "0.0.0.0", "--port", "0", "--sqs-port", "0", "--stomp-port", "0",
               "--admin-token-file", file});
  const std::string ready = serve.ReadLine(std::chrono::seconds(20));
  ASSERT_THAT(ready,
              MatchesRegex("epmock ready api=http://127\\.0\\.0\\.1:[0-9]+ sqs=http://127\\.0\\.0\\.1:[0-9]+ "
                           "stomp=stomp://127\\.0\\.0\\.1:[0-9]+\n?"));
  const std::string token = ReadAll(file);
  ASSERT_THAT(token, MatchesRegex("[0-9a-f]{48}\n"));
  struct stat info {};
  ASSERT_EQ(stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((folder + "/nested").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  const std::string url = ready.substr(ready.find("api=") + 4, ready.find(" sqs=") - ready.find("api=") - 4);
  ApiClient api(url);
  EXPECT_EQ(api.Get("/__admin/events").status, 401);
  api.set_header("X-Epmock-Admin-Token", token.substr(0, 48));
  EXPECT_EQ(api.Get("/__admin/events").status, 200);

  // epmock health needs no token.
  Child healthy({"health", "--url", url});
  EXPECT_EQ(healthy.Wait(std::chrono::seconds(10)), 0) << healthy.Stderr();
  EXPECT_THAT(healthy.Stdout(), StartsWith("ok " + url));

  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(std::chrono::seconds(20)), 0);
  const std::string err = serve.Stderr();
  EXPECT_THAT(err, HasSubstr("epmock admin-token=" + token.substr(0, 48) + "\n"));
  EXPECT_EQ(err.find("admin-token="), err.rfind("admin-token="));  // shown once

  Child down({"health", "--url", url, "--timeout-ms", "500"});
  EXPECT_EQ(down.Wait(std::chrono::seconds(10)), 1);
  EXPECT_THAT(down.Stderr(), HasSubstr("no answer from " + url));
}

TEST(AdminTokenBeyondLoopbackTest, ServeWithOffWarns) {
  Child serve({"serve", "--host", "0.0.0.0", "--port", "0", "--sqs-port", "0", "--stomp-port", "0",
               "--admin-token", "off"});
  ASSERT_THAT(serve.ReadLine(std::chrono::seconds(20)), StartsWith("epmock ready api=http://127.0.0.1:"));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(std::chrono::seconds(20)), 0);
  EXPECT_THAT(serve.Stderr(), HasSubstr("warning: --admin-token=off"));
  EXPECT_THAT(serve.Stderr(), ::testing::Not(HasSubstr("epmock admin-token=")));
}

TEST(AdminTokenBeyondLoopbackTest, ServeAdvertisesInItsReadyLine) {
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--advertise-host",
               "epmock.test", "--advertise-api", "http://localhost:18080"});
  EXPECT_THAT(serve.ReadLine(std::chrono::seconds(20)),
              MatchesRegex("epmock ready api=http://localhost:18080 sqs=http://epmock\\.test:[0-9]+ "
                           "stomp=stomp://epmock\\.test:[0-9]+\n?"));
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(std::chrono::seconds(20)), 0);

  Child refused({"serve", "--port", "0", "--advertise-sqs", "ftp://x"});
  EXPECT_NE(refused.Wait(std::chrono::seconds(20)), 0);
  EXPECT_THAT(refused.Stderr(), HasSubstr("--advertise-sqs"));
}

}  // namespace
}  // namespace epmock

// --- Init files: provisioning at start, for the image's users ------------------------------
namespace epmock {
namespace {

std::string WriteInit(const std::string& text) {
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(test.begin(), test.end(), '/', '_');
  const std::string path = ::testing::TempDir() + "/init-" + std::to_string(getpid()) + "-" + test;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(InitFileTest, TheExampleProvisionsQueuesOrganizationsStoresAndIntegrationsThatDeliver) {
  ServerOptions options = WithReceivers();
  options.init_file = std::string(EPMOCK_SOURCE_DIR) + "/docs/init-example.yaml";
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());

  const json integrations = server.Integrations("acme-eu");
  ASSERT_EQ(integrations.size(), 2u) << integrations.dump();
  EXPECT_EQ(integrations[0]["configuration"]["url"], server.Url() + "/__sink/webhook/orders");
  EXPECT_EQ(integrations[1]["configuration"]["url"], server.Sqs()->Url() + "/000000000000/orders");
  ApiClient eu(server.Url(), "acme-eu");
  EXPECT_EQ(eu.Get("/__admin/store").json["data"]["kind"], "development");
  ApiClient org(server.Url(), "acme-org");
  const Reply organization = org.Get("/__admin/organization");
  EXPECT_EQ(organization.status, 200);
  EXPECT_THAT(organization.body, HasSubstr(Server::StoreIdFor("acme-eu")));
  EXPECT_THAT(organization.body, HasSubstr(Server::StoreIdFor("acme-us")));
  EXPECT_EQ(eu.Get("/__admin/sqs/queues/orders").status, 200);

  ASSERT_EQ(eu.Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  EXPECT_TRUE(server.WaitForSinkRequests("orders", 1, std::chrono::seconds(10)));
  EXPECT_TRUE(server.Sqs()->WaitForMessages("orders", 1, std::chrono::seconds(10)));
}

struct BadInit {
  const char* name;
  std::string text;
  const char* refusal;  // what the error names
};
void PrintTo(const BadInit& c, std::ostream* os) { *os << c.name; }

class BadInitTest : public ::testing::TestWithParam<BadInit> {};

// Refused at Start with the file and the entry named; the server serves nothing.
TEST_P(BadInitTest, IsRefusedAtStartByName) {
  ServerOptions options = WithReceivers();
  options.init_file = WriteInit(GetParam().text);
  Server server(options);
  const Status started = server.Start();
  EXPECT_THAT(started, StatusIs(StatusCode::kInvalidArgument, HasSubstr(GetParam().refusal)));
  EXPECT_THAT(started.message(), HasSubstr(options.init_file));
  EXPECT_FALSE(server.Running());
}

std::string Repeat(const std::string& open, const std::string& close, int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += open;
  for (int i = 0; i < n; ++i) text += close;
  return text;
}

std::string ManyQueues(int n) {
  json queues = json::array();
  for (int i = 0; i < n; ++i) queues.push_back("q" + std::to_string(i));
  return json{{"queues", queues}}.dump();
}

const char kHook[] =
    R"({"name": "h", "integration_type": "webhook", "enabled": true, "observes": ["order.paid"],
  "configuration": {"url": "http://127.0.0.1:9/x", "secret_key": "s"}})";

std::vector<BadInit> BadInits() {
  return {
      BadInit{"not_json", "{\"queues\": [", "not valid JSON"},
      BadInit{"top_level_list", "[]", "an init file is an object"},
      BadInit{"unknown_top_key", R"({"queue": ["a"]})", "unknown key 'queue'"},
      BadInit{"queues_not_list", R"({"queues": "orders"})", "queues: a list"},
      BadInit{"queue_not_string", R"({"queues": [1]})", "queues[0]: a queue name"},
      BadInit{"too_many_queues", ManyQueues(1001), "queues: at most 1000"},
      BadInit{"bad_queue_name", R"({"queues": ["no spaces here"]})", "queues[0]"},
      BadInit{"org_without_id", R"({"organizations": [{"stores": ["s"]}]})",
              "organizations[0]: client_id is required"},
      BadInit{"org_store_number", R"({"organizations": [{"client_id": "o", "stores": [7]}]})",
              "organizations[0].stores[0]: a client id"},
      BadInit{"store_id_empty", R"({"stores": [{"client_id": ""}]})", "stores[0].client_id: a client id"},
      BadInit{"store_id_huge", R"({"stores": [{"client_id": ")" + std::string(300, 'x') + R"("}]})",
              "stores[0].client_id"},
      BadInit{"store_twice", R"({"stores": [{"client_id": "s"}, {"client_id": "s"}]})", "listed twice"},
      BadInit{"store_unknown_key", R"({"stores": [{"client_id": "s", "kinds": "x"}]})",
              "unknown key 'kinds'"},
      BadInit{"kind_not_string", R"({"stores": [{"client_id": "s", "kind": 1}]})", "stores[0].kind"},
      BadInit{"kind_unknown", R"({"stores": [{"client_id": "s", "kind": "staging"}]})", "stores[0]"},
      BadInit{"page_length_string", R"({"stores": [{"client_id": "s", "page_length": "25"}]})",
              "stores[0].page_length: a whole number"},
      BadInit{"page_length_zero", R"({"stores": [{"client_id": "s", "page_length": 0}]})", "stores[0]"},
      BadInit{"integrations_not_list", R"({"stores": [{"client_id": "s", "integrations": {}}]})",
              "stores[0].integrations: a list"},
      BadInit{"integration_not_object", R"({"stores": [{"client_id": "s", "integrations": [1]}]})",
              "stores[0].integrations[0]: an object"},
      BadInit{"integration_fails_the_api",
              R"({"stores": [{"client_id": "s", "integrations": [{"name": "x"}]}]})",
              "stores[0].integrations[0]: 422"},
      BadInit{"second_integration_fails",
              std::string(R"({"stores": [{"client_id": "s", "integrations": [)") + kHook +
                  R"(, {"name": "h", "integration_type": "webhook"}]}]})",
              "stores[0].integrations[1]: 422"},
      BadInit{"too_deep", "{\"stores\": " + Repeat("[", "]", 40) + "}", "nested deeper than 32"},
      BadInit{"too_big", "{\"queues\": [\"" + std::string(1024 * 1024 + 10, 'a') + "\"]}",
              "at most 1048576 bytes"},
      BadInit{"not_utf8", "{\"queues\": [\"\xff\xfe\"]}", "not valid UTF-8"},
      BadInit{"yaml_escape_not_utf8", "queues: [\"\\_\"]\n", "not valid UTF-8"},
      BadInit{"yaml_two_documents", "queues: [a]\n---\nqueues: [b]\n", "init"},
      BadInit{
          "yaml_alias_bomb",
          "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
          "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
          "init"}};
}

INSTANTIATE_TEST_SUITE_P(Rows, BadInitTest, ::testing::ValuesIn(BadInits()),
                         [](const ::testing::TestParamInfo<BadInit>& info) { return info.param.name; });

TEST(InitFileTest, AMissingFileIsRefusedByName) {
  ServerOptions options;
  options.init_file = ::testing::TempDir() + "/no-such-init.yaml";
  Server server(options);
  EXPECT_THAT(server.Start(), StatusIs(StatusCode::kNotFound, HasSubstr("no-such-init.yaml")));
}

TEST(InitFileTest, ServeAppliesItBeforeItsReadyLine) {
  const std::string init = WriteInit(std::string(R"({"queues": ["early"], "stores": [{"client_id": "cli-init",
      "integrations": [)") + kHook + "]}]}");
  Child serve({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--init", init});
  const std::string ready = serve.ReadLine(std::chrono::seconds(20));
  ASSERT_THAT(ready, StartsWith("epmock ready api="));
  const std::size_t api_at = ready.find("api=") + 4;
  ApiClient api(ready.substr(api_at, ready.find(" sqs=") - api_at), "cli-init");
  EXPECT_EQ(api.Get("/v2/integrations").json["data"].size(), 1u);
  EXPECT_EQ(api.Get("/__admin/sqs/queues/early").status, 200);
  kill(serve.pid(), SIGTERM);
  EXPECT_EQ(serve.Wait(std::chrono::seconds(20)), 0);

  Child refused({"serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--init",
                 WriteInit(R"({"queues": [1]})")});
  EXPECT_EQ(refused.Wait(std::chrono::seconds(20)), 1);
  EXPECT_THAT(refused.Stderr(), HasSubstr("queues[0]: a queue name"));
}

}  // namespace
}  // namespace epmock
