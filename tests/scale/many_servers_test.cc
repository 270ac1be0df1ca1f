// Many servers in one process, as parallel test binaries have them (issue 14): servers
// started, used and stopped one after another, and many alive at once, leave nothing behind:
// no thread, no socket, no memory that grows with the number of servers. Labelled "scale"
// (the sanitizer passes skip it); scale_bench servers reports the time and cost per server.
#include <dirent.h>
#include <malloc.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "epmock/server.h"
#include "epmock/spec.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

long Threads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stol(line.substr(8));
  }
  return -1;
}

long OpenFds() {
  long n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir)) ++n;
    closedir(dir);
  }
  return n;
}

std::size_t HeapBytes() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

// Waits for a condition, up to a timeout; the answer is whether it held (never a time).
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// What a test does with its server: a token, a webhook integration at the server's own
// sink, an event delivered.
std::unique_ptr<Server> StartAndUse() {
  auto server = std::make_unique<Server>();
  EXPECT_THAT(server->Start(), IsOk());
  testing_support::ApiClient api(server->Url(), "tenant");
  auto created =
      api.Post("/v2/integrations", {{"data",
                                     {{"type", "integration"},
                                      {"name", "hook"},
                                      {"integration_type", "webhook"},
                                      {"enabled", true},
                                      {"observes", {"order.paid"}},
                                      {"configuration", {{"url", server->Url() + "/__sink/webhook/x"}}}}}});
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_THAT(server->Trigger("tenant", {"order.paid", std::nullopt, std::nullopt}), IsOk());
  EXPECT_TRUE(server->WaitForIdle(std::chrono::seconds(10)));
  EXPECT_EQ(server->SinkRequests("x").size(), 1u);
  return server;
}

TEST(ManyServersTest, TwoHundredOneAfterAnotherLeaveNoThreadSocketOrGrowingMemory) {
  Spec::Default();
  StartAndUse().reset();  // the one-time costs (the spec, the first thread-locals)
  StartAndUse().reset();
  const long threads = Threads();
  const long fds = OpenFds();
  const std::size_t heap = HeapBytes();
  for (int i = 0; i < 200; ++i) {
    StartAndUse().reset();
    ASSERT_TRUE(Eventually([&] { return Threads() == threads; }))
        << "server " << i << ": " << Threads() << " threads, " << threads << " before";
    ASSERT_TRUE(Eventually([&] { return OpenFds() == fds; }))
        << "server " << i << ": " << OpenFds() << " descriptors, " << fds << " before";
  }
  // Some of the allocator's own bookkeeping may stay; a server's worth (its spec share, its
  // stores, its threads' stacks) per server would be 200 times more than this.
  EXPECT_LT(static_cast<long>(HeapBytes()) - static_cast<long>(heap), 512 * 1024);
}

TEST(ManyServersTest, TwentyAliveAtOnceEachHoldAFewThreadsAndAllGoWhenStopped) {
  Spec::Default();
  const long threads = Threads();
  const long fds = OpenFds();
  std::vector<std::unique_ptr<Server>> alive;
  for (int i = 0; i < 20; ++i) alive.push_back(StartAndUse());
  // Workers start as connections need them: a used server holds a few threads, not the
  // 128 connections it may serve at once.
  const long per_server = (Threads() - threads) / 20;
  EXPECT_LE(per_server, 12) << Threads() - threads << " threads for 20 servers";
  alive.clear();
  EXPECT_TRUE(Eventually([&] { return Threads() == threads; }))
      << Threads() << " threads, " << threads << " before";
  EXPECT_TRUE(Eventually([&] { return OpenFds() == fds; }))
      << OpenFds() << " descriptors, " << fds << " before";
}

}  // namespace
}  // namespace epmock
