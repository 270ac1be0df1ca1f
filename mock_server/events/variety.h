// Varied traffic: the edge cases a consumer meets in production (names in every script,
// empty optional fields, long strings, many items, zero and very large amounts, several
// currencies, payloads near SQS's 256 KiB), applied to synthesized resources so that each
// stays valid against its schema. Deterministic by seed.
#ifndef EPMOCK_EVENTS_VARIETY_H_
#define EPMOCK_EVENTS_VARIETY_H_

#include <random>
#include <string>
#include <vector>

#include "epmock/event.h"
#include "epmock/spec.h"
#include "epmock/status.h"
#include "events/synthesizer.h"

namespace epmock::internal {

// The named profiles: "realistic" (synthesis as it is), "edge-cases" (the cases below).
bool IsVarietyProfile(const std::string& name);

// The edge cases, by name: unicode_name, rtl_name, empty_optional, long_string, many_items,
// zero_amount, large_amount, currency, near_sqs_limit.
const std::vector<std::string>& EdgeCaseNames();

// Applies edge cases to the n-th resource of a batch: case n % count always (when it fits
// the resource), each other one (but the costly near_sqs_limit) with probability 1/4. A case
// that would break the resource's schema is undone. Returns the cases it kept.
std::vector<std::string> ApplyEdgeCases(Resource& resource, const std::string& schema_resource,
                                        const Spec& spec, std::mt19937_64& rng, std::size_t n);

}  // namespace epmock::internal

#endif  // EPMOCK_EVENTS_VARIETY_H_
