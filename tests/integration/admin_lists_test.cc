// The admin lists the dashboard reads (issue 25), answered by the server over a store's whole
// retained history: events filtered by type, status, integration, story run and id, with a
// summary form and a bulk replay by the same filters; the journal by status class, path and
// origin; the sinks, with each request's answer; faults whose budget ran out, kept as used;
// a receiver's answer headers per attempt; a warning for a PUT that stores a masked secret.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "epmock/server.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ApiClient;
using testing_support::Reply;

constexpr auto kWait = std::chrono::seconds(20);

class AdminListsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(server_.Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_.Url());
  }

  // A webhook integration observing `event` that posts to sink `sink` of this server.
  std::string Webhook(const std::string& sink, const std::string& event = "order.paid") {
    json body = testing_support::WebhookCreateBody(sink);
    body["data"]["observes"] = {event};
    body["data"]["configuration"]["url"] = server_.Url() + "/__sink/webhook/" + sink;
    Reply created = api_->Post("/v2/integrations", body);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json["data"]["id"];
  }
  std::string Trigger(const std::string& type = "order.paid") {
    Reply fired = api_->Post("/__admin/events", {{"type", type}});
    EXPECT_EQ(fired.status, 201) << fired.body;
    return fired.json["data"]["id"];
  }
  void Idle() { ASSERT_EQ(api_->Get("/__admin/idle?timeout_ms=20000").status, 200); }

  Server server_{[] {
    ServerOptions options;
    options.time_scale = 0.001;  // retries in milliseconds
    return options;
  }()};
  std::unique_ptr<ApiClient> api_;
};

TEST_F(AdminListsTest, EventsFilterByStatusTypeIntegrationAndIdOverTheWholeHistory) {
  const std::string good = Webhook("good");
  const std::string bad = Webhook("bad", "order.created");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/bad", {{"responses", {{{"status", 500}}}}}).status, 204);
  std::vector<std::string> paid;
  for (int i = 0; i < 30; ++i) paid.push_back(Trigger("order.paid"));
  const std::string failed = Trigger("order.created");
  const std::string unobserved = Trigger("customer.created");
  Idle();

  Reply delivered = api_->Get("/__admin/events?status=delivered&page[limit]=10&fields=summary");
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  EXPECT_EQ(delivered.json["meta"]["page"]["total"], 30);  // across pages, not one page
  ASSERT_EQ(delivered.json["data"].size(), 10u);
  EXPECT_EQ(delivered.json["data"][0]["id"], paid.back());   // newest first
  EXPECT_FALSE(delivered.json["data"][0].contains("data"));  // the summary has no resource
  EXPECT_EQ(delivered.json["data"][0]["jobs"][0]["status"], "delivered");
  EXPECT_EQ(delivered.json["data"][0]["jobs"][0]["attempts"], 1);

  Reply failures = api_->Get("/__admin/events?status=failed");
  ASSERT_EQ(failures.json["data"].size(), 1u);
  EXPECT_EQ(failures.json["data"][0]["id"], failed);
  EXPECT_EQ(failures.json["data"][0]["status"], "failed");
  EXPECT_TRUE(failures.json["data"][0].contains("data"));  // the full form keeps it

  EXPECT_EQ(api_->Get("/__admin/events?status=none").json["data"][0]["id"], unobserved);
  EXPECT_EQ(api_->Get("/__admin/events?type=order.created").json["meta"]["page"]["total"], 1);
  EXPECT_EQ(api_->Get("/__admin/events?integration_id=" + good).json["meta"]["page"]["total"], 30);
  Reply by_id = api_->Get("/__admin/events?id=" + paid[3].substr(0, 13));
  ASSERT_GE(by_id.json["data"].size(), 1u);
  EXPECT_EQ(by_id.json["data"][0]["id"], paid[3]);
  EXPECT_EQ(api_->Get("/__admin/events?type=order.paid&status=failed").json["meta"]["page"]["total"], 0);
  (void)bad;
}

TEST_F(AdminListsTest, ARetryingJobSaysWhenItsNextAttemptIsDue) {
  ServerOptions slow;  // real back-off: the first retry waits long enough to be seen
  Server server(slow);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url(), "retrying");
  json body = testing_support::WebhookCreateBody("r");
  body["data"]["observes"] = {"order.paid"};
  body["data"]["configuration"]["url"] = server.Url() + "/__sink/webhook/r";
  ASSERT_EQ(api.Post("/v2/integrations", body).status, 201);
  ASSERT_EQ(
      api.Put("/__admin/sinks/webhook/r", {{"responses", {{{"status", 503}}, {{"status", 200}}}}}).status,
      204);
  ASSERT_EQ(api.Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  json event;
  for (auto until = std::chrono::steady_clock::now() + kWait; std::chrono::steady_clock::now() < until;) {
    event = api.Get("/__admin/events?fields=summary").json["data"][0];
    if (event["status"] == "retrying") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(event["status"], "retrying") << event.dump();
  EXPECT_EQ(event["jobs"][0]["attempts"], 1);
  EXPECT_EQ(event["jobs"][0]["last_status_code"], 503);
  EXPECT_TRUE(event["jobs"][0].contains("next_attempt_at")) << event.dump();
  EXPECT_EQ(api.Get("/__admin/events?status=retrying").json["meta"]["page"]["total"], 1);
  server.Stop();
}

TEST_F(AdminListsTest, BulkReplayTakesTheListsFiltersAndMarksItsJobsAsReplays) {
  Webhook("flaky", "order.created");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/flaky", {{"responses", {{{"status", 500}}}}}).status, 204);
  Webhook("fine");
  for (int i = 0; i < 3; ++i) Trigger("order.created");
  Trigger("order.paid");
  Idle();
  ASSERT_EQ(api_->Delete("/__admin/sinks/webhook/flaky").status, 204);  // the receiver is fixed

  Reply replayed = api_->Post("/__admin/events/replay", {{"status", "failed"}});
  ASSERT_EQ(replayed.status, 201) << replayed.body;
  EXPECT_EQ(replayed.json["meta"]["events"], 3);
  EXPECT_EQ(replayed.json["meta"]["jobs"], 3);
  for (const json& e : replayed.json["data"]) {
    EXPECT_EQ(e["type"], "order.created");
    EXPECT_EQ(e["jobs"][0]["replay"], true);
  }
  Idle();
  // The replays succeeded; each event has its failed first job and its replayed one.
  Reply after = api_->Get("/__admin/events?type=order.created&fields=summary");
  for (const json& e : after.json["data"]) {
    ASSERT_EQ(e["jobs"].size(), 2u) << e.dump();
    EXPECT_FALSE(e["jobs"][0].contains("replay"));
    EXPECT_EQ(e["jobs"][0]["status"], "failed");
    EXPECT_EQ(e["jobs"][1]["status"], "delivered");
  }
  // The same filter in the query string; and a filter that selects nothing replays nothing.
  EXPECT_EQ(api_->Post("/__admin/events/replay?type=order.paid", json::object()).json["meta"]["events"], 1);
  EXPECT_EQ(api_->Post("/__admin/events/replay", {{"type", "cart.updated"}}).json["meta"]["events"], 0);
}

TEST_F(AdminListsTest, SinksAreListedWithEachRequestsAnswerAndAnEmptyBodyStaysEmpty) {
  Webhook("listed");
  ASSERT_EQ(api_->Put("/__admin/sinks/webhook/listed",
                      {{"responses", {{{"status", 500}}, {{"status", 202}, {"body", "ok"}}}}})
                .status,
            204);
  const std::string id = Trigger();
  Idle();
  Reply sinks = api_->Get("/__admin/sinks");
  ASSERT_EQ(sinks.status, 200) << sinks.body;
  ASSERT_EQ(sinks.json["data"].size(), 1u);
  const json& sink = sinks.json["data"][0];
  EXPECT_EQ(sink["name"], "listed");
  EXPECT_EQ(sink["requests"], 2);
  EXPECT_EQ(sink["responses_from"], "store");
  EXPECT_EQ(sink["responses"][1]["status"], 202);
  EXPECT_TRUE(sink["last_received_at"].is_string());

  Reply requests = api_->Get("/__admin/sinks/webhook/listed");
  ASSERT_EQ(requests.json["data"].size(), 2u);
  EXPECT_EQ(requests.json["data"][0]["answer"]["status"], 500);
  EXPECT_EQ(requests.json["data"][1]["answer"]["status"], 202);
  EXPECT_EQ(requests.json["data"][0]["event_type"], "order.paid");
  EXPECT_EQ(requests.json["data"][0]["event_id"], id);

  // The attempt that got 500 logged an empty body (not an error text of epmock's) and the
  // sink's answer headers.
  Reply logs = api_->Get("/__admin/deliveries");
  const json& first = logs.json["data"][1];
  EXPECT_EQ(first["status_code"], 500);
  EXPECT_EQ(first["body"], "");
  ASSERT_TRUE(first.contains("response_headers")) << first.dump();
  bool has_request_id = false;
  for (const json& h : first["response_headers"]) has_request_id |= h[0] == "X-Moltin-Request-Id";
  EXPECT_TRUE(has_request_id) << first["response_headers"].dump();
  // Another store sees no sink.
  ApiClient other(server_.Url(), "other");
  EXPECT_EQ(other.Get("/__admin/sinks").json["data"].size(), 0u);
}

TEST_F(AdminListsTest, AFaultWhoseBudgetRanOutIsListedAsUsed) {
  Webhook("used");
  Reply added = api_->Post("/__admin/faults", {{"duplicate", 1}, {"events", 1}});
  ASSERT_EQ(added.status, 201);
  Reply api_fault =
      api_->Post("/__admin/api-faults", {{"status", 503}, {"requests", 1}, {"path", "/v2/settings"}});
  ASSERT_EQ(api_fault.status, 201) << api_fault.body;
  Trigger();
  Idle();
  EXPECT_EQ(api_->Get("/__admin/faults").json["data"].size(), 0u);  // active: none
  Reply used = api_->Get("/__admin/faults?state=used");
  ASSERT_EQ(used.json["data"].size(), 1u);
  EXPECT_EQ(used.json["data"][0]["id"], added.json["data"]["id"]);
  EXPECT_EQ(used.json["data"][0]["state"], "used");
  EXPECT_TRUE(used.json["data"][0]["used_up_at"].is_string());
  EXPECT_EQ(api_->Get("/__admin/api-faults?state=all").json["data"][0]["state"], "active");
  EXPECT_EQ(api_->Get("/v2/settings").status, 503);
  EXPECT_EQ(api_->Get("/__admin/api-faults?state=used").json["data"][0]["id"], api_fault.json["data"]["id"]);
  // A reset forgets the used ones too.
  ASSERT_EQ(api_->Post("/__admin/reset", json::object()).status, 204);
  EXPECT_EQ(api_->Get("/__admin/faults?state=all").json["data"].size(), 0u);
}

TEST_F(AdminListsTest, TheJournalFiltersByStatusClassPathAndOriginAndWarnsOfAMaskedSecret) {
  Reply created = api_->Post("/v2/integrations", testing_support::StompCreateBody());
  ASSERT_EQ(created.status, 201);
  const std::string id = created.json["data"]["id"];
  // The configuration as GET shows it (the password masked), sent back whole.
  json update = {
      {"data", {{"type", "integration"}, {"configuration", created.json["data"]["configuration"]}}}};
  ASSERT_EQ(api_->Put("/v2/integrations/" + id, update).status, 200);
  ASSERT_EQ(api_->Get("/v2/integrations/nope").status, 404);
  api_->set_header("X-Epmock-Origin", "dashboard");
  ASSERT_EQ(api_->Get("/v2/integrations").status, 200);
  api_->set_header("X-Epmock-Origin", "");

  Reply warned = api_->Get("/__admin/requests?path=/v2/integrations/&status=2xx");
  ASSERT_EQ(warned.status, 200) << warned.body;
  ASSERT_EQ(warned.json["data"].size(), 1u) << warned.body;
  EXPECT_EQ(warned.json["data"][0]["method"], "PUT");
  ASSERT_EQ(warned.json["data"][0]["warnings"].size(), 1u);
  EXPECT_THAT(warned.json["data"][0]["warnings"][0].get<std::string>(),
              HasSubstr("configuration.password is the masked form"));
  EXPECT_EQ(api_->Get("/__admin/requests?status=4xx").json["data"][0]["path"], "/v2/integrations/nope");
  Reply page = api_->Get("/__admin/requests?origin=dashboard");
  ASSERT_EQ(page.json["data"].size(), 1u);
  EXPECT_EQ(page.json["data"][0]["origin"], "dashboard");
  EXPECT_EQ(api_->Get("/__admin/requests?origin=client").json["meta"]["page"]["total"], 3);
  // Paged within what matches: the second of the three, oldest first.
  Reply second = api_->Get("/__admin/requests?origin=client&page[limit]=1&page[offset]=1");
  ASSERT_EQ(second.json["data"].size(), 1u);
  EXPECT_EQ(second.json["meta"]["page"]["total"], 3);
  EXPECT_EQ(second.json["data"][0]["method"], "PUT");
  // A second PUT of the same masked value warns no more: the stored secret is the mask now.
  ASSERT_EQ(api_->Put("/v2/integrations/" + id, update).status, 200);
  EXPECT_EQ(
      api_->Get("/__admin/requests?path=/v2/integrations/&status=2xx").json["data"][1]["warnings"].size(),
      0u);
}

TEST_F(AdminListsTest, AQueueIsPurgedFromTheAdminApi) {
  Server server([] {
    ServerOptions options;
    options.sqs_port = 0;
    return options;
  }());
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url(), "queues");
  ASSERT_EQ(api.Put("/__admin/sqs/queues/purged", json::object()).status, 201);
  json body = testing_support::SqsCreateBody();
  Reply queue = api.Get("/__admin/sqs/queues/purged");
  body["data"]["configuration"]["url"] = queue.json["meta"]["queue_url"];
  body["data"]["observes"] = {"order.paid"};
  body["data"]["enabled"] = true;
  ASSERT_EQ(api.Post("/v2/integrations", body).status, 201);
  ASSERT_EQ(api.Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  ASSERT_EQ(api.Get("/__admin/idle?timeout_ms=20000").status, 200);
  EXPECT_EQ(api.Get("/__admin/sqs/queues/purged").json["data"].size(), 1u);
  EXPECT_EQ(api.Delete("/__admin/sqs/queues/purged/messages").status, 204);
  EXPECT_EQ(api.Get("/__admin/sqs/queues/purged").json["data"].size(), 0u);
  EXPECT_EQ(api.Delete("/__admin/sqs/queues/never/messages").status, 404);
  server.Stop();
}

// Every new query parameter and body member, hostile: a clean 400 or 422 naming it, nothing
// replayed, and the server still answering.
struct HostileFilter {
  const char* name;
  const char* method;
  std::string path;
  std::string body;
  int status;
  const char* detail;
};
void PrintTo(const HostileFilter& c, std::ostream* os) { *os << c.name; }

class HostileFilterTest : public AdminListsTest, public ::testing::WithParamInterface<HostileFilter> {};

TEST_P(HostileFilterTest, IsRefusedCleanlyAndChangesNothing) {
  const HostileFilter& c = GetParam();
  Webhook("h");
  Trigger();
  Idle();
  const json before = api_->Get("/__admin/events").json["data"];
  Reply reply = api_->Send(c.method, c.path, c.body, c.body.empty() ? "" : "application/json");
  EXPECT_EQ(reply.status, c.status) << reply.body;
  ASSERT_TRUE(reply.json.contains("errors")) << reply.body;
  EXPECT_THAT(reply.json["errors"][0]["detail"].get<std::string>(), HasSubstr(c.detail));
  Idle();
  EXPECT_EQ(api_->Get("/__admin/events").json["data"], before);
}

INSTANTIATE_TEST_SUITE_P(
    AdminLists, HostileFilterTest,
    ::testing::Values(
        HostileFilter{"status_unknown", "GET", "/__admin/events?status=lost", "", 400, "status is one of"},
        HostileFilter{"status_twice", "GET", "/__admin/events?status=failed&status=delivered", "", 400,
                      "more than once"},
        HostileFilter{"type_huge", "GET", "/__admin/events?type=" + std::string(300, 'a'), "", 400,
                      "at most 256 bytes"},
        HostileFilter{"id_too_short", "GET", "/__admin/events?id=ab", "", 400, "at least 4 characters"},
        HostileFilter{"fields_unknown", "GET", "/__admin/events?fields=all", "", 400, "fields is summary"},
        HostileFilter{"filter_with_cursor", "GET", "/__admin/events?type=order.paid&page[after]=x", "", 400,
                      "page[offset]"},
        HostileFilter{"story_run_unknown", "GET", "/__admin/events?story_run=nope", "", 404, "No story run"},
        HostileFilter{"replay_not_json", "POST", "/__admin/events/replay", "{\"status\":", 400, ""},
        HostileFilter{"replay_array", "POST", "/__admin/events/replay", "[1]", 400, "JSON object"},
        HostileFilter{"replay_number_filter", "POST", "/__admin/events/replay", R"({"status": 5})", 422,
                      "not a string"},
        HostileFilter{"replay_unknown_member", "POST", "/__admin/events/replay", R"({"colour": "red"})", 422,
                      "not a filter"},
        HostileFilter{"replay_unknown_status", "POST", "/__admin/events/replay", R"({"status": "x"})", 422,
                      "status is one of"},
        HostileFilter{"replay_deep", "POST", "/__admin/events/replay",
                      std::string(10000, '[') + std::string(10000, ']'), 400, ""},
        HostileFilter{"journal_status_class", "GET", "/__admin/requests?status=404", "", 400, "class"},
        HostileFilter{"journal_status_6xx", "GET", "/__admin/requests?status=6xx", "", 400, "class"},
        HostileFilter{"journal_path_relative", "GET", "/__admin/requests?path=v2", "", 400,
                      "start of a path"},
        HostileFilter{"journal_origin", "GET", "/__admin/requests?origin=robot", "", 400,
                      "client or dashboard"},
        HostileFilter{"journal_path_huge", "GET", "/__admin/requests?path=/" + std::string(300, 'a'), "", 400,
                      "at most 256"},
        HostileFilter{"faults_state", "GET", "/__admin/faults?state=spent", "", 400, "active, used or all"},
        HostileFilter{"api_faults_state", "GET", "/__admin/api-faults?state=", "", 400,
                      "active, used or all"}));

}  // namespace
}  // namespace epmock
