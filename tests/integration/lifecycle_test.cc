// A Server's state lives as long as the Server: Stop() and Start() keep what a test put in,
// handles stay valid, readers create nothing, triggers run in parallel; and the defects the
// architecture review found in lifetimes (a standalone SQS endpoint that could not long-poll
// after a restart, STOMP connections leaked per integration version, a broker that could not
// listen on a name or on IPv6, a deleted event's data of the wrong type answered with 500).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <thread>

#include "epmock/server.h"
#include "epmock/sinks.h"
#include "epmock/sqs.h"
#include "epmock/stomp.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ApiClient;
using testing_support::Reply;

constexpr std::chrono::seconds kWait(20);

ServerOptions WithQueues() {
  ServerOptions options;
  options.sqs_port = 0;
  options.stomp_port = 0;
  options.time_scale = 0.0001;
  return options;
}

json WebhookBody(const std::string& url) {
  return {{"data",
           {{"type", "integration"},
            {"name", "hook"},
            {"integration_type", "webhook"},
            {"enabled", true},
            {"observes", {"order.paid"}},
            {"configuration", {{"url", url}}}}}};
}

json StompBody(const std::string& broker_url, const std::string& name) {
  return {{"data",
           {{"type", "integration"},
            {"name", name},
            {"integration_type", "stomp"},
            {"enabled", true},
            {"observes", {"order.paid"}},
            {"configuration", {{"addresses", {broker_url}}, {"destination", "/queue/orders"}}}}}};
}

TEST(ServerLifecycle, StopAndStartKeepIntegrationsFaultsAndQueuedMessages) {
  Server server(WithQueues());
  ASSERT_THAT(server.Start(), IsOk());
  const std::string url = server.Url();
  ApiClient api(url);
  Reply created = api.Post("/v2/integrations", WebhookBody(url + "/__sink/webhook/kept"));
  ASSERT_EQ(created.status, 201) << created.body;
  Fault fault;
  fault.duplicate = 1;
  ASSERT_THAT(server.AddFault(api.client_id(), fault), IsOk());
  SqsEndpoint* sqs = server.Sqs();
  StompBroker* stomp = server.Stomp();
  ASSERT_NE(sqs, nullptr);
  ASSERT_NE(stomp, nullptr);
  sqs->CreateQueue("kept");
  httplib::Client sqs_client(sqs->Url());
  auto sent =
      sqs_client.Post("/", "Action=SendMessage&QueueUrl=" + sqs->QueueUrl("kept") + "&MessageBody=hello",
                      "application/x-www-form-urlencoded");
  ASSERT_TRUE(sent && sent->status == 200);

  server.Stop();
  // The handles outlive a stop: what they show is still there.
  EXPECT_EQ(server.Sqs(), sqs);
  EXPECT_EQ(server.Stomp(), stomp);
  EXPECT_EQ(sqs->Messages("kept").size(), 1u);
  ASSERT_THAT(server.Start(), IsOk());

  EXPECT_EQ(server.Url(), url) << "a restarted server listens where its clients knew it";
  EXPECT_EQ(server.Integrations(api.client_id()).size(), 1u);
  EXPECT_EQ(server.Faults(api.client_id()).size(), 1u);
  ASSERT_EQ(sqs->Messages("kept").size(), 1u);
  EXPECT_EQ(sqs->Messages("kept")[0].body, "hello");
  // The old token still works, and delivery runs again (the fault duplicates the event).
  ASSERT_THAT(server.Trigger(api.client_id(), {"order.paid", std::nullopt, std::nullopt}), IsOk());
  EXPECT_TRUE(server.WaitForSinkRequests("kept", 2, kWait));
  EXPECT_EQ(api.Get("/v2/integrations").status, 200);

  server.Reset();
  EXPECT_TRUE(server.Integrations(api.client_id()).empty());
  EXPECT_TRUE(server.Faults(api.client_id()).empty());
}

TEST(ServerLifecycle, TriggerAndReplayOfAStoppedServerFailWithAPrecondition) {
  Server server;
  auto event = server.Trigger("c", {"order.paid", std::nullopt, std::nullopt});
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_THAT(server.Start(), IsOk());
  EXPECT_THAT(server.Trigger("c", {"order.paid", std::nullopt, std::nullopt}), IsOk());
  auto replayed = server.Replay("c", "no-such-event");
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.status().code(), StatusCode::kNotFound);
}

TEST(ServerLifecycle, ReadersOfAnUnknownClientCreateNoStore) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  EXPECT_TRUE(server.Events("reader").empty());
  EXPECT_TRUE(server.Jobs("reader").empty());
  EXPECT_TRUE(server.Logs("reader").empty());
  EXPECT_TRUE(server.Integrations("reader").empty());
  EXPECT_FALSE(server.Replay("reader", "e").ok());
  // Had a reader made the store, a trigger's event would be the store's second record of
  // anything; the journal would also show it. The store's first event is the trigger's.
  ASSERT_THAT(server.Trigger("reader", {"order.paid", std::nullopt, std::nullopt}), IsOk());
  EXPECT_EQ(server.Events("reader").size(), 1u);
}

TEST(ServerLifecycle, TriggersFromManyThreadsAllLand) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!server.Trigger("client-" + std::to_string(t % 2), {"order.paid", std::nullopt, std::nullopt})
                 .ok())
          ++failed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(server.Events("client-0").size() + server.Events("client-1").size(),
            static_cast<std::size_t>(kThreads * kEach));
}

TEST(ServerLifecycle, ADeletedEventsIdAndTypeMustBeStringsAndAreRefusedWith422) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  for (const json& data : {json{{"id", 5}, {"type", "product"}}, json{{"id", "p-1"}, {"type", false}},
                           json{{"id", nullptr}, {"type", "product"}}, json{{"type", "product"}}}) {
    Reply r = api.Post("/__admin/events", {{"type", "product.deleted"}, {"data", data}});
    EXPECT_EQ(r.status, 422) << data.dump() << " -> " << r.body;
    ASSERT_TRUE(r.json.contains("errors")) << r.body;
    const std::string detail = r.json["errors"][0].value("detail", "");
    EXPECT_TRUE(detail.find("id") != std::string::npos || detail.find("type") != std::string::npos) << detail;
  }
  EXPECT_TRUE(server.Events(api.client_id()).empty());
  EXPECT_EQ(api.Get("/v2/integrations").status, 200) << "the server still serves";
}

// Parallel tests sharing one `epmock serve` must not see each other's deliveries: the sink
// at /__sink/webhook/{name} records each delivery under the store that sent it.
TEST(SinkIsolation, AStoreSeesItsOwnDeliveriesAndWhatNoStoreSentNeverAnothersSecrets) {
  ServerOptions options;
  options.time_scale = 0.0001;  // B's failures retry at once
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient a(server.Url(), "store-a");
  ApiClient b(server.Url(), "store-b");
  json hook = WebhookBody(server.Url() + "/__sink/webhook/shared");
  hook["data"]["configuration"]["secret_key"] = "a-secret";
  ASSERT_EQ(a.Post("/v2/integrations", hook).status, 201);
  hook["data"]["configuration"]["secret_key"] = "b-secret";
  ASSERT_EQ(b.Post("/v2/integrations", hook).status, 201);
  // B programs its own answer: only B's deliveries get it.
  ASSERT_EQ(b.Put("/__admin/sinks/webhook/shared", {{"responses", {{{"status", 500}}}}}).status, 204);
  ASSERT_EQ(a.Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  ASSERT_TRUE(server.WaitForSinkRequests("shared", 1, kWait));
  ASSERT_TRUE(server.WaitForIdle(kWait));
  httplib::Client outsider(server.Url());
  ASSERT_TRUE(outsider.Post("/__sink/webhook/shared", "not from epmock", "text/plain"));

  Reply seen_by_a = a.Get("/__admin/sinks/webhook/shared");
  Reply seen_by_b = b.Get("/__admin/sinks/webhook/shared");
  ASSERT_EQ(seen_by_a.json["data"].size(), 2u) << seen_by_a.body;
  EXPECT_EQ(seen_by_a.json["data"][0]["store_id"], Server::StoreIdFor("store-a"));
  EXPECT_EQ(seen_by_a.json["data"][0]["headers"]["x-moltin-secret-key"], "a-secret");
  EXPECT_TRUE(seen_by_a.json["data"][1]["store_id"].is_null());
  ASSERT_EQ(seen_by_b.json["data"].size(), 1u) << seen_by_b.body;
  EXPECT_TRUE(seen_by_b.json["data"][0]["store_id"].is_null());
  EXPECT_EQ(seen_by_b.body.find("a-secret"), std::string::npos) << seen_by_b.body;
  // A's delivery was answered 200 (B's programmed 500 is B's), and the C++ API sees all.
  ASSERT_FALSE(server.Logs("store-a").empty());
  EXPECT_TRUE(server.Logs("store-a")[0].succeeded);
  EXPECT_EQ(server.SinkRequests("shared").size(), 2u);
  // B's delivery gets B's answer.
  ASSERT_EQ(b.Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  ASSERT_TRUE(server.WaitForSinkRequests("shared", 3, kWait));
  ASSERT_TRUE(server.WaitForIdle(kWait));
  ASSERT_FALSE(server.Logs("store-b").empty());
  EXPECT_EQ(server.Logs("store-b").back().status_code, 500);
}

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
TEST(ServerOptionsNames, TheDeprecatedWebhookTimeoutStillSetsTheDeliveryTimeout) {
  ServerOptions options;
  EXPECT_EQ(options.EffectiveDeliveryTimeoutMs(), 10000);
  options.delivery_timeout_ms = 300;
  EXPECT_EQ(options.EffectiveDeliveryTimeoutMs(), 300);
  options.webhook_timeout_ms = 200;
  EXPECT_EQ(options.EffectiveDeliveryTimeoutMs(), 200);
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

TEST(SqsEndpointLifecycle, LongPollsWaitAgainAfterARestart) {
  SqsEndpoint sqs;
  ASSERT_THAT(sqs.Start(), IsOk());
  sqs.CreateQueue("q");
  sqs.Stop();
  ASSERT_THAT(sqs.Start(), IsOk());
  // A long poll on the empty queue must wait for the message sent while it waits; a
  // shutdown flag left over from Stop made every poll return at once, empty.
  auto received = std::async(std::launch::async, [&] {
    httplib::Client client(sqs.Url());
    client.set_read_timeout(30, 0);
    auto r = client.Post("/", "Action=ReceiveMessage&WaitTimeSeconds=10&QueueUrl=" + sqs.QueueUrl("q"),
                         "application/x-www-form-urlencoded");
    return r ? r->body : std::string("no answer");
  });
  ASSERT_EQ(received.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "the long poll returned at once: " << received.get();
  httplib::Client sender(sqs.Url());
  auto sent = sender.Post("/", "Action=SendMessage&QueueUrl=" + sqs.QueueUrl("q") + "&MessageBody=late",
                          "application/x-www-form-urlencoded");
  ASSERT_TRUE(sent && sent->status == 200);
  EXPECT_THAT(received.get(), HasSubstr("<Body>late</Body>"));
}

// Hand-written, not EpmockTest: the broker is a StompBroker of the test's, which it stops and
// starts again under the server's open connections.
class StompConnectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.time_scale = 0.0001;
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    ASSERT_THAT(broker_.Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_->Url());
  }
  void FireAndWait(std::size_t messages) {
    ASSERT_THAT(server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt}), IsOk());
    ASSERT_TRUE(broker_.WaitForMessages("/queue/orders", messages, kWait));
    ASSERT_TRUE(server_->WaitForIdle(kWait));
  }
  std::unique_ptr<Server> server_;
  StompBroker broker_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(StompConnectionsTest, UpdatingAnIntegrationReplacesItsConnectionAndDeletingClosesIt) {
  Reply created = api_->Post("/v2/integrations", StompBody(broker_.Url(), "first"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json["data"]["id"];
  FireAndWait(1);
  EXPECT_EQ(broker_.OpenConnections(), 1u);
  for (int version = 2; version <= 4; ++version) {
    Reply updated = api_->Put("/v2/integrations/" + id,
                              {{"data", {{"type", "integration"}, {"name", "v" + std::to_string(version)}}}});
    ASSERT_EQ(updated.status, 200) << updated.body;
    FireAndWait(static_cast<std::size_t>(version));
    EXPECT_TRUE(broker_.WaitForOpenConnections(1, kWait))
        << "after " << version << " versions the broker has " << broker_.OpenConnections() << " connections";
  }
  ASSERT_EQ(api_->Delete("/v2/integrations/" + id).status, 200);
  EXPECT_TRUE(broker_.WaitForOpenConnections(0, kWait))
      << "a deleted integration keeps " << broker_.OpenConnections() << " connections open";
}

class BrokerHostTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BrokerHostTest, ListensOnANameOrAnAddressOfEitherFamily) {
  StompBrokerOptions options;
  options.host = GetParam();
  StompBroker broker(options);
  Status started = broker.Start();
  if (std::string(GetParam()) == "::1" && !started.ok()) GTEST_SKIP() << "no IPv6 loopback here";
  ASSERT_THAT(started, IsOk());
  EXPECT_GT(broker.Port(), 0);
  // A client reaches it at the URL it gives.
  ServerOptions server_options;
  server_options.host = GetParam();
  Server server(server_options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  ASSERT_EQ(api.Post("/v2/integrations", StompBody(broker.Url(), "named")).status, 201);
  ASSERT_THAT(server.Trigger(api.client_id(), {"order.paid", std::nullopt, std::nullopt}), IsOk());
  EXPECT_TRUE(broker.WaitForMessages("/queue/orders", 1, kWait)) << broker.Url();
}

INSTANTIATE_TEST_SUITE_P(Hosts, BrokerHostTest, ::testing::Values("127.0.0.1", "localhost", "::1"),
                         [](const auto& info) {
                           return std::string(info.index == 0 ? "Ipv4" : info.index == 1 ? "Name" : "Ipv6");
                         });

}  // namespace
}  // namespace epmock
