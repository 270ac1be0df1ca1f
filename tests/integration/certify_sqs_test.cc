// epmock certify sqs: a good worker passes every check; each flaw fails the checks made to
// catch it; --run starts a worker and stops it; every option's limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/certify.h"
#include "epmock/server.h"
#include "epmock/testing/harness.h"
#include "support/certify_flaws.h"
#include "support/child.h"

namespace epmock {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ChecksWith;
using testing_support::Child;
using testing_support::HasLongString;
using testing_support::HasUnknownStatus;
using testing_support::WithFlaw;

// What a flawed worker gets wrong; all false: a good worker.
struct WorkerFlaws {
  bool never_polls = false;           // reads another queue
  bool strict_enums = false;          // leaves a message whose order status it does not know
  bool short_strings_only = false;    // leaves a message with a string longer than 1,900 bytes
  bool dies_on_non_json = false;      // stops for good at a body that is not JSON
  bool dies_on_unknown_type = false;  // stops for good at a type it does not know
  bool gives_up_on_errors = false;    // stops for good when a ReceiveMessage fails
  bool skips_seen_ids = false;        // an id seen before is left, not deleted
};

// An SQS worker speaking the AWS JSON 1.0 protocol over real HTTP on loopback, as the
// README's workers do: long polls, handles, deletes; a failed call is retried.
class Worker {
 public:
  Worker(const std::string& endpoint, const std::string& queue_url, WorkerFlaws flaws)
      : queue_url_(flaws.never_polls ? queue_url + "-elsewhere" : queue_url), flaws_(flaws), http_(endpoint) {
    http_.set_read_timeout(10);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Worker() {
    stop_ = true;
    thread_.join();
  }

 private:
  httplib::Result Call(const std::string& action, const json& body) {
    return http_.Post("/", httplib::Headers{{"X-Amz-Target", "AmazonSQS." + action}}, body.dump(),
                      "application/x-amz-json-1.0");
  }

  void Loop() {
    while (!stop_) {
      auto res = Call("ReceiveMessage",
                      {{"QueueUrl", queue_url_}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", 1}});
      if (!res || res->status != 200) {
        if (flaws_.gives_up_on_errors && res) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a worker's back-off
        continue;
      }
      const json answer = json::parse(res->body, nullptr, false);
      if (!answer.is_object() || !answer.contains("Messages")) continue;
      for (const json& message : answer["Messages"]) {
        const std::string body = message.value("Body", "");
        const json event = json::parse(body, nullptr, false);
        if (event.is_discarded() && flaws_.dies_on_non_json) return;
        if (!Handles(event)) {
          if (stop_) return;  // stopped for good: not even the rest of this batch
          continue;
        }
        // A failed delete is no loss: the message comes back when its visibility timeout ends.
        Call("DeleteMessage",
             {{"QueueUrl", queue_url_}, {"ReceiptHandle", message.value("ReceiptHandle", "")}});
      }
    }
  }

  // Whether the worker takes the event (and deletes its message); a flaw leaves some.
  bool Handles(const json& event) {
    if (!event.is_object()) return true;  // a body it can never handle: deleted, not kept
    const std::string type = event.value("type", "");
    if (flaws_.dies_on_unknown_type && type.rfind("order.", 0) != 0) {
      stop_ = true;
      return false;
    }
    const json& data = event.contains("data") ? event["data"] : json();
    if (flaws_.strict_enums && HasUnknownStatus(data)) return false;
    if (flaws_.short_strings_only && HasLongString(data)) return false;
    const std::string id = event.value("id", "");
    std::lock_guard<std::mutex> lock(mu_);
    if (flaws_.skips_seen_ids && seen_.count(id)) return false;
    seen_.insert(id);
    return true;
  }

  const std::string queue_url_;
  const WorkerFlaws flaws_;
  httplib::Client http_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<std::string> seen_;
  std::thread thread_;
};

// Options for a worker started from `ready`; generous times, as the sanitizer passes run
// many times slower.
CertifySqsOptions OptionsWith(std::unique_ptr<Worker>* worker, WorkerFlaws flaws, const std::string& client) {
  CertifySqsOptions o;
  o.queue = "orders";
  o.observes = {"order.paid"};
  o.client_id = client;
  o.connect_timeout_ms = 5000;
  o.message_timeout_ms = 5000;
  o.burst = 10;
  o.ready = [worker, flaws](const std::string& endpoint, const std::string& queue_url) {
    *worker = std::make_unique<Worker>(endpoint, queue_url, flaws);
  };
  return o;
}

const std::vector<std::string> kAllSqsChecks = {"connects",
                                                "order.paid realistic",
                                                "order.paid edge cases",
                                                "order.paid forward-compatible",
                                                "poison: not JSON",
                                                "poison: unknown type",
                                                "ReceiveMessage throttled",
                                                "ReceiveMessage answered 500",
                                                "DeleteMessage with a stale receipt",
                                                "duplicate",
                                                "burst",
                                                "every message accounted for"};

TEST(CertifySqsTest, AGoodWorkerPassesEveryCheck) {
  std::unique_ptr<Worker> worker;
  StatusOr<CertifyReport> report = CertifySqs(OptionsWith(&worker, {}, "certify-sqs-good"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ChecksWith(*report, CheckVerdict::kPass), kAllSqsChecks) << report->ToText();
  EXPECT_EQ(report->ExitCode(false), 0);
  EXPECT_EQ(report->kind, "sqs");
  EXPECT_THAT(report->target, HasSubstr("/000000000000/orders"));
  EXPECT_EQ(report->store_id, Server::StoreIdFor("certify-sqs-good"));
  ASSERT_TRUE(report->burst_p50_ms.has_value());
  // The failed delete's message came back 12 hours later on the run's clock, not in real time.
  EXPECT_GE(report->virtual_seconds, 12 * 3600);
  for (const CertifyCheck& c : report->checks) {
    if (c.name == "DeleteMessage with a stale receipt") {
      ASSERT_EQ(c.exchanges.size(), 1u);
      EXPECT_EQ(c.exchanges[0].answer, "deleted after 2 receive(s)");
    }
    if (c.name == "duplicate") {
      ASSERT_EQ(c.exchanges.size(), 2u);
      EXPECT_EQ(c.exchanges[0].event_id, c.exchanges[1].event_id);
      EXPECT_EQ(c.exchanges[1].label, "duplicate");
    }
    if (c.name == "poison: not JSON") {
      ASSERT_EQ(c.exchanges.size(), 2u);
      EXPECT_EQ(c.exchanges[0].answer, "deleted");
      EXPECT_THAT(c.exchanges[1].request, HasSubstr("\"specversion\""));
    }
  }
  EXPECT_THAT(report->ToJson().dump(), HasSubstr("\"kind\":\"sqs\""));
  EXPECT_THAT(report->ToText(), HasSubstr("epmock certify sqs http://127.0.0.1:"));
}

// Each flaw and the checks it fails: the check made to catch it, the tally of every message
// when one is left on the queue, and for a worker that stops for good, each check after.
using WorkerFlawCase = testing_support::FlawCase<WorkerFlaws>;

class CertifySqsFlawTest : public ::testing::TestWithParam<WorkerFlawCase> {};

TEST_P(CertifySqsFlawTest, FailsTheChecksMadeToCatchIt) {
  const WorkerFlawCase& c = GetParam();
  std::unique_ptr<Worker> worker;
  CertifySqsOptions options = OptionsWith(&worker, c.flaws, std::string("certify-sqs-flaw-") + c.name);
  // What a worker leaves is failed after this long: short, as each such check waits it out.
  options.message_timeout_ms = 1500;
  options.connect_timeout_ms = 1500;
  StatusOr<CertifyReport> report = CertifySqs(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ChecksWith(*report, CheckVerdict::kFail), c.fails) << report->ToText();
  EXPECT_EQ(report->ExitCode(true), 1);
}

INSTANTIATE_TEST_SUITE_P(
    EveryCheck, CertifySqsFlawTest,
    ::testing::Values(
        WorkerFlawCase{"reads_another_queue", WithFlaw(&WorkerFlaws::never_polls), {"connects"}},
        WorkerFlawCase{"knows_only_todays_enum_values",
                       WithFlaw(&WorkerFlaws::strict_enums),
                       {"order.paid forward-compatible", "every message accounted for"}},
        WorkerFlawCase{"takes_only_short_strings",
                       WithFlaw(&WorkerFlaws::short_strings_only),
                       {"order.paid edge cases", "every message accounted for"}},
        WorkerFlawCase{"stops_at_a_body_that_is_not_json",
                       WithFlaw(&WorkerFlaws::dies_on_non_json),
                       {"poison: not JSON", "poison: unknown type", "ReceiveMessage throttled",
                        "ReceiveMessage answered 500", "DeleteMessage with a stale receipt", "duplicate",
                        "burst", "every message accounted for"}},
        WorkerFlawCase{
            "stops_at_an_unknown_type",
            WithFlaw(&WorkerFlaws::dies_on_unknown_type),
            {"poison: unknown type", "ReceiveMessage throttled", "ReceiveMessage answered 500",
             "DeleteMessage with a stale receipt", "duplicate", "burst", "every message accounted for"}},
        WorkerFlawCase{
            "gives_up_when_a_receive_fails",
            WithFlaw(&WorkerFlaws::gives_up_on_errors),
            {"ReceiveMessage throttled", "ReceiveMessage answered 500", "DeleteMessage with a stale receipt",
             "duplicate", "burst", "every message accounted for"}},
        WorkerFlawCase{"leaves_an_id_it_has_seen",
                       WithFlaw(&WorkerFlaws::skips_seen_ids),
                       {"DeleteMessage with a stale receipt", "duplicate", "every message accounted for"}}),
    [](const ::testing::TestParamInfo<WorkerFlawCase>& info) { return std::string(info.param.name); });

TEST(CertifySqsTest, TheGoogleTestAssertionCertifiesAWorkerAndNamesWhatFailed) {
  std::unique_ptr<Worker> worker;
  EXPECT_TRUE(testing::Certify(OptionsWith(&worker, {}, "certify-sqs-assert-good")));
  worker.reset();
  CertifySqsOptions options =
      OptionsWith(&worker, WithFlaw(&WorkerFlaws::skips_seen_ids), "certify-sqs-assert-bad");
  options.message_timeout_ms = 1500;
  ::testing::AssertionResult result = testing::Certify(options);
  EXPECT_FALSE(result);
  EXPECT_THAT(result.message(), HasSubstr("3 certify checks failed, 0 inconclusive:"));
  EXPECT_THAT(result.message(), HasSubstr("fail at-least-once / duplicate: the duplicate of "));
  EXPECT_THAT(result.message(), HasSubstr("NOT CERTIFIED"));
}

TEST(CertifySqsTest, RunStartsTheWorkerWithItsQueueInTheEnvironmentAndStopsIt) {
  // The worker is a shell loop with curl-free means: it cannot speak SQS, so the run fails to
  // connect; what it printed of its environment says what it was given.
  CertifySqsOptions options;
  options.queue = "from-env";
  options.observes = {"order.paid"};
  options.connect_timeout_ms = 1000;
  options.run =
      "echo queue=$EPMOCK_QUEUE_URL endpoint=$AWS_ENDPOINT_URL_SQS key=$AWS_ACCESS_KEY_ID "
      "region=$AWS_REGION; "
      "exec sleep 600";
  StatusOr<CertifyReport> report = CertifySqs(options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->checks.size(), 1u);
  EXPECT_EQ(report->checks[0].verdict, CheckVerdict::kFail);
  EXPECT_THAT(report->checks[0].reason, HasSubstr("no ReceiveMessage on from-env within 1000 ms"));

  options.run = "echo queue=$EPMOCK_QUEUE_URL endpoint=$AWS_ENDPOINT_URL_SQS key=$AWS_ACCESS_KEY_ID; exit 7";
  options.connect_timeout_ms = 60000;  // not waited out: the worker's end is
  const auto started = std::chrono::steady_clock::now();
  report = CertifySqs(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(50));
  ASSERT_EQ(report->checks.size(), 1u);
  const std::string& reason = report->checks[0].reason;
  EXPECT_THAT(reason, HasSubstr("the worker (--run) exited with 7"));
  EXPECT_THAT(reason, ::testing::ContainsRegex("queue=http://127.0.0.1:[0-9]+/000000000000/from-env "
                                               "endpoint=http://127.0.0.1:[0-9]+ key=epmock"));
}

TEST(CertifySqsTest, EveryOptionHasLimits) {
  struct Row {
    const char* what;
    void (*set)(CertifySqsOptions&);
    const char* error;
  };
  const Row rows[] = {
      {"no queue", [](CertifySqsOptions& o) { o.queue = ""; }, "--queue must be a queue name"},
      {"a queue name SQS refuses", [](CertifySqsOptions& o) { o.queue = "a/b"; },
       "--queue must be a queue name"},
      {"a queue name too long", [](CertifySqsOptions& o) { o.queue = std::string(81, 'q'); },
       "--queue must be a queue name"},
      {"no observes", [](CertifySqsOptions& o) { o.observes.clear(); }, "--observes must name 1 to"},
      {"an unknown key", [](CertifySqsOptions& o) { o.observes = {"order.nope"}; },
       "is not an observable event"},
      {"a negative port", [](CertifySqsOptions& o) { o.sqs_port = -1; }, "--sqs-port must be 0 to 65535"},
      {"a port too high", [](CertifySqsOptions& o) { o.sqs_port = 70000; }, "--sqs-port must be 0 to 65535"},
      {"no connect time", [](CertifySqsOptions& o) { o.connect_timeout_ms = 0; }, "--connect-timeout-ms"},
      {"a connect time too long", [](CertifySqsOptions& o) { o.connect_timeout_ms = 600001; },
       "--connect-timeout-ms"},
      {"no message time", [](CertifySqsOptions& o) { o.message_timeout_ms = 0; }, "--message-timeout-ms"},
      {"a burst too big", [](CertifySqsOptions& o) { o.burst = 201; }, "--burst must be 1 to 200"},
      {"a command too long", [](CertifySqsOptions& o) { o.run = std::string(4097, 'x'); },
       "--run must be at most"},
      {"a command with a NUL", [](CertifySqsOptions& o) { o.run = std::string("a\0b", 3); }, "NUL"},
      {"a store id not a UUID", [](CertifySqsOptions& o) { o.store_id = "store"; },
       "--store-id must be a UUID"},
  };
  for (const Row& row : rows) {
    CertifySqsOptions o;
    o.queue = "orders";
    o.observes = {"order.paid"};
    row.set(o);
    StatusOr<CertifyReport> report = CertifySqs(o);
    ASSERT_FALSE(report.ok()) << row.what;
    EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument) << row.what;
    EXPECT_THAT(report.status().message(), HasSubstr(row.error)) << row.what;
  }
}

TEST(CertifySqsCliTest, UsageErrorsExit2AndAWorkerThatNeverComesExits1) {
  Child bad({"certify", "sqs", "--queue", "a/b", "--observes", "order.paid"});
  EXPECT_EQ(bad.Wait(std::chrono::seconds(30)), 2);
  EXPECT_THAT(bad.Stderr(), HasSubstr("--queue must be a queue name"));
  Child alone({"certify", "sqs", "--queue", "orders", "--observes", "order.paid", "--sqs-port", "0",
               "--connect-timeout-ms", "300"});
  EXPECT_EQ(alone.Wait(std::chrono::seconds(30)), 1);
  EXPECT_THAT(alone.Stderr(), HasSubstr("waiting for a worker to read http://127.0.0.1:"));
  EXPECT_THAT(alone.Stdout(), HasSubstr("FAIL         connects: no ReceiveMessage on orders within 300 ms"));
}

}  // namespace
}  // namespace epmock
