// scale_bench: what a long-running server costs as it fills up (issue 14). Not a test: it
// prints figures (and CSV for the charts in BENCHMARKS.md); nothing here asserts on time.
//
//   scale_bench lists   [--max N] [--csv FILE]   one page of every list, over HTTP, at
//                                                 100, 1,000, ... N stored entries
//   scale_bench queues  [--max N] [--csv FILE]   the same of SQS queue and STOMP history pages only
//   scale_bench memory                            bytes per retained event, log, job, integration
//   scale_bench trigger [--events N] [--stores S] trigger-to-delivery p50/p99 with N events
//                                                 stored, then with S stores
//   scale_bench servers [--sequential N] [--concurrent M]
//                                                 servers one after another, and M alive at once
//   scale_bench soak    [--events N] [--csv FILE] N events through webhook, SQS and STOMP at
//                                                 default settings, RSS sampled as it runs
//
// Every server listens on 127.0.0.1 and every request goes there.
#include <arpa/inet.h>
#include <dirent.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "envelope/envelope.h"
#include "epmock/server.h"
#include "epmock/sinks.h"
#include "epmock/spec.h"
#include "epmock/sqs.h"
#include "epmock/stomp.h"
#include "store/store.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// --- What the process holds ---------------------------------------------------------------

long StatusField(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) return std::atol(line.c_str() + prefix.size());
  }
  return -1;
}
double RssMiB() { return StatusField("VmRSS") / 1024.0; }
long Threads() { return StatusField("Threads"); }
long OpenFds() {
  long n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir)) ++n;
    closedir(dir);
  }
  return n - 3;  // ".", ".." and the directory's own descriptor
}
std::size_t HeapBytes() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const std::size_t at = std::min(samples.size() - 1, static_cast<std::size_t>(p * samples.size()));
  return samples[at];
}

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return fallback;
}
long NumberArg(int argc, char** argv, const std::string& name, long fallback) {
  return std::atol(Arg(argc, argv, name, std::to_string(fallback)).c_str());
}

// --- Talking to a server --------------------------------------------------------------------

class Api {
 public:
  Api(const std::string& url, const std::string& client_id) : http_(url) {
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);  // else a POST's body waits for the delayed ACK of its head
    auto res = http_.Post("/oauth/access_token", httplib::Params{{"grant_type", "client_credentials"},
                                                                 {"client_id", client_id},
                                                                 {"client_secret", "secret"}});
    if (!res || res->status != 200) {
      std::cerr << "no token for " << client_id << "\n";
      std::exit(1);
    }
    headers_ = {{"Authorization", "Bearer " + json::parse(res->body).value("access_token", "")}};
  }
  json Get(const std::string& path) {
    auto res = http_.Get(path, headers_);
    if (!res || res->status != 200) {
      std::cerr << "GET " << path << ": "
                << (res ? std::to_string(res->status) + " " + res->body : "no answer") << "\n";
      std::exit(1);
    }
    return json::parse(res->body);
  }
  // The mean time of `n` GETs of `path`, in ms.
  double MeanGet(const std::string& path, int n) {
    Get(path);  // warm
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      auto res = http_.Get(path, headers_);
      if (!res || res->status != 200) {
        std::cerr << "GET " << path << " failed\n";
        std::exit(1);
      }
    }
    return Ms(Clock::now() - start) / n;
  }
  std::string CreateIntegration(const json& attributes) {
    json body = {{"data", attributes}};
    body["data"]["type"] = "integration";
    auto res = http_.Post("/v2/integrations", headers_, body.dump(), "application/json");
    if (!res || res->status != 201) {
      std::cerr << "create failed: " << (res ? res->body : "no answer") << "\n";
      std::exit(1);
    }
    return json::parse(res->body)["data"]["id"];
  }

 private:
  httplib::Client http_;
  httplib::Headers headers_;
};

json Webhook(const std::string& url, const std::string& observes, bool enabled = true) {
  return {{"name", "scale"},
          {"description", "issue 14's scale benchmark"},
          {"integration_type", "webhook"},
          {"enabled", enabled},
          {"observes", {observes}},
          {"configuration", {{"url", url}, {"secret_key", "a-secret-of-some-length"}}}};
}

json SqsIntegration(const std::string& queue_url, const std::string& observes) {
  return {{"name", "queue"},
          {"integration_type", "aws_sqs"},
          {"enabled", true},
          {"observes", {observes}},
          {"configuration",
           {{"url", queue_url},
            {"aws_access_key_id", "AKIAEXAMPLE"},
            {"aws_secret_access_key", "secret"},
            {"region", "eu-west-1"}}}};
}

json StompIntegration(const std::string& broker_url, const std::string& destination,
                      const std::string& observes) {
  return {{"name", "broker"},
          {"integration_type", "stomp"},
          {"enabled", true},
          {"observes", {observes}},
          {"configuration", {{"addresses", {broker_url}}, {"destination", destination}}}};
}

bool Fire(epmock::Server& server, const std::string& client, const std::string& type) {
  return server.Trigger(client, {type, std::nullopt, std::nullopt}).ok();
}

// --- lists ----------------------------------------------------------------------------------

int Lists(long max, const std::string& csv_path, bool queues_only) {
  epmock::ServerOptions options;
  options.integration_limit = 0;
  options.event_retention = static_cast<std::size_t>(max) + 10;
  options.event_retention_bytes = std::size_t{1} << 40;
  options.log_retention = static_cast<std::size_t>(max) + 10;
  options.journal_capacity = static_cast<std::size_t>(max) + 1000;
  options.sink_retention = static_cast<std::size_t>(max) + 10;
  options.sink_retention_bytes = std::size_t{1} << 40;
  options.max_attempts = 1;
  epmock::Server server(options);
  if (!server.Start().ok()) return 1;
  const std::string client = "scale";
  Api api(server.Url(), client);
  // One integration receives every event (a deletion: the smallest event there is), at the
  // server's own sink; the others observe something never fired, as list entries.
  const std::string hook =
      api.CreateIntegration(Webhook(server.Url() + "/__sink/webhook/scale", "customer.deleted"));
  long integrations = 1, events = 0, requests = 0;

  std::ofstream csv;
  if (!csv_path.empty()) {
    csv.open(csv_path);
    csv << "stored,list,front_ms,deep_ms\n";
  }
  std::printf("%-10s %-34s %10s %10s\n", "stored", "a page (25) of", "front ms", "deep ms");
  for (long size = 100; size <= max && !queues_only; size *= 10) {
    // Fill every list to `size`.
    while (integrations < size) {
      api.CreateIntegration(Webhook("http://127.0.0.1:9/never", "product.created", false));
      ++integrations;
    }
    while (events < size) {
      const long batch = std::min<long>(1000, size - events);
      for (long i = 0; i < batch; ++i) Fire(server, client, "customer.deleted");
      events += batch;
      if (!server.WaitForIdle(std::chrono::seconds(120))) return 1;
    }
    while (requests < size) {  // the journal: every API call is one record
      api.Get("/v2/integrations?page[limit]=1");
      ++requests;
    }
    const std::string job = api.Get("/v2/integrations/" + hook + "/jobs?page[limit]=1")["data"][0]["id"];
    const std::string deep = std::to_string(size / 2);
    struct List {
      std::string name;
      std::string path;  // with "?" or "&" to come
      bool deep;
    };
    const std::vector<List> lists = {
        // No list: what any request costs as the process grows (the baseline).
        {"one integration (no list)", "/v2/integrations/" + hook + "?x=1", false},
        {"integrations", "/v2/integrations?page[limit]=25", true},
        {"store logs", "/v2/integrations/logs?page[limit]=25", true},
        {"integration logs", "/v2/integrations/" + hook + "/logs?page[limit]=25", true},
        {"integration jobs", "/v2/integrations/" + hook + "/jobs?page[limit]=25", true},
        {"job logs", "/v2/integrations/" + hook + "/jobs/" + job + "/logs?page[limit]=25", false},
        {"admin events", "/__admin/events?page[limit]=25", true},
        {"admin deliveries", "/__admin/deliveries?page[limit]=25", true},
        {"journal", "/__admin/requests?page[limit]=25", true},
        {"sink requests", "/__admin/sinks/webhook/scale?page[limit]=25", true},
    };
    for (const List& list : lists) {
      const double front = api.MeanGet(list.path, 50);
      const double deep_ms = list.deep ? api.MeanGet(list.path + "&page[offset]=" + deep, 50) : front;
      std::printf("%-10ld %-34s %10.3f %10.3f\n", size, list.name.c_str(), front, deep_ms);
      if (csv.is_open()) csv << size << "," << list.name << "," << front << "," << deep_ms << "\n";
    }
    std::printf("%-10ld %-34s %10.1f MiB\n", size, "RSS", RssMiB());
    if (csv.is_open()) csv << size << ",rss_mib," << RssMiB() << "," << RssMiB() << "\n";
  }

  // Queue and destination listings, through the same calls the admin API pages with.
  epmock::SqsEndpointOptions sqs_options;
  sqs_options.max_queue_messages = static_cast<std::size_t>(max) + 10;
  sqs_options.max_queue_bytes = std::size_t{1} << 40;
  epmock::SqsEndpoint sqs(sqs_options);
  if (!sqs.Start().ok()) return 1;
  const std::string queue_url = sqs.CreateQueue("scale");
  epmock::StompBrokerOptions stomp_options;
  stomp_options.history_messages = static_cast<std::size_t>(max) + 10;
  stomp_options.history_bytes = std::size_t{1} << 40;
  stomp_options.max_pending_messages = static_cast<std::size_t>(max) + 10;
  epmock::StompBroker stomp(stomp_options);
  if (!stomp.Start().ok()) return 1;
  api.CreateIntegration(SqsIntegration(queue_url, "account.deleted"));
  api.CreateIntegration(StompIntegration(stomp.Url(), "/queue/scale", "account.deleted"));
  long messages = 0;
  for (long size = 100; size <= max; size *= 10) {
    while (messages < size) {
      const long batch = std::min<long>(1000, size - messages);
      for (long i = 0; i < batch; ++i) Fire(server, client, "account.deleted");
      messages += batch;
      if (!server.WaitForIdle(std::chrono::seconds(120))) return 1;
    }
    auto time_page = [](const std::function<void(std::size_t)>& page, std::size_t offset) {
      page(offset);
      const auto start = Clock::now();
      for (int i = 0; i < 2000; ++i) page(offset);
      return Ms(Clock::now() - start) / 2000;
    };
    std::size_t total = 0;
    const auto sqs_page = [&](std::size_t offset) { sqs.MessagesPage("scale", offset, 25, &total); };
    const auto stomp_page = [&](std::size_t offset) {
      stomp.MessagesPage("/queue/scale", offset, 25, &total);
    };
    const double sqs_front = time_page(sqs_page, 0), sqs_deep = time_page(sqs_page, size / 2);
    const double stomp_front = time_page(stomp_page, 0), stomp_deep = time_page(stomp_page, size / 2);
    std::printf("%-10ld %-34s %10.4f %10.4f\n", size, "SQS queue messages (in process)", sqs_front, sqs_deep);
    std::printf("%-10ld %-34s %10.4f %10.4f\n", size, "STOMP history (in process)", stomp_front, stomp_deep);
    if (csv.is_open()) {
      csv << size << ",sqs queue messages," << sqs_front << "," << sqs_deep << "\n";
      csv << size << ",stomp history," << stomp_front << "," << stomp_deep << "\n";
    }
  }
  return 0;
}

// --- memory ---------------------------------------------------------------------------------

int Memory() {
  namespace in = epmock::internal;
  constexpr int kEntries = 20000;
  auto spec = epmock::Spec::Default();

  // Integrations as the API stores them, against the JSON a GET of one returns.
  {
    in::Store store("memory");
    in::Integration sample;
    const std::size_t before = HeapBytes();
    for (int i = 0; i < kEntries; ++i) {
      in::Integration integration;
      char id[40];
      std::snprintf(id, sizeof id, "%08x-1c2d-4e5f-8a9b-%012x", i, i * 7);
      integration.id = id;
      integration.integration_type = "webhook";
      integration.name = "Order shipping notification";
      integration.description = "Send a shipping notification via email with discount code.";
      integration.enabled = true;
      integration.observes = {"order.fulfilled"};
      integration.configuration = {{"url", "https://yourwebsite.com/order-created-notification"},
                                   {"secret_key", "a-secret-of-some-length"}};
      integration.created_at_ms = integration.updated_at_ms = 1764500000000 + i;
      store.Add(integration, 0);
      if (i == 0) sample = integration;
    }
    const double per = static_cast<double>(HeapBytes() - before) / kEntries;
    const std::size_t json_size = in::IntegrationToJson(sample, "http://127.0.0.1:8080").dump().size();
    std::printf("integration: %.0f bytes held, %zu bytes of JSON (%.2fx)\n", per, json_size, per / json_size);
  }

  // Events as the engine keeps them: an order.paid resource, its webhook and CloudEvent
  // bodies, one job.
  {
    epmock::Server server;
    if (!server.Start().ok()) return 1;
    auto fired = server.Trigger("memory", {"order.paid", std::nullopt, std::nullopt});
    if (!fired.ok()) return 1;
    in::Store store("memory");
    std::size_t counted = 0;
    const std::size_t before = HeapBytes();
    for (int i = 0; i < kEntries; ++i) {
      auto event = std::make_shared<in::EventRecord>();
      event->id = "ev-" + std::to_string(1000000 + i) + "-5311-4543-a368-01e099f5519b";
      event->type = "order.paid";
      event->store_id = fired->store_id;
      event->created_at_ms = 1764500000000 + i;
      event->data = fired->data;
      event->included = fired->included;
      event->jobs.push_back({"job-" + std::to_string(1000000 + i) + "-4a8f-abdb-4f039c5c9d81",
                             "af7bbcc7-f77f-4a8f-abdb-4f039c5c9d81", "webhook", ""});
      event->bodies = in::BuildEventBodies(*event, *spec, {true, true});
      event->bytes = in::RetainedBytes(*event);
      counted += event->bytes;
      store.AddEvent(std::move(event));
    }
    const double per = static_cast<double>(HeapBytes() - before) / kEntries;
    std::printf(
        "event (order.paid, webhook and CloudEvent bodies): %.0f bytes held, %.0f counted by "
        "event_retention_bytes\n",
        per, static_cast<double>(counted) / kEntries);
  }

  // Jobs and logs as deliveries leave them.
  {
    in::Store store("memory");
    const std::size_t before = HeapBytes();
    for (int i = 0; i < kEntries; ++i) {
      epmock::IntegrationJob job;
      job.id = "job-" + std::to_string(1000000 + i) + "-4a8f-abdb-4f039c5c9d81";
      job.integration_id = "af7bbcc7-f77f-4a8f-abdb-4f039c5c9d81";
      job.event_id = "ev-" + std::to_string(1000000 + i) + "-5311-4543-a368-01e099f5519b";
      job.triggered_by = "order.paid";
      job.created_at_ms = 1764500000000 + i;
      store.AddJob(job);
    }
    const std::size_t after_jobs = HeapBytes();
    for (int i = 0; i < kEntries; ++i) {
      epmock::IntegrationLog log;
      log.id = "log-" + std::to_string(1000000 + i) + "-4a8f-abdb-4f039c5c9d81";
      log.integration_id = "af7bbcc7-f77f-4a8f-abdb-4f039c5c9d81";
      log.job_id = "job-" + std::to_string(1000000 + i) + "-4a8f-abdb-4f039c5c9d81";
      log.event_id = "ev-" + std::to_string(1000000 + i) + "-5311-4543-a368-01e099f5519b";
      log.succeeded = true;
      log.final = true;
      log.body = "";
      log.status_code = 200;
      log.error_detail = "";
      log.created_at_ms = 1764500000000 + i;
      store.AddLog(log);
    }
    std::printf("job: %.0f bytes held\n", static_cast<double>(after_jobs - before) / kEntries);
    std::printf("log (a success, empty answer): %.0f bytes held\n",
                static_cast<double>(HeapBytes() - after_jobs) / kEntries);
  }
  return 0;
}

// --- trigger --------------------------------------------------------------------------------

// p50/p99 of trigger-to-received at an in-process webhook receiver, one event at a time.
std::pair<double, double> TriggerLatency(epmock::Server& server, const std::string& client,
                                         epmock::WebhookSink& sink, int samples) {
  std::vector<double> ms;
  std::size_t received = sink.Requests().size();
  for (int i = 0; i < samples; ++i) {
    const auto start = Clock::now();
    if (!Fire(server, client, "order.paid")) std::exit(1);
    if (!sink.WaitForRequests(++received, std::chrono::seconds(10))) std::exit(1);
    ms.push_back(Ms(Clock::now() - start));
    sink.Clear();
    received = 0;
  }
  return {Percentile(ms, 0.5), Percentile(ms, 0.99)};
}

int Trigger(long events, long stores) {
  epmock::ServerOptions options;
  options.event_retention = static_cast<std::size_t>(events) + 1000;
  options.event_retention_bytes = std::size_t{1} << 40;
  epmock::Server server(options);
  if (!server.Start().ok()) return 1;
  epmock::WebhookSink sink;
  if (!sink.Start().ok()) return 1;
  Api api(server.Url(), "trigger");
  api.CreateIntegration(Webhook(sink.Url(), "order.paid"));
  auto report = [&](const std::string& what) {
    const auto [p50, p99] = TriggerLatency(server, "trigger", sink, 500);
    std::printf("%-48s p50 %.3f ms  p99 %.3f ms  RSS %.0f MiB\n", what.c_str(), p50, p99, RssMiB());
  };
  // Stored events nobody observes fill the store (each is kept with its resource).
  auto fill = [&](long n) {
    for (long i = 0; i < n; ++i) Fire(server, "trigger", "order.created");
  };
  fill(100);
  report("100 stored events");
  fill(events - 100);
  report(std::to_string(events) + " stored events");
  for (long s = 0; s < stores; ++s) {
    const std::string client = "store-" + std::to_string(s);
    Api other(server.Url(), client);
    other.CreateIntegration(Webhook(sink.Url() + "/" + client, "customer.created", false));
    for (int i = 0; i < 10; ++i) Fire(server, client, "order.created");
  }
  report("and " + std::to_string(stores) + " more stores (10 events, 1 integration each)");
  return 0;
}

// --- servers --------------------------------------------------------------------------------

// One server's life as a test gives it: start, a token, an integration, a delivery, stop.
double UseOneServer(epmock::WebhookSink& sink, std::vector<std::unique_ptr<epmock::Server>>* keep) {
  const auto start = Clock::now();
  auto server = std::make_unique<epmock::Server>();
  if (!server->Start().ok()) std::exit(1);
  {
    Api api(server->Url(), "tenant");
    api.CreateIntegration(Webhook(sink.Url(), "order.paid"));
  }
  if (!Fire(*server, "tenant", "order.paid") || !server->WaitForIdle(std::chrono::seconds(10))) std::exit(1);
  sink.Clear();  // what the receiver kept is the receiver's, not the server's
  if (keep) {
    keep->push_back(std::move(server));
  } else {
    server->Stop();
  }
  return Ms(Clock::now() - start);
}

int Servers(long sequential, long concurrent) {
  epmock::Spec::Default();  // the one-time load, outside the figures
  epmock::WebhookSink sink;
  if (!sink.Start().ok()) return 1;
  UseOneServer(sink, nullptr);  // warm: the first server's one-time costs
  const long threads0 = Threads(), fds0 = OpenFds();
  const std::size_t heap0 = HeapBytes();
  std::vector<double> ms;
  long worst_threads = 0, worst_fds = 0;
  for (long i = 0; i < sequential; ++i) {
    ms.push_back(UseOneServer(sink, nullptr));
    worst_threads = std::max(worst_threads, Threads() - threads0);
    worst_fds = std::max(worst_fds, OpenFds() - fds0);
  }
  const double heap_growth = static_cast<double>(HeapBytes()) - static_cast<double>(heap0);
  std::printf(
      "%ld servers one after another: %.2f ms each (p50; p99 %.2f), after each stop: threads +%ld at "
      "most, sockets +%ld at most; heap after all %+.1f KiB\n",
      sequential, Percentile(ms, 0.5), Percentile(ms, 0.99), worst_threads, worst_fds, heap_growth / 1024);

  std::vector<std::unique_ptr<epmock::Server>> alive;
  const double rss0 = RssMiB();
  const auto start = Clock::now();
  for (long i = 0; i < concurrent; ++i) UseOneServer(sink, &alive);
  const double each = Ms(Clock::now() - start) / concurrent;
  const long threads_alive = Threads() - threads0;
  const double rss_alive = RssMiB() - rss0;
  alive.clear();
  std::printf(
      "%ld servers alive at once: %.2f ms each to start and use, %.1f threads and %.2f MiB RSS each; "
      "after all stop: threads %+ld (the shared receiver's workers, one per server that kept a "
      "connection to it), sockets %+ld\n",
      concurrent, each, static_cast<double>(threads_alive) / concurrent, rss_alive / concurrent,
      Threads() - threads0, OpenFds() - fds0);
  return 0;
}

// --- soak -----------------------------------------------------------------------------------

// A STOMP subscriber that takes every message (ack:auto) and counts them.
class StompDrain {
 public:
  StompDrain(int port, const std::string& destination) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::exit(1);
    const std::string frames = std::string("CONNECT\naccept-version:1.2\nhost:/\n\n") + '\0' +
                               "SUBSCRIBE\nid:0\ndestination:" + destination + "\nack:auto\n\n" + '\0';
    if (send(fd_, frames.data(), frames.size(), 0) != static_cast<ssize_t>(frames.size())) std::exit(1);
    reader_ = std::thread([this] {
      char buffer[65536];
      for (;;) {
        const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) return;
        for (ssize_t i = 0; i < n; ++i) {
          if (buffer[i] == '\0') ++frames_;  // CONNECTED, then one per MESSAGE
        }
      }
    });
  }
  ~StompDrain() {
    shutdown(fd_, SHUT_RDWR);
    reader_.join();
    close(fd_);
  }

 private:
  int fd_ = -1;
  std::atomic<long> frames_{0};
  std::thread reader_;
};

// An SQS consumer over the JSON protocol: receive up to 10, delete them, again.
class SqsDrain {
 public:
  explicit SqsDrain(std::string endpoint, std::string queue_url)
      : endpoint_(std::move(endpoint)), queue_url_(std::move(queue_url)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~SqsDrain() {
    stop_ = true;
    thread_.join();
  }

 private:
  void Run() {
    httplib::Client http(endpoint_);
    http.set_keep_alive(true);
    http.set_tcp_nodelay(true);
    while (!stop_) {
      auto call = [&](const char* action, const json& body) {
        return http.Post("/", {{"X-Amz-Target", std::string("AmazonSQS.") + action}}, body.dump(),
                         "application/x-amz-json-1.0");
      };
      auto res = call("ReceiveMessage",
                      {{"QueueUrl", queue_url_}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", 1}});
      if (!res || res->status != 200) continue;
      json messages = json::parse(res->body).value("Messages", json::array());
      if (messages.empty()) continue;
      json entries = json::array();
      for (std::size_t i = 0; i < messages.size(); ++i) {
        entries.push_back({{"Id", std::to_string(i)}, {"ReceiptHandle", messages[i]["ReceiptHandle"]}});
      }
      auto deleted = call("DeleteMessageBatch", {{"QueueUrl", queue_url_}, {"Entries", entries}});
      if (!deleted || deleted->status != 200 || deleted->body.find("\"Failed\":[]") == std::string::npos) {
        std::cerr << "DeleteMessageBatch: " << (deleted ? deleted->body : "no answer") << "\n";
        std::exit(1);
      }
    }
  }
  std::string endpoint_, queue_url_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int Soak(long events, const std::string& csv_path) {
  epmock::ServerOptions options;  // default retention everywhere
  options.sqs_port = 0;
  options.stomp_port = 0;
  epmock::Server server(options);
  if (!server.Start().ok()) return 1;
  const std::string queue_url = server.Sqs()->CreateQueue("soak");
  Api api(server.Url(), "soak");
  api.CreateIntegration(Webhook(server.Url() + "/__sink/webhook/soak", "order.paid"));
  api.CreateIntegration(SqsIntegration(queue_url, "order.paid"));
  api.CreateIntegration(StompIntegration(server.Stomp()->Url(), "/queue/soak", "order.paid"));
  const std::string sqs_url = queue_url.substr(0, queue_url.find('/', std::string("http://").size()));
  SqsDrain sqs(sqs_url, queue_url);
  StompDrain stomp(server.Stomp()->Port(), "/queue/soak");

  std::ofstream csv;
  if (!csv_path.empty()) {
    csv.open(csv_path);
    csv << "events,seconds,rss_mib\n";
  }
  const auto start = Clock::now();
  const long sample_every = std::max<long>(1, events / 100);
  std::vector<double> rss;
  for (long fired = 0; fired < events;) {
    const long batch = std::min<long>(500, events - fired);
    for (long i = 0; i < batch; ++i) {
      if (!Fire(server, "soak", "order.paid")) return 1;
    }
    fired += batch;
    if (!server.WaitForIdle(std::chrono::seconds(120))) {
      std::cerr << "deliveries did not end\n";
      return 1;
    }
    if (fired % sample_every < batch) {
      const double seconds = Ms(Clock::now() - start) / 1000;
      rss.push_back(RssMiB());
      if (csv.is_open()) csv << fired << "," << seconds << "," << rss.back() << "\n";
      std::printf("%ld events, %.0f s, RSS %.1f MiB\n", fired, seconds, rss.back());
      std::fflush(stdout);
    }
  }
  const std::vector<double> second_half(rss.begin() + static_cast<long>(rss.size() / 2), rss.end());
  const auto [low, high] = std::minmax_element(second_half.begin(), second_half.end());
  std::size_t queued = 0;
  server.Sqs()->MessagesPage("soak", 0, 1, &queued);
  std::printf(
      "RSS over the second half: %.1f to %.1f MiB (%.1f%% apart); the store holds %zu events; %zu "
      "messages on the queue, %zu pending at the destination\n",
      *low, *high, 100.0 * (*high - *low) / *low, server.Events("soak").size(), queued,
      server.Stomp()->Pending("/queue/soak"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "lists")
    return Lists(NumberArg(argc, argv, "--max", 100000), Arg(argc, argv, "--csv", ""), false);
  if (mode == "queues")
    return Lists(NumberArg(argc, argv, "--max", 100000), Arg(argc, argv, "--csv", ""), true);
  if (mode == "memory") return Memory();
  if (mode == "trigger")
    return Trigger(NumberArg(argc, argv, "--events", 100000), NumberArg(argc, argv, "--stores", 1000));
  if (mode == "servers")
    return Servers(NumberArg(argc, argv, "--sequential", 200), NumberArg(argc, argv, "--concurrent", 20));
  if (mode == "soak") return Soak(NumberArg(argc, argv, "--events", 1000000), Arg(argc, argv, "--csv", ""));
  std::cerr << "usage: scale_bench lists|memory|trigger|servers|soak [options] (see the file's head)\n";
  return 2;
}
