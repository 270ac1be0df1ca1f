// The SQS wire protocols: one HTTP request in, one HTTP response out, over SqsQueues.
#ifndef EPMOCK_SQS_PROTOCOL_H_
#define EPMOCK_SQS_PROTOCOL_H_

#include <string>
#include <utility>
#include <vector>

#include "http/message.h"
#include "sqs/queues.h"

namespace epmock::internal {

struct SqsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
};

// Never throws. Malformed input of any kind gets the protocol's error answer.
HttpResponse HandleSqsRequest(SqsQueues& queues, const HttpRequest& request,
                              const SqsCredentials& credentials);

std::string Base64Encode(const std::string& bytes);
bool Base64Decode(const std::string& text, std::string* bytes);

}  // namespace epmock::internal

#endif  // EPMOCK_SQS_PROTOCOL_H_
