// The engine's small parts: masking, ids, form decoding, nesting, pagination, the journal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "api/api.h"
#include "api/errors.h"
#include "api/integrations_api.h"
#include "api/journal.h"
#include "api/json_body.h"
#include "api/pagination.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/strings.h"
#include "epmock/server.h"
#include "http/self_authorities.h"
#include "http/socket.h"
#include "sinks/recorder.h"
#include "sqs/queues.h"
#include "store/store.h"

namespace epmock::internal {
namespace {

using nlohmann::json;

// A page of logs or jobs is cut from the store's history, newest first, with the total of
// what matches: the same entries a full copy then a slice gave, without the copy.
// A Retention with these counts and no byte limit worth the name.
Retention Counts(std::size_t events, std::size_t logs) {
  Retention retention;
  retention.events = events;
  retention.logs = logs;
  return retention;
}

TEST(StorePageTest, LogsAndJobsPagesAreTheNewestFirstSliceWithTheTotal) {
  Store store("s", Counts(10, 100));
  for (int i = 0; i < 10; ++i) {
    IntegrationJob job;
    job.id = "job-" + std::to_string(i);
    job.integration_id = i % 2 == 0 ? "even" : "odd";
    store.AddJob(job);
    IntegrationLog log;
    log.id = "log-" + std::to_string(i);
    log.integration_id = job.integration_id;
    log.job_id = job.id;
    store.AddLog(log);
  }
  auto ids = [](const auto& items) {
    std::vector<std::string> out;
    for (const auto& item : items) out.push_back(item.id);
    return out;
  };
  auto all = store.LogsPage("", "", 3, 4);
  EXPECT_EQ(all.total, 10u);
  EXPECT_THAT(ids(all.items), ::testing::ElementsAre("log-6", "log-5", "log-4", "log-3"));
  auto odd = store.LogsPage("odd", "", 1, 2);
  EXPECT_EQ(odd.total, 5u);
  EXPECT_THAT(ids(odd.items), ::testing::ElementsAre("log-7", "log-5"));
  auto one_job = store.LogsPage("even", "job-4", 0, 25);
  EXPECT_EQ(one_job.total, 1u);
  EXPECT_THAT(ids(one_job.items), ::testing::ElementsAre("log-4"));
  auto beyond = store.LogsPage("", "", 50, 25);
  EXPECT_EQ(beyond.total, 10u);
  EXPECT_TRUE(beyond.items.empty());
  auto jobs = store.JobsPage("even", 0, 2);
  EXPECT_EQ(jobs.total, 5u);
  EXPECT_THAT(ids(jobs.items), ::testing::ElementsAre("job-8", "job-6"));
  // The same as the full lists sliced.
  std::vector<IntegrationLog> full = store.Logs("odd", "");
  EXPECT_EQ(ids(std::vector<IntegrationLog>(full.begin() + 1, full.begin() + 3)), ids(odd.items));
}

// Events are kept within a count and within bytes, whichever binds first; the oldest go
// first and are counted, the newest stays even when it alone is over the bytes, and a
// dropped event is no longer found (nor its cursor).
TEST(StoreRetentionTest, EventsAreDroppedOldestFirstByCountAndByBytes) {
  Retention retention;
  retention.events = 100;
  retention.event_bytes = 1000;
  Store store("s", retention);
  for (int i = 0; i < 10; ++i) {
    auto event = std::make_shared<EventRecord>();
    event->id = "e" + std::to_string(i);
    event->bytes = 300;
    store.AddEvent(event);
  }
  EXPECT_EQ(store.EventsPage(0, 100).total, 3u);  // 900 bytes held
  EXPECT_EQ(store.EventBytes(), 900u);
  EXPECT_EQ(store.DroppedEvents(), 7u);
  EXPECT_EQ(store.EventsPage(0, 1).items[0]->id, "e9");
  EXPECT_EQ(store.FindEvent("e6"), nullptr);
  ASSERT_NE(store.FindEvent("e7"), nullptr);
  EXPECT_FALSE(store.EventsAfter("e6", 10).has_value());
  EXPECT_EQ(store.EventsAfter("e7", 10)->total, 2u);

  auto huge = std::make_shared<EventRecord>();
  huge->id = "huge";
  huge->bytes = 5000;
  store.AddEvent(huge);
  EXPECT_EQ(store.EventsPage(0, 100).total, 1u);
  EXPECT_EQ(store.FindEvent("huge")->bytes, 5000u);
  EXPECT_EQ(store.DroppedEvents(), 10u);

  Retention by_count;
  by_count.events = 2;
  Store counted("c", by_count);
  for (int i = 0; i < 5; ++i) {
    auto event = std::make_shared<EventRecord>();
    event->id = "c" + std::to_string(i);
    counted.AddEvent(event);
  }
  EXPECT_EQ(counted.DroppedEvents(), 3u);
  EXPECT_EQ(counted.EventsPage(0, 10).items[1]->id, "c3");
  // A replay's jobs land on the kept record, found by its number, not by a scan.
  counted.AddEventJobs("c3", {EventJob{"job", "integration", "webhook", ""}},
                       {std::make_shared<const Integration>()});
  EXPECT_EQ(counted.FindEvent("c3")->jobs.size(), 1u);
  EXPECT_EQ(counted.EventsPage(0, 10).items[1]->jobs.size(), 1u);
}

TEST(StoreRetentionTest, JobsBeyondTheCountAreDroppedOldestFirstAndCounted) {
  Store store("s", Counts(10, 3));
  for (int i = 0; i < 5; ++i) {
    IntegrationJob job;
    job.id = "job-" + std::to_string(i);
    job.integration_id = "i";
    store.AddJob(job);
  }
  EXPECT_EQ(store.DroppedJobs(), 2u);
  EXPECT_EQ(store.JobsPage("", 0, 10).total, 3u);
  EXPECT_EQ(store.JobsPage("", 0, 10).items.back().id, "job-2");
  EXPECT_FALSE(store.HasJob("i", "job-1"));
  EXPECT_TRUE(store.HasJob("i", "job-2"));
}

// Integrations are held once and pointed at by the order and the observer index: a
// replace keeps the order, moves the index, and a remove leaves neither behind.
TEST(StoreIntegrationsTest, ReplaceAndRemoveKeepTheOrderAndTheObserverIndexTrue) {
  Store store("s");
  for (int i = 0; i < 4; ++i) {
    Integration integration;
    integration.id = "i" + std::to_string(i);
    integration.integration_type = "webhook";
    integration.observes = {"order.paid"};
    integration.created_at_ms = i;
    ASSERT_TRUE(store.Add(integration, 0));
  }
  Integration same_id;
  same_id.id = "i0";
  EXPECT_FALSE(store.Add(same_id, 0));
  Integration changed = *store.Get("i1");
  changed.observes = {"order.created"};
  changed.name = "renamed";
  ASSERT_TRUE(store.Replace(changed));
  auto ids = [](const std::vector<Integration>& integrations) {
    std::vector<std::string> out;
    for (const auto& integration : integrations) out.push_back(integration.id);
    return out;
  };
  EXPECT_THAT(ids(store.List()), ::testing::ElementsAre("i0", "i1", "i2", "i3"));
  EXPECT_THAT(ids(store.Observing("order.paid")), ::testing::ElementsAre("i0", "i2", "i3"));
  EXPECT_THAT(ids(store.Observing("order.created")), ::testing::ElementsAre("i1"));
  EXPECT_EQ(store.Get("i1")->name, "renamed");
  changed.observes = {"order.paid"};
  ASSERT_TRUE(store.Replace(changed));
  EXPECT_THAT(ids(store.Observing("order.paid")), ::testing::ElementsAre("i0", "i1", "i2", "i3"));
  ASSERT_TRUE(store.Remove("i2"));
  EXPECT_FALSE(store.Remove("i2"));
  EXPECT_FALSE(store.Get("i2").has_value());
  EXPECT_THAT(ids(store.List()), ::testing::ElementsAre("i0", "i1", "i3"));
  EXPECT_THAT(ids(store.Observing("order.paid")), ::testing::ElementsAre("i0", "i1", "i3"));
  std::size_t total = 0;
  EXPECT_THAT(ids(store.ListPage(1, 5, &total)), ::testing::ElementsAre("i1", "i3"));
  EXPECT_EQ(total, 3u);
}

TEST(StorePageTest, TheIndexesFollowRetentionAndTheCursorsSeeOnlyWhatIsHeld) {
  // Logs and jobs: at most 5 each. Three integrations, a job each time, two logs per job.
  Store store("s", Counts(3, 5));
  auto ids = [](const auto& items) {
    std::vector<std::string> out;
    for (const auto& item : items) out.push_back(item.id);
    return out;
  };
  for (int i = 0; i < 6; ++i) {
    IntegrationJob job;
    job.id = "job-" + std::to_string(i);
    job.integration_id = "i" + std::to_string(i % 3);
    store.AddJob(job);
    for (int attempt = 1; attempt <= 2; ++attempt) {
      IntegrationLog log;
      log.id = "log-" + std::to_string(i) + "-" + std::to_string(attempt);
      log.integration_id = job.integration_id;
      log.job_id = job.id;
      store.AddLog(log);
    }
  }
  // Held: logs 3-2, 4-1, 4-2, 5-1, 5-2; jobs 1..5.
  EXPECT_EQ(store.DroppedLogs(), 7u);
  EXPECT_THAT(ids(store.LogsPage("", "", 0, 25).items),
              ::testing::ElementsAre("log-5-2", "log-5-1", "log-4-2", "log-4-1", "log-3-2"));
  auto i0 = store.LogsPage("i0", "", 0, 25);
  EXPECT_EQ(i0.total, 1u);
  EXPECT_THAT(ids(i0.items), ::testing::ElementsAre("log-3-2"));
  EXPECT_EQ(store.LogsPage("i1", "", 0, 25).total, 2u);
  EXPECT_THAT(ids(store.LogsPage("i2", "job-5", 0, 1).items), ::testing::ElementsAre("log-5-2"));
  EXPECT_EQ(store.LogsPage("i1", "job-5", 0, 25).total, 0u) << "job-5 is i2's";
  EXPECT_EQ(store.LogsPage("i0", "job-0", 0, 25).total, 0u) << "dropped";
  EXPECT_FALSE(store.HasJob("i0", "job-0"));
  EXPECT_TRUE(store.HasJob("i1", "job-1"));
  EXPECT_FALSE(store.HasJob("i2", "job-1"));
  EXPECT_THAT(ids(store.JobsPage("i2", 0, 25).items), ::testing::ElementsAre("job-5", "job-2"));
  EXPECT_EQ(store.JobsPage("i0", 0, 25).total, 1u);
  // The cursor: after a held log, oldest first; after a dropped one, nothing to say.
  auto after = store.LogsAfter("log-4-1", 2);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->total, 3u);
  EXPECT_THAT(ids(after->items), ::testing::ElementsAre("log-4-2", "log-5-1"));
  EXPECT_FALSE(store.LogsAfter("log-0-1", 2));
  store.Clear();
  EXPECT_EQ(store.LogsPage("i2", "", 0, 25).total, 0u);
  EXPECT_FALSE(store.HasJob("i2", "job-5"));
}

TEST(JournalTest, EachStoreIsAPageOfItsOwnAndTheOldestGoFirstAcrossStores) {
  Journal journal(4);
  for (int i = 0; i < 6; ++i) {
    RequestRecord r;
    r.store_id = i % 2 == 0 ? "a" : "b";
    journal.Record(r);
  }
  // Sequences from 1, a then b: held 3 (a), 4 (b), 5 (a), 6 (b).
  EXPECT_EQ(journal.Dropped(), 2u);
  Journal::Page a = journal.RecordsPage("a", 0, 25);
  ASSERT_EQ(a.total, 2u);
  EXPECT_EQ(a.records[0].sequence, 3u);
  EXPECT_EQ(a.records[1].sequence, 5u);
  auto after = journal.RecordsAfter("b", 4, 25);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->records.size(), 1u);
  EXPECT_EQ(after->records[0].sequence, 6u);
  EXPECT_FALSE(journal.RecordsAfter("b", 2, 25)) << "dropped";
  journal.ClearStore("a");
  EXPECT_EQ(journal.Records().size(), 2u);
  for (int i = 0; i < 3; ++i) {
    RequestRecord r;
    r.store_id = "b";
    journal.Record(r);
  }
  EXPECT_EQ(journal.Records("b").size(), 4u) << "a's reset freed its room";
}

TEST(MaskSecretTest, KeepsLengthAndTheLastFourCharacters) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"ASIAJLVYNHUWCPKOPSYQ", "****************PSYQ"},  // seed 002
      {"mgJteE7dZgSLC2eo2vKsAUWRSnchrWzCRnoDpUSJ", "************************************pUSJ"},
      {"*******d123", "*******d123"},  // already masked
      {"abcd", "abcd"},
      {"abcde", "*bcde"},
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(MaskSecret(c.in), c.out) << c.in;
}

TEST(MaskSecretTest, MasksOnlyTheSecretsOfEachIntegrationType) {
  json sqs = {{"url", "https://q"},
              {"aws_access_key_id", "AKIAABCDEFGH"},
              {"aws_secret_access_key", "secret12345678"},
              {"region", "eu-west-1"}};
  json masked = MaskedConfiguration("aws_sqs", sqs);
  EXPECT_EQ(masked["aws_access_key_id"], "********EFGH");
  EXPECT_EQ(masked["aws_secret_access_key"], "**********5678");
  EXPECT_EQ(masked["url"], "https://q");
  EXPECT_EQ(masked["region"], "eu-west-1");
  json stomp = {{"password", "hunter22"}, {"username", "user1"}};
  EXPECT_EQ(MaskedConfiguration("stomp", stomp)["password"], "****er22");
  EXPECT_EQ(MaskedConfiguration("stomp", stomp)["username"], "user1");
  json webhook = {{"url", "https://x"}, {"secret_key", "secret_squirrel"}};
  EXPECT_EQ(MaskedConfiguration("webhook", webhook), webhook);
}

TEST(IdsTest, UuidsAreVersion4AndDistinct) {
  std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuid();
    EXPECT_TRUE(std::regex_match(id, v4)) << id;
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(IdsTest, StoreIdsAreStableNameBasedUuids) {
  std::regex v5("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_EQ(Server::StoreIdFor("client-a"), Server::StoreIdFor("client-a"));
  EXPECT_NE(Server::StoreIdFor("client-a"), Server::StoreIdFor("client-b"));
  EXPECT_TRUE(std::regex_match(Server::StoreIdFor("client-a"), v5));
  EXPECT_TRUE(IsUuid(Server::StoreIdFor("x")));
  EXPECT_FALSE(IsUuid("not-a-uuid"));
}

TEST(ClockTest, FormatsRfc3339WithMilliseconds) {
  EXPECT_EQ(Rfc3339Millis(1525080932202), "2018-04-30T09:35:32.202Z");
  EXPECT_EQ(Rfc3339Millis(0), "1970-01-01T00:00:00.000Z");
}

TEST(DecodeFormTest, DecodesPercentAndPlus) {
  Params params;
  ASSERT_TRUE(DecodeForm("page%5Blimit%5D=10&a=b+c&empty=&flag", &params));
  EXPECT_EQ(params.find("page[limit]")->second, "10");
  EXPECT_EQ(params.find("a")->second, "b c");
  EXPECT_EQ(params.find("empty")->second, "");
  EXPECT_EQ(params.count("flag"), 1u);
}

TEST(DecodeFormTest, RefusesMalformedPercentEncoding) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "%g0=1"}) {
    Params params;
    EXPECT_FALSE(DecodeForm(bad, &params)) << bad;
  }
}

TEST(NestingTest, CountsOnlyStructureOutsideStrings) {
  EXPECT_FALSE(NestsDeeperThan(R"({"a":[1,{"b":2}]})", 3));
  EXPECT_TRUE(NestsDeeperThan(R"({"a":[1,{"b":[2]}]})", 3));
  EXPECT_FALSE(NestsDeeperThan(R"({"a":"[[[[[[[[[["})", 2));
  EXPECT_FALSE(NestsDeeperThan(R"({"a":"\"[[[[[[[["})", 2));
  EXPECT_TRUE(NestsDeeperThan(std::string(200000, '['), kMaxJsonDepth));
}

TEST(PaginationTest, ReadsLimitAndOffsetOrNamesTheBadParameter) {
  struct Case {
    const char* query;
    bool ok;
    std::size_t limit, offset;
    const char* source;
  };
  const Case cases[] = {
      {"", true, 25, 0, ""},
      {"page[limit]=10&page[offset]=20", true, 10, 20, ""},
      {"page[limit]=100", true, 100, 0, ""},
      {"page[limit]=101", false, 0, 0, "page[limit]"},
      {"page[limit]=0", false, 0, 0, "page[limit]"},
      {"page[limit]=ten", false, 0, 0, "page[limit]"},
      {"page[limit]=-1", false, 0, 0, "page[limit]"},
      {"page[offset]=-5", false, 0, 0, "page[offset]"},
      {"page[offset]=1.5", false, 0, 0, "page[offset]"},
      {"page[offset]=99999999999999999999", false, 0, 0, "page[offset]"},
  };
  for (const Case& c : cases) {
    Params params;
    ASSERT_TRUE(DecodeForm(c.query, &params));
    Page page;
    auto error = ParsePage(params, /*default_limit=*/25, &page);
    EXPECT_EQ(!error.has_value(), c.ok) << c.query;
    if (c.ok) {
      EXPECT_EQ(page.limit, c.limit) << c.query;
      EXPECT_EQ(page.offset, c.offset) << c.query;
    } else if (error) {
      EXPECT_EQ(error->status, 400);
      EXPECT_EQ(error->source.value_or(""), c.source) << c.query;
    }
  }
}

TEST(PaginationTest, LinksAndMetaDescribeThePage) {
  Page page{10, 10};
  json links = PageLinks("http://h/v2/integrations", page, 25);
  EXPECT_EQ(links["current"], "http://h/v2/integrations?page[offset]=10&page[limit]=10");
  EXPECT_EQ(links["first"], "http://h/v2/integrations?page[offset]=0&page[limit]=10");
  EXPECT_EQ(links["last"], "http://h/v2/integrations?page[offset]=20&page[limit]=10");
  EXPECT_EQ(links["prev"], "http://h/v2/integrations?page[offset]=0&page[limit]=10");
  EXPECT_EQ(links["next"], "http://h/v2/integrations?page[offset]=20&page[limit]=10");
  EXPECT_EQ(PageMeta(page, 25), json::parse(R"({"limit":10,"offset":10,"current":2,"total":3})"));

  json first = PageLinks("u", Page{25, 0}, 3);
  EXPECT_TRUE(first["prev"].is_null());
  EXPECT_TRUE(first["next"].is_null());
  EXPECT_EQ(PageMeta(Page{25, 0}, 0), json::parse(R"({"limit":25,"offset":0,"current":1,"total":0})"));
}

TEST(RenderErrorsTest, ThePlatformsAnswerLeavesOutTheSourceAndTheJournalKeepsIt) {
  HttpResponse answer =
      ErrorResponse({{422, "Failed Validation", "The data.url field is required.", "/data/url"},
                     {422, "Failed Validation", "bad", std::nullopt}});
  EXPECT_TRUE(answer.body.empty());  // data until rendered
  std::vector<std::string> reasons;
  std::vector<std::string> hidden;
  RenderErrors(answer, ErrorAudience::kPlatform, "req-1", &reasons, &hidden);
  const json body = json::parse(answer.body);
  ASSERT_EQ(body["errors"].size(), 2u);
  EXPECT_FALSE(body["errors"][0].contains("source"));
  EXPECT_EQ(body["errors"][0]["detail"], "The data.url field is required.");
  EXPECT_FALSE(body["errors"][0].contains("request_id"));  // only a 500 carries it
  EXPECT_THAT(reasons, ::testing::ElementsAre("/data/url: The data.url field is required.", "bad"));
  EXPECT_TRUE(hidden.empty());
  EXPECT_TRUE(answer.errors.empty());
  const std::string once = answer.body;
  RenderErrors(answer, ErrorAudience::kEpmock, "req-1");  // rendered already: left as it is
  EXPECT_EQ(answer.body, once);
}

TEST(RenderErrorsTest, APlatform500SaysThePlatformsWordsAndTheRequestId) {
  HttpResponse answer = ErrorResponse(500, StatusTitle(500), "epmock failed: boom");
  std::vector<std::string> reasons;
  std::vector<std::string> hidden;
  RenderErrors(answer, ErrorAudience::kPlatform, "req-2", &reasons, &hidden);
  const json error = json::parse(answer.body)["errors"][0];
  EXPECT_EQ(error["detail"], kServerErrorDetail);
  EXPECT_EQ(error["request_id"], "req-2");
  EXPECT_THAT(hidden, ::testing::ElementsAre("epmock failed: boom"));
}

TEST(RenderErrorsTest, EpmocksOwnAnswerKeepsSourcesAndDetails) {
  HttpResponse answer = ErrorResponse(422, StatusTitle(422), "count: from 1 to 10000", "count");
  RenderErrors(answer, ErrorAudience::kEpmock, "req-3");
  const json error = json::parse(answer.body)["errors"][0];
  EXPECT_EQ(error["source"], "count");
  EXPECT_EQ(error["detail"], "count: from 1 to 10000");
  HttpResponse failed = ErrorResponse(500, StatusTitle(500), "epmock failed: boom");
  RenderErrors(failed, ErrorAudience::kEpmock, "req-4");
  const json own = json::parse(failed.body)["errors"][0];
  EXPECT_EQ(own["detail"], "epmock failed: boom");
  EXPECT_EQ(own["request_id"], "req-4");
}

TEST(JournalTest, KeepsTheNewestAndCountsWhatItDrops) {
  Journal journal(3);
  for (int i = 0; i < 5; ++i) {
    RequestRecord r;
    r.path = "/" + std::to_string(i);
    r.store_id = i % 2 ? "odd" : "even";
    journal.Record(r);
  }
  auto records = journal.Records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.front().path, "/2");
  EXPECT_EQ(records.front().sequence, 3u);
  EXPECT_EQ(records.back().path, "/4");
  EXPECT_EQ(journal.Dropped(), 2u);
  EXPECT_EQ(journal.Records("odd").size(), 1u);
  journal.ClearStore("even");
  EXPECT_EQ(journal.Records().size(), 1u);
}

}  // namespace
}  // namespace epmock::internal

namespace epmock::internal {
namespace {

// A store's sink page merges its own requests and the storeless ones in arrival order; the
// merge finds its start by a binary search. Every offset of every interleaving gives what a
// full merge then a slice gives.
TEST(SinkPageTest, AMergedPageIsTheSliceOfTheFullMergeAtEveryOffset) {
  for (unsigned pattern = 0; pattern < 64; ++pattern) {
    SinkRecorder own, none;
    std::vector<std::string> merged;
    for (int i = 0; i < 6; ++i) {
      ReceivedRequest request;
      request.body = std::to_string(pattern) + "-" + std::to_string(i);
      merged.push_back(request.body);
      ((pattern >> i) & 1 ? own : none).Record(request);
    }
    for (std::size_t offset = 0; offset <= 7; ++offset) {
      for (std::size_t limit : {1u, 2u, 6u}) {
        std::size_t total = 0;
        auto page = SinkRecorder::MergedPage(own, none, offset, limit, &total);
        ASSERT_EQ(total, 6u);
        std::vector<std::string> want;
        for (std::size_t i = offset; i < merged.size() && want.size() < limit; ++i) want.push_back(merged[i]);
        std::vector<std::string> got;
        for (const auto& [which, request] : page) {
          got.push_back(request.body);
          const bool from_own = (pattern >> (request.body.back() - '0')) & 1;
          EXPECT_EQ(which, from_own ? 0 : 1);
        }
        EXPECT_EQ(got, want) << "pattern " << pattern << " offset " << offset << " limit " << limit;
      }
    }
  }
}

// One hostile body cannot make a journal record megabytes long: at most kMaxJournalLines
// lines of each list, the last saying how many more there were.
TEST(JournalTest, ARecordKeepsAtMostTwentyLinesOfErrors) {
  Journal journal(10);
  RequestRecord record;
  record.store_id = "s";
  for (int i = 0; i < 100; ++i) record.validation_errors.push_back("/x" + std::to_string(i) + ": wrong");
  record.errors = {"one", "two"};
  journal.Record(record);
  const RequestRecord kept = journal.Records("s").at(0);
  ASSERT_EQ(kept.validation_errors.size(), kMaxJournalLines);
  EXPECT_EQ(kept.validation_errors[0], "/x0: wrong");
  EXPECT_EQ(kept.validation_errors.back(), "... and 81 more");
  EXPECT_EQ(kept.errors, (std::vector<std::string>{"one", "two"}));
}

TEST(StringsTest, IsValidUtf8RefusesWhatJsonCannotCarry) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(
      IsValidUtf8("Zo\xc3\xab \xd7\xa9\xd7\xa8\xd7\x94 \xf0\x9f\x99\x82"));  // Latin, Hebrew, an emoji
  EXPECT_FALSE(IsValidUtf8("caf\xc4"));                                      // cut short
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                                     // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                                 // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));                             // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x28\xa1"));  // a bad continuation
}

// A reader that follows a sink by arrival gets each request once, and after retention dropped
// some, the kept ones from where it can.
TEST(SinkPageTest, RequestsFromFollowsArrivalsAcrossRetention) {
  SinkRecorder recorder(SinkRetention{3, 1 << 20});
  auto record = [&](int n) {
    ReceivedRequest request;
    request.body = std::to_string(n);
    recorder.Record(request);
  };
  std::uint64_t cursor = 0;
  EXPECT_TRUE(recorder.RequestsFrom(cursor, &cursor).empty());
  EXPECT_EQ(cursor, 0u);
  record(0);
  record(1);
  auto first = recorder.RequestsFrom(cursor, &cursor);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(cursor, 2u);
  EXPECT_TRUE(recorder.RequestsFrom(cursor, &cursor).empty());
  for (int n = 2; n < 7; ++n) record(n);  // 5 more; the sink keeps 3
  auto rest = recorder.RequestsFrom(cursor, &cursor);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].body, "4");
  EXPECT_EQ(rest[2].body, "6");
  EXPECT_EQ(cursor, 7u);
}

// A queue finds a message by its number, not by a scan: deleting from the middle, with a
// stale handle, twice, and changing the visibility of one, touch only that message.
TEST(SqsQueueIndexTest, DeleteAndChangeVisibilityFindTheirMessageAnywhereInTheQueue) {
  SqsQueues queues;
  std::optional<SqsError> error;
  queues.Create("q", {}, &error);
  ASSERT_FALSE(error);
  for (int i = 0; i < 5; ++i) {
    SqsMessage sent;
    ASSERT_FALSE(queues.Send("q", "m" + std::to_string(i), {}, 0, &sent));
  }
  std::vector<SqsMessage> received;
  ASSERT_FALSE(queues.Receive("q", 10, 30, std::chrono::milliseconds(0), &received));
  ASSERT_EQ(received.size(), 5u);
  EXPECT_FALSE(queues.DeleteMessage("q", received[2].receipt_handle));
  EXPECT_FALSE(queues.DeleteMessage("q", received[2].receipt_handle));  // again: fine, as on SQS
  std::size_t total = 0;
  auto page = queues.PeekPage("q", 1, 10, &total);
  EXPECT_EQ(total, 4u);
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].body, "m1");
  EXPECT_EQ(page[1].body, "m3");
  EXPECT_TRUE(queues.ChangeVisibility("q", "stale:" + received[3].id, 0).has_value());
  EXPECT_TRUE(queues.ChangeVisibility("q", received[2].receipt_handle, 0).has_value());  // deleted
  EXPECT_TRUE(queues.ChangeVisibility("q", "no-colon", 0).has_value());
  EXPECT_FALSE(queues.ChangeVisibility("q", received[3].receipt_handle, 0));
  std::vector<SqsMessage> again;
  ASSERT_FALSE(queues.Receive("q", 10, 30, std::chrono::milliseconds(0), &again));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].body, "m3");
  for (const SqsMessage& m : received) EXPECT_FALSE(queues.DeleteMessage("q", m.receipt_handle));
  EXPECT_FALSE(queues.DeleteMessage("q", again[0].receipt_handle));
  EXPECT_TRUE(queues.Peek("q").empty());
  std::map<std::string, std::string> attributes;
  ASSERT_FALSE(queues.Attributes("q", {"All"}, &attributes));
}

// The portable build on another distribution finds its CA bundle where that one keeps it.
TEST(FallbackCaBundleTest, FindsTheUsualPlacesOfOtherDistributions) {
  const std::string root = ::testing::TempDir() + "/ca-root-" + std::to_string(getpid());
  std::filesystem::remove_all(root);
  EXPECT_EQ(FallbackCaBundle(root), "");  // none at all
  std::filesystem::create_directories(root + "/etc/ssl");
  std::ofstream(root + "/etc/ssl/cert.pem") << "x";
  EXPECT_EQ(FallbackCaBundle(root), root + "/etc/ssl/cert.pem");  // Alpine
  std::filesystem::create_directories(root + "/etc/pki/tls/certs");
  std::ofstream(root + "/etc/pki/tls/certs/ca-bundle.crt") << "x";
  EXPECT_EQ(FallbackCaBundle(root), root + "/etc/pki/tls/certs/ca-bundle.crt");  // Fedora first
  std::filesystem::remove_all(root);
}

TEST(SelfAuthoritiesTest, NamesAUrlByAnyAuthorityAClientUsedAndOnlyThose) {
  SelfAuthorities self;
  self.Saw("Mapped.Localhost:19324", 80, {"127.0.0.1", 9324});
  self.Saw("bare-name", 80, {"127.0.0.1", 8080});  // no port: 80
  self.Saw("[::1]:18080", 80, {"::1", 8080});
  self.Saw("bad:port:here", 80, {"127.0.0.1", 1});
  self.Saw("x:99999", 80, {"127.0.0.1", 1});
  self.Saw("", 80, {"127.0.0.1", 1});
  const auto dial = [&](const std::string& url) {
    const Url routed = SelfAuthorities::Route(&self, *ParseUrl(url));
    return routed.dial_port ? routed.dial_host + ":" + std::to_string(routed.dial_port) : std::string("-");
  };
  EXPECT_EQ(dial("http://mapped.localhost:19324/000000000000/q"), "127.0.0.1:9324");
  EXPECT_EQ(dial("http://bare-name/hook"), "127.0.0.1:8080");
  EXPECT_EQ(dial("http://[::1]:18080/__sink/webhook/x"), "::1:8080");
  EXPECT_EQ(dial("https://mapped.localhost:19324/"), "-");  // epmock's ports speak no TLS
  EXPECT_EQ(dial("http://mapped.localhost:19325/"), "-");
  EXPECT_EQ(dial("http://elsewhere.test:19324/"), "-");
  EXPECT_EQ(self.size(), 3u);
  // Bounded: past the limit a new name is not kept, a known one still is.
  for (std::size_t i = 0; i < kMaxSelfAuthorities + 10; ++i)
    self.Saw("n" + std::to_string(i), 80, {"127.0.0.1", 1});
  EXPECT_EQ(self.size(), kMaxSelfAuthorities);
  EXPECT_EQ(dial("http://mapped.localhost:19324/"), "127.0.0.1:9324");
}

TEST(SelfAuthoritiesTest, WildcardBindsAreReachedOnLoopback) {
  EXPECT_EQ(LocalAddressOf("0.0.0.0", 1).host, "127.0.0.1");
  EXPECT_EQ(LocalAddressOf("::", 1).host, "::1");
  EXPECT_EQ(LocalAddressOf("127.0.0.2", 1).host, "127.0.0.2");
}

}  // namespace
}  // namespace epmock::internal
