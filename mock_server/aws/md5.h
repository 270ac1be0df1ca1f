// MD5 as SQS uses it: MD5OfMessageBody, which a sender checks against what it sent and the
// endpoint computes for what it stored. Shared by the aws_sqs transport and the embedded
// SQS endpoint, which stand apart from each other.
#ifndef EPMOCK_AWS_MD5_H_
#define EPMOCK_AWS_MD5_H_

#include <string>

namespace epmock::internal {

// Lower-case hex MD5 of the bytes.
std::string Md5Hex(const std::string& data);

}  // namespace epmock::internal

#endif  // EPMOCK_AWS_MD5_H_
