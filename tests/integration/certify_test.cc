// epmock certify webhook: a good consumer passes every check; each flaw fails the check made
// to catch it; the reports, the exit codes and every option's limits.
#include "epmock/certify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "epmock/server.h"
#include "epmock/testing/harness.h"
#include "support/certify_flaws.h"
#include "support/child.h"

namespace epmock {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::ChecksWith;
using testing_support::Child;
using testing_support::HasLongString;
using testing_support::HasUnknownStatus;

constexpr char kSecret[] = "s3cret";

// What a flawed consumer gets wrong; all false: a good consumer.
struct Flaws {
  bool accept_any_secret = false;           // takes any x-moltin-secret-key, but wants one
  bool accept_missing_secret = false;       // takes a delivery without the header
  bool crash_on_invalid_json = false;       // 500 to a body that is not JSON
  bool crash_on_other_store = false;        // 500 to another store's delivery
  bool acts_on_every_copy = false;          // no idempotency: every copy acted on
  bool dedupes_by_attempt = false;          // remembers (id, attempt): a retry is acted on again
  bool conflict_on_known_resource = false;  // 409 to a second event about a resource it holds
  bool strict_enums = false;                // 500 to an order status it does not know
  bool short_strings_only = false;          // 500 to a string longer than 1,900 bytes
  bool one_at_a_time = false;               // 503 while another delivery is in flight
  bool slow = false;                        // answers after the platform's timeout
  int refuses_with = 0;                     // not a flaw: this 4xx to every refusal, not 401/400
};

// A webhook consumer as the README describes a good one, over real HTTP on loopback, with an
// effects URL (/effects?event_id=ID) saying how many times it acted on each event.
class Consumer {
 public:
  Consumer(const std::string& store_id, Flaws flaws, const std::string& org_id = "")
      : store_id_(store_id), org_id_(org_id), flaws_(flaws) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    server_.Get("/effects", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      json out = json::object();
      const std::string id = req.get_param_value("event_id");
      if (acted_.count(id)) out[id] = acted_[id];
      res.set_content(out.dump(), "application/json");
    });
    server_.Get("/effects/not-json", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html>", "text/html");
    });
    server_.Get("/effects/huge", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"x\": \"" + std::string(2 * 1024 * 1024, 'a') + "\"}", "application/json");
    });
    server_.Get("/effects/wrong-type", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(json{{req.get_param_value("event_id"), "once"}}.dump(), "application/json");
    });
    server_.Get("/effects/negative", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(json{{req.get_param_value("event_id"), -1}}.dump(), "application/json");
    });
    server_.Get("/effects/array", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("[1, 2]", "application/json");
    });
    server_.Get("/effects/slow", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      // Past certify's 5 s read timeout, and not much more: each slow read holds one of the
      // consumer's threads, which its deliveries need too.
      stopping_cv_.wait_for(lock, std::chrono::milliseconds(5500), [this] { return stopping_; });
      res.set_content("{}", "application/json");
    });
    server_.Get("/effects/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("http://127.0.0.1:9/elsewhere");
    });
    server_.Get("/effects/broken", [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
    port_ = server_.bind_to_any_port("127.0.0.1");
    // Bound and listening already: connections queue until the accept loop takes them.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Consumer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    stopping_cv_.notify_all();
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    const int in_flight = ++in_flight_;
    struct Leave {
      std::atomic<int>& n;
      ~Leave() { --n; }
    } leave{in_flight_};
    if (flaws_.slow) {
      std::unique_lock<std::mutex> lock(mu_);
      stopping_cv_.wait_for(lock, std::chrono::milliseconds(800), [this] { return stopping_; });
    }
    if (flaws_.one_at_a_time) {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));  // the work that makes it overlap
      if (in_flight > 1) return Answer(res, 503);
    }
    const bool has_secret = req.has_header("x-moltin-secret-key");
    const std::string secret = req.get_header_value("x-moltin-secret-key");
    const int unauthorized = flaws_.refuses_with != 0 ? flaws_.refuses_with : 401;
    if (!has_secret && !flaws_.accept_missing_secret) return Answer(res, unauthorized);
    if (has_secret && secret != kSecret && !flaws_.accept_any_secret) return Answer(res, unauthorized);
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Answer(res, flaws_.crash_on_invalid_json ? 500
                         : flaws_.refuses_with != 0   ? flaws_.refuses_with
                                                      : 400);
    }
    if (body.value("store_id", "") != store_id_) return Answer(res, flaws_.crash_on_other_store ? 500 : 200);
    if (!org_id_.empty() && body.value("org_id", "") != org_id_) return Answer(res, 422);
    if (flaws_.short_strings_only && HasLongString(body.value("payload", json()))) return Answer(res, 500);
    const json& data = body.contains("payload") ? body["payload"]["data"] : body["data"];
    if (flaws_.strict_enums && HasUnknownStatus(data)) return Answer(res, 500);
    const std::string id = body.value("id", "");
    const std::string key =
        flaws_.dedupes_by_attempt ? id + "/" + std::to_string(body.value("attempt", 0)) : id;
    std::lock_guard<std::mutex> lock(mu_);
    if (seen_.count(key) && !flaws_.acts_on_every_copy) return Answer(res, 200);
    const std::string resource = data.is_object() ? data.value("id", "") : "";
    if (flaws_.conflict_on_known_resource && !resource.empty() && resources_.count(resource) &&
        !seen_.count(key)) {
      return Answer(res, 409);
    }
    seen_.insert(key);
    resources_.insert(resource);
    ++acted_[id];
    Answer(res, 200);
  }

  static void Answer(httplib::Response& res, int status) {
    res.status = status;
    res.set_content(json{{"status", status}}.dump(), "application/json");
  }

  std::string store_id_;
  std::string org_id_;
  Flaws flaws_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> in_flight_{0};
  std::mutex mu_;
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  std::map<std::string, int> acted_;
  std::set<std::string> seen_;
  std::set<std::string> resources_;
};

CertifyOptions OptionsFor(const Consumer& consumer, const std::string& client_id) {
  CertifyOptions o;
  o.url = consumer.Url("/hook");
  o.secret = kSecret;
  o.observes = {"order.paid"};
  o.effects_url = consumer.Url("/effects");
  o.client_id = client_id;
  // Generous: the consumer answers in milliseconds, but the sanitizer passes run it many
  // times slower. The late consumer's case sets its own.
  o.timeout_ms = 3000;
  o.burst = 12;
  o.settle_ms = 1500;
  return o;
}

std::map<std::string, CheckVerdict> Verdicts(const CertifyReport& report) {
  std::map<std::string, CheckVerdict> out;
  for (const CertifyCheck& c : report.checks) out[c.name] = c.verdict;
  return out;
}

std::vector<std::string> Failed(const CertifyReport& report) {
  std::vector<std::string> out;
  for (const CertifyCheck& c : report.checks) {
    if (c.verdict != CheckVerdict::kPass)
      out.push_back(c.name + " (" + VerdictName(c.verdict) + "): " + c.reason);
  }
  return out;
}

const std::vector<std::string> kAllChecks = {"order.paid realistic",
                                             "order.paid edge cases",
                                             "order.paid forward-compatible",
                                             "wrong_secret",
                                             "missing_secret",
                                             "invalid_json",
                                             "other_store",
                                             "duplicate",
                                             "replay an hour later",
                                             "reordered burst",
                                             "retried event",
                                             "concurrent burst"};

TEST(CertifyTest, AGoodConsumerPassesEveryCheck) {
  const std::string client = "certify-good";
  Consumer consumer(Server::StoreIdFor(client), {});
  StatusOr<CertifyReport> report = CertifyWebhook(OptionsFor(consumer, client));
  ASSERT_TRUE(report.ok()) << report.status();
  std::vector<std::string> names;
  for (const CertifyCheck& c : report->checks) names.push_back(c.name);
  EXPECT_EQ(names, kAllChecks);
  EXPECT_THAT(Failed(*report), ::testing::IsEmpty()) << report->ToText();
  EXPECT_EQ(report->ExitCode(false), 0);
  EXPECT_EQ(report->store_id, Server::StoreIdFor(client));
  ASSERT_TRUE(report->burst_p50_ms.has_value());
  EXPECT_LE(*report->burst_p50_ms, *report->burst_p99_ms);
  // The replay came an hour later on the run's clock, not in real time.
  EXPECT_GE(report->virtual_seconds, 3600);
  EXPECT_LT(report->real_seconds, 600);
  for (const CertifyCheck& c : report->checks) {
    if (c.name == "retried event") {
      ASSERT_EQ(c.exchanges.size(), 2u);
      EXPECT_EQ(c.exchanges[0].label, "late answer discarded");
      EXPECT_EQ(c.exchanges[0].status, 200);
      EXPECT_EQ(c.exchanges[1].attempt, 2);
      EXPECT_EQ(c.exchanges[0].event_id, c.exchanges[1].event_id);
    }
    if (c.name == "duplicate") {
      ASSERT_EQ(c.exchanges.size(), 2u);
      EXPECT_EQ(c.exchanges[1].label, "duplicate");
      EXPECT_THAT(c.notes, ::testing::Contains(HasSubstr("decided")));
    }
    if (c.name == "wrong_secret") {
      EXPECT_EQ(c.exchanges.front().status, 401);
    }
  }
}

// Any 4xx refuses; where it is not the code the README prefers, the check passes and its
// report says which code the README prefers.
TEST(CertifyTest, ARefusalWithAnotherFourXxPassesAndTheReportNotesThePreferredCode) {
  const std::string client = "certify-403";
  Flaws answers;
  answers.refuses_with = 403;
  Consumer consumer(Server::StoreIdFor(client), answers);
  StatusOr<CertifyReport> report = CertifyWebhook(OptionsFor(consumer, client));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(Failed(*report), ::testing::IsEmpty()) << report->ToText();
  const std::map<std::string, std::string> preferred = {
      {"wrong_secret", "answered 403; the README prefers 401"},
      {"missing_secret", "answered 403; the README prefers 401"},
      {"invalid_json", "answered 403; the README prefers 400"}};
  for (const CertifyCheck& c : report->checks) {
    auto want = preferred.find(c.name);
    if (want == preferred.end()) continue;
    EXPECT_EQ(c.verdict, CheckVerdict::kPass) << c.name;
    EXPECT_THAT(c.notes, ::testing::Contains(want->second)) << c.name;
  }
  EXPECT_THAT(report->ToText(), HasSubstr("the README prefers 401"));
}

TEST(CertifyTest, TheDeliveriesCarryTheStoreAndOrganizationIdsTheConsumerExpects) {
  Consumer consumer("4a7b2c1e-0000-4000-8000-00000000a11e", {}, "9d0e0000-0000-4000-8000-00000000b0b0");
  CertifyOptions options = OptionsFor(consumer, "certify-pinned");
  options.store_id = "4a7b2c1e-0000-4000-8000-00000000a11e";
  options.org_id = "9d0e0000-0000-4000-8000-00000000b0b0";
  StatusOr<CertifyReport> report = CertifyWebhook(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->store_id, "4a7b2c1e-0000-4000-8000-00000000a11e");
  EXPECT_EQ(report->org_id, "9d0e0000-0000-4000-8000-00000000b0b0");
  EXPECT_THAT(Failed(*report), ::testing::IsEmpty()) << report->ToText();
  EXPECT_THAT(
      report->ToText(),
      HasSubstr(
          "store_id 4a7b2c1e-0000-4000-8000-00000000a11e, org_id 9d0e0000-0000-4000-8000-00000000b0b0"));
}

TEST(CertifyTest, AServerPinsAStoreIdAndRefusesPinsThatCannotBe) {
  ServerOptions pinned;
  pinned.store_ids = {{"shop", "00000000-0000-4000-8000-000000000123"}};
  Server server(pinned);
  ASSERT_TRUE(server.Start().ok());
  StatusOr<TriggeredEvent> event = server.Trigger("shop", TriggerRequest{"order.paid", {}, {}});
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->store_id, "00000000-0000-4000-8000-000000000123");
  EXPECT_EQ(server.Events("shop").size(), 1u);
  server.ResetStore("shop");
  EXPECT_TRUE(server.Events("shop").empty());

  struct Row {
    std::map<std::string, std::string> ids;
    const char* error;
  };
  const std::string same = "00000000-0000-4000-8000-00000000005a";
  for (const Row& row :
       {Row{{{"a", same}, {"b", same}}, "are both pinned to"}, Row{{{"a", "has a space"}}, "must be a UUID"},
        Row{{{"a", ""}}, "must be a UUID"}, Row{{{"a", std::string(36, 'x')}}, "must be a UUID"},
        Row{{{"", same}}, "must be a UUID"}}) {
    ServerOptions o;
    o.store_ids = row.ids;
    Server refused(o);
    Status started = refused.Start();
    EXPECT_EQ(started.code(), StatusCode::kInvalidArgument) << row.error;
    EXPECT_THAT(started.message(), HasSubstr(row.error));
  }
}

TEST(CertifyTest, TheGoogleTestAssertionNamesEachCheckThatDidNotPass) {
  Consumer good(Server::StoreIdFor("certify-assert-good"), {});
  EXPECT_TRUE(testing::Certify(OptionsFor(good, "certify-assert-good")));

  Flaws flaws;
  flaws.accept_any_secret = true;
  Consumer flawed(Server::StoreIdFor("certify-assert-flawed"), flaws);
  CertifyOptions options = OptionsFor(flawed, "certify-assert-flawed");
  options.effects_url.clear();
  ::testing::AssertionResult result = testing::Certify(options);
  EXPECT_FALSE(result);
  EXPECT_THAT(result.message(), HasSubstr("1 certify checks failed, 4 inconclusive:"));
  EXPECT_THAT(result.message(),
              HasSubstr("fail refusals / wrong_secret: accepted a delivery with the wrong secret"));
  EXPECT_THAT(result.message(), HasSubstr("inconclusive at-least-once / duplicate: every copy answered 2xx"));
  EXPECT_FALSE(testing::Certify(options, /*allow_inconclusive=*/true));
}

TEST(CertifyTest, WithoutAnEffectsUrlTheEffectChecksAreInconclusiveNeverPassed) {
  const std::string client = "certify-no-effects";
  Consumer consumer(Server::StoreIdFor(client), {});
  CertifyOptions options = OptionsFor(consumer, client);
  options.effects_url.clear();
  StatusOr<CertifyReport> report = CertifyWebhook(options);
  ASSERT_TRUE(report.ok()) << report.status();
  std::map<std::string, CheckVerdict> verdicts = Verdicts(*report);
  for (const char* name : {"duplicate", "replay an hour later", "reordered burst", "retried event"}) {
    EXPECT_EQ(verdicts[name], CheckVerdict::kInconclusive) << name;
  }
  EXPECT_EQ(report->Count(CheckVerdict::kFail), 0) << report->ToText();
  EXPECT_EQ(report->ExitCode(false), 3);
  EXPECT_EQ(report->ExitCode(true), 0);
}

// Each flaw and the checks it fails: the check made to catch it, and no other.
struct FlawCase {
  const char* name;
  Flaws flaws;
  std::vector<std::string> fails;
  int timeout_ms = 3000;  // the late consumer answers after 800 ms: its case waits 300
};

void PrintTo(const FlawCase& c, std::ostream* os) { *os << c.name; }

class CertifyFlawTest : public ::testing::TestWithParam<FlawCase> {};

TEST_P(CertifyFlawTest, FailsExactlyTheChecksMadeToCatchIt) {
  const FlawCase& c = GetParam();
  const std::string client = std::string("certify-flaw-") + c.name;
  Consumer consumer(Server::StoreIdFor(client), c.flaws);
  CertifyOptions options = OptionsFor(consumer, client);
  options.timeout_ms = c.timeout_ms;
  StatusOr<CertifyReport> report = CertifyWebhook(options);
  ASSERT_TRUE(report.ok()) << report.status();
  std::vector<std::string> failed;
  for (const CertifyCheck& check : report->checks) {
    if (check.verdict == CheckVerdict::kFail) failed.push_back(check.name);
    if (check.verdict == CheckVerdict::kFail) {
      EXPECT_FALSE(check.reason.empty());
    }
  }
  EXPECT_EQ(failed, c.fails) << report->ToText();
  EXPECT_EQ(report->Count(CheckVerdict::kInconclusive), 0) << report->ToText();
  EXPECT_EQ(report->ExitCode(true), 1);
}

Flaws With(bool Flaws::*flaw) {
  Flaws f;
  f.*flaw = true;
  return f;
}

INSTANTIATE_TEST_SUITE_P(
    EveryCheck, CertifyFlawTest,
    ::testing::Values(
        FlawCase{"accepts_any_secret", With(&Flaws::accept_any_secret), {"wrong_secret"}},
        FlawCase{"accepts_a_missing_secret", With(&Flaws::accept_missing_secret), {"missing_secret"}},
        FlawCase{"crashes_on_invalid_json", With(&Flaws::crash_on_invalid_json), {"invalid_json"}},
        FlawCase{"crashes_on_another_store", With(&Flaws::crash_on_other_store), {"other_store"}},
        FlawCase{"acts_on_every_copy",
                 With(&Flaws::acts_on_every_copy),
                 {"duplicate", "replay an hour later", "retried event"}},
        FlawCase{"dedupes_by_attempt", With(&Flaws::dedupes_by_attempt), {"retried event"}},
        FlawCase{
            "conflicts_on_a_known_resource", With(&Flaws::conflict_on_known_resource), {"reordered burst"}},
        FlawCase{
            "knows_only_todays_enum_values", With(&Flaws::strict_enums), {"order.paid forward-compatible"}},
        FlawCase{"takes_only_short_strings", With(&Flaws::short_strings_only), {"order.paid edge cases"}},
        FlawCase{"takes_one_at_a_time", With(&Flaws::one_at_a_time), {"concurrent burst"}},
        FlawCase{"answers_too_late",
                 With(&Flaws::slow),
                 {"order.paid realistic", "order.paid edge cases", "order.paid forward-compatible",
                  "wrong_secret", "missing_secret", "invalid_json", "other_store", "duplicate",
                  "replay an hour later", "reordered burst", "retried event", "concurrent burst"},
                 300}),
    [](const ::testing::TestParamInfo<FlawCase>& info) { return std::string(info.param.name); });

// What an effects URL may answer that says nothing: the check is inconclusive, and says why.
void ExpectEffectsInconclusive(const std::string& client, const std::string& path,
                               const std::string& reason) {
  SCOPED_TRACE(path);
  Consumer consumer(Server::StoreIdFor(client), {});
  CertifyOptions options = OptionsFor(consumer, client);
  options.effects_url = consumer.Url(path);
  StatusOr<CertifyReport> report = CertifyWebhook(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(Verdicts(*report)["duplicate"], CheckVerdict::kInconclusive);
  EXPECT_EQ(report->Count(CheckVerdict::kFail), 0) << report->ToText();
  for (const CertifyCheck& c : report->checks) {
    if (c.name == "duplicate") {
      EXPECT_THAT(c.reason, HasSubstr(reason));
    }
  }
}

TEST(CertifyTest, EffectsAnswersThatSayNothingMakeTheChecksInconclusiveWithTheReason) {
  ExpectEffectsInconclusive("certify-effects", "/effects/not-json", "not a JSON object");
  ExpectEffectsInconclusive("certify-effects", "/effects/array", "not a JSON object");
  ExpectEffectsInconclusive("certify-effects", "/effects/huge", "more than 1 MiB");
  ExpectEffectsInconclusive("certify-effects", "/effects/wrong-type", "want a whole number");
  ExpectEffectsInconclusive("certify-effects", "/effects/negative", "want a whole number");
  ExpectEffectsInconclusive("certify-effects", "/effects/redirect", "certify follows no redirect");
  ExpectEffectsInconclusive("certify-effects", "/effects/broken", "answered 500, not 200");
}

TEST(CertifyTest, ASlowEffectsUrlIsGivenUpOnAndSaidSo) {
  ExpectEffectsInconclusive("certify-effects-slow", "/effects/slow", "did not answer within 5 s");
}

TEST(CertifyTest, EveryOptionHasLimitsAndSaysWhichWasWrong) {
  struct Row {
    const char* name;
    void (*edit)(CertifyOptions&);
    const char* error;
  };
  const Row rows[] = {
      {"no_url", [](CertifyOptions& o) { o.url.clear(); }, "--url must be the consumer's http(s) URL"},
      {"ftp_url", [](CertifyOptions& o) { o.url = "ftp://127.0.0.1/hook"; }, "--url must be"},
      {"not_a_url", [](CertifyOptions& o) { o.url = "hook"; }, "--url must be"},
      {"no_secret", [](CertifyOptions& o) { o.secret.clear(); }, "--secret must be"},
      {"huge_secret", [](CertifyOptions& o) { o.secret = std::string(2000, 's'); }, "1 to 1024 characters"},
      {"no_events", [](CertifyOptions& o) { o.observes.clear(); }, "--observes must name 1 to 50"},
      {"too_many_events", [](CertifyOptions& o) { o.observes.assign(51, "order.paid"); },
       "1 to 50 event keys"},
      {"unknown_event", [](CertifyOptions& o) { o.observes = {"order.exploded"}; },
       "not an observable event"},
      {"event_twice",
       [](CertifyOptions& o) {
         o.observes = {"order.paid", "order.paid"};
       },
       "listed twice"},
      {"effects_not_http", [](CertifyOptions& o) { o.effects_url = "file:///etc/passwd"; },
       "--effects-url must be"},
      {"negative_settle", [](CertifyOptions& o) { o.settle_ms = -1; }, "--settle-ms must be 0 to 60000"},
      {"long_settle", [](CertifyOptions& o) { o.settle_ms = 60001; }, "--settle-ms must be 0 to 60000"},
      {"zero_timeout", [](CertifyOptions& o) { o.timeout_ms = 0; }, "--timeout-ms must be 1 to 60000"},
      {"long_timeout", [](CertifyOptions& o) { o.timeout_ms = 60001; }, "--timeout-ms must be 1 to 60000"},
      {"zero_burst", [](CertifyOptions& o) { o.burst = 0; }, "--burst must be 1 to 200"},
      {"huge_burst", [](CertifyOptions& o) { o.burst = 201; }, "--burst must be 1 to 200"},
      {"huge_client", [](CertifyOptions& o) { o.client_id = std::string(300, 'c'); },
       "--client-id must be at most"},
      {"store_id_with_a_slash", [](CertifyOptions& o) { o.store_id = "a/b"; }, "--store-id must be a UUID"},
      {"huge_store_id", [](CertifyOptions& o) { o.store_id = std::string(129, 's'); },
       "--store-id must be a UUID"},
      {"org_id_with_a_quote", [](CertifyOptions& o) { o.org_id = "o\"rg"; }, "--org-id must be a UUID"},
      {"store_is_its_org",
       [](CertifyOptions& o) {
         o.store_id = "00000000-0000-4000-8000-000000000001";
         o.org_id = "00000000-0000-4000-8000-000000000001";
       },
       "--store-id and --org-id must differ"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    CertifyOptions o;
    o.url = "http://127.0.0.1:9/hook";
    o.secret = kSecret;
    o.observes = {"order.paid"};
    row.edit(o);
    StatusOr<CertifyReport> report = CertifyWebhook(o);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(report.status().message(), HasSubstr(row.error));
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CertifyCliTest, CertifiesAConsumerWritesEveryReportAndExitsByTheVerdict) {
  const std::string client = "certify-cli";
  Consumer consumer(Server::StoreIdFor(client), {});
  const std::string dir = ::testing::TempDir();
  const std::string junit = dir + "/certify-cli.xml", report_json = dir + "/certify-cli.json",
                    html = dir + "/certify-cli.html";
  Child run({"certify",       "webhook",
             "--url",         consumer.Url("/hook"),
             "--secret",      kSecret,
             "--observes",    "order.paid,order.fulfilled",
             "--effects-url", consumer.Url("/effects"),
             "--client-id",   client,
             "--timeout-ms",  "2000",
             "--settle-ms",   "1000",
             "--burst",       "6",
             "--junit",       junit,
             "--json",        report_json,
             "--html",        html});
  ASSERT_EQ(run.Wait(std::chrono::seconds(100)), 0) << run.Stdout() << run.Stderr();
  EXPECT_THAT(run.Stdout(), HasSubstr("CERTIFIED: 15 passed, 0 failed, 0 inconclusive, of 15 checks"));
  EXPECT_THAT(run.Stdout(), HasSubstr("order.fulfilled forward-compatible"));
  EXPECT_THAT(run.Stdout(), HasSubstr(Server::StoreIdFor(client)));
  const std::string xml = ReadAll(junit);
  EXPECT_THAT(xml, HasSubstr("tests=\"15\" failures=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"epmock.certify.refusals\" name=\"wrong_secret\">"));
  const json doc = json::parse(ReadAll(report_json));
  EXPECT_EQ(doc["verdict"], "pass");
  EXPECT_EQ(doc["checks"].size(), 15u);
  EXPECT_EQ(doc["store_id"], Server::StoreIdFor(client));
  const std::string page = ReadAll(html);
  EXPECT_THAT(page, HasSubstr("<!doctype html>"));
  EXPECT_THAT(page, Not(HasSubstr("src=")));  // self-contained: no external script, image or style
  EXPECT_THAT(page, Not(HasSubstr("href=")));

  // Without an effects URL: nothing failed, some inconclusive: 3, or 0 when allowed.
  Child partial({"certify", "webhook", "--url", consumer.Url("/hook"), "--secret", kSecret, "--observes",
                 "order.paid", "--client-id", client, "--timeout-ms", "2000", "--burst", "2"});
  EXPECT_EQ(partial.Wait(std::chrono::seconds(100)), 3) << partial.Stdout() << partial.Stderr();
  EXPECT_THAT(partial.Stdout(), HasSubstr("INCONCLUSIVE: 8 passed, 0 failed, 4 inconclusive"));
  Child allowed({"certify", "webhook", "--url", consumer.Url("/hook"), "--secret", kSecret, "--observes",
                 "order.paid", "--client-id", client, "--timeout-ms", "2000", "--burst", "2",
                 "--allow-inconclusive"});
  EXPECT_EQ(allowed.Wait(std::chrono::seconds(100)), 0) << allowed.Stdout() << allowed.Stderr();

  // A consumer that takes any secret: 1, and the JUnit failure names why.
  Child bad({"certify", "webhook", "--url", consumer.Url("/hook"), "--secret", "not-the-consumers",
             "--observes", "order.paid", "--client-id", client, "--timeout-ms", "2000", "--burst", "2",
             "--junit", junit});
  EXPECT_EQ(bad.Wait(std::chrono::seconds(100)), 1) << bad.Stdout() << bad.Stderr();
  EXPECT_THAT(bad.Stdout(), HasSubstr("NOT CERTIFIED"));
  EXPECT_THAT(ReadAll(junit), HasSubstr("<failure message=\""));
}

TEST(CertifyCliTest, AUsageErrorExitsTwoAndSaysWhy) {
  struct Row {
    std::vector<std::string> args;
    const char* error;
  };
  const std::vector<Row> rows = {
      {{"certify", "webhook", "--secret", "s", "--observes", "order.paid"}, "--url is required"},
      {{"certify", "webhook", "--url", "http://127.0.0.1:9/", "--secret", "s", "--observes", "order.nope"},
       "not an observable event"},
      {{"certify", "webhook", "--url", "http://127.0.0.1:9/", "--secret", "s", "--observes", ","},
       "--observes must name 1 to 50"},
      {{"certify", "webhook", "--url", "http://127.0.0.1:9/", "--secret", "s", "--observes", "order.paid",
        "--burst", "many"},
       "--burst"},
      {{"certify", "webhook", "--url", "http://127.0.0.1:9/", "--secret", "s", "--observes", "order.paid",
        "--settle-ms", "99999999999"},
       "--settle-ms"},
      {{"certify", "webhook", "--url", "http://127.0.0.1:9/", "--secret", "s", "--observes", "order.paid",
        "--json", "/nonexistent-dir/x.json", "--timeout-ms", "200", "--burst", "1", "--settle-ms", "0"},
       "--json: cannot write"},
      {{"certify", "webhook", "--url", "http://127.0.0.1:9/", "--secret", "s", "--observes", "order.paid",
        "--store-id", "not an id"},
       "--store-id must be"},
      {{"certify"}, "A subcommand is required"},
  };
  for (const Row& row : rows) {
    Child run(row.args);
    EXPECT_EQ(run.Wait(std::chrono::seconds(60)), 2) << row.error << run.Stderr();
    EXPECT_THAT(run.Stderr(), HasSubstr(row.error));
  }
}

}  // namespace
}  // namespace epmock
