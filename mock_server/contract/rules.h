// The value rules the contracts share: what the verifier accepts for {{timestamp}} and
// {{masked}}, and what the recorder turns into them.
#ifndef EPMOCK_CONTRACT_RULES_H_
#define EPMOCK_CONTRACT_RULES_H_

#include <string>

namespace epmock::internal {

// An RFC 3339 date-time: 2026-11-23T09:35:32.202Z, or with an offset.
bool IsTimestamp(const std::string& s);
// A masked secret as the platform returns one: '*' characters then at most 4 others.
bool IsMaskedSecret(const std::string& s);

}  // namespace epmock::internal

#endif  // EPMOCK_CONTRACT_RULES_H_
