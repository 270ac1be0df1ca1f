// POST /__admin/certify: the same run as `epmock certify`, from a running server, in a server
// of its own (no store or clock of the running one touched), its progress on the stream, its
// end by a long poll; and every refusal of its request.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/certify.h"
#include "epmock/server.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ApiClient;

// A webhook consumer that takes every delivery with the right secret, once per event id, and
// says so at /effects: enough for every check to pass.
class SimpleConsumer {
 public:
  explicit SimpleConsumer(std::string store_id) : store_id_(std::move(store_id)) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("x-moltin-secret-key") != "s3cret") {
        res.status = 401;
        return;
      }
      const json body = json::parse(req.body, nullptr, false);
      if (!body.is_object()) {
        res.status = 400;
        return;
      }
      if (body.value("store_id", "") != store_id_) return;  // 200, not acted on
      std::lock_guard<std::mutex> lock(mu_);
      const std::string id = body.value("id", "");
      if (!acted_.count(id)) acted_[id] = 1;
    });
    server_.Get("/effects", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      const std::string id = req.get_param_value("event_id");
      json out = json::object();
      if (acted_.count(id)) out[id] = acted_[id];
      res.set_content(out.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~SimpleConsumer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  std::string store_id_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, int> acted_;
};

json WebhookRequest(const SimpleConsumer& consumer, const std::string& client) {
  return {{"kind", "webhook"},
          {"url", consumer.Url("/hook")},
          {"secret", "s3cret"},
          {"observes", {"order.paid"}},
          {"effects_url", consumer.Url("/effects")},
          {"client_id", client},
          {"timeout_ms", 3000},
          {"settle_ms", 1500},
          {"burst", 8}};
}

// Reads the store's stream until a certify frame says the run ended; each frame's data.
std::vector<json> CertifyFrames(const std::string& url, const std::string& token, std::atomic<bool>* ended) {
  std::vector<json> frames;
  httplib::Client http(url);
  http.set_read_timeout(120);
  std::string buffer;
  http.Get("/__admin/stream", httplib::Headers{{"Authorization", "Bearer " + token}},
           [&](const char* data, std::size_t length) {
             buffer.append(data, length);
             for (std::size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
               const std::string frame = buffer.substr(0, end);
               buffer.erase(0, end + 2);
               if (frame.rfind("event: certify\n", 0) != 0) continue;
               const json run = json::parse(frame.substr(frame.find("\ndata: ") + 7), nullptr, false);
               frames.push_back(run);
               if (run.value("status", "") != "running") {
                 *ended = true;
                 return false;
               }
             }
             return true;
           });
  return frames;
}

TEST(CertifyAdminTest, ARunOnAServerOfItsOwnShowsItsProgressOnTheStreamAndEndsWithTheReport) {
  ServerOptions options;
  options.certify_runner = NewCertifyRunner();
  options.clock = ServerOptions::ClockMode::kVirtual;  // the shared clock, which the run must not move
  Server server(options);
  ASSERT_TRUE(server.Start().ok());
  ApiClient api(server.Url(), "certify-admin");
  const auto shared_clock = server.Clock().Now();
  SimpleConsumer consumer(Server::StoreIdFor("certify-admin-run"));

  std::atomic<bool> ended{false};
  std::vector<json> frames;
  std::thread stream([&] { frames = CertifyFrames(server.Url(), api.token(), &ended); });
  // The stream is open once the health route counts it; a frame before it would be missed.
  for (int i = 0; i < 500 && api.Get("/__admin/health").json.value("streams", 0) < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));

  auto started = api.Post("/__admin/certify", WebhookRequest(consumer, "certify-admin-run"));
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = started.json["data"]["id"];
  EXPECT_EQ(started.json["data"]["status"], "running");
  EXPECT_EQ(started.json["data"]["kind"], "webhook");

  auto done = api.Get("/__admin/certify/" + id + "?wait_ms=60000");
  ASSERT_EQ(done.status, 200) << done.body;
  const json& run = done.json["data"];
  EXPECT_EQ(run["status"], "pass") << run.dump(2);
  EXPECT_EQ(run["checks_done"], 12);
  EXPECT_EQ(run["report"]["verdict"], "pass");
  EXPECT_EQ(run["report"]["passed"], 12);
  EXPECT_FALSE(run["ended_at"].is_null());
  stream.join();
  ASSERT_TRUE(ended);
  // A frame at each check: the checks done only grow, and the last frame is the end.
  ASSERT_GE(frames.size(), 2u);
  std::size_t last = 0;
  for (const json& frame : frames) {
    EXPECT_EQ(frame["id"], id);
    EXPECT_GE(frame["checks_done"].get<std::size_t>(), last);
    last = frame["checks_done"];
  }
  EXPECT_EQ(frames.back()["status"], "pass");

  auto listed = api.Get("/__admin/certify");
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json["data"].size(), 1u);
  EXPECT_EQ(listed.json["data"][0]["id"], id);
  EXPECT_FALSE(listed.json["data"][0].contains("report")) << "the list leaves each report to its run's route";
  // The shared server: its clock where it was, its stores without a single event.
  EXPECT_EQ(server.Clock().Now(), shared_clock);
  EXPECT_TRUE(server.Events("certify-admin").empty());
  EXPECT_TRUE(server.Events("certify-admin-run").empty());
  // Another store sees none of it.
  ApiClient other(server.Url(), "certify-admin-other");
  EXPECT_EQ(other.Get("/__admin/certify/" + id).status, 404);
  EXPECT_TRUE(other.Get("/__admin/certify").json["data"].empty());
}

// A STOMP run says where its broker is (the run's "stomp"), so that a consumer can be pointed
// at it; with none there, it fails "connects" and ends.
TEST(CertifyAdminTest, AStompRunSaysWhereItsBrokerIsAndFailsWithoutAConsumer) {
  ServerOptions options;
  options.certify_runner = NewCertifyRunner();
  Server server(options);
  ASSERT_TRUE(server.Start().ok());
  ApiClient api(server.Url(), "certify-admin-stomp");
  auto started = api.Post("/__admin/certify", json{{"kind", "stomp"},
                                                   {"destination", "/queue/orders"},
                                                   {"observes", {"order.paid"}},
                                                   {"connect_timeout_ms", 300}});
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(started.json["data"]["kind"], "stomp");
  auto done = api.Get("/__admin/certify/" + started.json["data"]["id"].get<std::string>() + "?wait_ms=60000");
  ASSERT_EQ(done.status, 200) << done.body;
  const json& run = done.json["data"];
  EXPECT_EQ(run["status"], "fail") << run.dump(2);
  EXPECT_THAT(run["stomp"].value("stomp_url", ""), ::testing::StartsWith("stomp://127.0.0.1:"));
  EXPECT_EQ(run["stomp"]["destination"], "/queue/orders");
  ASSERT_EQ(run["report"]["checks"].size(), 1u);
  EXPECT_THAT(run["report"]["checks"][0]["reason"].get<std::string>(),
              HasSubstr("no SUBSCRIBE to /queue/orders within 300 ms"));
}

TEST(CertifyAdminTest, EveryBadRequestIsRefusedWithItsReasonAndNothingRuns) {
  ServerOptions options;
  options.certify_runner = NewCertifyRunner();
  Server server(options);
  ASSERT_TRUE(server.Start().ok());
  ApiClient api(server.Url(), "certify-admin-bad");
  const json good = {{"url", "http://127.0.0.1:9/hook"}, {"secret", "s"}, {"observes", {"order.paid"}}};
  struct Row {
    const char* what;
    json body;
    const char* error;
  };
  auto with = [&](const char* key, json value) {
    json body = good;
    body[key] = std::move(value);
    return body;
  };
  const Row rows[] = {
      {"an unknown kind", with("kind", "ftp"), "kind must be webhook, sqs or stomp"},
      {"a kind not a string", with("kind", 7), "kind must be webhook, sqs or stomp"},
      {"an unknown field", with("when", "now"), "unknown webhook certify field 'when'"},
      {"a command to run",
       json{{"kind", "sqs"}, {"queue", "q"}, {"observes", "order.paid"}, {"run", "rm -rf /"}},
       "run is not taken over HTTP: a web request must not start programs on the server (the epmock certify "
       "sqs and stomp commands start a consumer, from a shell)"},
      {"no url", json{{"secret", "s"}, {"observes", {"order.paid"}}}, "url must be"},
      {"a url not http", with("url", "file:///etc/passwd"), "url must be"},
      {"observes a number", with("observes", 7), "observes must be an array"},
      {"observes holding a number", with("observes", json::array({7})), "observes must hold event keys"},
      {"observes an unknown key", with("observes", json::array({"order.nope"})),
       "is not an observable event"},
      {"a burst too big", with("burst", 999), "burst must be 1 to 200"},
      {"a burst not a number", with("burst", "9"), "burst must be a whole number"},
      {"a burst beyond int", with("burst", 1e30), "burst must be a whole number"},
      {"a negative seed", with("seed", -1), "seed must be a whole number, 0 or more"},
      {"insecure not a bool", with("insecure", "yes"), "insecure must be true or false"},
      {"a store id not a UUID", with("store_id", "shop"), "store_id must be a UUID"},
      {"an sqs run without a queue", json{{"kind", "sqs"}, {"observes", {"order.paid"}}}, "queue must be"},
      {"an sqs run with a webhook field",
       json{{"kind", "sqs"}, {"queue", "q"}, {"observes", {"order.paid"}}, {"url", "x"}},
       "unknown sqs certify field 'url'"},
      {"an sqs port beyond",
       json{{"kind", "sqs"}, {"queue", "q"}, {"observes", {"order.paid"}}, {"sqs_port", 70000}},
       "sqs_port must be 0 to 65535"},
      {"a stomp run without a destination", json{{"kind", "stomp"}, {"observes", {"order.paid"}}},
       "destination must be 1 to 1024"},
      {"a stomp run with an sqs field",
       json{{"kind", "stomp"}, {"destination", "/queue/q"}, {"observes", {"order.paid"}}, {"queue", "q"}},
       "unknown stomp certify field 'queue'"},
      {"a stomp destination with a line break",
       json{{"kind", "stomp"}, {"destination", "/queue/a\nb"}, {"observes", {"order.paid"}}},
       "no line break"},
      {"a stomp port not a number",
       json{{"kind", "stomp"},
            {"destination", "/queue/q"},
            {"observes", {"order.paid"}},
            {"stomp_port", "61613"}},
       "stomp_port must be a whole number"},
  };
  for (const Row& row : rows) {
    auto refused = api.Post("/__admin/certify", row.body);
    EXPECT_EQ(refused.status, 422) << row.what << ": " << refused.body;
    EXPECT_THAT(refused.body, HasSubstr(row.error)) << row.what;
  }
  EXPECT_EQ(api.Send("POST", "/__admin/certify", "{not json", "application/json").status, 400);
  auto array = api.Post("/__admin/certify", json::array());
  EXPECT_EQ(array.status, 400);
  EXPECT_THAT(array.body, HasSubstr("must be a JSON object"));
  EXPECT_TRUE(api.Get("/__admin/certify").json["data"].empty()) << "nothing refused was started";
  EXPECT_EQ(api.Get("/__admin/certify/certify-404").status, 404);
  for (const char* wait : {"abc", "-1", "60001", "1e3"}) {
    EXPECT_EQ(api.Get(std::string("/__admin/certify/x?wait_ms=") + wait).status, 400) << wait;
  }

  Server without;  // no runner: the route says how to get one
  ASSERT_TRUE(without.Start().ok());
  ApiClient bare(without.Url(), "certify-admin-bare");
  auto refused = bare.Post("/__admin/certify", good);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("ServerOptions::certify_runner"));
}

}  // namespace
}  // namespace epmock
