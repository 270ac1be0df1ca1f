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

// The named profiles: "realistic" (synthesis as it is), "edge-cases" (the cases below),
// "forward-compatible" (ApplyForwardCompatible).
bool IsVarietyProfile(const std::string& name);
// OK for a profile's name; else why not, naming the profiles.
Status CheckVarietyProfile(const std::string& name);
inline constexpr char kForwardCompatible[] = "forward-compatible";

// The edge cases, by name: unicode_name, rtl_name, empty_optional, long_string, many_items,
// zero_amount, large_amount, currency, near_sqs_limit.
const std::vector<std::string>& EdgeCaseNames();

// Applies edge cases to the n-th resource of a batch: case n % count always (when it fits
// the resource), each other one (but the costly near_sqs_limit) with probability 1/4. A case
// that would break the resource's schema is undone. Returns the cases it kept.
std::vector<std::string> ApplyEdgeCases(Resource& resource, const std::string& schema_resource,
                                        const Spec& spec, std::mt19937_64& rng, std::size_t n);

// What a later version of the platform may send, added to a resource that is valid now: a
// member nobody knows yet on every object (data and included), an unknown relationship and
// an unknown included type, and a value no enum has yet in every enum field of the
// resource's schema (order status, payment, shipping, ...). The resource is checked against
// its schema before: the additions are the only difference from a valid one. Returns what
// was added: "unknown_fields", "unknown_relationship", "unknown_included_type" and
// "unknown_value:<path>" per enum field; empty (and the resource untouched) when the
// resource is not valid to begin with.
std::vector<std::string> ApplyForwardCompatible(Resource& resource, const std::string& schema_resource,
                                                const Spec& spec, std::mt19937_64& rng);

// The names forward-compatible additions use, for a consumer's test to look for.
inline constexpr char kFutureField[] = "epmock_future_field";
inline constexpr char kFutureRelationship[] = "epmock_future_relation";
inline constexpr char kFutureType[] = "epmock_future_thing";
inline constexpr char kFutureValue[] = "epmock_future_value";

}  // namespace epmock::internal

#endif  // EPMOCK_EVENTS_VARIETY_H_
