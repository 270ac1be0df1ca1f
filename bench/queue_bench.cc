// queue_bench: the queue side of epmock on loopback.
//   1. embedded SQS: send + receive + delete cycles per second (AWS JSON 1.0, keep-alive
//      clients, several threads);
//   2. STOMP: messages per second from one producer to one consumer, on the embedded
//      broker and, given its port, on another broker (ActiveMQ) in the same run;
//   3. trigger to message available: Server::Trigger() until the message is on the SQS
//      queue / at the STOMP destination (p50, p99).
//
//   queue_bench [sqs_cycles=20000] [stomp_messages=50000] [peer_stomp_port=0]
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "codec/stomp_frame.h"
#include "epmock/server.h"
#include "epmock/sqs.h"
#include "epmock/stomp.h"

namespace {

using Clock = std::chrono::steady_clock;
using epmock::internal::SerializeFrame;
using epmock::internal::StompFrame;
using epmock::internal::StompParser;
using nlohmann::json;

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

json Sqs(httplib::Client& c, const std::string& action, const json& body) {
  auto r = c.Post("/", {{"X-Amz-Target", "AmazonSQS." + action}}, body.dump(), "application/x-amz-json-1.0");
  return r && r->status == 200 ? json::parse(r->body) : json();
}

void SqsCycles(int cycles) {
  epmock::SqsEndpoint sqs;
  if (!sqs.Start().ok()) return;
  const std::string url = sqs.CreateQueue("bench");
  constexpr int kThreads = 8;
  std::atomic<int> done{0}, failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      httplib::Client c(sqs.Url());
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      while (done.fetch_add(1) < cycles) {
        json sent = Sqs(c, "SendMessage", {{"QueueUrl", url}, {"MessageBody", "{\"type\":\"order.paid\"}"}});
        json got = Sqs(c, "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 1}});
        if (!got.contains("Messages")) {
          ++failed;
          continue;
        }
        Sqs(c, "DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", got["Messages"][0]["ReceiptHandle"]}});
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "sqs cycles=%d threads=%d in %.2f s = %.0f send+receive+delete cycles/s (%d receives found nothing)\n",
      cycles, kThreads, seconds, cycles / seconds, failed.load());
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  return fd;
}

bool WriteAll(int fd, const std::string& s) {
  std::size_t sent = 0;
  while (sent < s.size()) {
    ssize_t n = send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads frames until `want` of command `command` arrived (or 30 s pass).
int ReadFrames(int fd, StompParser& parser, const std::string& command, int want) {
  int got = 0;
  char buf[65536];
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (got < want && Clock::now() < deadline) {
    StompFrame f;
    std::string error;
    auto r = parser.Next(&f, &error);
    if (r == StompParser::Result::kFrame) {
      got += f.command == command;
      continue;
    }
    if (r == StompParser::Result::kError) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    parser.Append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

void StompThroughput(const char* name, int port, int messages) {
  int consumer = Connect(port), producer = Connect(port);
  if (consumer < 0 || producer < 0) {
    std::printf("stomp %s: cannot connect to port %d\n", name, port);
    return;
  }
  StompParser consumer_parser(16 * 1024 * 1024), producer_parser;
  const std::string connect =
      SerializeFrame({"CONNECT", {{"accept-version", "1.2"}, {"host", "/"}, {"heart-beat", "0,0"}}, ""});
  WriteAll(consumer, connect);
  WriteAll(producer, connect);
  ReadFrames(consumer, consumer_parser, "CONNECTED", 1);
  ReadFrames(producer, producer_parser, "CONNECTED", 1);
  const std::string destination = "/queue/epmock.bench." + std::to_string(::getpid());
  WriteAll(
      consumer,
      SerializeFrame(
          {"SUBSCRIBE", {{"id", "0"}, {"destination", destination}, {"ack", "auto"}, {"receipt", "s"}}, ""}));
  ReadFrames(consumer, consumer_parser, "RECEIPT", 1);
  const std::string body =
      R"({"specversion":"1.0","type":"order.paid","data":{"id":"1d67160d-dacb-43ed-80ef-c3c4e7ddf764"}})";
  const auto start = Clock::now();
  std::thread produce([&] {
    std::string batch;
    for (int i = 0; i < messages; ++i) {
      batch += SerializeFrame({"SEND",
                               {{"destination", destination},
                                {"content-type", "application/json"},
                                {"content-length", std::to_string(body.size())}},
                               body});
      if (batch.size() > 64 * 1024 || i + 1 == messages) {
        WriteAll(producer, batch);
        batch.clear();
      }
    }
  });
  int received = ReadFrames(consumer, consumer_parser, "MESSAGE", messages);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  produce.join();
  std::printf("stomp %s: %d of %d messages, one producer to one consumer, in %.2f s = %.0f messages/s\n",
              name, received, messages, seconds, received / seconds);
  close(consumer);
  close(producer);
}

void TriggerToQueue(int events) {
  epmock::ServerOptions options;
  options.sqs_port = 0;
  options.stomp_port = 0;
  epmock::Server server(options);
  if (!server.Start().ok()) return;
  httplib::Client api(server.Url());
  auto token =
      api.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=qbench",
               "application/x-www-form-urlencoded");
  const std::string bearer = "Bearer " + json::parse(token->body)["access_token"].get<std::string>();
  const std::string queue_url = server.Sqs()->CreateQueue("latency");
  auto create = [&](json configuration, const std::string& type, const std::string& event) {
    json body = {{"data",
                  {{"type", "integration"},
                   {"name", "q"},
                   {"integration_type", type},
                   {"enabled", true},
                   {"observes", {event}},
                   {"configuration", configuration}}}};
    api.Post("/v2/integrations", {{"Authorization", bearer}}, body.dump(), "application/json");
  };
  create({{"url", queue_url},
          {"aws_access_key_id", "AKIA"},
          {"aws_secret_access_key", "s"},
          {"region", "eu-west-1"}},
         "aws_sqs", "order.paid");
  create({{"addresses", {server.Stomp()->Url()}}, {"destination", "/queue/latency"}}, "stomp",
         "order.created");
  for (const auto& [event, label] :
       {std::pair<const char*, const char*>{"order.paid", "sqs"}, {"order.created", "stomp"}}) {
    std::vector<double> samples;
    for (int i = 0; i < events + 50; ++i) {
      const auto start = Clock::now();
      (void)server.Trigger("qbench", {event, std::nullopt, std::nullopt});
      bool ok = std::string(label) == "sqs"
                    ? server.Sqs()->WaitForMessages("latency", static_cast<std::size_t>(i + 1),
                                                    std::chrono::seconds(10))
                    : server.Stomp()->WaitForMessages("/queue/latency", static_cast<std::size_t>(i + 1),
                                                      std::chrono::seconds(10));
      if (ok && i >= 50)
        samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::printf("trigger_to_%s_message_ms p50=%.3f p99=%.3f (n=%zu)\n", label, Percentile(samples, 0.5),
                Percentile(samples, 0.99), samples.size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int sqs_cycles = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int stomp_messages = argc > 2 ? std::atoi(argv[2]) : 50000;
  const int peer_port = argc > 3 ? std::atoi(argv[3]) : 0;
  SqsCycles(sqs_cycles);
  {
    epmock::StompBroker broker;
    if (broker.Start().ok()) StompThroughput("epmock broker", broker.Port(), stomp_messages);
  }
  if (peer_port > 0) StompThroughput("peer broker", peer_port, stomp_messages);
  TriggerToQueue(1000);
  return 0;
}
