// One refusal, whichever door: every control operation's bad inputs sent through the C++ API
// (Server), through HTTP (the admin routes) and, for the CLI's remote commands, through
// `epmock trigger` and `epmock story` against the same server. Each door must refuse with the
// same code and the same words, and change nothing (api/control.h is the one place that checks).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "epmock/server.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"
#include "support/child.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;
using ::epmock::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using json = nlohmann::json;
using testing_support::ApiClient;
using testing_support::Child;
using testing_support::Reply;

// A request of the admin API: method, path, and a JSON body (null: none).
struct HttpDoor {
  std::string method;
  std::string path;
  json body = nullptr;
};

struct DoorCase {
  const char* name;
  // The C++ API's call, for a client id.
  std::function<Status(Server&, const std::string&)> cpp;
  HttpDoor http;
  // The CLI's arguments after `--server URL --client-id ID` are added; empty: no CLI door.
  std::vector<std::string> cli;
  StatusCode code;
  // The refusal's words; "{client}" stands for the client id.
  std::string message;
};
void PrintTo(const DoorCase& c, std::ostream* os) { *os << c.name; }

template <typename T>
Status StatusOf(const StatusOr<T>& result) {
  return result.status();
}

int HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return 422;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kFailedPrecondition:
      return 409;
    default:
      return 500;
  }
}

std::string Title(int status) {
  switch (status) {
    case 422:
      return "Failed Validation";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    default:
      return "";
  }
}

std::string Filled(std::string text, const std::string& client) {
  const std::string marker = "{client}";
  for (std::size_t at; (at = text.find(marker)) != std::string::npos;)
    text.replace(at, marker.size(), client);
  return text;
}

TriggerRequest Trigger(std::string type, std::optional<json> data = std::nullopt) {
  return TriggerRequest{std::move(type), std::move(data), std::nullopt};
}

BatchRequest Batch(std::string type, std::size_t count, std::string profile = "realistic") {
  BatchRequest request;
  request.type = std::move(type);
  request.count = count;
  request.profile = std::move(profile);
  return request;
}

StoryOptions Jitter(int ms) {
  StoryOptions options;
  options.max_jitter_ms = ms;
  return options;
}

Fault FaultWith(const std::function<void(Fault&)>& change) {
  Fault fault;
  fault.duplicate = 1;
  change(fault);
  return fault;
}

json FaultJson(const Fault& fault) {
  json body = fault.ToJson();
  body.erase("id");
  return body;
}

ApiFault ApiFaultWith(const std::function<void(ApiFault&)>& change) {
  ApiFault fault;
  fault.status = 503;
  change(fault);
  return fault;
}

json ApiFaultJson(const ApiFault& fault) {
  json body = fault.ToJson();
  body.erase("id");
  return body;
}

constexpr char kNotAnEvent[] = "'order.nope' is not an observable event (see the Observable Events table)";

const std::vector<DoorCase>& Cases() {
  static const std::vector<DoorCase> cases = {
      // --- events ---
      {"trigger_without_a_type", [](Server& s, const std::string& c) { return StatusOf(s.Trigger(c, Trigger(""))); },
       {"POST", "/__admin/events", json::object()},
       {"trigger", ""},
       StatusCode::kInvalidArgument,
       "type is required: an observable event key such as order.paid"},
      {"trigger_an_unknown_event",
       [](Server& s, const std::string& c) { return StatusOf(s.Trigger(c, Trigger("order.nope"))); },
       {"POST", "/__admin/events", {{"type", "order.nope"}}},
       {"trigger", "order.nope"},
       StatusCode::kInvalidArgument,
       kNotAnEvent},
      {"trigger_with_data_not_an_object",
       [](Server& s, const std::string& c) { return StatusOf(s.Trigger(c, Trigger("order.paid", json::array()))); },
       {"POST", "/__admin/events", {{"type", "order.paid"}, {"data", json::array()}}},
       {},
       StatusCode::kInvalidArgument,
       "data must be a JSON object (the resource)"},
      {"batch_of_none",
       [](Server& s, const std::string& c) { return StatusOf(s.TriggerBatch(c, Batch("order.paid", 0))); },
       {"POST", "/__admin/events/batch", {{"type", "order.paid"}, {"count", 0}}},
       {"trigger", "order.paid", "--count", "0"},
       StatusCode::kInvalidArgument,
       "count: from 1 to 10000"},
      {"batch_past_the_limit",
       [](Server& s, const std::string& c) { return StatusOf(s.TriggerBatch(c, Batch("order.paid", 10001))); },
       {"POST", "/__admin/events/batch", {{"type", "order.paid"}, {"count", 10001}}},
       {"trigger", "order.paid", "--count", "10001"},
       StatusCode::kInvalidArgument,
       "count: from 1 to 10000"},
      {"batch_of_an_unknown_profile",
       [](Server& s, const std::string& c) { return StatusOf(s.TriggerBatch(c, Batch("order.paid", 2, "wild"))); },
       {"POST", "/__admin/events/batch", {{"type", "order.paid"}, {"count", 2}, {"profile", "wild"}}},
       {"trigger", "order.paid", "--count", "2", "--profile", "wild"},
       StatusCode::kInvalidArgument,
       "profile: 'realistic', 'edge-cases' or 'forward-compatible', not 'wild'"},
      {"batch_of_an_unknown_event",
       [](Server& s, const std::string& c) { return StatusOf(s.TriggerBatch(c, Batch("order.nope", 2))); },
       {"POST", "/__admin/events/batch", {{"type", "order.nope"}, {"count", 2}}},
       {"trigger", "order.nope", "--count", "2"},
       StatusCode::kInvalidArgument,
       kNotAnEvent},
      {"replay_of_an_unknown_event",
       [](Server& s, const std::string& c) { return StatusOf(s.Replay(c, "nope")); },
       {"POST", "/__admin/events/nope/replay", json::object()},
       {},
       StatusCode::kNotFound,
       "no event nope in this store"},
      // --- stories ---
      {"run_an_unknown_story", [](Server& s, const std::string& c) { return StatusOf(s.RunStory(c, "nope")); },
       {"POST", "/__admin/stories/nope", json::object()},
       {"story", "run", "nope"},
       StatusCode::kNotFound,
       "no story named nope (GET /__admin/stories lists them)"},
      {"run_with_a_negative_jitter",
       [](Server& s, const std::string& c) { return StatusOf(s.RunStory(c, "checkout", Jitter(-1))); },
       {"POST", "/__admin/stories/checkout", {{"max_jitter_ms", -1}}},
       {"story", "run", "checkout", "--max-jitter-ms=-1"},
       StatusCode::kInvalidArgument,
       "max_jitter_ms: a whole number from 0 to 60000"},
      {"run_with_a_jitter_past_int",
       [](Server& s, const std::string& c) {
         return StatusOf(s.RunStory(c, "checkout", Jitter(std::numeric_limits<int>::max())));
       },
       {"POST", "/__admin/stories/checkout", {{"max_jitter_ms", 1LL << 40}}},
       {"story", "run", "checkout", "--max-jitter-ms", "1099511627776"},
       StatusCode::kInvalidArgument,
       "max_jitter_ms: a whole number from 0 to 60000"},
      {"run_none_at_once",
       [](Server& s, const std::string& c) { return StatusOf(s.RunStories(c, "checkout", 0)); },
       {"POST", "/__admin/stories/checkout", {{"count", 0}}},
       {"story", "run", "checkout", "--count", "0"},
       StatusCode::kInvalidArgument,
       "count: a whole number from 1 to 64 (the runs a server plays at once)"},
      {"run_more_than_the_server_plays",
       [](Server& s, const std::string& c) { return StatusOf(s.RunStories(c, "checkout", 65)); },
       {"POST", "/__admin/stories/checkout", {{"count", 65}}},
       {"story", "run", "checkout", "--count", "65"},
       StatusCode::kInvalidArgument,
       "count: a whole number from 1 to 64 (the runs a server plays at once)"},
      {"run_with_set_not_an_object",
       [](Server& s, const std::string& c) {
         StoryOptions options;
         options.set = 5;
         return StatusOf(s.RunStory(c, "checkout", options));
       },
       {"POST", "/__admin/stories/checkout", {{"set", 5}}},
       {},
       StatusCode::kInvalidArgument,
       "set: an object of subjects' fields: {\"order\": {...}}"},
      {"stop_an_unknown_run", [](Server& s, const std::string& c) { return StatusOf(s.StopStory(c, "story-999")); },
       {"DELETE", "/__admin/stories/runs/story-999"},
       {"story", "stop", "story-999"},
       StatusCode::kNotFound,
       "No story run story-999 in this store"},
      // --- delivery faults ---
      {"fault_with_a_negative_duplicate",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddFault(c, FaultWith([](Fault& f) { f.duplicate = -7; })));
       },
       {"POST", "/__admin/faults", FaultJson(FaultWith([](Fault& f) { f.duplicate = -7; }))},
       {},
       StatusCode::kInvalidArgument,
       "duplicate must be a whole number from 0 to 100"},
      {"fault_delayed_past_a_day",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddFault(c, FaultWith([](Fault& f) { f.delay_ms = 86400001; })));
       },
       {"POST", "/__admin/faults", FaultJson(FaultWith([](Fault& f) { f.delay_ms = 86400001; }))},
       {},
       StatusCode::kInvalidArgument,
       "delay_ms must be a whole number from 0 to 86400000"},
      {"fault_with_an_unknown_refusal",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddFault(c, FaultWith([](Fault& f) { f.refuse = "shout"; })));
       },
       {"POST", "/__admin/faults", FaultJson(FaultWith([](Fault& f) { f.refuse = "shout"; }))},
       {},
       StatusCode::kInvalidArgument,
       "refuse must be one of wrong_secret, missing_secret, invalid_json, other_store, replay"},
      {"fault_that_does_nothing",
       [](Server& s, const std::string& c) { return StatusOf(s.AddFault(c, Fault())); },
       {"POST", "/__admin/faults", FaultJson(Fault())},
       {},
       StatusCode::kInvalidArgument,
       "the fault does nothing: set duplicate, reorder, delay_ms, fail_first_attempts, late_first_attempts or "
       "refuse"},
      {"fault_late_past_a_thousand_attempts",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddFault(c, FaultWith([](Fault& f) { f.late_first_attempts = 1001; })));
       },
       {"POST", "/__admin/faults", FaultJson(FaultWith([](Fault& f) { f.late_first_attempts = 1001; }))},
       {},
       StatusCode::kInvalidArgument,
       "late_first_attempts must be a whole number from 0 to 1000"},
      {"fault_on_an_unknown_integration",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddFault(c, FaultWith([](Fault& f) { f.integration_id = "nope"; })));
       },
       {"POST", "/__admin/faults", FaultJson(FaultWith([](Fault& f) { f.integration_id = "nope"; }))},
       {},
       StatusCode::kInvalidArgument,
       "No integration nope in this store"},
      {"remove_an_unknown_fault", [](Server& s, const std::string& c) { return s.RemoveFault(c, "nope"); },
       {"DELETE", "/__admin/faults/nope"},
       {},
       StatusCode::kNotFound,
       "No fault nope in this store"},
      // --- API faults ---
      {"api_fault_of_a_404",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddApiFault(c, ApiFaultWith([](ApiFault& f) { f.status = 404; })));
       },
       {"POST", "/__admin/api-faults", ApiFaultJson(ApiFaultWith([](ApiFault& f) { f.status = 404; }))},
       {},
       StatusCode::kInvalidArgument,
       "status must be 429, 500 or 503"},
      {"api_fault_for_no_request",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddApiFault(c, ApiFaultWith([](ApiFault& f) { f.requests = 0; })));
       },
       {"POST", "/__admin/api-faults", ApiFaultJson(ApiFaultWith([](ApiFault& f) { f.requests = 0; }))},
       {},
       StatusCode::kInvalidArgument,
       "requests must be a whole number from 1 to 100000"},
      {"api_fault_delayed_past_a_minute",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddApiFault(c, ApiFaultWith([](ApiFault& f) { f.delay_ms = 60001; })));
       },
       {"POST", "/__admin/api-faults", ApiFaultJson(ApiFaultWith([](ApiFault& f) { f.delay_ms = 60001; }))},
       {},
       StatusCode::kInvalidArgument,
       "delay_ms must be a whole number from 0 to 60000"},
      {"api_fault_of_an_unknown_method",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddApiFault(c, ApiFaultWith([](ApiFault& f) { f.method = "PATCH"; })));
       },
       {"POST", "/__admin/api-faults", ApiFaultJson(ApiFaultWith([](ApiFault& f) { f.method = "PATCH"; }))},
       {},
       StatusCode::kInvalidArgument,
       "method must be GET, POST, PUT or DELETE"},
      {"api_fault_outside_v2",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddApiFault(c, ApiFaultWith([](ApiFault& f) { f.path = "/oauth/*"; })));
       },
       {"POST", "/__admin/api-faults", ApiFaultJson(ApiFaultWith([](ApiFault& f) { f.path = "/oauth/*"; }))},
       {},
       StatusCode::kInvalidArgument,
       "path must be a /v2/ path pattern of at most 512 characters ('*' for one segment)"},
      {"api_fault_that_does_nothing",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddApiFault(c, ApiFaultWith([](ApiFault& f) { f.status = 0; })));
       },
       {"POST", "/__admin/api-faults", ApiFaultJson(ApiFaultWith([](ApiFault& f) { f.status = 0; }))},
       {},
       StatusCode::kInvalidArgument,
       "the API fault does nothing: set status, delay_ms or reset"},
      {"api_fault_that_resets_and_answers",
       [](Server& s, const std::string& c) {
         return StatusOf(s.AddApiFault(c, ApiFaultWith([](ApiFault& f) { f.reset = true; })));
       },
       {"POST", "/__admin/api-faults", ApiFaultJson(ApiFaultWith([](ApiFault& f) { f.reset = true; }))},
       {},
       StatusCode::kInvalidArgument,
       "a reset connection answers no status: set status or reset, not both"},
      {"remove_an_unknown_api_fault", [](Server& s, const std::string& c) { return s.RemoveApiFault(c, "nope"); },
       {"DELETE", "/__admin/api-faults/nope"},
       {},
       StatusCode::kNotFound,
       "No API fault nope in this store"},
      // --- the store, organizations ---
      {"store_of_an_unknown_kind", [](Server& s, const std::string& c) { return s.SetStoreKind(c, "staging"); },
       {"PUT", "/__admin/store", {{"kind", "staging"}}},
       {},
       StatusCode::kInvalidArgument,
       "kind: production or development, not 'staging'"},
      {"store_pages_of_none", [](Server& s, const std::string& c) { return s.SetPageLength(c, 0); },
       {"PUT", "/__admin/store", {{"page_length", 0}}},
       {},
       StatusCode::kInvalidArgument,
       "page_length: a whole number from 1 to 100, not 0"},
      {"store_pages_past_the_limit", [](Server& s, const std::string& c) { return s.SetPageLength(c, 101); },
       {"PUT", "/__admin/store", {{"page_length", 101}}},
       {},
       StatusCode::kInvalidArgument,
       "page_length: a whole number from 1 to 100, not 101"},
      {"organization_of_an_empty_client",
       [](Server& s, const std::string& c) { return StatusOf(s.DeclareOrganization(c, {""})); },
       {"PUT", "/__admin/organization", {{"stores", {""}}}},
       {},
       StatusCode::kInvalidArgument,
       "stores[0] must be a client_id of 1 to 256 characters"},
      {"organization_of_itself",
       [](Server& s, const std::string& c) { return StatusOf(s.DeclareOrganization(c, {c})); },
       {"PUT", "/__admin/organization", {{"stores", {"{client}"}}}},
       {},
       StatusCode::kInvalidArgument,
       "stores[0]: an organization is not a store of its own"},
      {"forget_no_organization", [](Server& s, const std::string& c) { return s.ForgetOrganization(c); },
       {"DELETE", "/__admin/organization"},
       {},
       StatusCode::kNotFound,
       "'{client}' declared no organization"},
      // --- sinks, queues ---
      {"sink_answering_99",
       [](Server& s, const std::string&) { return s.SinkRespondWith("doors", {SinkResponse{99, 0, ""}}); },
       {"PUT", "/__admin/sinks/webhook/doors", {{"responses", {{{"status", 99}}}}}},
       {},
       StatusCode::kInvalidArgument,
       "each response needs a status from 100 to 599"},
      {"sink_answering_after_ten_minutes",
       [](Server& s, const std::string&) { return s.SinkRespondWith("doors", {SinkResponse{200, 600001, ""}}); },
       {"PUT", "/__admin/sinks/webhook/doors", {{"responses", {{{"status", 200}, {"delay_ms", 600001}}}}}},
       {},
       StatusCode::kInvalidArgument,
       "delay_ms must be a whole number of milliseconds from 0 to 600000"},
      {"sink_with_too_many_answers",
       [](Server& s, const std::string&) {
         return s.SinkRespondWith("doors", std::vector<SinkResponse>(1001, SinkResponse{200, 0, ""}));
       },
       {"PUT", "/__admin/sinks/webhook/doors",
        {{"responses", json(std::vector<json>(1001, json{{"status", 200}}))}}},
       {},
       StatusCode::kInvalidArgument,
       "responses: at most 1000 (the last repeats)"},
      {"queue_of_a_bad_name", [](Server& s, const std::string&) { return StatusOf(s.CreateQueue("a.b")); },
       {"PUT", "/__admin/sqs/queues/a.b", json::object()},
       {},
       StatusCode::kInvalidArgument,
       "A queue name is 1 to 80 letters, digits, hyphens and underscores"},
  };
  return cases;
}

// Hand-written, not EpmockTest: the C++ door under test is the Server, called directly beside
// HTTP and the CLI; a harness's sink and client would take no part.
class FrontDoorsTest : public ::testing::TestWithParam<DoorCase> {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.sqs_port = 0;
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_->Url());
  }
  // What a refusal must have left as it was.
  void ExpectNothingChanged() {
    EXPECT_THAT(server_->Events(api_->client_id()), IsEmpty());
    EXPECT_THAT(server_->Faults(api_->client_id()), IsEmpty());
    EXPECT_THAT(server_->ApiFaults(api_->client_id()), IsEmpty());
    const Reply store = api_->Get("/__admin/store");
    EXPECT_EQ(store.json["data"]["kind"], "production");
    EXPECT_EQ(store.json["data"]["page_length"], 25);
    EXPECT_EQ(api_->Get("/__admin/stories/runs").json["data"], json::array());
  }
  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_P(FrontDoorsTest, EachDoorRefusesWithTheSameCodeAndWords) {
  const DoorCase& c = GetParam();
  const std::string client = api_->client_id();
  const std::string message = Filled(c.message, client);

  EXPECT_THAT(c.cpp(*server_, client), StatusIs(c.code, message)) << "the C++ API";
  ExpectNothingChanged();

  const json body = c.http.body.is_null() ? json(nullptr) : json::parse(Filled(c.http.body.dump(), client));
  const Reply r = c.http.body.is_null()
                      ? api_->Send(c.http.method, c.http.path, "", "")
                      : api_->Send(c.http.method, c.http.path, body.dump(), "application/json");
  EXPECT_EQ(r.status, HttpStatusOf(c.code)) << "HTTP: " << r.body;
  ASSERT_TRUE(r.json.is_object()) << r.body;
  EXPECT_EQ(r.json["errors"][0]["detail"], message) << "HTTP: " << r.body;
  ExpectNothingChanged();

  if (c.cli.empty()) return;
  std::vector<std::string> args = c.cli;
  for (const std::string& flag :
       {std::string("--server"), server_->Url(), std::string("--client-id"), client})
    args.push_back(flag);
  Child cli(args);
  EXPECT_EQ(cli.Wait(std::chrono::seconds(30)), 1) << "the CLI: " << cli.Stderr();
  const int status = HttpStatusOf(c.code);
  EXPECT_THAT(cli.Stderr(),
              HasSubstr(": " + std::to_string(status) + " " + Title(status) + ": " + message + "\n"))
      << "the CLI";
  ExpectNothingChanged();
}

INSTANTIATE_TEST_SUITE_P(Control, FrontDoorsTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<DoorCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace epmock
