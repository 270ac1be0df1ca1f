// The SQS wire protocols: one HTTP request in, one HTTP response out, over SqsQueues.
#ifndef EPMOCK_SQS_PROTOCOL_H_
#define EPMOCK_SQS_PROTOCOL_H_

#include <string>
#include <utility>
#include <vector>

#include "sqs/queues.h"

namespace epmock::internal {

struct SqsHttpRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string base_url;  // "http://host:port", for queue URLs
};

struct SqsHttpResponse {
  int status = 200;
  std::string content_type = "text/xml";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct SqsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
};

// Never throws. Malformed input of any kind gets the protocol's error answer.
SqsHttpResponse HandleSqsRequest(SqsQueues& queues, const SqsHttpRequest& request,
                                 const SqsCredentials& credentials);

std::string Base64Encode(const std::string& bytes);
bool Base64Decode(const std::string& text, std::string* bytes);

}  // namespace epmock::internal

#endif  // EPMOCK_SQS_PROTOCOL_H_
