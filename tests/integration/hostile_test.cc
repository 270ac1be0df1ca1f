// Hostile input on every port: the API, the embedded SQS endpoint and the STOMP broker.
// Each case gets a clean 4xx (or a STOMP ERROR frame), the process keeps serving, and
// nothing stored changes. (JSON-body cases of the API are in api_test.cc's BadInputTest.)
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "epmock/server.h"
#include "epmock/sinks.h"
#include "epmock/testing/status_matchers.h"
#include "support/api_client.h"

namespace epmock {
namespace {

using ::epmock::testing::IsOk;

using nlohmann::json;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_support::ApiClient;
using testing_support::Reply;

// Whether `answer` holds one whole HTTP response (by Content-Length), or a STOMP frame.
// Large inputs are written in the tables as "{repeat:N:c}" (N copies of c) and made when a
// test runs: gtest copies every table value into every process several times while it
// registers the tests, and 80 MiB of literals cost each of the suite's processes 3 s
// (24 s under TSan) before any test began.
std::string Repeat(std::size_t n, char c) { return "{repeat:" + std::to_string(n) + ":" + c + "}"; }
std::string Expand(const std::string& text) {
  std::string out;
  std::size_t at = 0;
  for (std::size_t found; (found = text.find("{repeat:", at)) != std::string::npos;) {
    const std::size_t colon = text.find(':', found + 8);
    const std::size_t n = std::stoul(text.substr(found + 8, colon - found - 8));
    out.append(text, at, found - at);
    out.append(n, text[colon + 1]);
    at = colon + 3;  // past the character and the closing brace
  }
  return out.append(text, at, std::string::npos);
}

bool WholeHttpResponse(const std::string& answer) {
  std::size_t end = answer.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::smatch m;
  std::string head = answer.substr(0, end);
  if (!std::regex_search(head, m, std::regex("Content-Length: (\\d+)", std::regex::icase))) return true;
  return answer.size() >= end + 4 + std::stoul(m[1]);
}
bool WholeStompFrame(const std::string& answer) { return answer.find('\0') != std::string::npos; }

using testing_support::ConnectLoopback;

std::string Exchange(int port, const std::vector<std::string>& writes, bool (*done)(const std::string&),
                     int timeout_ms = 10000) {
  return testing_support::RawExchange(port, writes, done, timeout_ms);
}

ServerOptions AllPorts() {
  ServerOptions options;
  options.sqs_port = 0;
  options.stomp_port = 0;
  return options;
}

// --- The HTTP API, on the wire ------------------------------------------------------------

struct WireCase {
  const char* name;
  std::string request;  // "{token}" is replaced by a valid bearer token
  const char* status;   // the answer's status line starts "HTTP/1.1 <status>"
  const char* detail;   // part of errors[0].detail
};

// Test names read better than bytes in CTest's list.
void PrintTo(const WireCase& c, std::ostream* os) { *os << c.name; }

class HostileApiTest : public ::testing::TestWithParam<WireCase> {
 protected:
  void SetUp() override {
    ASSERT_THAT(server_.Start(), IsOk());
    api_ = std::make_unique<ApiClient>(server_.Url());
    Reply created = api_->Post("/v2/integrations", testing_support::WebhookCreateBody("kept"));
    ASSERT_EQ(created.status, 201);
    id_ = created.json["data"]["id"];
  }
  json Stored() { return api_->Get("/v2/integrations").json["data"]; }

  // A request that stops short (a chunk shorter than its size) is answered when the read
  // times out: one second here.
  Server server_{[] {
    ServerOptions options = AllPorts();
    options.idle_timeout_seconds = 1;
    return options;
  }()};
  std::unique_ptr<ApiClient> api_;
  std::string id_;
};

TEST_P(HostileApiTest, GetsAClean4xxAndChangesNothing) {
  const WireCase& c = GetParam();
  const json before = Stored();
  const std::string request = Expand(std::regex_replace(c.request, std::regex("\\{token\\}"), api_->token()));
  const std::string answer = Exchange(server_.Port(), {request}, WholeHttpResponse);
  EXPECT_THAT(answer, StartsWith(std::string("HTTP/1.1 ") + c.status)) << answer.substr(0, 300);
  const std::size_t body = answer.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos) << answer;
  const json error = json::parse(answer.substr(body + 4), nullptr, false);
  ASSERT_TRUE(error.contains("errors")) << answer;  // the platform's error shape
  const int status = std::stoi(answer.substr(9, 3));
  EXPECT_EQ(error["errors"][0]["status"], status);
  EXPECT_GE(status, 400);
  EXPECT_LT(status, 500);
  EXPECT_THAT(error["errors"][0]["detail"].get<std::string>(), HasSubstr(c.detail));
  // Refused by the edge or not, the answer carries a request id (fact 26).
  EXPECT_THAT(answer.substr(0, body + 2), ContainsRegex("\r\nX-Moltin-Request-Id: [0-9a-f-]+\r\n"))
      << answer.substr(0, body);
  // Still serving, nothing stored changed.
  EXPECT_EQ(Stored(), before);
  EXPECT_EQ(api_->Get("/v2/integrations/" + id_).status, 200);
}

std::string Post(const std::string& headers, const std::string& body) {
  return "POST /v2/integrations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
         "Content-Type: application/json\r\nConnection: close\r\n" +
         headers + "\r\n" + body;
}

const char kCreate[] =
    R"({"data":{"type":"integration","name":"n","integration_type":"webhook","observes":["order.paid"],"configuration":{"url":"https://x.io"}}})";

INSTANTIATE_TEST_SUITE_P(
    Wire, HostileApiTest,
    ::testing::Values(
        WireCase{"request_line_garbage", "GARBAGE\r\n\r\n", "400", "not well-formed"},
        WireCase{"request_line_bad_version", "GET /v2/integrations HTTP/9.9 extra\r\nHost: x\r\n\r\n", "400",
                 "not well-formed"},
        WireCase{"request_line_no_path", "GET\r\nHost: x\r\n\r\n", "400", "not well-formed"},
        WireCase{
            "header_of_1_MiB",
            "GET /v2/integrations HTTP/1.1\r\nHost: x\r\nX-Big: " + Repeat(1024 * 1024, 'a') + "\r\n\r\n",
            "431", "head is larger than the limit"},
        WireCase{"body_of_32_MiB", Post("Content-Length: 33554432\r\n", Repeat(32 * 1024 * 1024, '{')), "413",
                 "larger than"},
        // httplib reads an unparseable Content-Length as 0: an empty body, refused as such.
        WireCase{"content_length_not_a_number", Post("Content-Length: ten\r\n", kCreate), "400", "empty"},
        WireCase{"chunk_size_not_hex", Post("Transfer-Encoding: chunked\r\n", "ZZZ\r\nabc\r\n0\r\n\r\n"),
                 "400", "not well-formed"},
        WireCase{"chunk_size_huge",
                 Post("Transfer-Encoding: chunked\r\n", "FFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n"), "4", ""},
        WireCase{"chunked_body_of_40_MiB",
                 Post("Transfer-Encoding: chunked\r\n",
                      [] {
                        std::string chunks;
                        for (int i = 0; i < 40; ++i) chunks += "100000\r\n" + Repeat(0x100000, ' ') + "\r\n";
                        return chunks + "0\r\n\r\n";
                      }()),
                 "413", "larger than"},
        WireCase{"chunk_shorter_than_its_size",
                 Post("Transfer-Encoding: chunked\r\n", "ff\r\n{}\r\n0\r\n\r\n"), "400", "not well-formed"},
        WireCase{
            "chunks_past_the_body_limit",
            Post("Transfer-Encoding: chunked\r\n", "100000\r\n" + Repeat(0x100000, ' ') + "\r\n100000\r\n" +
                                                       Repeat(0x100000, ' ') + "\r\n0\r\n\r\n"),
            "413", "larger than"},
        WireCase{"chunked_and_content_length",
                 Post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"), "400",
                 "both Content-Length and Transfer-Encoding"},
        WireCase{"bad_percent_encoding_in_path",
                 "GET /v2/integrations/%ZZ%4 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 "{token}\r\nConnection: close\r\n\r\n",
                 "404", "could not be found"},
        WireCase{"path_traversal",
                 "GET /v2/integrations/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 "{token}\r\n"
                 "Connection: close\r\n\r\n",
                 "404", "No such endpoint"},
        WireCase{"path_traversal_encoded",
                 "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "404",
                 "No such endpoint"},
        WireCase{"nul_in_path",
                 "GET /v2/integ" + std::string(1, '\0') +
                     "rations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 "4", ""}),
    [](const ::testing::TestParamInfo<WireCase>& info) { return std::string(info.param.name); });

// RFC 9112: a request with neither Content-Length nor Transfer-Encoding has an empty body
// (`curl -X POST URL` sends one). Routes that take no body answer as they would to an empty
// one, and a route that needs a body says so after auth; none says "not well-formed".
struct BodylessCase {
  const char* name;
  const char* method;
  const char* path;  // "{id}" is replaced by a stored event's id
  int status;
};
void PrintTo(const BodylessCase& c, std::ostream* os) { *os << c.name; }

class BodylessRequestTest : public ::testing::TestWithParam<BodylessCase> {};

TEST_P(BodylessRequestTest, HasAnEmptyBody) {
  const BodylessCase& c = GetParam();
  Server server(AllPorts());
  ASSERT_THAT(server.Start(), IsOk());
  ApiClient api(server.Url());
  Reply created = api.Post("/v2/integrations", testing_support::WebhookCreateBody("kept"));
  ASSERT_EQ(created.status, 201);
  Reply event = api.Post("/__admin/events", {{"type", "order.paid"}});
  ASSERT_EQ(event.status, 201) << event.body;
  const std::string path =
      std::regex_replace(c.path, std::regex("\\{id\\}"), event.json["data"]["id"].get<std::string>());
  const std::string answer =
      Exchange(server.Port(),
               {std::string(c.method) + " " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                api.token() + "\r\nConnection: close\r\n\r\n"},
               WholeHttpResponse);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 " + std::to_string(c.status))) << answer.substr(0, 400);
  EXPECT_THAT(answer, ::testing::Not(HasSubstr("not well-formed")));
}

INSTANTIATE_TEST_SUITE_P(
    Wire, BodylessRequestTest,
    ::testing::Values(BodylessCase{"reset", "POST", "/__admin/reset", 204},
                      BodylessCase{"replay", "POST", "/__admin/events/{id}/replay", 201},
                      BodylessCase{"create_queue", "PUT", "/__admin/sqs/queues/bodyless", 201},
                      BodylessCase{"create_integration_needs_a_body", "POST", "/v2/integrations", 415}),
    [](const ::testing::TestParamInfo<BodylessCase>& info) { return std::string(info.param.name); });

// Every port meets HTTP through one edge: Content-Length with Transfer-Encoding (request
// smuggling) is refused on each, in that port's own error shape, and nothing is recorded.
TEST(EveryPortTest, RefusesContentLengthWithTransferEncodingInItsOwnShape) {
  Server server(AllPorts());
  ASSERT_THAT(server.Start(), IsOk());
  WebhookSink sink;
  ASSERT_THAT(sink.Start(), IsOk());
  auto port_of = [](const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); };
  const std::string smuggled =
      "Content-Length: 6\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "2\r\n{}\r\n0\r\n\r\n";
  struct Port {
    const char* name;
    int port;
    std::string head;
    const char* shape;
  };
  for (const Port& p : std::vector<Port>{
           {"api", server.Port(), "POST /v2/integrations HTTP/1.1\r\nHost: x\r\n", "\"errors\""},
           {"api sink", server.Port(), "POST /__sink/webhook/s HTTP/1.1\r\nHost: x\r\n", "\"errors\""},
           {"sqs json", port_of(server.Sqs()->Url()),
            "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n", "\"__type\""},
           {"sqs query", port_of(server.Sqs()->Url()), "POST / HTTP/1.1\r\nHost: x\r\n", "<ErrorResponse>"},
           {"webhook sink", port_of(sink.Url()), "POST /hook HTTP/1.1\r\nHost: x\r\n",
            "Transfer-Encoding"}}) {
    const std::string answer = Exchange(p.port, {p.head + smuggled}, WholeHttpResponse);
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 400")) << p.name << ": " << answer.substr(0, 300);
    EXPECT_THAT(answer, HasSubstr(p.shape)) << p.name << ": " << answer.substr(0, 300);
  }
  EXPECT_TRUE(sink.Requests().empty());
  EXPECT_TRUE(server.SinkRequests("s").empty());
}

// Idle and half-open connections hold a worker each until the idle timeout: with the
// default thread count, 64 of them leave a normal client served at once.
TEST(HostileConnectionsTest, SixtyFourHalfOpenConnectionsDoNotStarveAClient) {
  ServerOptions options;
  options.idle_timeout_seconds = 60;  // so that only free workers, not timeouts, can serve the client
  Server server(options);
  ASSERT_THAT(server.Start(), IsOk());
  std::vector<int> idle;
  for (int i = 0; i < 64; ++i) {
    int fd = ConnectLoopback(server.Port());
    ASSERT_GE(fd, 0);
    if (i % 2 == 0) {
      const std::string partial =
          "POST /v2/integrations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"da";
      ASSERT_EQ(send(fd, partial.data(), partial.size(), MSG_NOSIGNAL), static_cast<ssize_t>(partial.size()));
    }
    idle.push_back(fd);
  }
  httplib::Client client(server.Url());
  client.set_connection_timeout(30);
  client.set_read_timeout(30);  // well under the 60 s a starved client would wait
  auto health = client.Get("/__admin/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  ApiClient api(server.Url());
  EXPECT_EQ(api.Post("/v2/integrations", testing_support::WebhookCreateBody()).status, 201);
  for (int fd : idle) close(fd);
}

// --- The embedded SQS endpoint ---------------------------------------------------------------

struct SqsCase {
  const char* name;
  const char* target;  // X-Amz-Target; "" for the query protocol
  std::string body;
  const char* status;
  const char* shape;  // what the error body must contain
};

void PrintTo(const SqsCase& c, std::ostream* os) { *os << c.name; }

// Hand-written, not EpmockTest: malformed requests go to the embedded SQS endpoint at the
// wire; no integration, sink or client of the harness takes part.
class HostileSqsTest : public ::testing::TestWithParam<SqsCase> {
 protected:
  void SetUp() override {
    ASSERT_THAT(server_.Start(), IsOk());
    queue_url_ = server_.Sqs()->CreateQueue("kept");
    const std::string send =
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
        "X-Amz-Target: AmazonSQS.SendMessage\r\nConnection: close\r\nContent-Length: ";
    const std::string body = json{{"QueueUrl", queue_url_}, {"MessageBody", "kept message"}}.dump();
    ASSERT_THAT(Exchange(port(), {send + std::to_string(body.size()) + "\r\n\r\n" + body}, WholeHttpResponse),
                StartsWith("HTTP/1.1 200"));
  }
  int port() { return std::stoi(server_.Sqs()->Url().substr(server_.Sqs()->Url().rfind(':') + 1)); }
  Server server_{AllPorts()};
  std::string queue_url_;
};

TEST_P(HostileSqsTest, GetsTheProtocolsErrorAndChangesNothing) {
  const SqsCase& c = GetParam();
  std::string body = Expand(std::regex_replace(c.body, std::regex("\\{queue\\}"), queue_url_));
  std::string request = "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  request +=
      std::string(c.target).empty()
          ? "Content-Type: application/x-www-form-urlencoded\r\n"
          : "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: " + std::string(c.target) + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::string answer = Exchange(port(), {request}, WholeHttpResponse);
  EXPECT_THAT(answer, StartsWith(std::string("HTTP/1.1 ") + c.status)) << answer.substr(0, 400);
  EXPECT_THAT(answer, HasSubstr(c.shape)) << answer.substr(0, 400);
  // The queue holds what it held, and the endpoint still answers.
  std::vector<SqsQueuedMessage> messages = server_.Sqs()->Messages("kept");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].body, "kept message");
  EXPECT_EQ(server_.Sqs()->QueueUrl("kept"), queue_url_);
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, HostileSqsTest,
    ::testing::Values(
        SqsCase{"json_not_json", "AmazonSQS.SendMessage", "{\"QueueUrl\": ", "400", "\"__type\""},
        SqsCase{"json_binary", "AmazonSQS.SendMessage", std::string("\x00\xff\xfe\x01garbage", 11), "400",
                "\"__type\""},
        SqsCase{"json_not_an_object", "AmazonSQS.SendMessage", "[1,2,3]", "400", "\"__type\""},
        SqsCase{"json_deeply_nested", "AmazonSQS.SendMessage", Repeat(200000, '[') + Repeat(200000, ']'),
                "400", "\"__type\""},
        SqsCase{"json_wrong_types", "AmazonSQS.SendMessage", R"({"QueueUrl": 7, "MessageBody": {"a": 1}})",
                "400", "\"__type\""},
        SqsCase{"json_unknown_action", "AmazonSQS.LaunchRockets", "{}", "400", "InvalidAction"},
        // A target that is not AmazonSQS.* is not the JSON protocol: the query protocol's answer.
        SqsCase{"json_target_without_service", "SendMessage", "{}", "400", "<ErrorResponse"},
        SqsCase{"json_missing_queue", "AmazonSQS.ReceiveMessage", "{}", "400", "\"__type\""},
        SqsCase{"json_other_queue_deleted", "AmazonSQS.DeleteMessage",
                R"({"QueueUrl": "{queue}", "ReceiptHandle": "forged"})", "400", "ReceiptHandleIsInvalid"},
        SqsCase{"json_purge_someone_else", "AmazonSQS.PurgeQueue",
                R"({"QueueUrl": "http://x/000000000000/missing"})", "400", "NonExistentQueue"},
        SqsCase{"query_no_action", "", "Foo=bar", "400", "<ErrorResponse"},
        SqsCase{"query_unknown_action", "", "Action=LaunchRockets", "400", "<ErrorResponse"},
        SqsCase{"query_bad_percent_encoding", "", "Action=SendMessage&QueueUrl=%ZZ%4&MessageBody=%", "400",
                "<ErrorResponse"},
        SqsCase{"query_binary", "", std::string("\x00\x01\x02\xff=\xfe&&==&", 11), "400", "<ErrorResponse"},
        SqsCase{"query_missing_body", "", "Action=SendMessage&QueueUrl={queue}", "400", "<ErrorResponse"},
        SqsCase{"query_too_many_attributes", "",
                [] {
                  std::string b = "Action=SendMessage&QueueUrl={queue}&MessageBody=x";
                  for (int i = 1; i <= 11; ++i) {
                    b += "&MessageAttribute." + std::to_string(i) + ".Name=a" + std::to_string(i) +
                         "&MessageAttribute." + std::to_string(i) +
                         ".Value.DataType=String&MessageAttribute." + std::to_string(i) +
                         ".Value.StringValue=v";
                  }
                  return b;
                }(),
                "400", "exceeds the allowed maximum [10]"},
        SqsCase{"body_over_the_limit", "", "Action=SendMessage&MessageBody=" + Repeat(3 * 1024 * 1024, 'x'),
                "413", ""},
        SqsCase{"json_too_many_attributes", "AmazonSQS.SendMessage",
                [] {
                  json attributes = json::object();
                  for (int i = 0; i < 11; ++i)
                    attributes["a" + std::to_string(i)] = {{"DataType", "String"}, {"StringValue", "v"}};
                  return json{
                      {"QueueUrl", "{queue}"}, {"MessageBody", "x"}, {"MessageAttributes", attributes}}
                      .dump();
                }(),
                "400", "exceeds the allowed maximum [10]"}),
    [](const ::testing::TestParamInfo<SqsCase>& info) { return std::string(info.param.name); });

// --- The STOMP broker -----------------------------------------------------------------------

struct StompCase {
  const char* name;
  std::vector<std::string> writes;  // after a good CONNECT
  const char* error;                // part of the ERROR frame's message header
};

void PrintTo(const StompCase& c, std::ostream* os) { *os << c.name; }

// Hand-written, not EpmockTest: broken frames go to the embedded STOMP broker at the wire; no
// integration, sink or client of the harness takes part.
class HostileStompTest : public ::testing::TestWithParam<StompCase> {
 protected:
  void SetUp() override {
    ASSERT_THAT(server_.Start(), IsOk());
    const std::string kept = std::string("CONNECT\naccept-version:1.2\nhost:x\n\n") + '\0' +
                             "SEND\ndestination:/queue/kept\nreceipt:r1\n\nkept message" + '\0';
    ASSERT_THAT(Exchange(server_.Stomp()->Port(), {kept},
                         [](const std::string& a) { return a.find("RECEIPT") != std::string::npos; }),
                HasSubstr("receipt-id:r1"));
  }
  Server server_{AllPorts()};
};

TEST_P(HostileStompTest, GetsAnErrorFrameAndChangesNothing) {
  const StompCase& c = GetParam();
  std::vector<std::string> writes = {std::string("CONNECT\naccept-version:1.2\nhost:x\n\n") + '\0'};
  for (const std::string& write : c.writes) writes.push_back(Expand(write));
  const std::string answer = Exchange(server_.Stomp()->Port(), writes, [](const std::string& a) {
    return a.find("ERROR") != std::string::npos && a.find('\0', a.find("ERROR")) != std::string::npos;
  });
  EXPECT_THAT(answer, HasSubstr("ERROR\n")) << answer;
  EXPECT_THAT(answer, HasSubstr(c.error)) << answer;
  // What was queued is still there, alone, and a new client is served.
  std::vector<StompMessage> messages = server_.Stomp()->Messages("/queue/kept");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].body, "kept message");
  EXPECT_EQ(server_.Stomp()->Pending("/queue/kept"), 1u);
  const std::string again =
      Exchange(server_.Stomp()->Port(), {std::string("CONNECT\naccept-version:1.2\nhost:x\n\n") + '\0'},
               WholeStompFrame);
  EXPECT_THAT(again, StartsWith("CONNECTED\n"));
}

std::string Frame(const std::string& text) { return text + '\0'; }

INSTANTIATE_TEST_SUITE_P(
    Garbage, HostileStompTest,
    ::testing::Values(StompCase{"unknown_command", {Frame("LAUNCH\ndestination:/queue/kept\n\nx")}, "LAUNCH"},
                      StompCase{"lower_case_command", {Frame("send\ndestination:/queue/kept\n\nx")}, "send"},
                      StompCase{"bad_header_escape",
                                {Frame("SEND\ndestination:/queue/kept\nx-note:a\\qb\n\nx")},
                                "Malformed frame"},
                      StompCase{"header_ending_in_a_backslash",
                                {Frame("SEND\ndestination:/queue/kept\nx-note:ab\\\n\nx")},
                                "Malformed frame"},
                      StompCase{"header_without_colon",
                                {Frame("SEND\ndestination:/queue/kept\nnonsense\n\nx")},
                                "Malformed frame"},
                      StompCase{"content_length_shorter_than_the_body",
                                {Frame("SEND\ndestination:/queue/kept\ncontent-length:1\n\nabc")},
                                "Malformed frame"},
                      StompCase{"content_length_not_a_number",
                                {Frame("SEND\ndestination:/queue/kept\ncontent-length:many\n\nabc")},
                                "Malformed frame"},
                      StompCase{"content_length_beyond_the_frame_limit",
                                {"SEND\ndestination:/queue/kept\ncontent-length:99999999999\n\nabc"},
                                "Malformed frame"},
                      StompCase{"oversized_frame",
                                {"SEND\ndestination:/queue/kept\n\n" + Repeat(2 * 1024 * 1024, 'x')},
                                "Malformed frame"},
                      StompCase{"oversized_header_block",
                                {"SEND\ndestination:/queue/kept\nx:" + Repeat(2 * 1024 * 1024, 'h')},
                                "Malformed frame"},
                      StompCase{"send_without_destination", {Frame("SEND\n\nx")}, "destination"},
                      StompCase{"ack_of_nothing", {Frame("ACK\nid:forged\n\n")}, "forged"},
                      StompCase{"commit_unknown_transaction", {Frame("COMMIT\ntransaction:t9\n\n")}, "t9"},
                      StompCase{"binary_garbage", {std::string("\x01\x02\xff\xfe\x00", 5)}, "ERROR"}),
    [](const ::testing::TestParamInfo<StompCase>& info) { return std::string(info.param.name); });

TEST_F(HostileStompTest, AFrameSplitIntoSingleBytesStillArrives) {
  std::vector<std::string> bytes;
  for (char ch : std::string("CONNECT\naccept-version:1.2\nhost:x\n\n") + '\0' +
                     "SEND\ndestination:/queue/kept\ncontent-length:5\nreceipt:r2\n\nsplit" + '\0') {
    bytes.emplace_back(1, ch);
  }
  const std::string answer = Exchange(server_.Stomp()->Port(), bytes, [](const std::string& a) {
    return a.find("receipt-id:r2") != std::string::npos;
  });
  EXPECT_THAT(answer, HasSubstr("receipt-id:r2"));
  ASSERT_EQ(server_.Stomp()->Messages("/queue/kept").size(), 2u);
  EXPECT_EQ(server_.Stomp()->Messages("/queue/kept")[1].body, "split");
}

TEST_F(HostileStompTest, AContentLengthLongerThanWhatIsSentStoresNothing) {
  // The broker waits for the rest of the body; the client goes away instead.
  Exchange(server_.Stomp()->Port(),
           {std::string("CONNECT\naccept-version:1.2\nhost:x\n\n") + '\0',
            "SEND\ndestination:/queue/kept\ncontent-length:100\n\nabc"},
           WholeStompFrame, 300);
  const std::string again =
      Exchange(server_.Stomp()->Port(), {std::string("CONNECT\naccept-version:1.2\nhost:x\n\n") + '\0'},
               WholeStompFrame);
  EXPECT_THAT(again, StartsWith("CONNECTED\n"));
  EXPECT_EQ(server_.Stomp()->Messages("/queue/kept").size(), 1u);
}

}  // namespace
}  // namespace epmock
