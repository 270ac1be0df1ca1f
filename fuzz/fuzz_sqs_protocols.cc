// libFuzzer: one HTTP request to the embedded SQS endpoint's protocol layer, in either wire
// protocol. The first input line picks it: "query" sends the rest as a form body (the query
// protocol), anything else is an X-Amz-Target ("AmazonSQS.SendMessage") with the rest as the
// JSON 1.0 body. Every answer must be the protocol's success or error shape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sqs/protocol.h"
#include "sqs/queues.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static epmock::internal::SqsQueues* queues = [] {
    auto* q = new epmock::internal::SqsQueues();
    std::optional<epmock::internal::SqsError> error;
    q->Create("orders", {{"VisibilityTimeout", "0"}}, &error);
    return q;
  }();
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string first = input.substr(0, newline);
  const std::string body = newline == std::string::npos ? "" : input.substr(newline + 1);
  epmock::internal::HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.base_url = "http://127.0.0.1:9324";
  request.body = body;
  if (first == "query") {
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  } else {
    request.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", first}};
  }
  epmock::internal::HttpResponse response = epmock::internal::HandleSqsRequest(*queues, request, {});
  if (response.status >= 500 || response.status < 200) std::abort();
  if (response.status >= 400 && response.body.find("Error") == std::string::npos &&
      response.body.find("__type") == std::string::npos) {
    std::abort();
  }
  return 0;
}
