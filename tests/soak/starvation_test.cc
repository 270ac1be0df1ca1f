// No client starves the others: one store (or one client) misbehaves for a minute while a
// second store's request, sent every half second on a fresh connection, must be answered
// within 10 s each time. The second store's latency, idle and under each misbehaviour, is
// printed for BENCHMARKS.md ("starvation: ..."), never asserted.
//
// EPMOCK_MISBEHAVIOUR_SECONDS sets how long each misbehaviour lasts (default 60).
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "epmock/server.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using testing_support::ApiClient;
using testing_support::ConnectLoopback;
using Clock = std::chrono::steady_clock;

std::chrono::seconds MisbehaviourLasts() {
  const char* s = std::getenv("EPMOCK_MISBEHAVIOUR_SECONDS");
  return std::chrono::seconds(s && std::atoi(s) > 0 ? std::atoi(s) : 60);
}

// A request of the second store, on a fresh connection: its status (0: no answer within 10 s).
using Probe = std::function<int()>;

Probe GetIntegrations(const Server& server, const std::string& token) {
  return [url = server.Url(), token] {
    httplib::Client client(url);
    client.set_connection_timeout(10);
    client.set_read_timeout(10);
    auto res = client.Get("/v2/integrations", {{"Authorization", "Bearer " + token}});
    return res ? res->status : 0;
  };
}

struct Latency {
  std::vector<double> ms;
  int unanswered = 0;
  double Percentile(double p) const {
    if (ms.empty()) return 0;
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * (sorted.size() - 1) + 0.5))];
  }
};

// Probes every half second for `lasts`; every probe must be answered 2xx.
Latency ProbeFor(const Probe& probe, std::chrono::milliseconds lasts) {
  Latency out;
  const auto end = Clock::now() + lasts;
  while (Clock::now() < end) {
    const auto start = Clock::now();
    const int status = probe();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    EXPECT_TRUE(status >= 200 && status < 300)
        << "the second store's request got " << status << " after " << ms << " ms";
    if (status >= 200 && status < 300) {
      out.ms.push_back(ms);
    } else {
      ++out.unanswered;
    }
    std::this_thread::sleep_until(start + std::chrono::milliseconds(500));
  }
  return out;
}

void Report(const char* what, const Latency& idle, const Latency& busy) {
  std::printf(
      "starvation: %s: second store p50 %.1f ms p99 %.1f ms max %.1f ms (%zu requests, %d unanswered); "
      "idle p50 %.1f ms p99 %.1f ms\n",
      what, busy.Percentile(0.5), busy.Percentile(0.99), busy.Percentile(1.0), busy.ms.size(),
      busy.unanswered, idle.Percentile(0.5), idle.Percentile(0.99));
  std::fflush(stdout);
}

// Runs `misbehave` on a thread of its own (it returns when `stop` is set) while probing.
void WhileMisbehaving(const char* what, const Probe& probe,
                      const std::function<void(std::atomic<bool>&)>& misbehave) {
  const Latency idle = ProbeFor(probe, std::chrono::seconds(3));
  std::atomic<bool> stop{false};
  std::thread bad([&] { misbehave(stop); });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let it take hold
  const Latency busy = ProbeFor(probe, MisbehaviourLasts());
  stop = true;
  bad.join();
  Report(what, idle, busy);
  EXPECT_EQ(busy.unanswered, 0);
}

TEST(StarvationTest, SlowlorisConnectionsDoNotStarveASecondStore) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient second(server.Url());
  WhileMisbehaving("slowloris (140 connections, a byte every 2 s)", GetIntegrations(server, second.token()),
                   [&](std::atomic<bool>& stop) {
                     const std::string head = "GET /v2/integrations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
                     std::vector<int> fds(140, -1);
                     std::vector<std::size_t> sent(140, 0);
                     while (!stop) {
                       for (std::size_t i = 0; i < fds.size(); ++i) {
                         if (fds[i] < 0) {
                           fds[i] = ConnectLoopback(server.Port());
                           sent[i] = 0;
                         }
                         const char byte = sent[i] < head.size() ? head[sent[i]] : 'a';
                         if (fds[i] >= 0 && send(fds[i], &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
                           ++sent[i];
                         } else if (fds[i] >= 0) {
                           close(fds[i]);  // closed by the server: come back, as an attacker does
                           fds[i] = -1;
                         }
                       }
                       for (int t = 0; t < 20 && !stop; ++t)
                         std::this_thread::sleep_for(std::chrono::milliseconds(100));
                     }
                     for (int fd : fds) {
                       if (fd >= 0) close(fd);
                     }
                   });
}

TEST(StarvationTest, DelayedAnswersOfOneStoreDoNotStarveASecondStore) {
  Server server;
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient first(server.Url());
  ApiClient second(server.Url());
  ASSERT_EQ(first.Post("/__admin/api-faults", {{"delay_ms", 20000}, {"requests", 100000}}).status, 201);
  const std::string request = "GET /v2/integrations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                              first.token() + "\r\n\r\n";
  WhileMisbehaving("an API delay_ms fault on 132 concurrent requests of one store",
                   GetIntegrations(server, second.token()), [&](std::atomic<bool>& stop) {
                     // 132 keep-alive connections, each with a request always waiting on the fault.
                     std::vector<int> fds;
                     for (int i = 0; i < 132; ++i) {
                       const int fd = ConnectLoopback(server.Port());
                       if (fd < 0) continue;
                       fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                       send(fd, request.data(), request.size(), MSG_NOSIGNAL);
                       fds.push_back(fd);
                     }
                     char buffer[65536];
                     while (!stop) {
                       for (int& fd : fds) {
                         const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
                         if (n > 0)
                           send(fd, request.data(), request.size(), MSG_NOSIGNAL);  // answered: again
                       }
                       std::this_thread::sleep_for(std::chrono::milliseconds(100));
                     }
                     for (int fd : fds) close(fd);
                   });
}

TEST(StarvationTest, SixteenWaitsOverTwentyThousandLogsDoNotStarveASecondStore) {
  ServerOptions options;
  options.max_attempts = 1;
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient first(server.Url());
  ApiClient second(server.Url());
  // 20,000 failed deliveries: a receiver that refuses connections fails each attempt at once.
  json body = testing_support::WebhookCreateBody();
  body["data"]["configuration"]["url"] =
      "http://127.0.0.1:" + std::to_string(testing_support::FreePort()) + "/";
  body["data"]["observes"] = {"order.created"};
  ASSERT_EQ(first.Post("/v2/integrations", body).status, 201);
  ASSERT_EQ(first.Post("/v2/integrations", body).status, 201);
  // Ten batches of 1,000: one of 10,000 is synthesized within one request, which a loaded
  // machine may not answer within the client's 10 s.
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(first.Post("/__admin/events/batch", {{"type", "order.created"}, {"count", 1000}}).status, 201);
  }
  ASSERT_TRUE(server.WaitForIdle(std::chrono::seconds(120)));
  ASSERT_GE(first.Get("/v2/integrations/logs?page[limit]=1").json["results"]["total"], 20000);
  WhileMisbehaving("16 /__admin/wait?deliveries=N over 20,000 logs", GetIntegrations(server, second.token()),
                   [&](std::atomic<bool>& stop) {
                     std::vector<std::thread> waits;
                     for (int i = 0; i < 16; ++i) {
                       waits.emplace_back([&] {
                         httplib::Client client(server.Url());
                         client.set_read_timeout(30);
                         while (!stop) {
                           client.Get("/__admin/wait?deliveries=100000&timeout_ms=5000",
                                      {{"Authorization", "Bearer " + first.token()}});
                         }
                       });
                     }
                     for (std::thread& t : waits) t.join();
                   });
}

TEST(StarvationTest, OneStoreStartingStoryRunsLeavesRoomForASecondStore) {
  const std::string stories = ::testing::TempDir() + "/slow-stories-" + std::to_string(::getpid()) + ".json";
  std::FILE* f = std::fopen(stories.c_str(), "w");
  std::fputs(R"({"stories": [{"name": "slow", "steps": [{"event": "order.created"},
              {"event": "order.paid", "pause_ms": 600000}]}]})",
             f);
  std::fclose(f);
  ServerOptions options;
  options.story_files = {stories};
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient first(server.Url());
  ApiClient second(server.Url());
  const std::string second_token = second.token();
  // The second store's probe starts a run of its own (and stops it, to stay within its share).
  const Probe start_a_run = [&server, second_token]() {
    httplib::Client client(server.Url());
    client.set_read_timeout(10);
    const httplib::Headers auth = {{"Authorization", "Bearer " + second_token}};
    auto res = client.Post("/__admin/stories/slow", auth, "{}", "application/json");
    if (!res) return 0;
    if (res->status == 202) {
      const std::string id = json::parse(res->body)["data"]["id"];
      client.Delete("/__admin/stories/runs/" + id, auth);
    }
    return res->status;
  };
  WhileMisbehaving("one store starting 64 story runs", start_a_run, [&](std::atomic<bool>& stop) {
    httplib::Client client(server.Url());
    const httplib::Headers auth = {{"Authorization", "Bearer " + first.token()}};
    while (!stop) {
      client.Post("/__admin/stories/slow", auth, R"({"count": 64})", "application/json");
      client.Post("/__admin/stories/slow", auth, "{}", "application/json");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
}

}  // namespace
}  // namespace epmock
