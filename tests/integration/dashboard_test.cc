// The dashboard's side of the API port (issue 13): the page compiled into the binary, who may
// reach it (loopback peers, or the admin token), the list of stores, the live stream of a
// store, the long poll, their caps, and a Stop() that is not held up by them. The page itself
// is driven in a real browser by tests/browser/dashboard.test.js.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "api/dashboard.h"
#include "api/engine.h"
#include "common/strings.h"
#include "epmock/server.h"
#include "epmock/sinks.h"
#include "epmock/spec.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using internal::CheckAdminAccess;
using internal::HttpRequest;
using internal::IsLoopbackAddress;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::ApiClient;
using testing_support::Reply;

constexpr auto kWait = std::chrono::seconds(20);

// A query parameter's value, percent-encoded (the tests' client ids hold '#').
std::string Encode(const std::string& value) { return internal::PercentEncode(value); }

// The peer check decides on the address alone: no test sends anything off loopback.
TEST(DashboardAccessTest, OnlyLoopbackPeersAreLoopback) {
  for (const char* address : {"127.0.0.1", "127.255.0.3", "::1", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"})
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  for (const char* address : {"10.0.0.1", "192.168.1.20", "128.0.0.1", "::2", "::ffff:10.0.0.1", "fe80::1",
                              "0.0.0.0", "::", "", "localhost", "127.0.0.1.evil", "127.0.0.1 "})
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
}

TEST(DashboardAccessTest, WithoutATokenTheDashboardAnswersLoopbackOnlyAndWithOneEveryoneWhoHasIt) {
  internal::Engine open(ServerOptions{}, Spec::Default());
  HttpRequest remote;
  remote.remote_addr = "192.0.2.7";
  HttpRequest local;
  local.remote_addr = "127.0.0.1";
  std::optional<internal::HttpResponse> refused = CheckAdminAccess(open, remote, true);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  ASSERT_EQ(refused->errors.size(), 1u);  // rendered by the route, once (api/errors.h RenderErrors)
  EXPECT_THAT(refused->errors[0].detail, HasSubstr("--admin-token"));
  EXPECT_FALSE(CheckAdminAccess(open, local, true).has_value());
  EXPECT_FALSE(CheckAdminAccess(open, remote, false).has_value());  // other admin routes: the Bearer token

  ServerOptions options;
  options.admin_token = "s3cret-admin-token";
  internal::Engine guarded(options, Spec::Default());
  EXPECT_EQ(CheckAdminAccess(guarded, local, true)->status, 401);  // loopback is not enough then
  EXPECT_EQ(CheckAdminAccess(guarded, remote, false)->status, 401);
  HttpRequest with_header = remote;
  with_header.headers = {{"X-Epmock-Admin-Token", "s3cret-admin-token"}};
  EXPECT_FALSE(CheckAdminAccess(guarded, with_header, true).has_value());
  HttpRequest wrong = remote;
  wrong.headers = {{"X-Epmock-Admin-Token", "s3cret-admin-tokeN"}};
  EXPECT_EQ(CheckAdminAccess(guarded, wrong, true)->status, 401);
}

TEST(DashboardAccessTest, TheCookieHoldsASessionNeverTheToken) {
  ServerOptions options;
  options.admin_token = "s3cret-admin-token";
  internal::Engine guarded(options, Spec::Default());
  HttpRequest with_token_as_cookie;
  with_token_as_cookie.headers = {{"Cookie", "epmock_session=s3cret-admin-token"}};
  EXPECT_EQ(CheckAdminAccess(guarded, with_token_as_cookie, false)->status, 401);
  const std::string session = guarded.sessions().Create();
  EXPECT_THAT(session, Not(HasSubstr("s3cret")));
  EXPECT_EQ(session.size(), 64u);
  EXPECT_NE(session, guarded.sessions().Create());
  HttpRequest with_session;
  with_session.headers = {{"Cookie", "theme=dark; epmock_session=" + session + "; x=y"}};
  EXPECT_FALSE(CheckAdminAccess(guarded, with_session, false).has_value());
  HttpRequest prefix;
  prefix.headers = {{"Cookie", "epmock_session=" + session.substr(0, 10)}};
  EXPECT_EQ(CheckAdminAccess(guarded, prefix, true)->status, 401);
  guarded.sessions().End(session);
  EXPECT_EQ(CheckAdminAccess(guarded, with_session, false)->status, 401);
}

// A Server-Sent Events reader on its own thread, over a plain loopback socket (it can stop
// between reads): what arrived, until told to stop or the stream ends.
class StreamReader {
 public:
  StreamReader(int port, const std::string& path, const std::vector<std::string>& headers = {}) {
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const std::string& h : headers) request += h + "\r\n";
    request += "\r\n";
    thread_ = std::thread([this, port, request] {
      testing_support::RawExchange(
          port, {request},
          [this](const std::string& answer) {
            std::lock_guard<std::mutex> lock(mu_);
            if (answer.size() != text_.size()) {
              text_ = answer;
              if (status_ == 0 && text_.size() >= 12 && text_.compare(0, 5, "HTTP/") == 0)
                status_ = std::atoi(text_.c_str() + 9);
              changed_.notify_all();
            }
            return stop_;
          },
          60000);
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
      changed_.notify_all();
    });
  }
  ~StreamReader() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    thread_.join();
  }
  // Waits until the text holds `needle` (true) or the stream ended or the wait passed.
  bool WaitFor(const std::string& needle) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kWait, [&] {
      return text_.find(needle) != std::string::npos || ended_;
    }) && text_.find(needle) != std::string::npos;
  }
  bool WaitStatus() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kWait, [&] { return status_ != 0 || ended_; });
  }
  bool WaitEnded() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kWait, [&] { return ended_; });
  }
  int status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::string text_;
  int status_ = 0;
  bool stop_ = false, ended_ = false;
  std::thread thread_;
};

// Hand-written, not EpmockTest: each test starts its server with options of its own (an admin
// token, a dashboard path, limits) through Start(options), after the fixture is made.
class DashboardTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    options.time_scale = 0.001;
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    ASSERT_THAT(sink_.Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_->Url());
  }
  void Hook(const std::vector<std::string>& observes) {
    json body = testing_support::WebhookCreateBody();
    body["data"]["observes"] = observes;
    body["data"]["enabled"] = true;
    body["data"]["configuration"] = {{"url", sink_.Url()}};
    ASSERT_EQ(api_->Post("/v2/integrations", body).status, 201);
  }
  httplib::Result Raw(const std::string& path, httplib::Headers headers = {}) {
    httplib::Client http(server_->Url());
    return http.Get(path, headers);
  }

  WebhookSink sink_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(DashboardTest, SlashLeadsToThePageWhichTheBinaryCarries) {
  Start();
  auto root = Raw("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/__admin/ui/");
  auto page = Raw("/__admin/ui/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->get_header_value("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(page->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'self'"));
  EXPECT_THAT(page->body, HasSubstr("<script type=\"module\" src=\"app.js\"></script>"));
  for (const char* file : {"app.js", "api.js", "views.js", "chart.js"}) {
    auto script = Raw(std::string("/__admin/ui/") + file);
    ASSERT_TRUE(script);
    EXPECT_EQ(script->status, 200) << file;
    EXPECT_THAT(script->get_header_value("Content-Type"), HasSubstr("text/javascript")) << file;
    // Nothing from the network: every import is one of the page's own modules.
    for (std::size_t at = script->body.find(" from '"); at != std::string::npos;
         at = script->body.find(" from '", at + 1))
      EXPECT_EQ(script->body.compare(at + 7, 2, "./"), 0) << file << ": " << script->body.substr(at, 40);
    EXPECT_THAT(script->body, Not(HasSubstr("import('http"))) << file;
    EXPECT_THAT(script->body, Not(HasSubstr("https://"))) << file;
  }
  auto icon = Raw("/__admin/ui/favicon.svg");
  ASSERT_TRUE(icon);
  EXPECT_EQ(icon->get_header_value("Content-Type"), "image/svg+xml");
  auto missing = Raw("/__admin/ui/nope.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("\"errors\""));
}

TEST_F(DashboardTest, ThePageCanLiveAtAPathOfYourChoosing) {
  ServerOptions options;
  options.dashboard_path = "/ui/";
  Start(options);
  EXPECT_EQ(Raw("/")->get_header_value("Location"), "/ui/");
  EXPECT_EQ(Raw("/ui")->get_header_value("Location"), "/ui/");
  auto page = Raw("/ui/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("src=\"app.js\""));
  EXPECT_EQ(Raw("/ui/style.css")->status, 200);
  EXPECT_EQ(Raw("/__admin/ui/")->status, 401);  // an admin route now, and none of the page's
  for (const RequestRecord& r : server_->Requests()) EXPECT_NE(r.path.rfind("/ui", 0), 0u) << r.path;

  for (const char* bad : {"ui/", "/ui", "/v2/ui/", "/oauth/x/", "/__sink/ui/", "/a//b/", "/a/../b/", "/ü/",
                          "/", "/__admin/events/ui/"}) {
    ServerOptions wrong;
    wrong.dashboard_path = bad;
    Server refused(wrong);
    Status started = refused.Start();
    EXPECT_FALSE(started.ok()) << bad;
    EXPECT_THAT(started.message(), HasSubstr("dashboard path")) << bad;
  }
}

TEST_F(DashboardTest, TheStoresListNamesEveryStoreAndOrganizationSeen) {
  Start();
  Hook({"order.paid"});
  ApiClient org(server_->Url(), "dash-org");
  ASSERT_EQ(org.Put("/__admin/organization", {{"stores", {api_->client_id()}}}).status, 200);
  auto listed = Raw("/__admin/stores");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  json body = json::parse(listed->body);
  bool found = false;
  for (const json& store : body["data"]["stores"]) {
    if (store["client_id"] != api_->client_id()) continue;
    found = true;
    EXPECT_EQ(store["integrations"], 1);
    EXPECT_EQ(store["id"], Server::StoreIdFor(api_->client_id()));
    EXPECT_FALSE(store["org_id"].is_null());
  }
  EXPECT_TRUE(found) << listed->body;
  ASSERT_EQ(body["data"]["organizations"].size(), 1u);
  EXPECT_EQ(body["data"]["organizations"][0]["client_id"], "dash-org");
}

// The token path end to end: the page's files (no data) are anyone's, the sign-in form sets
// a session cookie (never the token), every admin route needs the token or the session, and
// the token never shows in a URL or the journal.
TEST_F(DashboardTest, AnAdminTokenGuardsEveryAdminRouteAndThePageSignsIn) {
  ServerOptions options;
  options.admin_token = "s3cret-admin-token";
  Start(options);
  EXPECT_EQ(Raw("/__admin/ui/")->status, 200);
  EXPECT_EQ(Raw("/__admin/ui/app.js")->status, 200);
  EXPECT_EQ(Raw("/__admin/ui/favicon.svg")->status, 200);
  EXPECT_EQ(Raw("/__admin/health")->status, 200);
  auto form = Raw("/__admin/ui/login");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_THAT(form->body,
              AllOf(HasSubstr("<form method=\"post\" action=\"login\""), HasSubstr("type=\"password\"")));

  httplib::Client http(server_->Url());
  // Hostile sign-ins: refused with the form again, nothing set.
  for (const std::string& body :
       {std::string("token=%zz"), std::string(5000, 'a'), std::string("token="), std::string("nothing=here"),
        std::string("token=s3cret-admin-token\0x", 26)}) {
    auto refused = http.Post("/__admin/ui/login", body, "application/x-www-form-urlencoded");
    ASSERT_TRUE(refused);
    EXPECT_THAT(refused->status, ::testing::AnyOf(400, 401)) << body.substr(0, 40);
    EXPECT_FALSE(refused->has_header("Set-Cookie")) << body.substr(0, 40);
  }
  auto wrong = http.Post("/__admin/ui/login", "token=guess", "application/x-www-form-urlencoded");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  auto right =
      http.Post("/__admin/ui/login", "token=s3cret-admin-token", "application/x-www-form-urlencoded");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 303);
  EXPECT_EQ(right->get_header_value("Location"), "/__admin/ui/");
  const std::string cookie = right->get_header_value("Set-Cookie");
  EXPECT_THAT(cookie,
              AllOf(HasSubstr("; Path=/__admin/;"), HasSubstr("HttpOnly"), HasSubstr("SameSite=Strict")));
  const std::string pair = cookie.substr(0, cookie.find(';'));
  EXPECT_THAT(pair, Not(HasSubstr("s3cret")));
  EXPECT_EQ(Raw("/__admin/stores", {{"Cookie", pair}})->status, 200);
  EXPECT_EQ(Raw("/__admin/stores")->status, 401);
  EXPECT_EQ(Raw("/__admin/stores", {{"Cookie", "epmock_session=s3cret-admin-token"}})->status, 401);
  // Signing out ends the session; so does a stop.
  auto out = http.Post("/__admin/logout", {{"Cookie", pair}}, "", "application/x-www-form-urlencoded");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 303);
  EXPECT_THAT(out->get_header_value("Set-Cookie"), HasSubstr("Max-Age=0"));
  EXPECT_EQ(Raw("/__admin/stores", {{"Cookie", pair}})->status, 401);
  auto again =
      http.Post("/__admin/ui/login", "token=s3cret-admin-token", "application/x-www-form-urlencoded");
  ASSERT_TRUE(again);
  const std::string second =
      again->get_header_value("Set-Cookie").substr(0, again->get_header_value("Set-Cookie").find(';'));
  EXPECT_NE(second, pair);
  EXPECT_EQ(Raw("/__admin/stores", {{"Cookie", second}})->status, 200);
  server_->Stop();
  ASSERT_THAT(server_->Start(), IsOk());
  EXPECT_EQ(Raw("/__admin/stores", {{"Cookie", second}})->status, 401);

  // An admin route: the Bearer token says which store, the admin token that it may be asked.
  EXPECT_EQ(api_->Get("/__admin/events").status, 401);
  api_->set_header("X-Epmock-Admin-Token", "s3cret-admin-token");
  EXPECT_EQ(api_->Get("/__admin/events").status, 200);
  EXPECT_EQ(api_->Get("/v2/integrations").status, 200);  // the platform's routes are as ever
  Reply journal = api_->Get("/__admin/requests");
  ASSERT_EQ(journal.status, 200);
  EXPECT_THAT(journal.body, Not(HasSubstr("s3cret-admin-token")));
  for (const RequestRecord& r : server_->Requests()) {
    EXPECT_THAT(r.path + "?" + r.query, Not(HasSubstr("s3cret"))) << r.path;
    for (const std::string& e : r.errors) EXPECT_THAT(e, Not(HasSubstr("s3cret")));
  }
}

TEST_F(DashboardTest, AStreamCarriesEventsAttemptsAndApiCallsAsTheyHappen) {
  Start();
  Hook({"order.paid"});
  StreamReader stream(server_->Port(), "/__admin/stream?client_id=" + Encode(api_->client_id()));
  ASSERT_TRUE(stream.WaitFor("retry: 1000")) << stream.status() << " " << stream.text();
  EXPECT_EQ(stream.status(), 200);
  Reply fired = api_->Post("/__admin/events", {{"type", "order.paid"}});
  ASSERT_EQ(fired.status, 201);
  const std::string id = fired.json["data"]["id"];
  EXPECT_TRUE(stream.WaitFor("event: event\nid: " + id)) << stream.text();
  EXPECT_TRUE(stream.WaitFor("event: log\n"));
  EXPECT_TRUE(stream.WaitFor("\"event_id\":\"" + id + "\""));
  api_->Get("/v2/integrations?page[limit]=oops");  // a refused call, with its reason
  EXPECT_TRUE(stream.WaitFor("event: request\n"));
  EXPECT_TRUE(stream.WaitFor("page[limit]"));

  // The same by Bearer token (for tools that send headers); another store's stream sees none of it.
  StreamReader by_token(server_->Port(), "/__admin/stream", {"Authorization: Bearer " + api_->token()});
  ApiClient other(server_->Url());
  StreamReader others(server_->Port(), "/__admin/stream?client_id=" + Encode(other.client_id()));
  ASSERT_TRUE(by_token.WaitFor("retry: 1000"));
  ASSERT_TRUE(others.WaitFor("retry: 1000"));
  Reply second = api_->Post("/__admin/events", {{"type", "order.paid"}});
  const std::string second_id = second.json["data"]["id"];
  EXPECT_TRUE(by_token.WaitFor(second_id));
  Reply theirs = other.Post("/__admin/events", {{"type", "order.paid"}});
  const std::string their_id = theirs.json["data"]["id"];
  EXPECT_TRUE(others.WaitFor(their_id));
  EXPECT_THAT(others.text(), Not(HasSubstr(second_id)));
  // A stream carries its store's changes in order: once a later event of this store has
  // arrived, the other store's event would have arrived before it, had it leaked.
  Reply third = api_->Post("/__admin/events", {{"type", "order.paid"}});
  const std::string third_id = third.json["data"]["id"];
  ASSERT_TRUE(stream.WaitFor(third_id));
  EXPECT_THAT(stream.text(), Not(HasSubstr(their_id)));
  EXPECT_EQ(Raw("/__admin/stream")->status, 401);  // neither a token nor a client id
}

TEST_F(DashboardTest, StreamsAndWaitsAreCappedAndStopIsNotHeldUpByThem) {
  ServerOptions options;
  options.max_streams = 2;
  Start(options);
  StreamReader one(server_->Port(), "/__admin/stream?client_id=a");
  StreamReader two(server_->Port(), "/__admin/stream?client_id=b");
  ASSERT_TRUE(one.WaitFor("retry"));
  ASSERT_TRUE(two.WaitFor("retry"));
  auto third = Raw("/__admin/stream?client_id=c");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 503);
  EXPECT_THAT(third->body, HasSubstr("at most 2"));
  EXPECT_EQ(api_->Get("/__admin/wait?deliveries=1&timeout_ms=100").status, 503);
  // The API still answers: the streams hold 2 of the 128 workers.
  EXPECT_EQ(api_->Get("/v2/integrations").status, 200);
  server_->Stop();  // returns with both streams open: they end
  EXPECT_TRUE(one.WaitEnded());
  EXPECT_TRUE(two.WaitEnded());
}

TEST_F(DashboardTest, StopEndsALongPollAtOnce) {
  Start();
  std::atomic<int> status{0};
  std::thread waiter([&] {
    httplib::Client http(server_->Url());
    http.set_read_timeout(70, 0);
    auto r = http.Get("/__admin/wait?event_type=order.paid&timeout_ms=60000",
                      {{"Authorization", "Bearer " + api_->token()}});
    status = r ? r->status : -1;
  });
  // Stop once the wait holds its place (a stream slot), so it is really waiting.
  for (int i = 0; i < 2000 && server_->Running(); ++i) {
    auto health = Raw("/__admin/health");
    if (health && health->body.find("\"streams\":1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server_->Stop();
  waiter.join();  // would take 60 s if Stop waited the poll out
  EXPECT_THAT(status.load(), ::testing::AnyOf(503, -1));
}

TEST_F(DashboardTest, AWaitAnswersWhatArrivedOrWhatDidWithin408) {
  Start();
  Hook({"order.paid"});
  Reply none = api_->Get("/__admin/wait?deliveries=1&timeout_ms=50");
  EXPECT_EQ(none.status, 408);
  EXPECT_THAT(none.body, HasSubstr("did not hold within 50 ms"));
  EXPECT_EQ(none.json["data"]["total"], 0);
  ASSERT_EQ(api_->Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  Reply one = api_->Get("/__admin/wait?deliveries=1&timeout_ms=20000");
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.json["data"]["deliveries"].size(), 1u);
  const std::string first = one.json["data"]["deliveries"][0]["id"];
  Reply paid = api_->Get("/__admin/wait?event_type=order.paid&timeout_ms=20000");
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(paid.json["data"]["event"]["type"], "order.paid");
  // Since a point the caller names: none after the first yet, then one.
  Reply after = api_->Get("/__admin/wait?deliveries=1&after=" + first + "&timeout_ms=50");
  EXPECT_EQ(after.status, 408);
  ASSERT_EQ(api_->Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  Reply next = api_->Get("/__admin/wait?deliveries=1&after=" + first + "&timeout_ms=20000");
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_NE(next.json["data"]["deliveries"][0]["id"], first);
  EXPECT_EQ(api_->Get("/__admin/wait?event_type=order.created&timeout_ms=30").status, 408);

  // after_event: the first such event after the one named, not the newest before it.
  const std::string newest = api_->Get("/__admin/events").json["data"][0]["id"];
  Reply later = api_->Get("/__admin/wait?event_type=order.paid&after_event=" + newest + "&timeout_ms=50");
  EXPECT_EQ(later.status, 408);
  EXPECT_TRUE(later.json["data"]["event"].is_null());
  Reply third = api_->Post("/__admin/events", {{"type", "order.paid"}});
  ASSERT_EQ(third.status, 201);
  ASSERT_EQ(api_->Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  later = api_->Get("/__admin/wait?event_type=order.paid&after_event=" + newest + "&timeout_ms=20000");
  ASSERT_EQ(later.status, 200) << later.body;
  EXPECT_EQ(later.json["data"]["event"]["id"], third.json["data"]["id"]);
  EXPECT_EQ(api_->Get("/__admin/wait?event_type=order.paid&after_event=nope").status, 400);
  // after_event= (empty): the store's first such event, not its newest.
  Reply first_paid = api_->Get("/__admin/wait?event_type=order.paid&after_event=&timeout_ms=20000");
  ASSERT_EQ(first_paid.status, 200);
  EXPECT_EQ(first_paid.json["data"]["event"]["id"], paid.json["data"]["event"]["id"]);
  EXPECT_EQ(api_->Get("/__admin/wait?deliveries=1&after_event=" + newest).status, 400);
}

// A duplicate fault's copies are logged after the original's final log; the event was
// still delivered, and a wait for it holds (it once waited for ever).
TEST_F(DashboardTest, AWaitForAnEventHoldsAfterItsDuplicatesAreLogged) {
  Start();
  Hook({"order.paid"});
  ASSERT_EQ(api_->Post("/__admin/faults", {{"duplicate", 2}}).status, 201);
  Reply fired = api_->Post("/__admin/events", {{"type", "order.paid"}});
  ASSERT_EQ(fired.status, 201);
  ASSERT_EQ(api_->Get("/__admin/wait?deliveries=3&timeout_ms=20000").status, 200);
  Reply paid = api_->Get("/__admin/wait?event_type=order.paid&after_event=&timeout_ms=5000");
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(paid.json["data"]["event"]["id"], fired.json["data"]["id"]);
}

TEST_F(DashboardTest, AWaitOnQueuesCountsTheirMessages) {
  ServerOptions options;
  options.sqs_port = 0;
  options.stomp_port = 0;
  Start(options);
  ASSERT_EQ(api_->Send("PUT", "/__admin/sqs/queues/dash", "", "").status, 201);
  EXPECT_EQ(api_->Get("/__admin/wait?sqs_queue=dash&messages=1&timeout_ms=30").status, 408);
  json sqs = testing_support::SqsCreateBody();
  sqs["data"]["observes"] = {"order.paid"};
  sqs["data"]["enabled"] = true;
  sqs["data"]["configuration"]["url"] = server_->Sqs()->QueueUrl("dash");
  Reply created = api_->Post("/v2/integrations", sqs);
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_EQ(api_->Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  Reply arrived = api_->Get("/__admin/wait?sqs_queue=dash&messages=1&timeout_ms=20000");
  ASSERT_EQ(arrived.status, 200) << arrived.body;
  EXPECT_EQ(arrived.json["data"]["total"], 1);
  EXPECT_EQ(api_->Get("/__admin/wait?stomp_destination=/queue/none&messages=1&timeout_ms=30").status, 408);

  // The dashboard's lists: every queue with its counts, every destination with its own.
  Reply queues = api_->Get("/__admin/sqs/queues");
  ASSERT_EQ(queues.status, 200) << queues.body;
  ASSERT_EQ(queues.json["data"].size(), 1u);
  EXPECT_EQ(queues.json["data"][0]["name"], "dash");
  EXPECT_EQ(queues.json["data"][0]["visible"], 1);
  EXPECT_EQ(queues.json["data"][0]["in_flight"], 0);
  json stomp = testing_support::StompCreateBody();
  stomp["data"]["observes"] = {"order.paid"};
  stomp["data"]["enabled"] = true;
  stomp["data"]["configuration"]["addresses"] = {server_->Stomp()->Url()};
  stomp["data"]["configuration"]["destination"] = "/queue/dash";
  ASSERT_EQ(api_->Post("/v2/integrations", stomp).status, 201);
  ASSERT_EQ(api_->Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  ASSERT_EQ(api_->Get("/__admin/wait?stomp_destination=/queue/dash&messages=1&timeout_ms=20000").status, 200);
  Reply destinations = api_->Get("/__admin/stomp/destinations");
  ASSERT_EQ(destinations.status, 200) << destinations.body;
  ASSERT_EQ(destinations.json["data"].size(), 1u);
  EXPECT_EQ(destinations.json["data"][0]["name"], "/queue/dash");
  EXPECT_EQ(destinations.json["data"][0]["sent"], 1);
  EXPECT_EQ(destinations.json["data"][0]["pending"], 1);  // nobody subscribed
  EXPECT_EQ(destinations.json["data"][0]["subscribers"], 0);
  EXPECT_EQ(destinations.json["data"][0]["auto_ack_subscribers"], 0);
}

// A failed attempt that will be retried says when the next one is due; the last says none.
TEST_F(DashboardTest, AnAttemptSaysWhenTheNextIsDue) {
  Start();
  Hook({"order.paid"});
  ASSERT_EQ(api_->Post("/__admin/faults", {{"fail_first_attempts", 1}}).status, 201);
  ASSERT_EQ(api_->Post("/__admin/events", {{"type", "order.paid"}}).status, 201);
  Reply two = api_->Get("/__admin/wait?deliveries=2&timeout_ms=20000");
  ASSERT_EQ(two.status, 200) << two.body;
  Reply logs = api_->Get("/__admin/deliveries");
  ASSERT_EQ(logs.json["data"].size(), 2u);
  const json& last = logs.json["data"][0];  // newest first
  const json& failed = logs.json["data"][1];
  EXPECT_FALSE(failed["succeeded"].get<bool>());
  ASSERT_TRUE(failed.contains("next_attempt_at")) << failed.dump();
  // Due 1 s later, scaled by 0.001: the same millisecond or the next.
  EXPECT_GE(failed["next_attempt_at"].get<std::string>(),
            failed["meta"]["timestamps"]["created_at"].get<std::string>().substr(0, 19));
  EXPECT_TRUE(last["succeeded"].get<bool>());
  EXPECT_FALSE(last.contains("next_attempt_at"));
  EXPECT_FALSE(api_->Get("/v2/integrations").body.find("next_attempt_at") != std::string::npos);
}

// What each receiver was sent, as the admin API rebuilds it, is byte for byte what it got:
// the webhook's headers and body (on every attempt), the SQS message.
TEST_F(DashboardTest, TheRequestsAnEventSentAreWhatItsReceiversGot) {
  ServerOptions options;
  options.sqs_port = 0;
  Start(options);
  json hook = testing_support::WebhookCreateBody();
  hook["data"]["observes"] = {"order.paid"};
  hook["data"]["enabled"] = true;
  hook["data"]["configuration"] = {{"url", sink_.Url()}, {"secret_key", "hush"}};
  Reply created = api_->Post("/v2/integrations", hook);
  ASSERT_EQ(created.status, 201);
  ASSERT_EQ(api_->Send("PUT", "/__admin/sqs/queues/sent", "", "").status, 201);
  json sqs = testing_support::SqsCreateBody();
  sqs["data"]["observes"] = {"order.paid"};
  sqs["data"]["enabled"] = true;
  sqs["data"]["configuration"]["url"] = server_->Sqs()->QueueUrl("sent");
  ASSERT_EQ(api_->Post("/v2/integrations", sqs).status, 201);
  ASSERT_EQ(api_->Post("/__admin/faults", {{"fail_first_attempts", 1}}).status, 201);
  Reply fired = api_->Post("/__admin/events", {{"type", "order.paid"}});
  ASSERT_EQ(fired.status, 201);
  const std::string id = fired.json["data"]["id"];
  ASSERT_EQ(api_->Get("/__admin/idle?timeout_ms=20000").status, 200);
  // The integration changes afterwards: the account is of what was sent.
  ASSERT_EQ(
      api_->Put(
              "/v2/integrations/" + created.json["data"]["id"].get<std::string>(),
              {{"data",
                {{"type", "integration"}, {"configuration", {{"url", sink_.Url()}, {"secret_key", "new"}}}}}})
          .status,
      200);

  const std::vector<ReceivedRequest> got = sink_.Requests();
  ASSERT_EQ(got.size(), 1u);  // attempt 1 failed by the fault before sending; attempt 2 arrived
  Reply second = api_->Get("/__admin/events/" + id + "/requests?attempt=2");
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json["data"].size(), 2u);
  json webhook, queued;
  for (const json& r : second.json["data"]) (r["integration_type"] == "webhook" ? webhook : queued) = r;
  EXPECT_EQ(webhook["method"], "POST");
  EXPECT_EQ(webhook["url"], sink_.Url());
  EXPECT_EQ(webhook["body"], got[0].Json());
  EXPECT_EQ(webhook["body"].dump(), got[0].body);  // byte for byte
  for (const char* header : {"x-moltin-secret-key", "x-moltin-integration-trigger", "User-Agent",
                             "content-type", "accept-encoding"})
    EXPECT_EQ(webhook["headers"].value(header, ""), got[0].Header(header)) << header;
  EXPECT_EQ(webhook["headers"]["x-moltin-secret-key"], "hush");
  Reply first = api_->Get("/__admin/events/" + id + "/requests");
  EXPECT_EQ(
      first.json["data"][0]["body"].value("attempt", 0) + first.json["data"][1]["body"].value("attempt", 0),
      1);

  const std::vector<SqsQueuedMessage> messages = server_->Sqs()->Messages("sent");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(queued["message"], json::parse(messages[0].body));
  EXPECT_EQ(queued["body"]["MessageBody"], messages[0].body);
  EXPECT_EQ(api_->Get("/__admin/events/" + id + "/requests?attempt=0").status, 400);
  EXPECT_EQ(api_->Get("/__admin/events/nope/requests").status, 404);
}

TEST_F(DashboardTest, ABadWaitOrStreamIsRefusedByName) {
  Start();
  struct Case {
    std::string query;
    std::string detail;
  };
  const Case cases[] = {
      {"", "Name one condition"},
      {"deliveries=1&event_type=order.paid", "Name one condition"},
      {"deliveries=-1", "deliveries must be a whole number"},
      {"deliveries=x", "deliveries must be a whole number"},
      {"deliveries=1&timeout_ms=60001", "timeout_ms must be a whole number from 0 to 60000"},
      {"deliveries=1&timeout_ms=1e3", "timeout_ms must be"},
      {"deliveries=1&after=nope", "after: no delivery nope"},
      {"sqs_queue=q&messages=1", "no embedded SQS endpoint"},
      {"stomp_destination=/queue/x", "no embedded STOMP broker"},
      {"sqs_queue=q&messages=999999999", "messages must be a whole number"},
  };
  for (const Case& c : cases) {
    Reply r = api_->Get("/__admin/wait?" + c.query);
    EXPECT_EQ(r.status, 400) << c.query << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr(c.detail)) << c.query;
  }
  auto long_id = Raw("/__admin/stream?client_id=" + std::string(300, 'a'));
  ASSERT_TRUE(long_id);
  EXPECT_EQ(long_id->status, 401);
  EXPECT_THAT(long_id->body, HasSubstr("1 to 256 characters"));
}

}  // namespace
}  // namespace epmock
