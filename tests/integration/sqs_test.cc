// The embedded SQS endpoint (both wire protocols, at-least-once semantics, SigV4) and the
// aws_sqs transport delivering CloudEvents into it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <regex>

#include "aws/md5.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "delivery/sqs_transport.h"
#include "envelope/envelope.h"
#include "epmock/server.h"
#include "epmock/spec.h"
#include "epmock/sqs.h"
#include "epmock/testing/status_matchers.h"
#include "sqs/protocol.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using internal::HandleSqsRequest;
using internal::HttpRequest;
using internal::HttpResponse;
using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ApiClient;

// Drives the protocol layer directly, as a client of either protocol would.
class SqsProtocolTest : public ::testing::Test {
 protected:
  HttpResponse Query(const std::string& body, const std::string& path = "/") {
    return HandleSqsRequest(queues_,
                            {"POST",
                             path,
                             "",
                             {{"Content-Type", "application/x-www-form-urlencoded"}},
                             body,
                             "http://sqs.test",
                             ""},
                            credentials_);
  }
  HttpResponse Json(const std::string& action, const json& body) {
    return HandleSqsRequest(
        queues_,
        {"POST",
         "/",
         "",
         {{"X-Amz-Target", "AmazonSQS." + action}, {"Content-Type", "application/x-amz-json-1.0"}},
         body.dump(),
         "http://sqs.test",
         ""},
        credentials_);
  }
  json JsonOk(const std::string& action, const json& body) {
    HttpResponse r = Json(action, body);
    EXPECT_EQ(r.status, 200) << action << ": " << r.body;
    return json::parse(r.body);
  }
  std::string Url(const std::string& name) { return "http://sqs.test/000000000000/" + name; }

  internal::SqsQueues queues_;
  internal::SqsCredentials credentials_;
};

TEST_F(SqsProtocolTest, QueryProtocolSpeaksXml) {
  HttpResponse created = Query("Action=CreateQueue&QueueName=orders&Version=2012-11-05");
  EXPECT_EQ(created.status, 200);
  EXPECT_THAT(created.body,
              HasSubstr("<CreateQueueResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"));
  EXPECT_THAT(created.body, HasSubstr("<QueueUrl>http://sqs.test/000000000000/orders</QueueUrl>"));
  HttpResponse sent =
      Query("Action=SendMessage&QueueUrl=" + Url("orders") + "&MessageBody=%3Ca%3E%26hello" +
            "&MessageAttribute.1.Name=kind&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value."
            "StringValue=test");
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_THAT(sent.body,
              HasSubstr("<MD5OfMessageBody>" + internal::Md5Hex("<a>&hello") + "</MD5OfMessageBody>"));
  EXPECT_THAT(sent.body, HasSubstr("<MD5OfMessageAttributes>"));
  HttpResponse received = Query("Action=ReceiveMessage&QueueUrl=" + Url("orders") +
                                "&AttributeName.1=All&MessageAttributeName.1=All");
  ASSERT_EQ(received.status, 200);
  EXPECT_THAT(received.body, HasSubstr("<Body>&lt;a&gt;&amp;hello</Body>"));
  EXPECT_THAT(received.body, HasSubstr("<Name>ApproximateReceiveCount</Name><Value>1</Value>"));
  EXPECT_THAT(received.body,
              HasSubstr("<MessageAttribute><Name>kind</Name><Value><DataType>String</"
                        "DataType><StringValue>test</StringValue></Value></MessageAttribute>"));
}

TEST(SqsQueueLimitTest, AFullQueueAnswersOverLimitAndLosesNothing) {
  internal::SqsQueues queues(/*max_messages=*/2, /*max_bytes=*/10);
  std::optional<internal::SqsError> error;
  queues.Create("q", {}, &error);
  ASSERT_FALSE(error);
  internal::SqsMessage sent;
  EXPECT_FALSE(queues.Send("q", "12345", {}, 0, &sent));
  EXPECT_FALSE(queues.Send("q", "123", {}, 0, &sent));
  std::optional<internal::SqsError> by_bytes = queues.Send("q", "123", {}, 0, &sent);  // 11 bytes > 10
  ASSERT_TRUE(by_bytes);
  EXPECT_EQ(by_bytes->json_type, "OverLimit");
  EXPECT_EQ(queues.Peek("q").size(), 2u) << "live messages are never dropped";
  std::vector<internal::SqsMessage> got;
  ASSERT_FALSE(queues.Receive("q", 1, 30, std::chrono::milliseconds(0), &got));
  ASSERT_EQ(got.size(), 1u);
  ASSERT_FALSE(queues.DeleteMessage("q", got[0].receipt_handle));
  EXPECT_FALSE(queues.Send("q", "123", {}, 0, &sent)) << "room again once one is deleted";
  std::optional<internal::SqsError> by_count = queues.Send("q", "1", {}, 0, &sent);
  ASSERT_TRUE(by_count);
  EXPECT_EQ(by_count->http_status, 403);
}

TEST_F(SqsProtocolTest, ErrorsHaveEachProtocolsShape) {
  HttpResponse xml = Query("Action=SendMessage&QueueUrl=" + Url("nope") + "&MessageBody=x");
  EXPECT_EQ(xml.status, 400);
  EXPECT_THAT(xml.body, HasSubstr("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>"));
  EXPECT_THAT(xml.body, HasSubstr("<Type>Sender</Type>"));
  HttpResponse js = Json("SendMessage", {{"QueueUrl", Url("nope")}, {"MessageBody", "x"}});
  EXPECT_EQ(js.status, 400);
  EXPECT_EQ(json::parse(js.body)["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
  EXPECT_EQ(js.headers[0], (std::pair<std::string, std::string>{
                               "x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}));

  JsonOk("CreateQueue", {{"QueueName", "q"}});
  struct Case {
    std::string action;
    json body;
    std::string type;
  };
  const Case cases[] = {
      {"SendMessage", {{"QueueUrl", Url("q")}}, "MissingParameter"},
      {"DeleteMessage", {{"QueueUrl", Url("q")}, {"ReceiptHandle", "garbage"}}, "ReceiptHandleIsInvalid"},
      {"ReceiveMessage", {{"QueueUrl", Url("q")}, {"MaxNumberOfMessages", 11}}, "InvalidParameterValue"},
      {"ReceiveMessage", {{"QueueUrl", Url("q")}, {"WaitTimeSeconds", 21}}, "InvalidParameterValue"},
      {"SendMessage",
       {{"QueueUrl", Url("q")},
        {"MessageBody", "x"},
        {"MessageAttributes", {{"a", {{"DataType", "Blob"}, {"StringValue", "v"}}}}}},
       "InvalidParameterValue"},
      {"CreateQueue", {{"QueueName", "bad name!"}}, "InvalidParameterValue"},
      {"Explode", json::object(), "UnknownOperationException"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Json(c.action, c.body);
    EXPECT_EQ(r.status, 400) << c.action << " " << c.body.dump();
    EXPECT_EQ(json::parse(r.body)["__type"], "com.amazonaws.sqs#" + c.type) << c.action << " " << r.body;
  }
  // Garbage of every kind gets an answer, not a crash.
  EXPECT_EQ(
      HandleSqsRequest(
          queues_,
          {"POST", "/", "", {{"X-Amz-Target", "AmazonSQS.SendMessage"}}, "{not json", "http://sqs.test", ""},
          credentials_)
          .status,
      400);
  EXPECT_EQ(
      HandleSqsRequest(
          queues_,
          {"POST", "/", "", {{"X-Amz-Target", "AmazonSQS.SendMessage"}}, "[1,2]", "http://sqs.test", ""},
          credentials_)
          .status,
      400);
  EXPECT_EQ(Query("Action=SendMessage&QueueUrl=%zz").status, 400);
  EXPECT_EQ(Query("").status, 400);
}

TEST_F(SqsProtocolTest, AnUndeletedMessageComesBackAfterItsVisibilityTimeout) {
  JsonOk("CreateQueue", {{"QueueName", "q"}});
  JsonOk("SendMessage", {{"QueueUrl", Url("q")}, {"MessageBody", "once"}});
  json first = JsonOk("ReceiveMessage",
                      {{"QueueUrl", Url("q")}, {"VisibilityTimeout", 0}, {"AttributeNames", {"All"}}});
  ASSERT_EQ(first["Messages"].size(), 1u);
  EXPECT_EQ(first["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "1");
  json again = JsonOk(
      "ReceiveMessage",
      {{"QueueUrl", Url("q")}, {"VisibilityTimeout", 30}, {"AttributeNames", {"ApproximateReceiveCount"}}});
  ASSERT_EQ(again["Messages"].size(), 1u);
  EXPECT_EQ(again["Messages"][0]["MessageId"], first["Messages"][0]["MessageId"]);
  EXPECT_EQ(again["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "2");
  EXPECT_FALSE(JsonOk("ReceiveMessage", {{"QueueUrl", Url("q")}}).contains("Messages"));  // invisible now
  JsonOk("ChangeMessageVisibility", {{"QueueUrl", Url("q")},
                                     {"ReceiptHandle", again["Messages"][0]["ReceiptHandle"]},
                                     {"VisibilityTimeout", 0}});
  json third = JsonOk("ReceiveMessage", {{"QueueUrl", Url("q")}});
  ASSERT_EQ(third["Messages"].size(), 1u);
  JsonOk("DeleteMessage", {{"QueueUrl", Url("q")}, {"ReceiptHandle", third["Messages"][0]["ReceiptHandle"]}});
  EXPECT_TRUE(queues_.Peek("q").empty());
}

TEST_F(SqsProtocolTest, ARedrivePolicyMovesAMessageToItsDeadLetterQueue) {
  JsonOk("CreateQueue", {{"QueueName", "dlq"}});
  JsonOk("CreateQueue",
         {{"QueueName", "work"},
          {"Attributes",
           {{"RedrivePolicy",
             R"({"deadLetterTargetArn":"arn:aws:sqs:elasticmq:000000000000:dlq","maxReceiveCount":"2"})"}}}});
  JsonOk("SendMessage", {{"QueueUrl", Url("work")}, {"MessageBody", "poison"}});
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(
        JsonOk("ReceiveMessage", {{"QueueUrl", Url("work")}, {"VisibilityTimeout", 0}})["Messages"].size(),
        1u);
  }
  EXPECT_FALSE(JsonOk("ReceiveMessage", {{"QueueUrl", Url("work")}}).contains("Messages"));
  json dead = JsonOk("ReceiveMessage", {{"QueueUrl", Url("dlq")}});
  ASSERT_EQ(dead["Messages"].size(), 1u);
  EXPECT_EQ(dead["Messages"][0]["Body"], "poison");
  json attributes = JsonOk("GetQueueAttributes", {{"QueueUrl", Url("work")}, {"AttributeNames", {"All"}}});
  EXPECT_THAT(attributes["Attributes"]["RedrivePolicy"].get<std::string>(), HasSubstr("maxReceiveCount"));
}

TEST_F(SqsProtocolTest, LongPollingReturnsWhenAMessageArrives) {
  JsonOk("CreateQueue", {{"QueueName", "q"}});
  auto poll = std::async(std::launch::async, [&] {
    return JsonOk("ReceiveMessage", {{"QueueUrl", Url("q")}, {"WaitTimeSeconds", 20}});
  });
  EXPECT_EQ(poll.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);  // still waiting
  JsonOk("SendMessage", {{"QueueUrl", Url("q")}, {"MessageBody", "late"}});
  ASSERT_EQ(poll.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(poll.get()["Messages"][0]["Body"], "late");
}

TEST_F(SqsProtocolTest, BatchesAndQueueManagement) {
  JsonOk("CreateQueue", {{"QueueName", "alpha"}});
  JsonOk("CreateQueue", {{"QueueName", "beta"}});
  EXPECT_EQ(JsonOk("ListQueues", {{"QueueNamePrefix", "al"}})["QueueUrls"], json::array({Url("alpha")}));
  EXPECT_EQ(JsonOk("GetQueueUrl", {{"QueueName", "beta"}})["QueueUrl"], Url("beta"));
  json sent =
      JsonOk("SendMessageBatch",
             {{"QueueUrl", Url("alpha")},
              {"Entries",
               {{{"Id", "1"}, {"MessageBody", "a"}}, {{"Id", "2"}, {"MessageBody", "b"}}, {{"Id", "3"}}}}});
  EXPECT_EQ(sent["Successful"].size(), 2u);
  ASSERT_EQ(sent["Failed"].size(), 1u);
  EXPECT_EQ(sent["Failed"][0]["Id"], "3");
  json received = JsonOk("ReceiveMessage", {{"QueueUrl", Url("alpha")}, {"MaxNumberOfMessages", 10}});
  ASSERT_EQ(received["Messages"].size(), 2u);
  json deleted = JsonOk("DeleteMessageBatch",
                        {{"QueueUrl", Url("alpha")},
                         {"Entries",
                          {{{"Id", "x"}, {"ReceiptHandle", received["Messages"][0]["ReceiptHandle"]}},
                           {{"Id", "y"}, {"ReceiptHandle", received["Messages"][1]["ReceiptHandle"]}}}}});
  EXPECT_EQ(deleted["Successful"].size(), 2u);
  JsonOk("SendMessage", {{"QueueUrl", Url("beta")}, {"MessageBody", "b"}});
  JsonOk("PurgeQueue", {{"QueueUrl", Url("beta")}});
  EXPECT_TRUE(queues_.Peek("beta").empty());
  JsonOk("DeleteQueue", {{"QueueUrl", Url("beta")}});
  EXPECT_EQ(Json("GetQueueUrl", {{"QueueName", "beta"}}).status, 400);
}

TEST_F(SqsProtocolTest, WithCredentialsOnlyCorrectlySignedRequestsPass) {
  credentials_ = {"AKIDEPMOCK", "s3cr3t"};
  EXPECT_EQ(Json("CreateQueue", {{"QueueName", "q"}}).status, 403);  // unsigned
  EXPECT_FALSE(queues_.Exists("q"));
  auto signed_request = [&](const std::string& key, const std::string& secret) {
    internal::SigV4Request r{"POST",
                             "/",
                             "",
                             {{"Host", "sqs.test"},
                              {"X-Amz-Target", "AmazonSQS.CreateQueue"},
                              {"Content-Type", "application/x-amz-json-1.0"}},
                             R"({"QueueName":"q"})"};
    const std::string date = internal::AmzDate(internal::NowMillis() / 1000);
    internal::SignRequest(&r, {key, date.substr(0, 8), "eu-west-1", "sqs"}, secret, date);
    return HandleSqsRequest(queues_, {r.method, r.path, r.query, r.headers, r.payload, "http://sqs.test", ""},
                            credentials_);
  };
  HttpResponse wrong_secret = signed_request("AKIDEPMOCK", "guess");
  EXPECT_EQ(wrong_secret.status, 403);
  EXPECT_EQ(json::parse(wrong_secret.body)["__type"], "com.amazonaws.sqs#SignatureDoesNotMatch");
  EXPECT_EQ(json::parse(signed_request("AKIDOTHER", "s3cr3t").body)["__type"],
            "com.amazonaws.sqs#InvalidClientTokenId");
  EXPECT_EQ(json::parse(Json("CreateQueue", {{"QueueName", "q"}}).body)["__type"],
            "com.amazonaws.sqs#MissingAuthenticationToken");
  EXPECT_EQ(signed_request("AKIDEPMOCK", "s3cr3t").status, 200);
  EXPECT_TRUE(queues_.Exists("q"));
}

// --- delivery into the endpoint ---------------------------------------------------------------

// Hand-written, not EpmockTest: each test starts the server with the SigV4 keys and CloudEvent
// source it checks (Start(key, secret, source)).
TEST_F(SqsProtocolTest, FaultsOnAConsumersOwnCallsFailThemAsSqsDoesAndLoseNothing) {
  JsonOk("CreateQueue", {{"QueueName", "work"}});
  JsonOk("SendMessage", {{"QueueUrl", Url("work")}, {"MessageBody", "job"}});
  SqsFault throttled;
  throttled.action = "ReceiveMessage";
  throttled.error = "throttled";
  throttled.requests = 2;
  ASSERT_TRUE(queues_.AddFault(throttled).ok());
  SqsFault broken;
  broken.action = "ReceiveMessage";
  broken.error = "internal_error";
  broken.queue = "work";
  ASSERT_TRUE(queues_.AddFault(broken).ok());
  // Two throttled receives (each protocol its own shape), then a 500, then the message.
  HttpResponse json_throttled = Json("ReceiveMessage", {{"QueueUrl", Url("work")}});
  EXPECT_EQ(json_throttled.status, 400);
  EXPECT_EQ(json::parse(json_throttled.body)["__type"], "com.amazonaws.sqs#ThrottlingException");
  HttpResponse xml_throttled = Query("Action=ReceiveMessage&QueueUrl=" + Url("work"));
  EXPECT_EQ(xml_throttled.status, 400);
  EXPECT_THAT(xml_throttled.body, HasSubstr("<Code>RequestThrottled</Code>"));
  HttpResponse internal = Json("ReceiveMessage", {{"QueueUrl", Url("work")}});
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(json::parse(internal.body)["__type"], "com.amazonaws.sqs#InternalError");
  EXPECT_TRUE(queues_.Faults().empty());  // each used up
  json received = JsonOk("ReceiveMessage", {{"QueueUrl", Url("work")}, {"VisibilityTimeout", 0}});
  ASSERT_EQ(received["Messages"].size(), 1u);
  EXPECT_EQ(received["Messages"][0]["Body"], "job");

  // A stale receipt handle: the delete fails, and the message stays to come back.
  SqsFault stale;
  stale.action = "DeleteMessage";
  stale.error = "stale_receipt";
  ASSERT_TRUE(queues_.AddFault(stale).ok());
  HttpResponse refused = Json("DeleteMessage", {{"QueueUrl", Url("work")},
                                                {"ReceiptHandle", received["Messages"][0]["ReceiptHandle"]}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)["__type"], "com.amazonaws.sqs#ReceiptHandleIsInvalid");
  ASSERT_EQ(queues_.Peek("work").size(), 1u);
  json again = JsonOk("ReceiveMessage", {{"QueueUrl", Url("work")}, {"AttributeNames", {"All"}}});
  ASSERT_EQ(again["Messages"].size(), 1u);
  EXPECT_EQ(again["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "2");
  JsonOk("DeleteMessage",
         {{"QueueUrl", Url("work")}, {"ReceiptHandle", again["Messages"][0]["ReceiptHandle"]}});
  EXPECT_TRUE(queues_.Peek("work").empty());
}

TEST_F(SqsProtocolTest, AFaultOnOneQueueLeavesTheOthersAlone) {
  JsonOk("CreateQueue", {{"QueueName", "a"}});
  JsonOk("CreateQueue", {{"QueueName", "b"}});
  SqsFault fault;
  fault.action = "ReceiveMessage";
  fault.error = "internal_error";
  fault.queue = "a";
  ASSERT_TRUE(queues_.AddFault(fault).ok());
  EXPECT_EQ(Json("ReceiveMessage", {{"QueueUrl", Url("b")}}).status, 200);
  EXPECT_EQ(Json("SendMessage", {{"QueueUrl", Url("a")}, {"MessageBody", "x"}}).status, 200);
  EXPECT_EQ(Json("ReceiveMessage", {{"QueueUrl", Url("a")}}).status, 500);
}

// What a test watching a consumer waits on: every change moves the version on, receives are
// counted, and a call a fault answered counts as activity but not as a receive.
TEST_F(SqsProtocolTest, ActivityMovesOnAtEveryChangeAndCountsReceives) {
  JsonOk("CreateQueue", {{"QueueName", "watched"}});
  EXPECT_EQ(queues_.Activity("nowhere").version, 0u);
  SqsQueueActivity seen = queues_.Activity("watched");
  EXPECT_EQ(seen.receive_calls, 0u);
  EXPECT_FALSE(queues_.WaitForActivity("watched", seen.version, std::chrono::milliseconds(1)));

  JsonOk("SendMessage", {{"QueueUrl", Url("watched")}, {"MessageBody", "job"}});
  EXPECT_TRUE(queues_.WaitForActivity("watched", seen.version, std::chrono::milliseconds(1)));
  seen = queues_.Activity("watched");
  json received = JsonOk("ReceiveMessage", {{"QueueUrl", Url("watched")}});
  ASSERT_EQ(received["Messages"].size(), 1u);
  SqsQueueActivity after = queues_.Activity("watched");
  EXPECT_EQ(after.receive_calls, 1u);
  EXPECT_GT(after.version, seen.version);

  SqsFault fault;
  fault.action = "ReceiveMessage";
  fault.error = "throttled";
  ASSERT_TRUE(queues_.AddFault(fault).ok());
  EXPECT_EQ(Json("ReceiveMessage", {{"QueueUrl", Url("watched")}}).status, 400);
  SqsQueueActivity faulted = queues_.Activity("watched");
  EXPECT_EQ(faulted.receive_calls, 1u) << "a call the fault answered never reached the queue";
  EXPECT_GT(faulted.version, after.version);

  JsonOk("DeleteMessage",
         {{"QueueUrl", Url("watched")}, {"ReceiptHandle", received["Messages"][0]["ReceiptHandle"]}});
  EXPECT_GT(queues_.Activity("watched").version, faulted.version);
  EXPECT_TRUE(queues_.Peek("watched").empty());
}

TEST(SqsEndpointTest, SendMessagePutsAMessageOnAQueueAsSendMessageDoes) {
  SqsEndpoint sqs;
  ASSERT_TRUE(sqs.Start().ok());
  sqs.CreateQueue("hand-made");
  StatusOr<std::string> id = sqs.SendMessage("hand-made", "not json at all");
  ASSERT_TRUE(id.ok()) << id.status();
  std::vector<SqsQueuedMessage> messages = sqs.Messages("hand-made");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message_id, *id);
  EXPECT_EQ(messages[0].body, "not json at all");
  EXPECT_EQ(sqs.SendMessage("nowhere", "x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(sqs.SendMessage("hand-made", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sqs.SendMessage("hand-made", std::string(300 * 1024, 'x')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(sqs.Messages("hand-made").size(), 1u) << "a refused message is not half-kept";
  EXPECT_EQ(sqs.Activity("hand-made").receive_calls, 0u);
}

class SqsDeliveryTest : public ::testing::Test {
 protected:
  void Start(const std::string& key = "", const std::string& secret = "", const std::string& source = "") {
    ServerOptions options;
    if (!source.empty()) options.cloudevent_source = source;
    options.sqs_port = 0;
    options.sqs_access_key_id = key;
    options.sqs_secret_access_key = secret;
    options.time_scale = 0.0001;
    server_ = std::make_unique<Server>(options);
    ASSERT_THAT(server_->Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_->Url());
  }
  std::string CreateSqsIntegration(const std::string& queue_url, const std::string& key = "AKIAEXAMPLE",
                                   const std::string& secret = "secret",
                                   std::vector<std::string> observes = {"order.paid"}) {
    json body = {{"data",
                  {{"type", "integration"},
                   {"name", "queue"},
                   {"integration_type", "aws_sqs"},
                   {"enabled", true},
                   {"observes", observes},
                   {"configuration",
                    {{"url", queue_url},
                     {"aws_access_key_id", key},
                     {"aws_secret_access_key", secret},
                     {"region", "eu-west-1"}}}}}};
    auto r = api_->Post("/v2/integrations", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json["data"].value("id", "");
  }
  std::unique_ptr<Server> server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(SqsDeliveryTest, AnEventArrivesOnTheQueueAsTheDocumentedCloudEvent) {
  Start();
  std::string url = server_->Sqs()->CreateQueue("orders");
  std::string id = CreateSqsIntegration(url);
  auto event = server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt});
  ASSERT_THAT(event, IsOk());
  ASSERT_EQ(event->jobs.size(), 1u);
  ASSERT_TRUE(server_->Sqs()->WaitForMessages("orders", 1, std::chrono::seconds(10)));
  json message = json::parse(server_->Sqs()->Messages("orders")[0].body);
  EXPECT_THAT(Spec::Default()->ValidateEnvelope("cloudevent", message), ::testing::IsEmpty());
  EXPECT_EQ(message["specversion"], "1.0");
  EXPECT_EQ(message["id"], event->id);
  EXPECT_EQ(message["type"], "order.paid");
  EXPECT_EQ(message["integrationid"], id);
  EXPECT_EQ(message["storeid"], Server::StoreIdFor(api_->client_id()));
  EXPECT_EQ(message["datacontenttype"], "application/json");
  EXPECT_EQ(message["source"], "https://epcc-integration.global.ssl.fastly.net");
  EXPECT_EQ(message["data"], event->data);
  EXPECT_EQ(message["included"], event->included);
  ASSERT_TRUE(server_->WaitForIdle(std::chrono::seconds(10)));
  EXPECT_TRUE(server_->Logs(api_->client_id())[0].succeeded);
  EXPECT_FALSE(message.contains("orgid")) << "a store in no organization has no orgid";
}

TEST_F(SqsDeliveryTest, TheCloudEventSourceIsConfigurable) {
  // elasticpath/js-sdk playground/index.ts: the seed's source is the platform's non-production host;
  // production differs.
  Start("", "", "https://epcc-integration.example.test");
  std::string url = server_->Sqs()->CreateQueue("orders");
  CreateSqsIntegration(url, "AKIAEXAMPLE", "secret", {"subscription.create-failed"});
  ASSERT_TRUE(
      server_->Trigger(api_->client_id(), {"subscription.create-failed", std::nullopt, std::nullopt}).ok());
  ASSERT_TRUE(server_->Sqs()->WaitForMessages("orders", 1, std::chrono::seconds(10)));
  json message = json::parse(server_->Sqs()->Messages("orders")[0].body);
  EXPECT_EQ(message["source"], "https://epcc-integration.example.test");
  EXPECT_EQ(message["type"], "subscription.create-failed");
  EXPECT_THAT(Spec::Default()->ValidateEnvelope("cloudevent", message), ::testing::IsEmpty());
}

TEST_F(SqsDeliveryTest, DeletesCarryOnlyIdAndType) {
  Start();
  std::string url = server_->Sqs()->CreateQueue("products");
  CreateSqsIntegration(url, "AKIAEXAMPLE", "secret", {"product.deleted"});
  ASSERT_TRUE(
      server_
          ->Trigger(api_->client_id(),
                    {"product.deleted",
                     json{{"id", "a2733958-1273-4385-9a05-f1ca7684f760"}, {"type", "product"}, {"name", "x"}},
                     std::nullopt})
          .ok());
  ASSERT_TRUE(server_->Sqs()->WaitForMessages("products", 1, std::chrono::seconds(10)));
  json message = json::parse(server_->Sqs()->Messages("products")[0].body);
  EXPECT_EQ(message["data"], (json{{"id", "a2733958-1273-4385-9a05-f1ca7684f760"}, {"type", "product"}}));
  EXPECT_FALSE(message.contains("included"));
}

TEST_F(SqsDeliveryTest, AMessageOver256KiBHasItsIncludedElided) {
  Start();
  std::string url = server_->Sqs()->CreateQueue("big");
  CreateSqsIntegration(url);
  json included = {{"items", json::array()}};
  for (int i = 0; i < 300; ++i)
    included["items"].push_back({{"id", std::to_string(i)}, {"padding", std::string(1000, 'x')}});
  ASSERT_TRUE(
      server_->Trigger(api_->client_id(), {"order.paid", json{{"id", "o-1"}, {"type", "order"}}, included})
          .ok());
  ASSERT_TRUE(server_->Sqs()->WaitForMessages("big", 1, std::chrono::seconds(10)));
  std::string body = server_->Sqs()->Messages("big")[0].body;
  EXPECT_LT(body.size(), internal::kSqsMessageLimit);
  EXPECT_EQ(json::parse(body)["included"], (json{{"meta", {{"includes_elided", true}}}}));
}

TEST_F(SqsDeliveryTest, SignaturesAreCheckedEndToEnd) {
  Start("AKIAEPMOCK", "right-secret");
  std::string url = server_->Sqs()->CreateQueue("secure");
  std::string good = CreateSqsIntegration(url, "AKIAEPMOCK", "right-secret");
  std::string bad = CreateSqsIntegration(url, "AKIAEPMOCK", "wrong-secret");
  auto event = server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt});
  ASSERT_THAT(event, IsOk());
  ASSERT_TRUE(server_->WaitForIdle(std::chrono::seconds(20)));
  EXPECT_EQ(server_->Sqs()->Messages("secure").size(), 1u);
  std::size_t refused = 0;
  for (const IntegrationLog& log : server_->Logs(api_->client_id())) {
    if (log.integration_id == good) {
      EXPECT_TRUE(log.succeeded) << log.error_detail.value_or("");
    }
    if (log.integration_id == bad) {
      EXPECT_FALSE(log.succeeded);
      EXPECT_EQ(log.status_code, 403);
      EXPECT_THAT(log.error_detail.value_or(""), HasSubstr("SQS error SignatureDoesNotMatch"));
      ++refused;
    }
  }
  EXPECT_EQ(refused, 5u);  // every attempt, then a final failure
}

TEST_F(SqsDeliveryTest, AMissingQueueIsAFailedAttemptWithTheSqsErrorCode) {
  Start();
  CreateSqsIntegration(server_->Sqs()->QueueUrl("nowhere"));
  ASSERT_THAT(server_->Trigger(api_->client_id(), {"order.paid", std::nullopt, std::nullopt}), IsOk());
  ASSERT_TRUE(server_->WaitForIdle(std::chrono::seconds(20)));
  auto logs = server_->Logs(api_->client_id());
  ASSERT_FALSE(logs.empty());
  EXPECT_THAT(logs[0].error_detail.value_or(""),
              HasSubstr("SQS error AWS.SimpleQueueService.NonExistentQueue"));
}

}  // namespace
}  // namespace epmock

namespace epmock {
namespace {

TEST_F(SqsDeliveryTest, TheAdminApiCreatesAQueueForClientsWithoutAnSdk) {
  Start();
  auto created = api_->Send("PUT", "/__admin/sqs/queues/orders-1", "", "");
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["data"]["queue_url"], server_->Sqs()->QueueUrl("orders-1"));
  EXPECT_EQ(api_->Send("PUT", "/__admin/sqs/queues/orders-1", "", "").status,
            201);  // idempotent, as CreateQueue
  auto bad = api_->Send("PUT", "/__admin/sqs/queues/bad.name!", "", "");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json["errors"][0]["source"], "name");
  EXPECT_EQ(api_->Get("/__admin/sqs/queues/orders-1").json["meta"]["queue_url"],
            created.json["data"]["queue_url"]);
}

TEST_F(SqsDeliveryTest, TheAdminApiAddsListsAndClearsSqsFaultsAndRefusesBadOnes) {
  Start();
  auto added = api_->Post("/__admin/sqs/faults",
                          {{"action", "ReceiveMessage"}, {"error", "throttled"}, {"requests", 3}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json["data"]["action"], "ReceiveMessage");
  EXPECT_EQ(added.json["data"]["requests"], 3);
  EXPECT_EQ(added.json["data"]["queue"], nullptr);
  ASSERT_EQ(server_->Sqs()->Faults().size(), 1u);  // the same fault in C++
  EXPECT_EQ(api_->Get("/__admin/sqs/faults").json["data"].size(), 1u);
  struct Row {
    json body;
    const char* error;
  };
  for (const Row& row :
       {Row{{{"action", "SendMessage"}, {"error", "throttled"}},
            "action must be ReceiveMessage or DeleteMessage"},
        Row{{{"action", "ReceiveMessage"}, {"error", "slow"}}, "error must be one of throttled"},
        Row{{{"action", "ReceiveMessage"}, {"error", "stale_receipt"}},
            "stale_receipt is for action DeleteMessage"},
        Row{{{"action", "ReceiveMessage"}, {"error", "throttled"}, {"requests", 0}}, "requests must be"},
        Row{{{"action", "ReceiveMessage"}, {"error", "throttled"}, {"requests", 1001}}, "requests must be"},
        Row{{{"action", "ReceiveMessage"}, {"error", "throttled"}, {"requests", 1e30}}, "requests must be"},
        Row{{{"action", "ReceiveMessage"}, {"error", "throttled"}, {"requests", "2"}}, "requests must be"},
        Row{{{"action", 7}, {"error", "throttled"}}, "action must be a string"},
        Row{{{"action", "ReceiveMessage"}, {"error", "throttled"}, {"queue", "bad name!"}}, "queue must be"},
        Row{{{"action", "ReceiveMessage"}, {"error", "throttled"}, {"when", "now"}},
            "unknown SQS fault field"},
        Row{json::object(), "action must be"}}) {
    auto refused = api_->Post("/__admin/sqs/faults", row.body);
    EXPECT_EQ(refused.status, 422) << row.body.dump() << refused.body;
    EXPECT_THAT(refused.body, HasSubstr(row.error)) << row.body.dump();
  }
  EXPECT_EQ(api_->Send("POST", "/__admin/sqs/faults", "{not json", "application/json").status, 400);
  for (int i = 1; i < static_cast<int>(kMaxSqsFaults); ++i) {
    ASSERT_EQ(
        api_->Post("/__admin/sqs/faults", {{"action", "DeleteMessage"}, {"error", "internal_error"}}).status,
        201);
  }
  auto full = api_->Post("/__admin/sqs/faults", {{"action", "DeleteMessage"}, {"error", "internal_error"}});
  EXPECT_EQ(full.status, 429) << full.body;
  EXPECT_EQ(api_->Send("DELETE", "/__admin/sqs/faults", "", "").status, 204);
  EXPECT_TRUE(server_->Sqs()->Faults().empty());
}

TEST(SqsFaultRoutesTest, WithoutAnSqsEndpointTheRoutesSaySo) {
  Server server;
  ASSERT_TRUE(server.Start().ok());
  ApiClient api(server.Url());
  auto refused = api.Post("/__admin/sqs/faults", {{"action", "ReceiveMessage"}, {"error", "throttled"}});
  EXPECT_EQ(refused.status, 404);
  EXPECT_THAT(refused.body, HasSubstr("No embedded SQS endpoint runs"));
}

}  // namespace
}  // namespace epmock
