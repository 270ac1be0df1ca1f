// The webhook request on the wire, byte for byte, and the answers a real receiver can give:
// chunked, gzip, interim 1xx, keep-alive and its closes, answers cut short or not HTTP at
// all. The receiver here is a bare TCP listener, so that what is checked is the bytes epmock
// writes, not what an HTTP library makes of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "epmock/server.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace wire_test {  // named: this file is compiled in one unit with events_test.cc
namespace {

using ::epmock::testing::IsOk;
using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ApiClient;

constexpr std::chrono::seconds kWait(20);

// What the receiver does with a request: answer these bytes, then close or keep the
// connection; or hang (say nothing until the test ends).
struct Answer {
  std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  bool close = false;
  bool hang = false;
};

// A receiver that is only a listening socket: each request's bytes are kept exactly as they
// came (the head, then as many body bytes as its Content-Length says), with the connection
// they came on, and each is answered with the next scripted Answer (the default when none).
class RawReceiver {
 public:
  struct Request {
    int connection = 0;
    std::string head;  // up to and including the blank line
    std::string body;
  };

  ~RawReceiver() { Stop(); }

  bool Start() {
    listen_fd_ = testing_support::ListenLoopback(&port_);
    if (listen_fd_ < 0) return false;
    acceptor_ = std::thread([this] { Accept(); });
    return true;
  }
  void Stop() {
    if (listen_fd_ < 0) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      for (int fd : open_) shutdown(fd, SHUT_RDWR);
    }
    shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    for (std::thread& t : connections_) t.join();
    close(listen_fd_);
    listen_fd_ = -1;
  }
  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  void Script(std::vector<Answer> answers) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.assign(answers.begin(), answers.end());
  }
  bool WaitForRequests(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return requests_.size() >= n; });
  }
  std::vector<Request> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int Connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }

 private:
  void Accept() {
    for (;;) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;  // shut down
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        close(fd);
        return;
      }
      open_.push_back(fd);
      const int connection = accepted_++;
      connections_.emplace_back([this, fd, connection] { Serve(fd, connection); });
    }
  }

  void Serve(int fd, int connection) {
    std::string in;
    char buffer[8192];
    for (;;) {
      // One request: the head, then its Content-Length of body.
      std::size_t head_end;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return Closed(fd);
        in.append(buffer, static_cast<std::size_t>(n));
      }
      Request request{connection, in.substr(0, head_end + 4), ""};
      std::size_t length = 0;
      if (std::size_t at = request.head.find("\r\nContent-Length: "); at != std::string::npos) {
        length = std::stoul(request.head.substr(at + 18));
      }
      in.erase(0, head_end + 4);
      while (in.size() < length) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return Closed(fd);
        in.append(buffer, static_cast<std::size_t>(n));
      }
      request.body = in.substr(0, length);
      in.erase(0, length);
      Answer answer;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!script_.empty()) {
          answer = script_.front();
          script_.pop_front();
        }
        requests_.push_back(std::move(request));
      }
      cv_.notify_all();
      if (answer.hang) {
        while (recv(fd, buffer, sizeof buffer, 0) > 0) {
        }
        return Closed(fd);
      }
      send(fd, answer.bytes.data(), answer.bytes.size(), MSG_NOSIGNAL);
      if (answer.close) return Closed(fd);
    }
  }
  void Closed(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    open_.erase(std::remove(open_.begin(), open_.end(), fd), open_.end());
    close(fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // joined at Stop; touched by the acceptor until then
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<int> open_;
  std::deque<Answer> script_;
  std::vector<Request> requests_;
  int accepted_ = 0;
};

std::string Gzip(const std::string& text) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&stream, text.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string Hex(std::size_t n) {
  char text[32];
  std::snprintf(text, sizeof text, "%zx", n);
  return text;
}

// Hand-written, not EpmockTest: the receiver is a bare socket, which neither the harness's
// sinks nor its matchers are (they parse HTTP, and so would hide what is checked here).
class WebhookWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(receiver_.Start());
    ServerOptions options;
    options.max_attempts = 1;
    Start(options);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    receiver_.Stop();
  }
  void Start(ServerOptions options) {
    if (server_) server_->Stop();
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_->Url());
  }
  void CreateHook(const std::string& path, const std::string& secret = "") {
    json body = {{"data",
                  {{"type", "integration"},
                   {"name", "hook"},
                   {"integration_type", "webhook"},
                   {"enabled", true},
                   {"observes", {"order.paid"}},
                   {"configuration", {{"url", receiver_.Url(path)}}}}}};
    if (!secret.empty()) body["data"]["configuration"]["secret_key"] = secret;
    ASSERT_EQ(api_->Post("/v2/integrations", body).status, 201);
  }
  // Fires order.paid, waits for its delivery to end and returns its one log.
  IntegrationLog Deliver() {
    auto event = server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt});
    EXPECT_THAT(event, IsOk());
    EXPECT_TRUE(server_->WaitForIdle(kWait));
    for (const IntegrationLog& log : server_->Logs(api_->client_id())) {
      if (event.ok() && log.event_id == event->id) return log;
    }
    ADD_FAILURE() << "no log";
    return {};
  }

  RawReceiver receiver_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(WebhookWireTest, TheRequestIsExactlyThePlatformsHeadersInTheirCaseAndNothingElse) {
  CreateHook("/hook?tenant=eu", "s3cret");
  IntegrationLog log = Deliver();
  EXPECT_TRUE(log.succeeded) << log.error_detail.value_or("");
  ASSERT_TRUE(receiver_.WaitForRequests(1));
  RawReceiver::Request request = receiver_.Requests()[0];
  EXPECT_EQ(request.head,
            "POST /hook?tenant=eu HTTP/1.1\r\n"
            "Host: 127.0.0.1:" +
                std::to_string(receiver_.port()) +
                "\r\n"
                "User-Agent: moltin/integrations\r\n"
                "x-moltin-integration-trigger: order.paid\r\n"
                "content-type: application/json\r\n"
                "accept-encoding: gzip\r\n"
                "x-moltin-secret-key: s3cret\r\n"
                "Content-Length: " +
                std::to_string(request.body.size()) +
                "\r\n"
                "\r\n");
  json body = json::parse(request.body);
  EXPECT_EQ(body["id"], log.event_id);
  EXPECT_EQ(body["triggered_by"], "order.paid");
}

TEST_F(WebhookWireTest, WithoutASecretNoSecretHeaderIsWritten) {
  CreateHook("/");
  EXPECT_TRUE(Deliver().succeeded);
  ASSERT_TRUE(receiver_.WaitForRequests(1));
  RawReceiver::Request request = receiver_.Requests()[0];
  EXPECT_EQ(request.head,
            "POST / HTTP/1.1\r\n"
            "Host: 127.0.0.1:" +
                std::to_string(receiver_.port()) +
                "\r\n"
                "User-Agent: moltin/integrations\r\n"
                "x-moltin-integration-trigger: order.paid\r\n"
                "content-type: application/json\r\n"
                "accept-encoding: gzip\r\n"
                "Content-Length: " +
                std::to_string(request.body.size()) +
                "\r\n"
                "\r\n");
}

TEST_F(WebhookWireTest, AGzipAnswerInChunksIsDecodedBeforeTheLogKeepsIt) {
  const std::string text = R"({"received":true,"note":")" + std::string(3000, 'x') + R"("})";
  const std::string gz = Gzip(text);
  const std::size_t half = gz.size() / 2;
  receiver_.Script({{"HTTP/1.1 202 Accepted\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     Hex(half) + ";note=first\r\n" + gz.substr(0, half) + "\r\n" + Hex(gz.size() - half) +
                     "\r\n" + gz.substr(half) + "\r\n0\r\nX-Trailer: yes\r\n\r\n"}});
  CreateHook("/hook");
  IntegrationLog log = Deliver();
  EXPECT_TRUE(log.succeeded) << log.error_detail.value_or("");
  EXPECT_EQ(log.status_code, 202);
  EXPECT_EQ(log.body, text.substr(0, 1024));  // decoded, then its first KiB kept
}

TEST_F(WebhookWireTest, AnInterimAnswerIsSkippedForTheFinalOne) {
  receiver_.Script({{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-Seen: 1\r\n\r\n"}});
  CreateHook("/hook");
  IntegrationLog log = Deliver();
  EXPECT_TRUE(log.succeeded) << log.error_detail.value_or("");
  EXPECT_EQ(log.status_code, 204);
}

TEST_F(WebhookWireTest, KeepAliveCarriesTheNextDeliveryOnTheSameConnection) {
  receiver_.Script({{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
                    {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok2"}});
  CreateHook("/hook");
  IntegrationLog first = Deliver();
  IntegrationLog second = Deliver();
  EXPECT_EQ(first.body, "ok");
  EXPECT_EQ(second.body, "ok2");
  ASSERT_EQ(receiver_.Requests().size(), 2u);
  EXPECT_EQ(receiver_.Requests()[0].connection, receiver_.Requests()[1].connection);
  EXPECT_EQ(receiver_.Connections(), 1);
}

TEST_F(WebhookWireTest, AConnectionTheReceiverClosesCarriesNothingMoreAndNoEventTwice) {
  // One says it closes; one closes without saying; one answers HTTP/1.0 without keep-alive.
  receiver_.Script({{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true},
                    {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
                    {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"},
                    {}});
  CreateHook("/hook");
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(Deliver().succeeded) << i;
  ASSERT_TRUE(receiver_.WaitForRequests(4));
  EXPECT_EQ(receiver_.Requests().size(), 4u);
  EXPECT_EQ(receiver_.Connections(), 4);
}

TEST_F(WebhookWireTest, AnAnswerCutShortFailsAtTheDeadline) {
  ServerOptions options;
  options.max_attempts = 1;
  options.delivery_timeout_ms = 500;
  Start(options);
  CreateHook("/hook");
  // The answer's head and 9 of its 100 bytes come; the receiver then holds the connection.
  receiver_.Script({{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"}});
  IntegrationLog log = Deliver();
  EXPECT_FALSE(log.succeeded);
  EXPECT_THAT(log.error_detail.value_or(""), HasSubstr("within 500 ms (the answer began but did not end)"));
}

TEST_F(WebhookWireTest, NoAnswerAtAllIsLoggedAsSuch) {
  receiver_.Script({{"", true}});
  CreateHook("/hook");
  IntegrationLog log = Deliver();
  EXPECT_FALSE(log.succeeded);
  EXPECT_THAT(log.error_detail.value_or(""), HasSubstr("the connection closed before an answer"));
}

TEST_F(WebhookWireTest, AnAnswerThatIsNotHttpFailsTheAttemptAndSaysWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "does not start with an HTTP/1.x status line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
       "two different Content-Lengths"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "chunk size of the answer is not hexadecimal"},
      {"HTTP/1.1 200 OK\r\nbad header\r\n\r\n", "malformed header line"},
  };
  CreateHook("/hook");
  for (const auto& [bytes, words] : cases) {
    receiver_.Script({{bytes, true}});
    IntegrationLog log = Deliver();
    EXPECT_FALSE(log.succeeded) << bytes;
    EXPECT_THAT(log.error_detail.value_or(""), HasSubstr(words)) << bytes;
    EXPECT_THAT(log.error_detail.value_or(""), HasSubstr("is not HTTP/1.x")) << bytes;
  }
}

TEST_F(WebhookWireTest, AnAnswerThatNeverEndsIsReadUntilTheCloseWhenItHasNoLength) {
  receiver_.Script({{"HTTP/1.1 500 Oops\r\n\r\nsomething broke", true}});
  CreateHook("/hook");
  IntegrationLog log = Deliver();
  EXPECT_FALSE(log.succeeded);
  EXPECT_EQ(log.status_code, 500);
  EXPECT_EQ(log.body, "something broke");
}

}  // namespace
}  // namespace wire_test
}  // namespace epmock
