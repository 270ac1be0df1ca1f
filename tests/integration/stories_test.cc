// Stories (issue 12): whole flows as events about resources that stay the same across the
// steps, delivered in step order by default, as the platform may fire them on request.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "epmock/server.h"
#include "epmock/sinks.h"
#include "epmock/spec.h"
#include "epmock/story.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ApiClient;
using testing_support::Reply;

constexpr std::chrono::seconds kWait(20);

// Every key the built-in stories fire.
std::vector<std::string> StoryKeys(const Server& server) {
  std::set<std::string> keys;
  for (const Story& story : server.Stories()) {
    for (const StoryStep& step : story.steps) {
      keys.insert(step.event);
      keys.insert(step.also.begin(), step.also.end());
    }
  }
  return {keys.begin(), keys.end()};
}

// A resource with every timestamp-like string blanked: what the seed fixes.
json WithoutTimes(json value) {
  static const std::regex kTime("^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*");
  if (value.is_string() && std::regex_match(value.get<std::string>(), kTime)) return "<time>";
  if (value.is_object() || value.is_array()) {
    for (json& item : value) item = WithoutTimes(item);
  }
  return value;
}

// Hand-written, not EpmockTest: tests restart the server with story files and time scales of
// their own (Start(options, time_scale)), keeping one sink across restarts.
class StoriesTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(ServerOptions options, double time_scale = 0.001) {
    options.time_scale = time_scale;
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    if (!sink_started_) {
      ASSERT_THAT(sink_.Start(), IsOk());
      sink_started_ = true;
    }
    api_ = std::make_unique<ApiClient>(server_->Url());
    // Every key the stories fire, observed by one integration each time (an integration
    // observes at most 5 keys, as on the platform).
    const std::vector<std::string> keys = StoryKeys(*server_);
    for (std::size_t from = 0; from < keys.size(); from += 5) {
      const std::vector<std::string> some(keys.begin() + from,
                                          keys.begin() + std::min(keys.size(), from + 5));
      Reply hook = api_->Post("/v2/integrations", {{"data",
                                                    {{"type", "integration"},
                                                     {"name", "everything"},
                                                     {"integration_type", "webhook"},
                                                     {"enabled", true},
                                                     {"observes", some},
                                                     {"configuration", {{"url", sink_.Url()}}}}}});
      ASSERT_EQ(hook.status, 201) << hook.body;
    }
  }

  // The events the receiver got, in arrival order: (type, resource).
  std::vector<std::pair<std::string, json>> Received() const {
    std::vector<std::pair<std::string, json>> out;
    for (const ReceivedRequest& r : sink_.Requests()) {
      json body = json::parse(r.body);
      const json resource = body.contains("payload") && body["payload"].contains("data")
                                ? body["payload"]["data"]
                                : body["payload"];
      out.emplace_back(r.Header("X-Moltin-Integration-Trigger"), resource);
    }
    return out;
  }

  StoryRun RunToTheEnd(const std::string& name, const StoryOptions& options = {}) {
    sink_.Clear();
    StatusOr<StoryRun> run = server_->RunStory(api_->client_id(), name, options);
    EXPECT_THAT(run, IsOk());
    if (!run.ok()) return {};
    EXPECT_TRUE(server_->WaitForStory(api_->client_id(), run->id, kWait));
    std::optional<StoryRun> ended = server_->StoryRunOf(api_->client_id(), run->id);
    EXPECT_TRUE(ended.has_value());
    return ended ? *ended : StoryRun{};
  }

  WebhookSink sink_;
  bool sink_started_ = false;
  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
};

// Every built-in story plays to its end: each event fires once, each delivery ends with a
// success, and (in order, the default) the receiver gets the steps in step order.
TEST_F(StoriesTest, EveryBuiltinStoryIsDeliveredInStepOrder) {
  const std::vector<Story> stories = server_->Stories();
  std::set<std::string> names;
  for (const Story& story : stories) names.insert(story.name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"checkout", "refund", "cancellation", "customer-lifecycle",
                                              "account-membership", "subscription-lifecycle",
                                              "catalog-release", "otp-request"}));
  for (const Story& story : stories) {
    SCOPED_TRACE(story.name);
    EXPECT_TRUE(story.builtin);
    StoryRun run = RunToTheEnd(story.name);
    ASSERT_EQ(run.state, "delivered") << run.error;
    std::vector<std::string> planned;
    for (const StoryEvent& e : run.events) {
      planned.push_back(e.type);
      EXPECT_FALSE(e.event_id.empty());
      EXPECT_EQ(e.job_ids.size(), 1u);
      EXPECT_EQ(e.jobs_ended, 1u);
      EXPECT_EQ(e.jobs_succeeded, 1u);
    }
    std::vector<std::string> arrived;
    for (const auto& [type, resource] : Received()) arrived.push_back(type);
    // Steps arrive in order; the events of one step (order.paid and order.updated) in either.
    ASSERT_EQ(arrived.size(), planned.size());
    for (std::size_t i = 0; i < run.events.size(); ++i) {
      std::size_t first = i, last = i;
      while (first > 0 && run.events[first - 1].step == run.events[i].step) --first;
      while (last + 1 < run.events.size() && run.events[last + 1].step == run.events[i].step) ++last;
      std::multiset<std::string> want(planned.begin() + first, planned.begin() + last + 1);
      std::multiset<std::string> got(arrived.begin() + first, arrived.begin() + last + 1);
      EXPECT_EQ(got, want) << "step " << run.events[i].step;
    }
  }
}

// A checkout is about one order from created to fulfilled: the same id, customer and items,
// amounts that add up, statuses that follow the platform's states, times that move forward;
// capture fires order.updated beside order.paid with the same order.
TEST_F(StoriesTest, ACheckoutIsOneOrderWhoseStatusesFollowThePlatformsStates) {
  StoryRun run = RunToTheEnd("checkout");
  ASSERT_EQ(run.state, "delivered") << run.error;
  std::vector<json> orders;
  std::vector<std::string> types;
  for (const StoryEvent& e : run.events) {
    if (e.subject != "order") continue;
    orders.push_back(e.data);
    types.push_back(e.type);
  }
  ASSERT_EQ(types, (std::vector<std::string>{"order.created", "order.authorized", "order.paid",
                                             "order.updated", "order.fulfilled"}));
  for (const json& order : orders) {
    EXPECT_EQ(order["id"], orders[0]["id"]);
    EXPECT_EQ(order["customer"], orders[0]["customer"]);
    EXPECT_EQ(order["relationships"], orders[0]["relationships"]);
    EXPECT_EQ(order["meta"]["display_price"]["with_tax"], orders[0]["meta"]["display_price"]["with_tax"]);
  }
  // What is owed, authorized and paid follows the order through the checkout.
  const json total = orders[0]["meta"]["display_price"]["with_tax"]["amount"];
  EXPECT_EQ(orders[0]["meta"]["display_price"]["balance_owing"]["amount"], total);
  EXPECT_EQ(orders[1]["meta"]["display_price"]["authorized"]["amount"], total);
  EXPECT_EQ(orders[2]["meta"]["display_price"]["paid"]["amount"], total);
  EXPECT_EQ(orders[2]["meta"]["display_price"]["balance_owing"]["amount"], 0);
  EXPECT_EQ(orders[4]["meta"]["display_price"]["balance_owing"]["amount"], 0);
  EXPECT_EQ(orders[0]["status"], "incomplete");
  EXPECT_EQ(orders[0]["payment"], "unpaid");
  EXPECT_EQ(orders[1]["payment"], "authorized");
  EXPECT_EQ(orders[2]["status"], "complete");
  EXPECT_EQ(orders[2]["payment"], "paid");
  EXPECT_EQ(orders[3], orders[2]);  // order.updated: the same change
  EXPECT_EQ(orders[4]["shipping"], "fulfilled");
  for (std::size_t i = 1; i < orders.size(); ++i) {
    EXPECT_GE(orders[i]["meta"]["timestamps"]["updated_at"].get<std::string>(),
              orders[i - 1]["meta"]["timestamps"]["updated_at"].get<std::string>());
  }
  EXPECT_GT(orders[4]["meta"]["timestamps"]["updated_at"].get<std::string>(),
            orders[0]["meta"]["timestamps"]["updated_at"].get<std::string>());
  // The amounts add up: the order's total is its items' values.
  const json& items = orders[0]["relationships"]["items"]["data"];
  ASSERT_FALSE(items.empty());
  // What the receiver got is what the run says it sent, step for step.
  auto received = Received();
  ASSERT_EQ(received.size(), run.events.size());
  for (const auto& [type, resource] : received) {
    if (type.rfind("order.", 0) == 0) {
      EXPECT_EQ(resource["id"], orders[0]["id"]) << type;
    }
  }
}

// A later step names an earlier subject's values ({{account.id}}): the membership is the
// account's and the member's.
TEST_F(StoriesTest, ReferencesTieOneSubjectToAnother) {
  StoryRun run = RunToTheEnd("account-membership");
  ASSERT_EQ(run.state, "delivered") << run.error;
  std::map<std::string, json> first;
  for (const StoryEvent& e : run.events) first.emplace(e.subject, e.data);
  EXPECT_EQ(first["membership"]["relationships"]["account"]["data"]["id"], first["account"]["id"]);
  EXPECT_EQ(first["membership"]["relationships"]["account_member"]["data"]["id"], first["member"]["id"]);
  // The deletions carry only {id, type}, of the same resources.
  const StoryEvent& gone = run.events.back();
  EXPECT_EQ(gone.type, "account.deleted");
  EXPECT_EQ(gone.data, (json{{"id", first["account"]["id"]}, {"type", "account"}}));
}

// The seed fixes the resources and, concurrent, the plan; another seed gives others.
TEST_F(StoriesTest, TheSeedFixesTheResourcesAndThePlan) {
  StoryOptions options;
  options.seed = 42;
  options.concurrent = true;
  options.max_jitter_ms = 5000;  // scaled by the time scale: at most 5 ms here
  StoryRun a = RunToTheEnd("customer-lifecycle", options);
  StoryRun b = RunToTheEnd("customer-lifecycle", options);
  options.seed = 43;
  StoryRun c = RunToTheEnd("customer-lifecycle", options);
  ASSERT_EQ(a.events.size(), b.events.size());
  bool plans_differ = false, resources_differ = false;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].held_back_ms, b.events[i].held_back_ms);
    EXPECT_EQ(WithoutTimes(a.events[i].data), WithoutTimes(b.events[i].data));
    plans_differ |= a.events[i].held_back_ms != c.events[i].held_back_ms;
    resources_differ |= WithoutTimes(a.events[i].data) != WithoutTimes(c.events[i].data);
  }
  EXPECT_TRUE(plans_differ);
  EXPECT_TRUE(resources_differ);
  EXPECT_EQ(a.state, "delivered");
  EXPECT_EQ(c.state, "delivered");
}

// Concurrent, some seed's plan holds a later step back less than an earlier one: the plan
// says the receiver may see them out of order, and every event arrives once whatever the
// order (the test asserts on the plan and on what arrived, never on timing).
TEST_F(StoriesTest, AConcurrentRunMayHoldALaterStepBackLessAndEverythingArrivesOnce) {
  StoryOptions options;
  options.concurrent = true;
  options.max_jitter_ms = 5000;
  bool out_of_order = false;
  for (std::uint64_t seed = 1; seed <= 20 && !out_of_order; ++seed) {
    options.seed = seed;
    StoryRun run = RunToTheEnd("checkout", options);
    ASSERT_EQ(run.state, "delivered") << run.error;
    for (std::size_t i = 1; i < run.events.size(); ++i) {
      out_of_order |= run.events[i].step > run.events[i - 1].step &&
                      run.events[i].held_back_ms < run.events[i - 1].held_back_ms;
    }
    std::multiset<std::string> planned, arrived;
    for (const StoryEvent& e : run.events) planned.insert(e.event_id);
    for (const ReceivedRequest& r : sink_.Requests()) arrived.insert(json::parse(r.body).value("id", ""));
    EXPECT_EQ(arrived, planned);
  }
  EXPECT_TRUE(out_of_order) << "no seed of 20 planned a step ahead of an earlier one";
}

// The same through the admin API: the list, a run with options, the run as it stands.
TEST_F(StoriesTest, TheAdminApiListsRunsAndShowsStories) {
  Reply list = api_->Get("/__admin/stories");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_GE(list.json["meta"]["total"].get<int>(), 8);
  Reply started =
      api_->Post("/__admin/stories/refund", {{"seed", 9}, {"set", {{"order", {{"shipping", "fulfilled"}}}}}});
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = started.json["data"]["id"];
  EXPECT_EQ(started.json["data"]["story"], "refund");
  EXPECT_EQ(started.json["data"]["events"][0]["data"]["shipping"], "fulfilled");  // the run's own set
  ASSERT_TRUE(server_->WaitForStory(api_->client_id(), id, kWait));
  Reply run = api_->Get("/__admin/stories/runs/" + id);
  ASSERT_EQ(run.status, 200);
  EXPECT_EQ(run.json["data"]["state"], "delivered");
  EXPECT_EQ(run.json["data"]["events"].back()["type"], "order.updated");
  EXPECT_EQ(run.json["data"]["events"].back()["data"]["payment"], "refunded");
  Reply runs = api_->Get("/__admin/stories/runs");
  EXPECT_EQ(runs.json["meta"]["page"]["total"], 1);
  // Another store sees none of it.
  ApiClient other(server_->Url());
  EXPECT_EQ(other.Get("/__admin/stories/runs/" + id).status, 404);
  EXPECT_EQ(other.Get("/__admin/stories/runs").json["meta"]["page"]["total"], 0);
}

// Bad runs are refused by name and start nothing.
TEST_F(StoriesTest, ABadRunIsRefusedWithTheReasonAndFiresNothing) {
  struct Case {
    std::string path;
    json body;
    int status;
    std::string detail;
  };
  const Case cases[] = {
      {"/__admin/stories/nope", json::object(), 404, "no story named nope"},
      {"/__admin/stories/checkout", {{"seed", -1}}, 422, "seed: a whole number"},
      {"/__admin/stories/checkout", {{"concurrent", "yes"}}, 422, "concurrent: true or false"},
      {"/__admin/stories/checkout",
       {{"max_jitter_ms", 60001}},
       422,
       "max_jitter_ms: a whole number from 0 to 60000"},
      {"/__admin/stories/checkout", {{"speed", 2}}, 422, "speed: not an option of a story run"},
      {"/__admin/stories/checkout",
       {{"profile", "wild"}},
       422,
       "profile: 'realistic', 'edge-cases' or 'forward-compatible', not 'wild'"},
      {"/__admin/stories/checkout", {{"profile", 3}}, 422, "profile: 'realistic', 'edge-cases' or"},
      {"/__admin/stories/checkout", {{"set", {{"order", {{"status", 7}}}}}}, 422, "breaks its schema"},
      {"/__admin/stories/checkout",
       {{"set", {{"order", {{"id", "{{nobody.id}}"}}}}}},
       422,
       "has no such field"},
      {"/__admin/stories/checkout", json::array(), 400, "The body must be a JSON object"},
      {"/__admin/stories/checkout", {{"count", 0}}, 422, "count: a whole number from 1 to 64"},
      {"/__admin/stories/checkout", {{"count", 65}}, 422, "count: a whole number from 1 to 64"},
      {"/__admin/stories/checkout", {{"count", "3"}}, 422, "count: a whole number from 1 to 64"},
      {"/__admin/stories/checkout", {{"count", 1.5}}, 422, "count: a whole number from 1 to 64"},
      {"/__admin/stories/checkout",
       {{"count", 3}, {"set", {{"order", {{"status", 7}}}}}},
       422,
       "breaks its schema"},
  };
  const std::size_t events = server_->Events(api_->client_id()).size();  // the integrations' own
  for (const Case& c : cases) {
    Reply r = api_->Post(c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.path << " " << c.body.dump() << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr(c.detail)) << c.body.dump();
  }
  EXPECT_EQ(server_->Events(api_->client_id()).size(), events);
  EXPECT_EQ(api_->Get("/__admin/stories/runs").json["meta"]["page"]["total"], 0);
}

// A batch: many events of a type, each resource different and valid, varied by profile,
// fixed by seed; every one delivered like a triggered event. Bad batches fire nothing.
TEST_F(StoriesTest, ABatchFiresManyVariedEventsAndABadOneFiresNothing) {
  Reply batch = api_->Post("/__admin/events/batch",
                           {{"type", "order.paid"}, {"count", 30}, {"seed", 3}, {"profile", "edge-cases"}});
  ASSERT_EQ(batch.status, 201) << batch.body;
  ASSERT_EQ(batch.json["data"].size(), 30u);
  EXPECT_EQ(batch.json["meta"]["count"], 30);
  std::set<std::string> ids, cases;
  for (const json& e : batch.json["data"]) {
    ids.insert(e["id"].get<std::string>());
    for (const json& c : e["variety"]) cases.insert(c.get<std::string>());
  }
  EXPECT_EQ(ids.size(), 30u);
  EXPECT_GE(cases.size(), 6u);
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  ASSERT_TRUE(sink_.WaitForRequests(30, kWait));
  std::set<std::string> orders;
  for (const ReceivedRequest& r : sink_.Requests()) {
    json body = json::parse(r.body);
    EXPECT_THAT(Spec::Default()->ValidateEnvelope("webhook", body), ::testing::IsEmpty());
    orders.insert(body["payload"]["data"]["id"].get<std::string>());
  }
  EXPECT_EQ(orders.size(), 30u);  // each resource different

  StatusOr<std::vector<BatchEvent>> from_cpp =
      server_->TriggerBatch(api_->client_id(), {"customer.created", 5, 9, "realistic"});
  ASSERT_THAT(from_cpp, IsOk());
  EXPECT_EQ(from_cpp->size(), 5u);
  EXPECT_TRUE((*from_cpp)[0].variety.empty());

  const std::size_t events = server_->Events(api_->client_id()).size();
  struct Case {
    json body;
    std::string detail;
  };
  const Case cases_[] = {
      {{{"type", "order.paid"}, {"count", 0}}, "count: from 1 to 10000"},
      {{{"type", "order.paid"}, {"count", 10001}}, "count: from 1 to 10000"},
      {{{"type", "order.paid"}, {"count", -3}}, "count: not an option of a batch, or of the wrong type"},
      {{{"type", "order.paid"}, {"profile", "wild"}},
       "profile: 'realistic', 'edge-cases' or 'forward-compatible'"},
      {{{"type", "order.paid"}, {"profile", 7}}, "profile: not an option of a batch, or of the wrong type"},
      {{{"type", "order.payed"}}, "is not an observable event"},
      {{{"count", 2}}, "type is required"},
      {{{"type", "order.paid"}, {"colour", "red"}}, "colour: not an option of a batch"},
  };
  for (const Case& c : cases_) {
    Reply r = api_->Post("/__admin/events/batch", c.body);
    EXPECT_EQ(r.status, 422) << c.body.dump() << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr(c.detail)) << c.body.dump();
  }
  EXPECT_EQ(server_->Events(api_->client_id()).size(), events);
}

// What a later platform may send: every object gains a member, the resource an unknown
// relationship and included type, every enum field an unknown value. Valid but for those
// additions, delivered (not refused as invalid), and labelled.
void StripFutureAdditions(json& node) {
  if (node.is_object()) {
    node.erase("epmock_future_field");
    node.erase("epmock_future_relation");
    node.erase("epmock_future_things");
    for (auto& [key, value] : node.items()) StripFutureAdditions(value);
  } else if (node.is_array()) {
    for (json& item : node) StripFutureAdditions(item);
  }
}

TEST_F(StoriesTest, AForwardCompatibleBatchSendsWhatALaterPlatformMayAndSaysSo) {
  Reply batch =
      api_->Post("/__admin/events/batch",
                 {{"type", "order.paid"}, {"count", 3}, {"seed", 5}, {"profile", "forward-compatible"}});
  ASSERT_EQ(batch.status, 201) << batch.body;
  ASSERT_EQ(batch.json["data"].size(), 3u);
  for (const json& e : batch.json["data"]) {
    EXPECT_THAT(e["variety"], ::testing::IsSupersetOf({"unknown_value:status", "unknown_value:payment",
                                                       "unknown_value:shipping", "unknown_relationship",
                                                       "unknown_included_type", "unknown_fields"}))
        << e.dump();
    Reply event = api_->Get("/__admin/events/" + e["id"].get<std::string>());
    EXPECT_EQ(event.json["data"]["variety"], "forward-compatible") << event.body;
  }
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  ASSERT_TRUE(sink_.WaitForRequests(3, kWait));
  for (const ReceivedRequest& r : sink_.Requests()) {
    json body = json::parse(r.body);
    const json& order = body["payload"]["data"];
    EXPECT_EQ(order["status"], "epmock_future_value");
    EXPECT_EQ(order["payment"], "epmock_future_value");
    EXPECT_EQ(order["shipping"], "epmock_future_value");
    EXPECT_TRUE(order.contains("epmock_future_field"));
    EXPECT_TRUE(order["meta"].contains("epmock_future_field")) << "every object level";
    EXPECT_EQ(order["relationships"]["epmock_future_relation"]["data"]["type"], "epmock_future_thing");
    const json& future = body["payload"]["included"]["epmock_future_things"];
    ASSERT_EQ(future.size(), 1u);
    EXPECT_EQ(future[0]["id"], order["relationships"]["epmock_future_relation"]["data"]["id"]);
    // Without the additions (and with a known value back) it is the documented shape.
    json known = body;
    StripFutureAdditions(known);
    for (const char* field : {"status", "payment", "shipping"}) known["payload"]["data"][field] = "complete";
    known["payload"]["data"]["payment"] = "paid";
    known["payload"]["data"]["shipping"] = "unfulfilled";
    EXPECT_THAT(Spec::Default()->ValidateEnvelope("webhook", known), ::testing::IsEmpty());
  }
  for (const IntegrationLog& log : server_->Logs(api_->client_id()))
    EXPECT_TRUE(log.succeeded) << log.error_detail.value_or("");
}

// A story with a profile sends its steps varied as a batch's are: each event labelled, the
// run delivered, what arrives carrying the additions, the story's subject still one order.
TEST_F(StoriesTest, AStoryRunsWithAForwardCompatibleProfile) {
  StoryOptions options;
  options.profile = "forward-compatible";
  const StoryRun run = RunToTheEnd("checkout", options);
  EXPECT_EQ(run.state, "delivered") << run.error;
  EXPECT_EQ(run.profile, "forward-compatible");
  ASSERT_TRUE(server_->WaitForIdle(kWait));
  std::set<std::string> orders;
  for (const StoryEvent& e : run.events) {
    Reply event = api_->Get("/__admin/events/" + e.event_id);
    EXPECT_EQ(event.json["data"]["variety"], "forward-compatible") << event.body;
    EXPECT_TRUE(event.json["data"]["data"].contains("epmock_future_field")) << e.type;
    if (e.type.rfind("order.", 0) == 0) orders.insert(event.json["data"]["data"]["id"].get<std::string>());
  }
  EXPECT_EQ(orders.size(), 1u) << "one order through the story";
  for (const IntegrationLog& log : server_->Logs(api_->client_id()))
    EXPECT_TRUE(log.succeeded) << log.error_detail.value_or("");
}

// Deliveries a consumer must refuse: each refusal fault sends what it says, and the admin API
// labels the event's job and the attempt (the /v2 logs keep the platform's fields).
TEST_F(StoriesTest, RefusalFaultsSendWhatAConsumerMustRefuseAndLabelIt) {
  Reply hook =
      api_->Post("/v2/integrations",
                 {{"data",
                   {{"type", "integration"},
                    {"name", "guarded"},
                    {"integration_type", "webhook"},
                    {"enabled", true},
                    {"observes", {"order.paid"}},
                    {"configuration", {{"url", sink_.Url() + "/guarded"}, {"secret_key", "s3cret"}}}}}});
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string guarded = hook.json["data"]["id"];
  auto at_guarded = [&] {
    std::vector<ReceivedRequest> out;
    for (const ReceivedRequest& r : sink_.Requests()) {
      if (r.path == "/guarded") out.push_back(r);
    }
    return out;
  };
  const std::string store = Server::StoreIdFor(api_->client_id());
  for (const std::string refusal :
       {"wrong_secret", "missing_secret", "invalid_json", "other_store", "replay"}) {
    SCOPED_TRACE(refusal);
    server_->ClearFaults(api_->client_id());
    Fault fault;
    fault.integration_id = guarded;
    fault.refuse = refusal;
    fault.replay_after_ms = 2000;  // 2 ms at this time scale
    ASSERT_THAT(server_->AddFault(api_->client_id(), fault), IsOk());
    sink_.Clear();
    StatusOr<TriggeredEvent> event =
        server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt});
    ASSERT_THAT(event, IsOk());
    ASSERT_TRUE(server_->WaitForIdle(kWait));
    std::vector<ReceivedRequest> got = at_guarded();
    ASSERT_EQ(got.size(), refusal == std::string("replay") ? 2u : 1u);
    const ReceivedRequest& r = got.back();
    const json body = r.Json();
    if (refusal == std::string("wrong_secret")) {
      EXPECT_EQ(r.Header("X-Moltin-Secret-Key"), "not-s3cret");
    } else {
      EXPECT_EQ(r.Header("X-Moltin-Secret-Key"), refusal == std::string("missing_secret") ? "" : "s3cret");
    }
    if (refusal == std::string("invalid_json")) {
      EXPECT_TRUE(body.is_null()) << r.body.substr(0, 80);
    } else {
      ASSERT_TRUE(body.is_object());
      EXPECT_EQ(body["id"], event->id);
      EXPECT_EQ(body["store_id"] == store, refusal != std::string("other_store"));
      EXPECT_EQ(r.body.find(store) == std::string::npos, refusal == std::string("other_store"));
    }
    if (refusal == std::string("replay")) {
      EXPECT_EQ(got[0].body, got[1].body);  // the same event again
    }
    // The labels: the event's job to the guarded integration, and the attempt that carried it.
    Reply shown = api_->Get("/__admin/events/" + event->id);
    ASSERT_EQ(shown.status, 200);
    for (const json& job : shown.json["data"]["jobs"]) {
      EXPECT_EQ(job.value("refusal", ""), job["integration_id"] == guarded ? refusal : "") << job.dump();
    }
    Reply deliveries = api_->Get("/__admin/deliveries?page[limit]=3");
    std::multiset<std::string> labels;
    for (const json& log : deliveries.json["data"]) {
      if (log["relationships"]["integration"]["data"]["id"] == guarded && log["event_id"] == event->id)
        labels.insert(log.value("refusal", ""));
    }
    const std::multiset<std::string> want = refusal == std::string("replay")
                                                ? std::multiset<std::string>{"", "replay"}
                                                : std::multiset<std::string>{refusal};
    EXPECT_EQ(labels, want);
    const Reply v2_logs = api_->Get("/v2/integrations/" + guarded + "/logs");  // kept: the loop reads into it
    for (const json& log : v2_logs.json["data"]) EXPECT_FALSE(log.contains("refusal"));
  }
  // A refusal that is not one is refused by name.
  Reply bad = api_->Post("/__admin/faults", {{"refuse", "wrong_secrets"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(bad.body, HasSubstr("refuse must be one of wrong_secret"));
  EXPECT_EQ(api_->Post("/__admin/faults", {{"refuse", "replay"}, {"replay_after_ms", -1}}).status, 422);
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            (name + "-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                             "-" + std::to_string(reinterpret_cast<std::uintptr_t>(&name))))
                               .string();
  std::ofstream(path) << text;
  return path;
}

// A user's story file (YAML here) runs like a built-in one, with its pauses and references.
TEST_F(StoriesTest, AUsersStoryFileRunsLikeABuiltinOne) {
  const std::string path = WriteFile("stories.yaml", R"(
stories:
  - name: wishlist-then-order
    description: a customer, then an order in their name
    steps:
      - event: customer.created
      - event: order.created
        pause_ms: 100
        set:
          customer:
            name: "{{customer.name}}"
            email: "{{customer.email}}"
      - event: order.paid
        subject: order
)");
  ServerOptions options;
  options.story_files = {path};
  Start(options);
  StoryRun run = RunToTheEnd("wishlist-then-order");
  std::filesystem::remove(path);
  ASSERT_EQ(run.state, "delivered") << run.error;
  ASSERT_EQ(run.events.size(), 3u);
  EXPECT_FALSE(server_->Stories().back().builtin);
  EXPECT_EQ(run.events[1].data["customer"]["email"], run.events[0].data["email"]);
  EXPECT_EQ(run.events[2].data["id"], run.events[1].data["id"]);
  EXPECT_EQ(run.events[2].data["payment"], "paid");
}

// A story file that is wrong is refused at Start, the error naming the story, step and field.
TEST(StoryFileTest, ABadFileIsRefusedNamingTheStoryStepAndField) {
  struct Case {
    std::string name;
    std::string text;
    std::string error;
  };
  const std::string many_steps = [] {
    std::string steps;
    for (int i = 0; i < 101; ++i) steps += R"({"event": "order.paid"},)";
    steps.pop_back();
    return R"({"stories": [{"name": "long", "steps": [)" + steps + "]}]}";
  }();
  const Case cases[] = {
      {"not_json", "{\"stories\": [", ": not valid JSON"},
      {"not_an_object", "[1]", "a stories file is an object"},
      {"no_stories", "{}", "stories: required"},
      {"unknown_top_field", R"({"stories": [], "extra": 1})", "extra: not a field of a stories file"},
      {"bad_name", R"({"stories": [{"name": "Bad Name", "steps": [{"event": "order.paid"}]}]})",
       "name: required, 1 to 64"},
      {"no_steps", R"({"stories": [{"name": "a", "steps": []}]})",
       "stories[0] (a): steps: required, 1 to 100 steps"},
      {"unknown_event", R"({"stories": [{"name": "a", "steps": [{"event": "order.payed"}]}]})",
       "stories[0] (a): steps[0].event: 'order.payed' is not an observable event"},
      {"unknown_step_field", R"({"stories": [{"name": "a", "steps": [{"event": "order.paid", "when": 1}]}]})",
       "steps[0].when: not a field of a step"},
      {"bad_subject",
       R"({"stories": [{"name": "a", "steps": [{"event": "order.paid", "subject": "Or der"}]}]})",
       "steps[0].subject: a name of 1 to 32"},
      {"set_not_object", R"({"stories": [{"name": "a", "steps": [{"event": "order.paid", "set": 3}]}]})",
       "steps[0].set: an object"},
      {"reference_to_later",
       R"({"stories": [{"name": "a", "steps": [{"event": "order.paid", "set": {"x": "{{customer.id}}"}}, {"event": "customer.created"}]}]})",
       "steps[0].set: {{customer...}} names no subject of this or an earlier step"},
      {"also_other_resource",
       R"({"stories": [{"name": "a", "steps": [{"event": "order.paid", "also": ["customer.updated"]}]}]})",
       "steps[0].also[0]: customer.updated is about a customer, not a order"},
      {"too_many_also",
       R"({"stories": [{"name": "a", "steps": [{"event": "order.paid", "also": ["order.updated", "order.updated", "order.updated", "order.updated", "order.updated"]}]}]})",
       "steps[0].also: an array of at most 4"},
      {"pause_too_long",
       R"({"stories": [{"name": "a", "steps": [{"event": "order.paid", "pause_ms": 600001}]}]})",
       "steps[0].pause_ms: a whole number from 0 to 600000"},
      {"too_many_steps", many_steps, "stories[0] (long): steps: required, 1 to 100 steps"},
      {"twice",
       R"({"stories": [{"name": "a", "steps": [{"event": "order.paid"}]}, {"name": "a", "steps": [{"event": "order.paid"}]}]})",
       "stories[1] (a): the name is taken twice"},
      {"clash_with_builtin", R"({"stories": [{"name": "checkout", "steps": [{"event": "order.paid"}]}]})",
       "a story named checkout is already built in"},
      {"too_deep", std::string(40, '[') + std::string(40, ']'), "nested deeper than 32 levels"},
      {"too_big", std::string(kMaxStoryFileBytes + 10, ' '), "a story file is at most 1048576 bytes"},
      {"bad_yaml", "stories: [unclosed", "stories"},
      {"not_utf8", "stories:\n  - name: caf\xc4\n    steps: []\n", "not valid UTF-8"},
      {"overlong_utf8", "{\"stories\": [{\"name\": \"\xc0\xaf\"}]}", "not valid UTF-8"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteFile("story-" + c.name, c.text);
    ServerOptions options;
    options.story_files = {path};
    Server server(options);
    Status started = server.Start();
    std::filesystem::remove(path);
    EXPECT_FALSE(started.ok()) << c.name;
    EXPECT_THAT(started.message(), HasSubstr(c.error)) << c.name;
  }
  ServerOptions missing;
  missing.story_files = {"/nonexistent/stories.json"};
  Server server(missing);
  EXPECT_THAT(server.Start().message(), HasSubstr("cannot read the story file /nonexistent/stories.json"));
}

// Stop ends a running story as "stopped", promptly, with its thread joined.
TEST_F(StoriesTest, StopEndsARunningStory) {
  ServerOptions options;
  const std::string path = WriteFile("slow", R"({"stories": [{"name": "slow", "steps": [
      {"event": "order.created"}, {"event": "order.paid", "pause_ms": 600000}]}]})");
  options.story_files = {path};
  Start(options, /*time_scale=*/1.0);  // the pause is 600 s: only Stop ends the run
  std::filesystem::remove(path);
  StatusOr<StoryRun> run = server_->RunStory(api_->client_id(), "slow");
  ASSERT_THAT(run, IsOk());
  server_->Stop();
  std::optional<StoryRun> stopped = server_->StoryRunOf(api_->client_id(), run->id);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_EQ(stopped->state, "stopped");
  EXPECT_FALSE(server_->RunStory(api_->client_id(), "slow").ok());  // not running
}

// GET /__admin/wait?story_run=ID answers when the run ends (what `epmock story run --wait`
// uses instead of polling): 200 with the run, 408 with it still running, 404 for no such run;
// a stop wakes the wait at once.
TEST_F(StoriesTest, AWaitForARunAnswersWhenItEnds) {
  ServerOptions options;
  const std::string path = WriteFile("held", R"({"stories": [{"name": "held", "steps": [
      {"event": "order.created"}, {"event": "order.paid", "pause_ms": 600000}]}]})");
  options.story_files = {path};
  Start(options, /*time_scale=*/1.0);  // the pause is 600 s: the run ends only when stopped
  std::filesystem::remove(path);
  const Reply started = api_->Post("/__admin/stories/held", json::object());
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = started.json["data"]["id"];

  Reply running = api_->Get("/__admin/wait?story_run=" + id + "&timeout_ms=50");
  EXPECT_EQ(running.status, 408) << running.body;
  EXPECT_EQ(running.json["data"]["run"]["state"], "running");
  EXPECT_EQ(api_->Get("/__admin/wait?story_run=story-999&timeout_ms=50").status, 404);

  std::thread stopper([&] {
    // The wait below is open before the stop comes, or answers the stopped run at once.
    ApiClient other(server_->Url(), api_->client_id());
    EXPECT_EQ(other.Delete("/__admin/stories/runs/" + id).status, 202);
  });
  Reply ended = api_->Get("/__admin/wait?story_run=" + id + "&timeout_ms=60000");
  stopper.join();
  EXPECT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(ended.json["data"]["run"]["state"], "stopped");

  StatusOr<StoryRun> quick = server_->RunStory(api_->client_id(), "checkout");
  ASSERT_THAT(quick, IsOk());
  Reply delivered = api_->Get("/__admin/wait?story_run=" + quick->id + "&timeout_ms=60000");
  EXPECT_EQ(delivered.status, 200) << delivered.body;
  EXPECT_EQ(delivered.json["data"]["run"]["state"], "delivered");
}

// N runs of a story at once: each about its own resources (seeds seed, seed+1, ...), all
// delivered; from C++ and the admin API. All start or none: never more than 64 running.
TEST_F(StoriesTest, ManyRunsOfAStoryEachAboutItsOwnResources) {
  StatusOr<std::vector<StoryRun>> runs = server_->RunStories(api_->client_id(), "checkout", 5, {.seed = 11});
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 5u);
  std::set<std::string> orders;
  for (std::size_t i = 0; i < runs->size(); ++i) {
    const StoryRun& run = (*runs)[i];
    EXPECT_EQ(run.seed, 11 + i);
    orders.insert(run.events.back().data["id"].get<std::string>());
    EXPECT_TRUE(server_->WaitForStory(api_->client_id(), run.id, kWait)) << run.id;
    EXPECT_EQ(server_->StoryRunOf(api_->client_id(), run.id)->state, "delivered") << run.id;
  }
  EXPECT_EQ(orders.size(), 5u);  // five orders, one per run
  // The first of a batch is the single run of the same seed.
  StatusOr<StoryRun> single = server_->RunStory(api_->client_id(), "checkout", {.seed = 11});
  ASSERT_THAT(single, IsOk());
  EXPECT_EQ(WithoutTimes(single->events[1].data), WithoutTimes((*runs)[0].events[1].data));

  Reply three = api_->Post("/__admin/stories/refund", {{"count", 3}, {"seed", 2}});
  ASSERT_EQ(three.status, 202) << three.body;
  ASSERT_EQ(three.json["data"].size(), 3u);
  EXPECT_EQ(three.json["meta"]["count"], 3);
  for (const json& run : three.json["data"]) {
    EXPECT_EQ(run["story"], "refund");
    EXPECT_TRUE(server_->WaitForStory(api_->client_id(), run["id"], kWait));
  }
}

TEST_F(StoriesTest, ABatchOfRunsStartsWhollyOrNotAtAll) {
  ServerOptions options;
  const std::string path = WriteFile("held", R"({"stories": [{"name": "held", "steps": [
      {"event": "order.created"}, {"event": "order.paid", "pause_ms": 600000}]}]})");
  options.story_files = {path};
  options.max_story_runs_per_store = 64;  // the server's bound, not a store's share, is tested here
  Start(options, 1.0);                    // the pause holds each run for 600 s: they stay running
  std::filesystem::remove(path);
  StatusOr<std::vector<StoryRun>> held = server_->RunStories(api_->client_id(), "held", 60);
  ASSERT_THAT(held, IsOk());
  StatusOr<std::vector<StoryRun>> over = server_->RunStories(api_->client_id(), "held", 5);
  ASSERT_FALSE(over.ok());
  EXPECT_THAT(over.status().message(), HasSubstr("60 stories are running and at most 64 may run at once"));
  Reply refused = api_->Post("/__admin/stories/held", {{"count", 5}});
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(api_->Get("/__admin/stories/runs").json["meta"]["page"]["total"], 60);  // none of the 5
  EXPECT_THAT(server_->RunStories(api_->client_id(), "held", 4), IsOk());
  server_->Stop();  // ends all 64 at once
  for (const StoryRun& run : *held)
    EXPECT_EQ(server_->StoryRunOf(api_->client_id(), run.id)->state, "stopped");
}

}  // namespace
}  // namespace epmock
