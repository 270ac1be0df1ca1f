// In-process costs of the engine (Google Benchmark).
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/journal.h"
#include "api/router.h"
#include "aws/sigv4.h"
#include "codec/stomp_frame.h"
#include "envelope/envelope.h"
#include "epmock/server.h"
#include "epmock/spec.h"
#include "epmock/stomp.h"
#include "sqs/protocol.h"
#include "sqs/queues.h"
#include "store/store.h"

namespace {

using nlohmann::json;

const char kCreateBody[] = R"({"data":{"type":"integration","name":"Order shipping notification",
  "description":"Send a shipping notification via email with discount code.","enabled":true,
  "observes":["order.fulfilled"],"integration_type":"webhook",
  "configuration":{"url":"https://yourwebsite.com/order-created-notification"}}})";

epmock::internal::HttpRequest Request(std::string method, std::string path, std::string authorization,
                                      std::string content_type, std::string body) {
  epmock::internal::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (!authorization.empty()) r.headers.emplace_back("Authorization", std::move(authorization));
  if (!content_type.empty()) r.headers.emplace_back("Content-Type", std::move(content_type));
  r.base_url = "http://h";
  r.body = std::move(body);
  return r;
}

// Validating a create body against the compiled schema (no HTTP).
void BM_ValidateCreateBody(benchmark::State& state) {
  auto spec = epmock::Spec::Default();
  json body = json::parse(kCreateBody);
  for (auto _ : state) {
    auto violations = spec->ValidateRequest("CreateIntegration", body);
    benchmark::DoNotOptimize(violations);
  }
}
BENCHMARK(BM_ValidateCreateBody);

// Loading and compiling the spec from scratch: the one-time cost of the first Server.
void BM_LoadSpec(benchmark::State& state) {
  for (auto _ : state) {
    auto spec = epmock::Spec::Load({});
    benchmark::DoNotOptimize(spec);
  }
}
BENCHMARK(BM_LoadSpec)->Unit(benchmark::kMillisecond);

// Start() of a Server once the process has loaded the spec: how long a test fixture waits
// for a ready server. Stop is timed separately below.
void BM_SecondServerStart(benchmark::State& state) {
  epmock::Spec::Default();
  for (auto _ : state) {
    epmock::Server server;
    if (!server.Start().ok()) state.SkipWithError("start failed");
    state.PauseTiming();
    server.Stop();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_SecondServerStart)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ServerStop(benchmark::State& state) {
  epmock::Spec::Default();
  for (auto _ : state) {
    state.PauseTiming();
    epmock::Server server;
    if (!server.Start().ok()) state.SkipWithError("start failed");
    state.ResumeTiming();
    server.Stop();
  }
}
BENCHMARK(BM_ServerStop)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A whole create through the router: parse, validate, store, render (no sockets).
void BM_RouterCreate(benchmark::State& state) {
  epmock::ServerOptions options;
  options.integration_limit = 0;
  options.journal_capacity = 1000;
  epmock::internal::Engine engine(options, epmock::Spec::Default());
  auto token = Request("POST", "/oauth/access_token", "", "application/x-www-form-urlencoded",
                       "grant_type=client_credentials&client_secret=s&client_id=bench");
  std::string access = json::parse(epmock::internal::Route(engine, token).body)["access_token"];
  auto create = Request("POST", "/v2/integrations", "Bearer " + access, "application/json", kCreateBody);
  for (auto _ : state) {
    auto response = epmock::internal::Route(engine, create);
    if (response.status != 201) state.SkipWithError("create failed");
  }
}
BENCHMARK(BM_RouterCreate);

void BM_RouterGet(benchmark::State& state) {
  epmock::internal::Engine engine(epmock::ServerOptions{}, epmock::Spec::Default());
  auto token = Request("POST", "/oauth/access_token", "", "application/x-www-form-urlencoded",
                       "grant_type=client_credentials&client_secret=s&client_id=bench");
  std::string access = json::parse(epmock::internal::Route(engine, token).body)["access_token"];
  auto create = Request("POST", "/v2/integrations", "Bearer " + access, "application/json", kCreateBody);
  std::string id = json::parse(epmock::internal::Route(engine, create).body)["data"]["id"];
  auto get = Request("GET", "/v2/integrations/" + id, "Bearer " + access, "", "");
  for (auto _ : state) {
    auto response = epmock::internal::Route(engine, get);
    if (response.status != 200) state.SkipWithError("get failed");
  }
}
BENCHMARK(BM_RouterGet);

// An order.paid event's webhook envelope: payload serialized and validated once per event
// (BuildEventBodies), then the body of one delivery assembled (WebhookBody).
void BM_BuildWebhookEnvelope(benchmark::State& state) {
  auto spec = epmock::Spec::Default();
  epmock::internal::EventRecord event;
  event.id = "c138854a-5311-4543-a368-01e099f5519b";
  event.type = "order.paid";
  event.store_id = "b33e328f-31a8-4d57-b0a3-ebf1039b3756";
  event.data = json::parse(R"({"type":"order","id":"1d67160d-dacb-43ed-80ef-c3c4e7ddf764","status":"complete",
    "payment":"paid","shipping":"unfulfilled","customer":{"name":"Ron Swanson","email":"ron@example.com"},
    "meta":{"display_price":{"with_tax":{"amount":10000,"currency":"GBP","formatted":"\u00a3100.00"}}}})");
  epmock::internal::Integration integration;
  integration.id = "af7bbcc7-f77f-4a8f-abdb-4f039c5c9d81";
  integration.integration_type = "webhook";
  integration.name = "Order paid notification";
  integration.configuration = {{"url", "https://example.com/hook"}, {"secret_key", "s"}};
  for (auto _ : state) {
    auto bodies = epmock::internal::BuildEventBodies(event, *spec, {/*webhook=*/true, /*cloudevent=*/false});
    std::string body = epmock::internal::WebhookBody(event, *bodies, integration, 1);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_BuildWebhookEnvelope);

// Signing an SQS SendMessage with SigV4 (canonical request, HMAC chain).
void BM_SigV4Sign(benchmark::State& state) {
  const std::string payload(600, 'x');
  for (auto _ : state) {
    epmock::internal::SigV4Request request{"POST",
                                           "/",
                                           "",
                                           {{"Host", "sqs.eu-west-1.amazonaws.com"},
                                            {"Content-Type", "application/x-amz-json-1.0"},
                                            {"X-Amz-Target", "AmazonSQS.SendMessage"}},
                                           payload};
    epmock::internal::SignRequest(&request, {"AKIDEXAMPLE", "20261123", "eu-west-1", "sqs"}, "secret",
                                  "20261123T093532Z");
    benchmark::DoNotOptimize(request.headers);
  }
}
BENCHMARK(BM_SigV4Sign);

// Parsing a STOMP SEND frame carrying a CloudEvent, as the broker receives it.
void BM_ParseStompFrame(benchmark::State& state) {
  const std::string body(700, 'x');
  const std::string bytes =
      "SEND\ndestination:/queue/orders\ncontent-type:application/json\ncontent-length:" +
      std::to_string(body.size()) + "\npersistent:true\nreceipt:r-1\n\n" + body + std::string(1, '\0');
  for (auto _ : state) {
    epmock::internal::StompParser parser;
    parser.Append(bytes.data(), bytes.size());
    epmock::internal::StompFrame frame;
    std::string error;
    if (parser.Next(&frame, &error) != epmock::internal::StompParser::Result::kFrame)
      state.SkipWithError("no frame");
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(BM_ParseStompFrame);

// One query-protocol SendMessage through the SQS endpoint's protocol layer (parse the form,
// store the message, MD5s, the XML answer), no sockets.
void BM_SqsQueryRequest(benchmark::State& state) {
  epmock::internal::SqsQueues queues;
  std::optional<epmock::internal::SqsError> error;
  queues.Create("orders", {}, &error);
  epmock::internal::HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.base_url = "http://127.0.0.1:9324";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body =
      "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A9324%2F000000000000%2Forders"
      "&MessageBody=" +
      std::string(600, 'x') +
      "&MessageAttribute.1.Name=kind&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value."
      "StringValue=event";
  std::size_t sent = 0;
  for (auto _ : state) {
    auto response = epmock::internal::HandleSqsRequest(queues, request, {});
    if (response.status != 200) state.SkipWithError("send failed");
    if (++sent % 10000 == 0) {  // keep the queue from growing without bound
      state.PauseTiming();
      epmock::internal::HttpRequest purge = request;
      purge.body = "Action=PurgeQueue&QueueUrl=http%3A%2F%2F127.0.0.1%3A9324%2F000000000000%2Forders";
      epmock::internal::HandleSqsRequest(queues, purge, {});
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_SqsQueryRequest);

}  // namespace

// One page (25) of a store's logs, at the front and at a deep offset, as the store holds
// more: what GET /v2/integrations/logs costs the store. Flat when only the page is copied.
void BM_StoreLogsPage(benchmark::State& state) {
  const auto stored = static_cast<std::size_t>(state.range(0));
  const bool deep = state.range(1) != 0;
  epmock::internal::Store store("bench", epmock::internal::Retention{10, 1u << 30, stored});
  for (std::size_t i = 0; i < stored; ++i) {
    epmock::IntegrationLog log;
    log.id = "log-" + std::to_string(i);
    log.integration_id = "integration";
    log.job_id = "job-" + std::to_string(i);
    log.body = std::string(200, 'x');
    store.AddLog(log);
  }
  const std::size_t offset = deep ? stored / 2 : 0;
  for (auto _ : state) {
    auto page = store.LogsPage("", "", offset, 25);
    benchmark::DoNotOptimize(page);
  }
  state.SetLabel(std::to_string(stored) + " logs, offset " + std::to_string(offset));
}
BENCHMARK(BM_StoreLogsPage)
    ->Args({100, 0})
    ->Args({100, 1})
    ->Args({100000, 0})
    ->Args({100000, 1})
    ->Args({1000000, 0})
    ->Args({1000000, 1});

// The admin lists as stores fill up (issue 14): one page (25) of events, at the front, at a
// deep offset, and through the cursor (page[after]) from the middle; one page of a store's
// journal among many stores' requests; and, for the record of what is not flat yet, one page
// of a single integration's logs (a filtered scan).
void BM_StoreEventsPage(benchmark::State& state) {
  const auto stored = static_cast<std::size_t>(state.range(0));
  const int mode = static_cast<int>(state.range(1));  // 0 front, 1 deep offset, 2 cursor
  epmock::internal::Store store("bench", epmock::internal::Retention{stored, std::size_t{1} << 40, 10});
  std::string middle;
  for (std::size_t i = 0; i < stored; ++i) {
    auto event = std::make_shared<epmock::internal::EventRecord>();
    event->id = "event-" + std::to_string(i);
    event->type = "order.paid";
    event->data = {{"type", "order"}, {"id", event->id}};
    if (i == stored / 2) middle = event->id;
    store.AddEvent(std::move(event));
  }
  for (auto _ : state) {
    if (mode == 2) {
      auto page = store.EventsAfter(middle, 25);
      benchmark::DoNotOptimize(page);
    } else {
      auto page = store.EventsPage(mode == 1 ? stored / 2 : 0, 25);
      benchmark::DoNotOptimize(page);
    }
  }
  state.SetLabel(std::to_string(stored) + " events, " +
                 (mode == 0   ? "front"
                  : mode == 1 ? "deep offset"
                              : "cursor"));
}
BENCHMARK(BM_StoreEventsPage)
    ->Args({100, 0})
    ->Args({100, 1})
    ->Args({100, 2})
    ->Args({1000000, 0})
    ->Args({1000000, 1})
    ->Args({1000000, 2});

void BM_JournalStorePage(benchmark::State& state) {
  const auto stored = static_cast<std::size_t>(state.range(0));
  const bool deep = state.range(1) != 0;
  epmock::internal::Journal journal(stored);
  for (std::size_t i = 0; i < stored; ++i) {
    epmock::RequestRecord record;
    record.method = "GET";
    record.path = "/v2/integrations";
    record.store_id = "store-" + std::to_string(i % 10);  // ten stores share the journal
    journal.Record(std::move(record));
  }
  const std::size_t held = stored / 10;
  for (auto _ : state) {
    auto page = journal.RecordsPage("store-3", deep ? held / 2 : 0, 25);
    benchmark::DoNotOptimize(page);
  }
  state.SetLabel(std::to_string(stored) + " requests, " + (deep ? "deep offset" : "front"));
}
BENCHMARK(BM_JournalStorePage)->Args({100, 0})->Args({100, 1})->Args({1000000, 0})->Args({1000000, 1});

void BM_StoreIntegrationLogsPage(benchmark::State& state) {
  const auto stored = static_cast<std::size_t>(state.range(0));
  epmock::internal::Store store("bench", epmock::internal::Retention{10, 1u << 30, stored});
  for (std::size_t i = 0; i < stored; ++i) {
    epmock::IntegrationLog log;
    log.id = "log-" + std::to_string(i);
    log.integration_id = "integration-" + std::to_string(i % 4);
    log.job_id = "job-" + std::to_string(i);
    store.AddLog(log);
  }
  for (auto _ : state) {
    auto page = store.LogsPage("integration-1", "", 0, 25);
    benchmark::DoNotOptimize(page);
  }
  state.SetLabel(std::to_string(stored) + " logs of 4 integrations, one integration's first page");
}
BENCHMARK(BM_StoreIntegrationLogsPage)->Arg(100)->Arg(100000)->Arg(1000000);

// One page (25) of a STOMP destination's record of sent messages (StompBroker::MessagesPage,
// what GET /__admin/stomp/messages pages with), the broker alone holding 100 or 1,000,000,
// sent through a real connection (1,200-byte bodies).
void BM_StompHistoryPage(benchmark::State& state) {
  const auto stored = static_cast<std::size_t>(state.range(0));
  epmock::StompBrokerOptions options;
  options.history_messages = stored + 10;
  options.history_bytes = std::size_t{1} << 40;
  options.max_pending_messages = stored + 10;
  epmock::StompBroker broker(options);
  if (!broker.Start().ok()) return state.SkipWithError("the broker did not start");
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(broker.Port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return state.SkipWithError("no connection");
  const std::string frame =
      "SEND\ndestination:/queue/bench\ncontent-type:application/json\ncontent-length:1200\n"
      "persistent:true\n\n" +
      std::string(1200, 'x') + '\0';
  std::string out = std::string("CONNECT\naccept-version:1.2\nhost:/\n\n") + '\0';
  for (std::size_t i = 0; i < stored; ++i) {
    out += frame;
    if (out.size() > (1 << 20) || i + 1 == stored) {
      for (std::size_t sent = 0; sent < out.size();) {
        const ssize_t n = send(fd, out.data() + sent, out.size() - sent, 0);
        if (n <= 0) return state.SkipWithError("send failed");
        sent += static_cast<std::size_t>(n);
      }
      out.clear();
    }
  }
  if (!broker.WaitForMessages("/queue/bench", stored, std::chrono::seconds(300)))
    return state.SkipWithError("the broker did not take every message");
  std::size_t total = 0;
  for (auto _ : state) {
    auto page = broker.MessagesPage("/queue/bench", stored / 2, 25, &total);
    benchmark::DoNotOptimize(page);
  }
  close(fd);
  state.SetLabel(std::to_string(stored) + " messages, the middle page");
}
BENCHMARK(BM_StompHistoryPage)->Arg(100)->Arg(1000000)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
