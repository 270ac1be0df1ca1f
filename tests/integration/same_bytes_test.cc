// Byte-for-byte runs (docs/CLOCK.md): on a virtual clock with a start time and a seed, every id
// epmock makes derives from its parent and position, so a test that runs a story, faults and
// retries on two fresh servers, one after the other on the same ports, is sent and answered
// the same bytes both times: every webhook body, SQS message, STOMP frame, log and answer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <httplib.h>

#include "epmock/server.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using nlohmann::json;
using testing_support::ApiClient;
using testing_support::Reply;

constexpr std::int64_t kSameBytesStart = 1893456000000;  // 2030-01-01T00:00:00Z
constexpr char kClient[] = "same-bytes";

// What a run was sent and answered, in the order the test asked: (what, bytes).
using Transcript = std::vector<std::pair<std::string, std::string>>;

struct Ports {
  int api = 0;
  int sqs = 0;
  int stomp = 0;
};

// The one figure that is real by design (docs/CLOCK.md): how long a receiver or a request
// really took, kept beside the clock's own in the admin API as real_processing_ms and
// real_duration_ms. Its value is masked, and the Content-Length that counts it.
std::string MaskRealFigures(std::string text) {
  for (const std::string key : {"\"real_processing_ms\":", "\"real_duration_ms\":"}) {
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
      const std::size_t from = at + key.size();
      std::size_t to = from;
      while (to < text.size() && (std::isdigit(static_cast<unsigned char>(text[to])) || text[to] == '.' ||
                                  text[to] == 'e' || text[to] == '-'))
        ++to;
      text.replace(from, to - from, "REAL");
    }
  }
  return text;
}

std::string Bytes(const Reply& reply) {
  std::string out = std::to_string(reply.status) + "\n";
  for (const auto& [name, value] : reply.headers) {
    const bool counts_real = name == "Content-Length" && reply.body.find("\"real_") != std::string::npos;
    out += name + ": " + (counts_real ? "MASKED" : value) + "\n";
  }
  return out + "\n" + MaskRealFigures(reply.body);
}

// Where two texts part, with some of each around it.
std::string FirstDifference(const std::string& a, const std::string& b) {
  std::size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  const std::size_t from = at > 200 ? at - 200 : 0;
  return "at byte " + std::to_string(at) + ":\n  first:  " + a.substr(from, 600) +
         "\n  second: " + b.substr(from, 600);
}

class SeededRun {
 public:
  // Starts a fresh server on `ports` (0: any), virtual clock from 2030, seed 42.
  Status Start(Ports ports) {
    ServerOptions options;
    options.clock = ServerOptions::ClockMode::kVirtual;
    options.clock_start_ms = kSameBytesStart;
    options.seed = 42;
    options.port = ports.api;
    options.sqs_port = ports.sqs;
    options.stomp_port = ports.stomp;
    server_ = std::make_unique<Server>(options);
    return server_->Start();
  }
  Ports ports() const { return {server_->Port(), server_->Sqs()->Port(), server_->Stomp()->Port()}; }

  // The whole test: integrations of every kind, faults, a story and a trigger, run until
  // idle, then everything read back.
  Transcript Go() {
    // The token's answer is part of what must repeat; ApiClient then takes its own.
    httplib::Client raw(server_->Url());
    auto token =
        raw.Post("/oauth/access_token", "grant_type=client_credentials&client_id=same-bytes&client_secret=s",
                 "application/x-www-form-urlencoded");
    Keep("token", token ? std::to_string(token->status) + "\n" + token->body : "no answer");
    api_ = std::make_unique<ApiClient>(server_->Url(), kClient);

    const std::vector<std::string> observes = {"cart.updated", "order.created", "order.authorized",
                                               "order.paid", "order.fulfilled"};
    json webhook = testing_support::WebhookCreateBody("shop");
    webhook["data"]["observes"] = observes;
    webhook["data"]["configuration"]["url"] = server_->Url() + "/__sink/webhook/shop";
    const std::string webhook_id = Create("webhook", webhook);

    Keep("queue", api_->Put("/__admin/sqs/queues/orders", json::object()));
    json sqs = testing_support::SqsCreateBody();
    sqs["data"]["observes"] = observes;
    sqs["data"]["configuration"]["url"] = server_->Sqs()->QueueUrl("orders");
    const std::string sqs_id = Create("sqs", sqs);

    json stomp = testing_support::StompCreateBody();
    stomp["data"]["enabled"] = true;
    stomp["data"]["observes"] = observes;
    stomp["data"]["configuration"]["addresses"] = {server_->Stomp()->Url()};
    stomp["data"]["configuration"]["destination"] = "/queue/orders";
    stomp["data"]["configuration"].erase("username");
    stomp["data"]["configuration"].erase("password");
    const std::string stomp_id = Create("stomp", stomp);

    // The webhook's receiver fails twice; every SQS delivery comes twice, one an hour late.
    Keep("sink answers",
         api_->Put("/__admin/sinks/webhook/shop",
                   {{"responses", {{{"status", 500}}, {{"status", 503}, {"body", "busy"}}}}}));
    Keep("fault: fail",
         api_->Post("/__admin/faults", {{"integration_id", webhook_id}, {"fail_first_attempts", 1}}));
    Keep("fault: duplicate",
         api_->Post("/__admin/faults",
                    {{"integration_id", sqs_id}, {"duplicate", true}, {"replay_after_ms", 3600000}}));

    Keep("story", api_->Post("/__admin/stories/checkout",
                             {{"seed", 7}, {"concurrent", true}, {"max_jitter_ms", 60000}}));
    Keep("trigger", api_->Post("/__admin/events", {{"type", "order.paid"}}));
    Keep("run until idle", api_->Post("/__admin/clock/run-until-idle", json::object()));

    Keep("integrations", api_->Get("/v2/integrations"));
    for (const std::string& id : {webhook_id, sqs_id, stomp_id}) {
      Keep("jobs", api_->Get("/v2/integrations/" + id + "/jobs?page[limit]=100"));
      Keep("logs", api_->Get("/v2/integrations/" + id + "/logs?page[limit]=100"));
    }
    Keep("events", api_->Get("/__admin/events"));
    Keep("deliveries", api_->Get("/__admin/deliveries"));
    Keep("faults", api_->Get("/__admin/faults?state=all"));
    Keep("story runs", api_->Get("/__admin/stories/runs"));
    Keep("webhook sink", api_->Get("/__admin/sinks/webhook/shop"));
    Keep("sqs queue", api_->Get("/__admin/sqs/queues/orders"));
    Keep("stomp messages", api_->Get("/__admin/stomp/messages?destination=/queue/orders"));
    Keep("clock", api_->Get("/__admin/clock"));

    // What a worker receives from the queue, and what a subscriber is sent, as it comes.
    httplib::Client sqs_client(server_->Sqs()->Url());
    for (int round = 0; round < 20; ++round) {
      auto got = sqs_client.Post("/", {{"X-Amz-Target", "AmazonSQS.ReceiveMessage"}},
                                 json{{"QueueUrl", server_->Sqs()->QueueUrl("orders")},
                                      {"MaxNumberOfMessages", 10},
                                      {"AttributeNames", {"All"}},
                                      {"VisibilityTimeout", 600}}
                                     .dump(),
                                 "application/x-amz-json-1.0");
      if (!got) break;
      Keep("sqs receive", std::to_string(got->status) + "\n" + got->body);
      if (got->body.find("\"Messages\"") == std::string::npos) break;
    }
    const std::size_t pending = server_->Stomp()->Messages("/queue/orders").size();
    delivered_to_stomp_ = pending;
    Keep("stomp frames", testing_support::RawExchange(
                             server_->Stomp()->Port(),
                             {std::string("CONNECT\naccept-version:1.2\nhost:/\nheart-beat:0,0\n\n") + '\0',
                              std::string("SUBSCRIBE\nid:0\ndestination:/queue/orders\nack:auto\n\n") + '\0'},
                             [pending](const std::string& got) {
                               // Whole frames end in NUL: CONNECTED and one MESSAGE each.
                               return static_cast<std::size_t>(std::count(got.begin(), got.end(), '\0')) >=
                                      pending + 1;
                             }));
    Keep("journal", api_->Get("/__admin/requests"));
    return std::move(transcript_);
  }

  Server& server() { return *server_; }
  std::size_t delivered_to_stomp() const { return delivered_to_stomp_; }

 private:
  std::string Create(const std::string& what, const json& body) {
    Reply created = api_->Post("/v2/integrations", body);
    EXPECT_EQ(created.status, 201) << what << ": " << created.body;
    Keep("create " + what, created);
    return created.json["data"].value("id", "");
  }
  void Keep(const std::string& what, const Reply& reply) { Keep(what, Bytes(reply)); }
  void Keep(const std::string& what, std::string bytes) { transcript_.emplace_back(what, std::move(bytes)); }

  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
  Transcript transcript_;
  std::size_t delivered_to_stomp_ = 0;
};

const std::string& Find(const Transcript& t, const std::string& what) {
  for (const auto& [name, bytes] : t)
    if (name == what) return bytes;
  static const std::string kNone;
  return kNone;
}

TEST(SameBytesTest, TwoFreshServersOnTheSamePortsAreSentAndAnswerTheSameBytes) {
  // The ports of the first run are free again once it has stopped; another test may take one
  // meanwhile, in which case the pair is run again on new ports.
  for (int pair = 0; pair < 3; ++pair) {
    SeededRun first;
    ASSERT_THAT(first.Start({}), IsOk());
    const Ports ports = first.ports();
    const Transcript one = first.Go();
    const std::size_t stomp_messages = first.delivered_to_stomp();
    first.server().Stop();

    SeededRun second;
    if (!second.Start(ports).ok()) continue;
    const Transcript two = second.Go();

    // Not vacuous: the run retried, duplicated, replayed and reached every transport.
    const json events = json::parse(Find(one, "events").substr(Find(one, "events").find("\n\n") + 2));
    EXPECT_GE(events["data"].size(), 6u) << "the story's five events and the trigger";
    const std::string& deliveries = Find(one, "deliveries");
    EXPECT_THAT(deliveries, ::testing::HasSubstr("\"succeeded\":false")) << "some attempts failed";
    EXPECT_THAT(deliveries, ::testing::HasSubstr("\"body\":\"busy\"")) << "the sink's programmed answers";
    EXPECT_GE(stomp_messages, 6u);
    EXPECT_THAT(Find(one, "sqs receive"), ::testing::HasSubstr("ReceiptHandle"));

    ASSERT_EQ(one.size(), two.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(one[i].first, two[i].first);
      if (one[i].second != two[i].second)
        ADD_FAILURE() << one[i].first << " differs " << FirstDifference(one[i].second, two[i].second);
    }
    return;
  }
  FAIL() << "the first run's ports were taken three times running";
}

}  // namespace
}  // namespace epmock
