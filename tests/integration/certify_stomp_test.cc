// epmock certify stomp: a good consumer passes every check; each flaw fails the checks made to
// catch it; a consumer on ack:auto is told its losses cannot be seen; --run starts a consumer
// with the broker in its environment; every option's limits.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/stomp_frame.h"
#include "epmock/certify.h"
#include "epmock/server.h"
#include "epmock/testing/harness.h"
#include "support/certify_flaws.h"
#include "support/child.h"

namespace epmock {
namespace certify_stomp_test {
namespace {

using internal::StompFrame;
using internal::StompParser;
using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ChecksWith;
using testing_support::Child;
using testing_support::HasLongString;
using testing_support::HasUnknownStatus;
using testing_support::WithFlaw;

// What a flawed consumer gets wrong; all false: a good consumer.
struct ConsumerFlaws {
  bool wrong_destination = false;        // subscribes to another destination
  bool strict_enums = false;             // leaves a message whose order status it does not know
  bool short_strings_only = false;       // leaves a message with a string longer than 1,900 bytes
  bool dies_on_non_json = false;         // stops for good at a body that is not JSON
  bool dies_on_unknown_type = false;     // stops for good at a type it does not know
  bool never_reconnects = false;         // a lost connection ends it
  bool gives_up_on_error_frame = false;  // reconnects after a cut, but an ERROR frame ends it
  bool skips_seen_ids = false;           // an id seen before is left, not acknowledged
  bool auto_ack = false;                 // subscribes with ack:auto
};

// A STOMP 1.2 consumer over a real socket on loopback, as a service's would be: connects,
// subscribes with ack:client-individual, handles, acknowledges; connects again when its
// connection is lost.
class Consumer {
 public:
  Consumer(const std::string& broker_url, const std::string& destination, ConsumerFlaws flaws)
      : port_(std::stoi(broker_url.substr(broker_url.rfind(':') + 1))),
        destination_(flaws.wrong_destination ? destination + "-elsewhere" : destination),
        flaws_(flaws),
        thread_([this] { Loop(); }) {}
  ~Consumer() {
    stop_ = true;
    thread_.join();
  }

 private:
  enum class End { kStopped, kLost, kError, kDead };

  void Loop() {
    while (!stop_) {
      const End end = Session();
      if (end == End::kDead || end == End::kStopped) return;
      if (flaws_.never_reconnects || (end == End::kError && flaws_.gives_up_on_error_frame)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a consumer's back-off
    }
  }

  // One connection, from CONNECT to its end.
  End Session() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    End end = End::kLost;
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        Write({"CONNECT", {{"accept-version", "1.2"}, {"host", "/"}, {"heart-beat", "0,0"}}, ""}) &&
        Write({"SUBSCRIBE",
               {{"id", "0"},
                {"destination", destination_},
                {"ack", flaws_.auto_ack ? "auto" : "client-individual"}},
               ""})) {
      end = Read();
    }
    close(fd_);
    return end;
  }

  bool Write(const StompFrame& frame) {
    const std::string bytes = internal::SerializeFrame(frame);
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }

  End Read() {
    StompParser parser;
    for (;;) {
      if (stop_) return End::kStopped;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) == 0) continue;
      char buffer[16384];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return End::kLost;
      parser.Append(buffer, static_cast<std::size_t>(n));
      StompFrame frame;
      std::string error;
      for (;;) {
        const StompParser::Result r = parser.Next(&frame, &error);
        if (r == StompParser::Result::kNeedMore) break;
        if (r == StompParser::Result::kError || frame.command == "ERROR") return End::kError;
        if (frame.command != "MESSAGE") continue;
        const json event = json::parse(frame.body, nullptr, false);
        if (event.is_discarded() && flaws_.dies_on_non_json) return Dead();
        if (!Handles(event)) {
          if (dead_) return Dead();
          continue;
        }
        if (!flaws_.auto_ack && !Write({"ACK", {{"id", frame.Header("ack")}}, ""})) return End::kLost;
      }
    }
  }

  // Stopped for good: holds its connection and reads nothing more, as a hung consumer does.
  End Dead() {
    dead_ = true;
    while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return End::kDead;
  }

  // Whether the consumer takes the event (and acknowledges it); a flaw leaves some.
  bool Handles(const json& event) {
    if (!event.is_object()) return true;  // a body it can never handle: acknowledged, not kept
    const std::string type = event.value("type", "");
    if (flaws_.dies_on_unknown_type && type.rfind("order.", 0) != 0) {
      dead_ = true;
      return false;
    }
    const json& data = event.contains("data") ? event["data"] : json();
    if (flaws_.strict_enums && HasUnknownStatus(data)) return false;
    if (flaws_.short_strings_only && HasLongString(data)) return false;
    const std::string id = event.value("id", "");
    if (flaws_.skips_seen_ids && seen_.count(id)) return false;
    seen_.insert(id);
    return true;
  }

  const int port_;
  const std::string destination_;
  const ConsumerFlaws flaws_;
  std::atomic<bool> stop_{false};
  bool dead_ = false;           // the consumer thread's own
  std::set<std::string> seen_;  // the consumer thread's own
  int fd_ = -1;                 // the consumer thread's own
  std::thread thread_;          // last: it starts once the rest is made
};

CertifyStompOptions OptionsWith(std::unique_ptr<Consumer>* consumer, ConsumerFlaws flaws,
                                const std::string& client) {
  CertifyStompOptions o;
  o.destination = "/queue/orders";
  o.observes = {"order.paid"};
  o.client_id = client;
  o.connect_timeout_ms = 5000;
  o.message_timeout_ms = 5000;
  o.burst = 10;
  o.ready = [consumer, flaws](const std::string& broker, const std::string& destination) {
    *consumer = std::make_unique<Consumer>(broker, destination, flaws);
  };
  return o;
}

const std::vector<std::string> kAllStompChecks = {"connects",
                                                  "order.paid realistic",
                                                  "order.paid edge cases",
                                                  "order.paid forward-compatible",
                                                  "poison: not JSON",
                                                  "poison: unknown type",
                                                  "connection dropped",
                                                  "ERROR frame",
                                                  "duplicate",
                                                  "burst",
                                                  "every message accounted for"};

TEST(CertifyStompTest, AGoodConsumerPassesEveryCheck) {
  std::unique_ptr<Consumer> consumer;
  StatusOr<CertifyReport> report = CertifyStomp(OptionsWith(&consumer, {}, "certify-stomp-good"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ChecksWith(*report, CheckVerdict::kPass), kAllStompChecks) << report->ToText();
  EXPECT_EQ(report->ExitCode(false), 0);
  EXPECT_EQ(report->kind, "stomp");
  EXPECT_THAT(report->target, ::testing::MatchesRegex("stomp://127.0.0.1:[0-9]+ /queue/orders"));
  EXPECT_EQ(report->store_id, Server::StoreIdFor("certify-stomp-good"));
  ASSERT_TRUE(report->burst_p50_ms.has_value());
  for (const CertifyCheck& c : report->checks) {
    if (c.name == "connection dropped" || c.name == "ERROR frame") {
      // The message the fault held back, and one after the consumer came back.
      ASSERT_EQ(c.exchanges.size(), 2u) << c.name;
      EXPECT_EQ(c.exchanges[0].answer, "acknowledged after 1 delivery(ies)");
      EXPECT_THAT(c.exchanges[0].request, HasSubstr("\"specversion\""));
    }
    if (c.name == "duplicate") {
      ASSERT_EQ(c.exchanges.size(), 2u);
      EXPECT_EQ(c.exchanges[0].event_id, c.exchanges[1].event_id);
      EXPECT_EQ(c.exchanges[1].label, "duplicate");
    }
    if (c.name == "poison: not JSON") {
      ASSERT_EQ(c.exchanges.size(), 2u);
      EXPECT_EQ(c.exchanges[0].answer, "acknowledged");
    }
  }
  EXPECT_THAT(report->ToText(), HasSubstr("epmock certify stomp stomp://127.0.0.1:"));
}

TEST(CertifyStompTest, AConsumerOnAutoAckIsToldItsLossesCannotBeSeen) {
  std::unique_ptr<Consumer> consumer;
  ConsumerFlaws flaws;
  flaws.auto_ack = true;
  StatusOr<CertifyReport> report = CertifyStomp(OptionsWith(&consumer, flaws, "certify-stomp-auto"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ChecksWith(*report, CheckVerdict::kPass), std::vector<std::string>{"connects"})
      << report->ToText();
  std::vector<std::string> rest(kAllStompChecks.begin() + 1, kAllStompChecks.end());
  EXPECT_EQ(ChecksWith(*report, CheckVerdict::kInconclusive), rest);
  EXPECT_EQ(report->ExitCode(false), 3);
  EXPECT_EQ(report->ExitCode(true), 0);
  ASSERT_EQ(report->checks.size(), kAllStompChecks.size());
  EXPECT_THAT(report->checks[0].notes, ::testing::Contains(HasSubstr("ack:auto")));
  EXPECT_THAT(report->checks[1].reason, HasSubstr("subscribed with ack:auto"));
}

// Each flaw and the checks it fails: the check made to catch it, the tally of every message
// when one is left, and for a consumer that stops for good, each check after.
using ConsumerFlawCase = testing_support::FlawCase<ConsumerFlaws>;

class CertifyStompFlawTest : public ::testing::TestWithParam<ConsumerFlawCase> {};

TEST_P(CertifyStompFlawTest, FailsTheChecksMadeToCatchIt) {
  const ConsumerFlawCase& c = GetParam();
  std::unique_ptr<Consumer> consumer;
  CertifyStompOptions options = OptionsWith(&consumer, c.flaws, std::string("certify-stomp-flaw-") + c.name);
  options.message_timeout_ms = 1500;
  options.connect_timeout_ms = 1500;
  StatusOr<CertifyReport> report = CertifyStomp(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ChecksWith(*report, CheckVerdict::kFail), c.fails) << report->ToText();
  EXPECT_EQ(report->ExitCode(true), 1);
}

INSTANTIATE_TEST_SUITE_P(
    EveryCheck, CertifyStompFlawTest,
    ::testing::Values(
        ConsumerFlawCase{"subscribes_elsewhere", WithFlaw(&ConsumerFlaws::wrong_destination), {"connects"}},
        ConsumerFlawCase{"knows_only_todays_enum_values",
                         WithFlaw(&ConsumerFlaws::strict_enums),
                         {"order.paid forward-compatible", "every message accounted for"}},
        ConsumerFlawCase{"takes_only_short_strings",
                         WithFlaw(&ConsumerFlaws::short_strings_only),
                         {"order.paid edge cases", "every message accounted for"}},
        ConsumerFlawCase{"stops_at_a_body_that_is_not_json",
                         WithFlaw(&ConsumerFlaws::dies_on_non_json),
                         {"poison: not JSON", "poison: unknown type", "connection dropped", "ERROR frame",
                          "duplicate", "burst", "every message accounted for"}},
        ConsumerFlawCase{"stops_at_an_unknown_type",
                         WithFlaw(&ConsumerFlaws::dies_on_unknown_type),
                         {"poison: unknown type", "connection dropped", "ERROR frame", "duplicate", "burst",
                          "every message accounted for"}},
        ConsumerFlawCase{
            "never_reconnects",
            WithFlaw(&ConsumerFlaws::never_reconnects),
            {"connection dropped", "ERROR frame", "duplicate", "burst", "every message accounted for"}},
        ConsumerFlawCase{"gives_up_at_an_error_frame",
                         WithFlaw(&ConsumerFlaws::gives_up_on_error_frame),
                         {"ERROR frame", "duplicate", "burst", "every message accounted for"}},
        ConsumerFlawCase{"leaves_an_id_it_has_seen",
                         WithFlaw(&ConsumerFlaws::skips_seen_ids),
                         {"duplicate", "every message accounted for"}}),
    [](const ::testing::TestParamInfo<ConsumerFlawCase>& info) { return std::string(info.param.name); });

TEST(CertifyStompTest, TheGoogleTestAssertionCertifiesAConsumerAndCountsAutoAckAsInconclusive) {
  std::unique_ptr<Consumer> consumer;
  EXPECT_TRUE(testing::Certify(OptionsWith(&consumer, {}, "certify-stomp-assert-good")));
  consumer.reset();
  ConsumerFlaws flaws;
  flaws.auto_ack = true;
  CertifyStompOptions options = OptionsWith(&consumer, flaws, "certify-stomp-assert-auto");
  ::testing::AssertionResult result = testing::Certify(options);
  EXPECT_FALSE(result);
  EXPECT_THAT(result.message(), HasSubstr("0 certify checks failed, 10 inconclusive:"));
  EXPECT_THAT(result.message(),
              HasSubstr("inconclusive events / order.paid realistic: the consumer subscribed with ack:auto"));
  consumer.reset();
  EXPECT_TRUE(testing::Certify(OptionsWith(&consumer, flaws, "certify-stomp-assert-allowed"),
                               /*allow_inconclusive=*/true));
}

TEST(CertifyStompTest, RunStartsTheConsumerWithTheBrokerInItsEnvironment) {
  CertifyStompOptions options;
  options.destination = "/queue/from-env";
  options.observes = {"order.paid"};
  options.run =
      "echo url=$EPMOCK_STOMP_URL destination=$EPMOCK_STOMP_DESTINATION store=$EPMOCK_STORE_ID; exit 7";
  options.connect_timeout_ms = 60000;  // not waited out: the consumer's end is
  StatusOr<CertifyReport> report = CertifyStomp(options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->checks.size(), 1u);
  EXPECT_EQ(report->checks[0].verdict, CheckVerdict::kFail);
  const std::string& reason = report->checks[0].reason;
  EXPECT_THAT(reason, HasSubstr("the consumer (--run) exited with 7"));
  EXPECT_THAT(reason, ::testing::ContainsRegex("url=stomp://127.0.0.1:[0-9]+ destination=/queue/from-env "
                                               "store=[0-9a-f-]{36}"));
}

TEST(CertifyStompTest, EveryOptionHasLimits) {
  struct Row {
    const char* what;
    void (*set)(CertifyStompOptions&);
    const char* error;
  };
  const Row rows[] = {
      {"no destination", [](CertifyStompOptions& o) { o.destination = ""; },
       "--destination must be 1 to 1024"},
      {"a destination too long", [](CertifyStompOptions& o) { o.destination = std::string(1025, 'd'); },
       "--destination must be 1 to 1024"},
      {"a line break in the destination", [](CertifyStompOptions& o) { o.destination = "/queue/a\nb"; },
       "no line break"},
      {"a NUL in the destination", [](CertifyStompOptions& o) { o.destination = std::string("/q\0b", 4); },
       "no line break"},
      {"no observes", [](CertifyStompOptions& o) { o.observes.clear(); }, "--observes must name 1 to"},
      {"a negative port", [](CertifyStompOptions& o) { o.stomp_port = -1; },
       "--stomp-port must be 0 to 65535"},
      {"a port too high", [](CertifyStompOptions& o) { o.stomp_port = 65536; },
       "--stomp-port must be 0 to 65535"},
      {"no connect time", [](CertifyStompOptions& o) { o.connect_timeout_ms = 0; }, "--connect-timeout-ms"},
      {"a message time too long", [](CertifyStompOptions& o) { o.message_timeout_ms = 600001; },
       "--message-timeout-ms"},
      {"no burst", [](CertifyStompOptions& o) { o.burst = 0; }, "--burst must be 1 to 200"},
      {"a command too long", [](CertifyStompOptions& o) { o.run = std::string(4097, 'x'); },
       "--run must be at most"},
      {"an org id not a UUID", [](CertifyStompOptions& o) { o.org_id = "org"; }, "--org-id must be a UUID"},
  };
  for (const Row& row : rows) {
    CertifyStompOptions o;
    o.destination = "/queue/orders";
    o.observes = {"order.paid"};
    row.set(o);
    StatusOr<CertifyReport> report = CertifyStomp(o);
    ASSERT_FALSE(report.ok()) << row.what;
    EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument) << row.what;
    EXPECT_THAT(report.status().message(), HasSubstr(row.error)) << row.what;
  }
}

TEST(CertifyStompCliTest, UsageErrorsExit2AndAConsumerThatNeverComesExits1) {
  Child bad({"certify", "stomp", "--destination", "", "--observes", "order.paid"});
  EXPECT_EQ(bad.Wait(std::chrono::seconds(30)), 2);
  EXPECT_THAT(bad.Stderr(), HasSubstr("--destination must be 1 to 1024"));
  Child alone({"certify", "stomp", "--destination", "/queue/orders", "--observes", "order.paid",
               "--stomp-port", "0", "--connect-timeout-ms", "300"});
  EXPECT_EQ(alone.Wait(std::chrono::seconds(30)), 1);
  EXPECT_THAT(alone.Stderr(),
              HasSubstr("waiting for a consumer to subscribe to /queue/orders (broker stomp://"));
  EXPECT_THAT(alone.Stdout(),
              HasSubstr("FAIL         connects: no SUBSCRIBE to /queue/orders within 300 ms"));

  // A port in use (by an epmock serve, most often): the command says so and how to avoid it.
  const int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  socklen_t length = sizeof addr;
  ASSERT_EQ(getsockname(taken, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  Child busy({"certify", "stomp", "--destination", "/queue/orders", "--observes", "order.paid",
              "--stomp-port", port});
  EXPECT_EQ(busy.Wait(std::chrono::seconds(30)), 1);
  EXPECT_THAT(busy.Stderr(), HasSubstr("cannot listen on 127.0.0.1:" + port));
  EXPECT_THAT(busy.Stderr(), HasSubstr("--stomp-port 0 picks a free one"));
  close(taken);
}

}  // namespace
}  // namespace certify_stomp_test
}  // namespace epmock
