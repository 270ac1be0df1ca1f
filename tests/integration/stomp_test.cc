// The embedded STOMP broker over real sockets, and the stomp transport delivering into it:
// failover, connection reuse, reconnection, receipts, refusals.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "codec/stomp_frame.h"
#include "epmock/server.h"
#include "epmock/spec.h"
#include "epmock/stomp.h"
#include "epmock/testing/status_matchers.h"
#include "epmock/version.h"
#include "support/api_client.h"
#include "support/tls.h"

#include <openssl/ssl.h>

#include <filesystem>
#include <thread>

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using internal::StompFrame;
using internal::StompParser;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr std::chrono::seconds kWait(10);

// A bare STOMP client for the tests: writes frames, reads them back with a timeout.
class TestClient {
 public:
  explicit TestClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~TestClient() { close(fd_); }
  bool Raw(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  bool Send(const StompFrame& f) { return Raw(internal::SerializeFrame(f)); }
  // The next frame, or a frame with command "" on timeout or close.
  StompFrame Read(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      StompFrame f;
      std::string error;
      if (parser_.Next(&f, &error) == StompParser::Result::kFrame) return f;
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
              .count();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) return {};
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return {};
      parser_.Append(buf, static_cast<std::size_t>(n));
    }
  }
  bool Closed(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[4096];
    while (recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
    return recv(fd_, buf, sizeof buf, MSG_DONTWAIT) == 0;
  }
  StompFrame Connect(const std::string& versions = "1.2",
                     std::vector<std::pair<std::string, std::string>> extra = {}) {
    StompFrame f{"CONNECT", {{"accept-version", versions}, {"host", "/"}}, ""};
    for (auto& h : extra) f.headers.push_back(h);
    Send(f);
    return Read();
  }
  bool connected() const { return connected_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  StompParser parser_;
};

class StompBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_THAT(broker_.Start(), IsOk()); }
  StompBroker broker_;
};

TEST_F(StompBrokerTest, ConnectNegotiatesTheHighestCommonVersion) {
  TestClient a(broker_.Port());
  StompFrame connected = a.Connect("1.0,1.1,1.2", {{"heart-beat", "0,0"}});
  EXPECT_EQ(connected.command, "CONNECTED");
  EXPECT_EQ(connected.Header("version"), "1.2");
  EXPECT_FALSE(connected.Header("heart-beat").empty());
  EXPECT_EQ(connected.Header("server"), std::string("epmock/") + Version());  // the version it is
  TestClient b(broker_.Port());
  EXPECT_EQ(b.Connect("1.1").Header("version"), "1.1");
  TestClient c(broker_.Port());
  StompFrame refused = c.Connect("2.0");
  EXPECT_EQ(refused.command, "ERROR");
  EXPECT_EQ(refused.Header("version"), "1.2,1.1,1.0");
}

TEST_F(StompBrokerTest, AQueueKeepsMessagesUntilSomeoneSubscribesAndGivesEachToOne) {
  TestClient producer(broker_.Port());
  producer.Connect();
  producer.Send({"SEND", {{"destination", "/queue/orders"}, {"receipt", "r1"}, {"custom", "yes"}}, "first"});
  EXPECT_EQ(producer.Read().Header("receipt-id"), "r1");
  EXPECT_EQ(broker_.Pending("/queue/orders"), 1u);
  TestClient a(broker_.Port()), b(broker_.Port());
  a.Connect();
  b.Connect();
  a.Send({"SUBSCRIBE", {{"id", "0"}, {"destination", "/queue/orders"}}, ""});
  StompFrame m = a.Read();
  EXPECT_EQ(m.command, "MESSAGE");
  EXPECT_EQ(m.body, "first");
  EXPECT_EQ(m.Header("subscription"), "0");
  EXPECT_EQ(m.Header("custom"), "yes");
  EXPECT_EQ(m.Header("content-length"), "5");
  b.Send({"SUBSCRIBE", {{"id", "0"}, {"destination", "/queue/orders"}, {"receipt", "sub"}}, ""});
  EXPECT_EQ(b.Read().command, "RECEIPT");
  producer.Send({"SEND", {{"destination", "/queue/orders"}}, "second"});
  producer.Send({"SEND", {{"destination", "/queue/orders"}}, "third"});
  // Round robin: each of the two goes to one subscriber.
  StompFrame to_a = a.Read(std::chrono::milliseconds(2000)), to_b = b.Read(std::chrono::milliseconds(2000));
  std::multiset<std::string> bodies = {to_a.body, to_b.body};
  EXPECT_EQ(bodies, (std::multiset<std::string>{"second", "third"}));
  EXPECT_EQ(broker_.Messages("/queue/orders").size(), 3u);
  // A reader following the history by cursor gets each message once, in the order sent.
  std::uint64_t cursor = 1;
  std::vector<StompMessage> later = broker_.MessagesFrom("/queue/orders", cursor, &cursor);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(cursor, 3u);
  EXPECT_TRUE(broker_.MessagesFrom("/queue/orders", cursor, &cursor).empty());
  EXPECT_TRUE(broker_.MessagesFrom("/queue/none", 0, &cursor).empty());
  EXPECT_EQ(cursor, 0u);
}

TEST_F(StompBrokerTest, ATopicGoesToEveryCurrentSubscriber) {
  TestClient a(broker_.Port()), b(broker_.Port()), producer(broker_.Port());
  for (TestClient* c : {&a, &b, &producer}) c->Connect();
  producer.Send({"SEND", {{"destination", "/topic/news"}, {"receipt", "early"}}, "nobody hears this"});
  producer.Read();
  for (TestClient* c : {&a, &b}) {
    c->Send({"SUBSCRIBE", {{"id", "s"}, {"destination", "/topic/news"}, {"receipt", "ok"}}, ""});
    ASSERT_EQ(c->Read().command, "RECEIPT");
  }
  producer.Send({"SEND", {{"destination", "/topic/news"}}, "hello all"});
  EXPECT_EQ(a.Read().body, "hello all");
  EXPECT_EQ(b.Read().body, "hello all");
  EXPECT_EQ(broker_.Pending("/topic/news"), 0u);
}

TEST_F(StompBrokerTest, NackAndUnackedMessagesAreRedelivered) {
  TestClient producer(broker_.Port()), consumer(broker_.Port());
  producer.Connect();
  consumer.Connect();
  consumer.Send(
      {"SUBSCRIBE", {{"id", "1"}, {"destination", "/queue/work"}, {"ack", "client-individual"}}, ""});
  producer.Send({"SEND", {{"destination", "/queue/work"}}, "job"});
  StompFrame m = consumer.Read();
  ASSERT_FALSE(m.Header("ack").empty());
  consumer.Send({"NACK", {{"id", m.Header("ack")}}, ""});
  StompFrame again = consumer.Read();
  EXPECT_EQ(again.body, "job");
  EXPECT_EQ(again.Header("message-id"), m.Header("message-id"));
  consumer.Send({"ACK", {{"id", again.Header("ack")}, {"receipt", "done"}}, ""});
  EXPECT_EQ(consumer.Read().Header("receipt-id"), "done");

  // A consumer that goes away without acknowledging gives the message back.
  producer.Send({"SEND", {{"destination", "/queue/work"}}, "second job"});
  {
    TestClient careless(broker_.Port());
    careless.Connect();
    consumer.Send({"UNSUBSCRIBE", {{"id", "1"}, {"receipt", "u"}}, ""});
    consumer.Read();
    careless.Send({"SUBSCRIBE", {{"id", "x"}, {"destination", "/queue/work"}, {"ack", "client"}}, ""});
    EXPECT_EQ(careless.Read().body, "second job");
  }
  TestClient patient(broker_.Port());
  patient.Connect();
  patient.Send({"SUBSCRIBE", {{"id", "p"}, {"destination", "/queue/work"}}, ""});
  EXPECT_EQ(patient.Read().body, "second job");
}

// What a test watching a consumer reads: a message sent from inside, what is unsettled
// (queued, or delivered and not acked), the ack mode subscribers chose, and a version that
// moves on at each of the consumer's frames.
TEST_F(StompBrokerTest, SendMessageUnsettledAndActivityShowWhatAConsumerDid) {
  const std::uint64_t start = broker_.ActivityVersion();
  StatusOr<std::string> first = broker_.SendMessage("/queue/watched", "{\"n\":1}");
  ASSERT_THAT(first, IsOk());
  EXPECT_NE(broker_.ActivityVersion(), start) << "a message sent moves the version on";
  ASSERT_EQ(broker_.Unsettled("/queue/watched").size(), 1u);
  EXPECT_EQ(broker_.Unsettled("/queue/watched")[0].message_id, *first);
  EXPECT_FALSE(broker_.Unsettled("/queue/watched")[0].delivered);
  EXPECT_EQ(broker_.Messages("/queue/watched")[0].Header("content-type"), "application/json");

  TestClient consumer(broker_.Port());
  consumer.Connect();
  std::uint64_t version = broker_.ActivityVersion();
  consumer.Send({"SUBSCRIBE", {{"id", "s"}, {"destination", "/queue/watched"}, {"ack", "client"}}, ""});
  EXPECT_TRUE(broker_.WaitForActivity(version, kWait)) << "a SUBSCRIBE moves the version on";
  StompFrame m = consumer.Read();
  ASSERT_EQ(m.command, "MESSAGE");
  EXPECT_EQ(m.Header("message-id"), *first);
  std::vector<StompUnsettled> unsettled = broker_.Unsettled("/queue/watched");
  ASSERT_EQ(unsettled.size(), 1u);
  EXPECT_TRUE(unsettled[0].delivered) << "delivered, not acked";
  std::vector<StompDestination> destinations = broker_.Destinations();
  ASSERT_EQ(destinations.size(), 1u);
  EXPECT_EQ(destinations[0].subscribers, 1u);
  EXPECT_EQ(destinations[0].auto_ack_subscribers, 0u);

  version = broker_.ActivityVersion();
  consumer.Send({"ACK", {{"id", m.Header("ack")}}, ""});
  EXPECT_TRUE(broker_.WaitForActivity(version, kWait)) << "an ACK moves the version on";
  EXPECT_TRUE(broker_.Unsettled("/queue/watched").empty());

  TestClient careless(broker_.Port());
  careless.Connect();
  version = broker_.ActivityVersion();
  careless.Send({"SUBSCRIBE", {{"id", "a"}, {"destination", "/queue/watched"}}, ""});
  ASSERT_TRUE(broker_.WaitForActivity(version, kWait));
  EXPECT_EQ(broker_.Destinations()[0].auto_ack_subscribers, 1u);

  // Nothing moves: the wait times out.
  version = broker_.ActivityVersion();
  EXPECT_FALSE(broker_.WaitForActivity(version, std::chrono::milliseconds(50)));
  // Refusals: no destination, a line break in it.
  EXPECT_EQ(broker_.SendMessage("", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broker_.SendMessage("/queue/a\nb", "x").status().code(), StatusCode::kInvalidArgument);
  StatusOr<std::string> huge = broker_.SendMessage("/queue/watched", std::string(1024 * 1024 + 1, 'x'));
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(huge.status().message(), HasSubstr("the broker's frame limit"));
  EXPECT_EQ(broker_.Messages("/queue/watched").size(), 1u) << "nothing refused was kept";
}

// A destination full of messages no subscriber took refuses more, from inside as from a SEND.
TEST(StompBrokerLimitsTest, SendMessageToAFullDestinationIsRefused) {
  StompBrokerOptions options;
  options.max_pending_messages = 2;
  StompBroker broker(options);
  ASSERT_THAT(broker.Start(), IsOk());
  ASSERT_THAT(broker.SendMessage("/queue/full", "1"), IsOk());
  ASSERT_THAT(broker.SendMessage("/queue/full", "2"), IsOk());
  StatusOr<std::string> third = broker.SendMessage("/queue/full", "3");
  EXPECT_EQ(third.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(), HasSubstr("holds its limit of 2"));
  EXPECT_EQ(broker.Pending("/queue/full"), 2u) << "nothing lost, nothing half-added";
  EXPECT_EQ(broker.Messages("/queue/full").size(), 2u);
}

// Faults on a consumer's connection: the connection goes instead of the message (dropped,
// or after an ERROR frame), and the message and everything unacknowledged wait for the
// consumer's next subscription. Nothing is lost.
TEST_F(StompBrokerTest, AFaultDropsTheConsumersConnectionAndTheMessageWaitsForItsReturn) {
  StompFault drop;
  drop.error = "drop_connection";
  drop.destination = "/queue/faulty";
  ASSERT_TRUE(broker_.AddFault(drop).ok());
  StompFault error;
  error.error = "error_frame";
  ASSERT_TRUE(broker_.AddFault(error).ok());
  ASSERT_EQ(broker_.Faults().size(), 2u);
  EXPECT_EQ(broker_.Faults()[0].id, "stomp-fault-1");

  TestClient producer(broker_.Port());
  producer.Connect();
  auto subscribe = [&](TestClient& c) {
    c.Connect();
    c.Send({"SUBSCRIBE",
            {{"id", "s"}, {"destination", "/queue/faulty"}, {"ack", "client-individual"}, {"receipt", "r"}},
            ""});
    ASSERT_EQ(c.Read().command, "RECEIPT");
  };
  {
    TestClient first(broker_.Port());
    subscribe(first);
    producer.Send({"SEND", {{"destination", "/queue/faulty"}, {"receipt", "s1"}}, "kept"});
    EXPECT_EQ(producer.Read().Header("receipt-id"), "s1");
    EXPECT_TRUE(first.Closed()) << "the drop fault closes the connection, with no frame";
  }
  ASSERT_TRUE(broker_.WaitForOpenConnections(1, kWait));
  EXPECT_EQ(broker_.Pending("/queue/faulty"), 1u) << "the message waits for a subscriber";
  {
    // The second fault (any destination): an ERROR frame, then the close.
    TestClient second(broker_.Port());
    subscribe(second);
    StompFrame frame = second.Read();
    EXPECT_EQ(frame.command, "ERROR");
    EXPECT_THAT(frame.Header("message"), HasSubstr("error_frame"));
    EXPECT_TRUE(second.Closed());
  }
  ASSERT_TRUE(broker_.WaitForOpenConnections(1, kWait));
  EXPECT_TRUE(broker_.Faults().empty());
  TestClient third(broker_.Port());
  subscribe(third);
  StompFrame m = third.Read();
  EXPECT_EQ(m.command, "MESSAGE");
  EXPECT_EQ(m.body, "kept");
  third.Send({"ACK", {{"id", m.Header("ack")}, {"receipt", "a"}}, ""});
  EXPECT_EQ(third.Read().Header("receipt-id"), "a");
  EXPECT_EQ(broker_.Pending("/queue/faulty"), 0u);
  EXPECT_EQ(broker_.Messages("/queue/faulty").size(), 1u) << "sent once, delivered after two faults";

  struct Row {
    StompFault fault;
    const char* error;
  };
  for (const Row& row : {Row{{"", "slow", "", 1}, "error must be drop_connection or error_frame"},
                         Row{{"", "error_frame", "", 0}, "messages must be"},
                         Row{{"", "error_frame", "", 1001}, "messages must be"},
                         Row{{"", "error_frame", "/queue/a\nb", 1}, "destination must be"},
                         Row{{"", "error_frame", std::string(1025, 'q'), 1}, "destination must be"}}) {
    StatusOr<StompFault> refused = broker_.AddFault(row.fault);
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << row.error;
    EXPECT_THAT(refused.status().message(), HasSubstr(row.error));
  }
  for (std::size_t i = 0; i < kMaxStompFaults; ++i) ASSERT_TRUE(broker_.AddFault(error).ok());
  EXPECT_EQ(broker_.AddFault(error).status().code(), StatusCode::kResourceExhausted);
  broker_.ClearFaults();
  EXPECT_TRUE(broker_.Faults().empty());
}

TEST_F(StompBrokerTest, TransactionsSendOnCommitAndDropOnAbort) {
  TestClient producer(broker_.Port());
  producer.Connect();
  producer.Send({"BEGIN", {{"transaction", "t1"}}, ""});
  producer.Send({"SEND", {{"destination", "/queue/tx"}, {"transaction", "t1"}}, "kept"});
  producer.Send({"BEGIN", {{"transaction", "t2"}}, ""});
  producer.Send({"SEND", {{"destination", "/queue/tx"}, {"transaction", "t2"}}, "dropped"});
  producer.Send({"ABORT", {{"transaction", "t2"}}, ""});
  EXPECT_TRUE(broker_.Messages("/queue/tx").empty());
  producer.Send({"COMMIT", {{"transaction", "t1"}, {"receipt", "c"}}, ""});
  EXPECT_EQ(producer.Read().Header("receipt-id"), "c");
  ASSERT_EQ(broker_.Messages("/queue/tx").size(), 1u);
  EXPECT_EQ(broker_.Messages("/queue/tx")[0].body, "kept");
}

TEST_F(StompBrokerTest, DisconnectWithAReceiptClosesAfterIt) {
  TestClient c(broker_.Port());
  c.Connect();
  c.Send({"DISCONNECT", {{"receipt", "bye"}}, ""});
  EXPECT_EQ(c.Read().Header("receipt-id"), "bye");
  EXPECT_TRUE(c.Closed());
}

TEST_F(StompBrokerTest, AMalformedFrameGetsAnErrorAndOnlyThatConnectionCloses) {
  TestClient good(broker_.Port());
  good.Connect();
  const std::string bad_inputs[] = {
      std::string("EXPLODE\n\n") + '\0',
      std::string("SEND\ndestination:/queue/\\q\n\n") + '\0',
      std::string("SEND\ndestination:/queue/x\ncontent-length:1\n\nabc") + '\0',
      std::string("SEND\n\nno destination") + '\0',
  };
  for (const std::string& bad : bad_inputs) {
    TestClient c(broker_.Port());
    c.Connect();
    c.Raw(bad);
    StompFrame error = c.Read();
    EXPECT_EQ(error.command, "ERROR") << bad;
    EXPECT_FALSE(error.Header("message").empty());
    EXPECT_TRUE(c.Closed()) << bad;
  }
  TestClient early(broker_.Port());
  early.Send({"SEND", {{"destination", "/queue/x"}}, "before CONNECT"});
  EXPECT_EQ(early.Read().command, "ERROR");
  good.Send({"SEND", {{"destination", "/queue/still"}, {"receipt", "alive"}}, "ok"});
  EXPECT_EQ(good.Read().Header("receipt-id"), "alive");
  EXPECT_TRUE(broker_.Messages("/queue/x").empty());
}

TEST(StompBrokerHeartBeatTest, BeatsOnlyWhenAskedAndDropsASilentClientThatPromisedBeats) {
  StompBrokerOptions options;
  options.heartbeat_ms = 100;
  StompBroker broker(options);
  ASSERT_THAT(broker.Start(), IsOk());
  // Wants beats from us (cy=100), sends none (cx=0): gets EOLs, stays connected.
  TestClient listener(broker.Port());
  listener.Connect("1.2", {{"heart-beat", "0,100"}});
  // Asked for nothing: neither beats nor a disconnect however long it is idle.
  TestClient quiet(broker.Port());
  quiet.Connect("1.2", {{"heart-beat", "0,0"}});
  // Promises beats every 100 ms (cx=100) and sends none: dropped.
  TestClient liar(broker.Port());
  liar.Connect("1.2", {{"heart-beat", "100,0"}});
  EXPECT_TRUE(liar.Closed(std::chrono::milliseconds(5000)));
  EXPECT_EQ(listener.Read(std::chrono::milliseconds(300)).command, "");  // only EOLs arrived
  listener.Send({"SEND", {{"destination", "/queue/hb"}, {"receipt", "r"}}, "x"});
  EXPECT_EQ(listener.Read().command, "RECEIPT");
  quiet.Send({"SEND", {{"destination", "/queue/hb"}, {"receipt", "q"}}, "y"});
  EXPECT_EQ(quiet.Read().command, "RECEIPT");
}

TEST(StompBrokerLoginTest, ChecksTheLoginWhenOneIsSet) {
  StompBrokerOptions options;
  options.login = "user1";
  options.passcode = "pass1";
  StompBroker broker(options);
  ASSERT_THAT(broker.Start(), IsOk());
  TestClient wrong(broker.Port());
  EXPECT_EQ(wrong.Connect("1.2", {{"login", "user1"}, {"passcode", "nope"}}).command, "ERROR");
  TestClient right(broker.Port());
  EXPECT_EQ(right.Connect("1.2", {{"login", "user1"}, {"passcode", "pass1"}}).command, "CONNECTED");
}

TEST(StompBrokerLimitsTest, TheHistoryKeepsTheNewestAndAFullDestinationRefusesMore) {
  StompBrokerOptions options;
  options.history_messages = 2;
  options.max_pending_messages = 3;
  StompBroker broker(options);
  ASSERT_THAT(broker.Start(), IsOk());
  TestClient producer(broker.Port());
  producer.Connect();
  for (int i = 0; i < 3; ++i) {
    producer.Send(
        {"SEND", {{"destination", "/queue/full"}, {"receipt", "r" + std::to_string(i)}}, std::to_string(i)});
    EXPECT_EQ(producer.Read().command, "RECEIPT");
  }
  EXPECT_TRUE(broker.WaitForMessages("/queue/full", 3, std::chrono::seconds(1)))
      << "waiting counts every send";
  std::vector<StompMessage> kept = broker.Messages("/queue/full");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].body, "1");
  EXPECT_EQ(broker.DroppedMessages("/queue/full"), 1u);
  EXPECT_EQ(broker.Pending("/queue/full"), 3u) << "live messages are never dropped";
  // A fourth: the destination is full, so the SEND gets an ERROR and nothing is lost.
  producer.Send({"SEND", {{"destination", "/queue/full"}, {"receipt", "r3"}}, "3"});
  StompFrame refused = producer.Read();
  EXPECT_EQ(refused.command, "ERROR");
  EXPECT_THAT(refused.Header("message") + refused.body, HasSubstr("holds its limit of 3"));
  EXPECT_EQ(broker.Pending("/queue/full"), 3u);
  TestClient consumer(broker.Port());
  consumer.Connect();
  consumer.Send({"SUBSCRIBE", {{"id", "0"}, {"destination", "/queue/full"}}, ""});
  EXPECT_EQ(consumer.Read().body, "0");
}

// --- delivery ------------------------------------------------------------------------------------

// Hand-written, not EpmockTest: deliveries go to brokers each test runs itself (with users,
// down, or at several addresses), not to the server's embedded one.
class StompDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.time_scale = 0.0001;
    options.delivery_timeout_ms = 2000;
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    api_ = std::make_unique<testing_support::ApiClient>(server_->Url());
  }
  std::string CreateStomp(json addresses, const std::string& destination, const std::string& user = "",
                          const std::string& password = "") {
    json config = {{"addresses", addresses}, {"destination", destination}};
    if (!user.empty()) config["username"] = user;
    if (!password.empty()) config["password"] = password;
    auto r = api_->Post("/v2/integrations", {{"data",
                                              {{"type", "integration"},
                                               {"name", "stomp"},
                                               {"integration_type", "stomp"},
                                               {"enabled", true},
                                               {"observes", {"order.paid"}},
                                               {"configuration", config}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json["data"].value("id", "");
  }
  TriggeredEvent Fire() {
    auto e = server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt});
    EXPECT_THAT(e, IsOk());
    return e.ok() ? *e : TriggeredEvent{};
  }
  std::unique_ptr<Server> server_;
  std::unique_ptr<testing_support::ApiClient> api_;
};

TEST_F(StompDeliveryTest, AnEventIsSentToTheDestinationWithReceiptAndPersistence) {
  StompBroker broker;
  ASSERT_THAT(broker.Start(), IsOk());
  std::string id = CreateStomp({broker.Url()}, "/queue/orders");
  TriggeredEvent event = Fire();
  ASSERT_TRUE(broker.WaitForMessages("/queue/orders", 1, kWait));
  StompMessage m = broker.Messages("/queue/orders")[0];
  EXPECT_EQ(m.Header("content-type"), "application/json");
  EXPECT_EQ(m.Header("persistent"), "true");
  EXPECT_EQ(m.Header("content-length"), std::to_string(m.body.size()));
  json message = json::parse(m.body);
  EXPECT_THAT(Spec::Default()->ValidateEnvelope("cloudevent", message), ::testing::IsEmpty());
  EXPECT_EQ(message["id"], event.id);
  EXPECT_EQ(message["integrationid"], id);
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  EXPECT_TRUE(server_->Logs(api_->client_id())[0].succeeded);
}

TEST(StompFaultRoutesTest, TheAdminApiAddsListsAndClearsStompFaultsAndRefusesBadOnes) {
  ServerOptions options;
  options.stomp_port = 0;
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  testing_support::ApiClient api(server.Url());
  auto added = api.Post("/__admin/stomp/faults",
                        {{"error", "drop_connection"}, {"destination", "/queue/a"}, {"messages", 2}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json["data"]["error"], "drop_connection");
  EXPECT_EQ(added.json["data"]["messages"], 2);
  ASSERT_EQ(server.Stomp()->Faults().size(), 1u);  // the same fault in C++
  EXPECT_EQ(api.Get("/__admin/stomp/faults").json["data"].size(), 1u);
  struct Row {
    json body;
    const char* error;
  };
  for (const Row& row :
       {Row{{{"error", "slow"}}, "error must be drop_connection or error_frame"},
        Row{{{"error", 7}}, "error must be a string"},
        Row{{{"error", "error_frame"}, {"messages", 0}}, "messages must be"},
        Row{{{"error", "error_frame"}, {"messages", "2"}}, "messages must be"},
        Row{{{"error", "error_frame"}, {"messages", 1e30}}, "messages must be"},
        Row{{{"error", "error_frame"}, {"destination", std::string(2000, 'd')}}, "destination must be"},
        Row{{{"error", "error_frame"}, {"when", "now"}}, "unknown STOMP fault field"},
        Row{json::object(), "error must be"}}) {
    auto refused = api.Post("/__admin/stomp/faults", row.body);
    EXPECT_EQ(refused.status, 422) << row.body.dump() << refused.body;
    EXPECT_THAT(refused.body, HasSubstr(row.error)) << row.body.dump();
  }
  EXPECT_EQ(api.Send("POST", "/__admin/stomp/faults", "{not json", "application/json").status, 400);
  EXPECT_EQ(api.Send("DELETE", "/__admin/stomp/faults", "", "").status, 204);
  EXPECT_TRUE(server.Stomp()->Faults().empty());

  Server bare;
  ASSERT_THAT(bare.Start(), IsOk());
  testing_support::ApiClient none(bare.Url());
  auto refused = none.Post("/__admin/stomp/faults", {{"error", "drop_connection"}});
  EXPECT_EQ(refused.status, 404);
  EXPECT_THAT(refused.body, HasSubstr("No embedded STOMP broker runs"));
}

TEST_F(StompDeliveryTest, TheAdminApiShowsWhatPassedThroughBothQueues) {
  ServerOptions options;
  options.sqs_port = 0;
  options.stomp_port = 0;
  server_ = std::make_unique<Server>(options);
  ASSERT_THAT(server_->Start(), IsOk());
  api_ = std::make_unique<testing_support::ApiClient>(server_->Url());
  CreateStomp({server_->Stomp()->Url()}, "/queue/admin");
  std::string queue_url = server_->Sqs()->CreateQueue("admin");
  api_->Post("/v2/integrations", {{"data",
                                   {{"type", "integration"},
                                    {"name", "q"},
                                    {"integration_type", "aws_sqs"},
                                    {"enabled", true},
                                    {"observes", {"order.paid"}},
                                    {"configuration",
                                     {{"url", queue_url},
                                      {"aws_access_key_id", "AKIA"},
                                      {"aws_secret_access_key", "s"},
                                      {"region", "eu-west-1"}}}}}});
  TriggeredEvent event = Fire();
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  auto stomp = api_->Get("/__admin/stomp/messages?destination=/queue/admin");
  ASSERT_EQ(stomp.status, 200) << stomp.body;
  ASSERT_EQ(stomp.json["data"].size(), 1u);
  EXPECT_EQ(stomp.json["data"][0]["body"]["id"], event.id);
  EXPECT_EQ(stomp.json["data"][0]["headers"]["persistent"], "true");
  auto sqs = api_->Get("/__admin/sqs/queues/admin");
  ASSERT_EQ(sqs.status, 200) << sqs.body;
  ASSERT_EQ(sqs.json["data"].size(), 1u);
  EXPECT_EQ(sqs.json["data"][0]["body"]["id"], event.id);
  EXPECT_EQ(api_->Get("/__admin/stomp/messages").status, 400);

  // Both list in pages, oldest first, with the total; the cursor is not theirs.
  // One at a time: deliveries of events fired together may arrive in either order.
  TriggeredEvent second = Fire();
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  TriggeredEvent third = Fire();
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  auto stomp_page =
      api_->Get("/__admin/stomp/messages?destination=/queue/admin&page[limit]=1&page[offset]=1");
  ASSERT_EQ(stomp_page.status, 200) << stomp_page.body;
  ASSERT_EQ(stomp_page.json["data"].size(), 1u);
  EXPECT_EQ(stomp_page.json["data"][0]["body"]["id"], second.id);
  EXPECT_EQ(stomp_page.json["meta"]["page"]["total"], 3);
  auto sqs_page = api_->Get("/__admin/sqs/queues/admin?page[limit]=2&page[offset]=1");
  ASSERT_EQ(sqs_page.status, 200) << sqs_page.body;
  ASSERT_EQ(sqs_page.json["data"].size(), 2u);
  EXPECT_EQ(sqs_page.json["data"][1]["body"]["id"], third.id);
  EXPECT_EQ(sqs_page.json["meta"]["page"]["total"], 3);
  EXPECT_EQ(sqs_page.json["meta"]["page"]["limit"], 2);
  EXPECT_EQ(api_->Get("/__admin/sqs/queues/admin?page[limit]=1001").status, 400);
  EXPECT_EQ(api_->Get("/__admin/sqs/queues/admin?page[after]=x").status, 400);
  EXPECT_EQ(api_->Get("/__admin/stomp/messages?destination=/queue/admin&page[offset]=-1").status, 400);
}

// A TLS front for a plain broker: what stomp+ssl:// reaches (Amazon MQ's brokers are such).
class TlsFront {
 public:
  TlsFront(const testing_support::SelfSigned& tls, int backend_port) : backend_port_(backend_port) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_file(ctx_, tls.cert_path.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx_, tls.key_path.c_str(), SSL_FILETYPE_PEM);
    listen_fd_ = testing_support::ListenLoopback(&port_);
    thread_ = std::thread([this] { Run(); });
  }
  ~TlsFront() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      int client = accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, client);
      int backend = SSL_accept(ssl) == 1 ? TestClientSocket() : -1;
      while (backend >= 0 && !stop_) {  // pump both ways until either side closes
        pollfd fds[2] = {{client, POLLIN, 0}, {backend, POLLIN, 0}};
        if (SSL_pending(ssl) == 0 && poll(fds, 2, 100) <= 0) continue;
        char buf[8192];
        if (SSL_pending(ssl) > 0 || (fds[0].revents & (POLLIN | POLLHUP))) {
          int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0 || send(backend, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
        }
        if (fds[1].revents & (POLLIN | POLLHUP)) {
          ssize_t n = recv(backend, buf, sizeof buf, 0);
          if (n <= 0 || SSL_write(ssl, buf, static_cast<int>(n)) != n) break;
        }
      }
      if (backend >= 0) close(backend);
      SSL_free(ssl);
      close(client);
    }
  }
  int TestClientSocket() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(backend_port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  int backend_port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(StompDeliveryTest, StompSslVerifiesTheBrokersCertificate) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("epmock-stomp-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  testing_support::SelfSigned tls = testing_support::MakeSelfSignedCertificate(dir.string());
  ASSERT_FALSE(tls.cert_path.empty());
  StompBroker broker;
  ASSERT_THAT(broker.Start(), IsOk());
  TlsFront front(tls, broker.Port());
  const std::string address = "stomp+ssl://127.0.0.1:" + std::to_string(front.port());

  // Untrusted by default: every attempt fails at the handshake.
  ServerOptions strict;
  strict.time_scale = 0.0001;
  strict.max_attempts = 2;
  server_ = std::make_unique<Server>(strict);
  ASSERT_THAT(server_->Start(), IsOk());
  api_ = std::make_unique<testing_support::ApiClient>(server_->Url());
  CreateStomp({address}, "/queue/tls");
  Fire();
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  EXPECT_THAT(server_->Logs(api_->client_id())[0].error_detail.value_or(""),
              HasSubstr("TLS handshake failed"));
  EXPECT_TRUE(broker.Messages("/queue/tls").empty());
  server_->Stop();

  // Trusting the test's CA: delivered over TLS.
  ServerOptions trusting;
  trusting.time_scale = 0.0001;
  trusting.ca_file = tls.cert_path;
  server_ = std::make_unique<Server>(trusting);
  ASSERT_THAT(server_->Start(), IsOk());
  api_ = std::make_unique<testing_support::ApiClient>(server_->Url());
  CreateStomp({address}, "/queue/tls");
  Fire();
  ASSERT_TRUE(broker.WaitForMessages("/queue/tls", 1, kWait));
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  EXPECT_TRUE(server_->Logs(api_->client_id())[0].succeeded);
  std::filesystem::remove_all(dir);
}

// A broker that accepts CONNECT and then answers every SEND with `reply` (empty: silence).
class ScriptedBroker {
 public:
  explicit ScriptedBroker(std::string reply) : reply_(std::move(reply)) {
    fd_ = testing_support::ListenLoopback(&port_);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int c = accept(fd_, nullptr, nullptr);
        StompParser parser;
        char buf[4096];
        while (!stop_) {
          pollfd q{c, POLLIN, 0};
          if (poll(&q, 1, 50) <= 0) continue;
          ssize_t n = recv(c, buf, sizeof buf, 0);
          if (n <= 0) break;
          parser.Append(buf, static_cast<std::size_t>(n));
          StompFrame f;
          std::string error;
          while (parser.Next(&f, &error) == StompParser::Result::kFrame) {
            std::string out = f.command == "CONNECT"
                                  ? internal::SerializeFrame({"CONNECTED", {{"version", "1.2"}}, ""})
                                  : reply_;
            if (!out.empty()) send(c, out.data(), out.size(), MSG_NOSIGNAL);
          }
        }
        close(c);
      }
    });
  }
  ~ScriptedBroker() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string Url() const { return "stomp://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string reply_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(StompDeliveryTest, AnErrorFrameOrNoReceiptFailsTheAttempt) {
  ScriptedBroker refusing(internal::SerializeFrame({"ERROR", {{"message", "destination is full"}}, ""}));
  ScriptedBroker silent("");
  ServerOptions options;
  options.time_scale = 0.0001;
  options.max_attempts = 1;
  options.delivery_timeout_ms = 300;  // how long a RECEIPT may take
  server_ = std::make_unique<Server>(options);
  ASSERT_THAT(server_->Start(), IsOk());
  api_ = std::make_unique<testing_support::ApiClient>(server_->Url());
  std::string refused = CreateStomp({refusing.Url()}, "/queue/full");
  std::string unanswered = CreateStomp({silent.Url()}, "/queue/void");
  Fire();
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  for (const IntegrationLog& log : server_->Logs(api_->client_id())) {
    EXPECT_FALSE(log.succeeded);
    EXPECT_TRUE(log.final);
    if (log.integration_id == refused) {
      EXPECT_THAT(log.error_detail.value_or(""), HasSubstr("ERROR: destination is full"));
    }
    if (log.integration_id == unanswered) {
      EXPECT_THAT(log.error_detail.value_or(""), HasSubstr("No RECEIPT"));
    }
  }
  EXPECT_EQ(server_->Logs(api_->client_id()).size(), 2u);
}

TEST_F(StompDeliveryTest, AddressesAreTriedInOrder) {
  StompBroker broker;
  ASSERT_THAT(broker.Start(), IsOk());
  const std::string dead = "stomp://127.0.0.1:" + std::to_string(testing_support::FreePort());
  CreateStomp({dead, broker.Url()}, "/queue/failover");
  Fire();
  ASSERT_TRUE(broker.WaitForMessages("/queue/failover", 1, kWait));
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  EXPECT_TRUE(server_->Logs(api_->client_id())[0].succeeded);
}

TEST_F(StompDeliveryTest, ABrokenConnectionIsReestablished) {
  int port;
  {
    StompBroker first;
    ASSERT_THAT(first.Start(), IsOk());
    port = first.Port();
    CreateStomp({first.Url()}, "/queue/reconnect");
    Fire();
    ASSERT_TRUE(first.WaitForMessages("/queue/reconnect", 1, kWait));
    ASSERT_TRUE(server_->WaitForIdle(kWait));
  }  // the broker goes away with the transport's connection open
  StompBrokerOptions same_port;
  same_port.port = port;
  StompBroker second(same_port);
  ASSERT_THAT(second.Start(), IsOk());
  Fire();
  ASSERT_TRUE(second.WaitForMessages("/queue/reconnect", 1, kWait));
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  int finals = 0, successes = 0;
  for (const IntegrationLog& log : server_->Logs(api_->client_id())) {
    finals += log.final;
    successes += log.final && log.succeeded;
  }
  EXPECT_EQ(finals, 2);
  EXPECT_EQ(successes, 2);
}

TEST_F(StompDeliveryTest, ARefusedLoginIsAFailedAttempt) {
  StompBrokerOptions options;
  options.login = "user1";
  options.passcode = "right";
  StompBroker broker(options);
  ASSERT_THAT(broker.Start(), IsOk());
  CreateStomp({broker.Url()}, "/queue/secure", "user1", "wrong");
  Fire();
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  auto logs = server_->Logs(api_->client_id());
  ASSERT_EQ(logs.size(), 5u);
  EXPECT_THAT(logs[0].error_detail.value_or(""), HasSubstr("refused CONNECT"));
  EXPECT_TRUE(broker.Messages("/queue/secure").empty());
}

TEST_F(StompDeliveryTest, ManyEventsShareOneConnectionAndAllArrive) {
  StompBroker broker;
  ASSERT_THAT(broker.Start(), IsOk());
  CreateStomp({broker.Url()}, "/topic/many");
  for (int i = 0; i < 200; ++i) Fire();
  ASSERT_TRUE(broker.WaitForMessages("/topic/many", 200, kWait));
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  std::set<std::string> ids;
  for (const StompMessage& m : broker.Messages("/topic/many"))
    ids.insert(json::parse(m.body)["id"].get<std::string>());
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_EQ(broker.ConnectionsAccepted(), 1u);  // one connection per integration, reused
}

}  // namespace
}  // namespace epmock
