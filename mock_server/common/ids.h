// Identifiers the platform hands out: UUIDs for resources, opaque tokens for auth.
#ifndef EPMOCK_COMMON_IDS_H_
#define EPMOCK_COMMON_IDS_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/mutex.h"

namespace epmock::internal {

// A random (version 4) UUID, lower case.
std::string NewUuid();

// A version 4 UUID drawn from `rng`: a seeded generator gives the same ones in the same order.
std::string UuidFrom(std::mt19937_64& rng);

// A name-based (version 5, SHA-1) UUID: the same name always gives the same id.
std::string NameUuid(const std::string& name);

// The store id a client_id maps to: stable, the same client_id always gives the same id
// (Server::StoreIdFor, the store registry and the CLI agree through this one function).
std::string StoreIdForClient(const std::string& client_id);

// Version 4 UUIDs drawn from a seeded generator: the same seed gives the same ids in the same
// order (a server's request ids, from ServerOptions::seed). Seed 0 draws a random seed.
// Thread-safe.
class UuidSequence {
 public:
  explicit UuidSequence(std::uint64_t seed);
  std::string Next();

 private:
  Mutex mu_;
  std::mt19937_64 generator_ EPMOCK_GUARDED_BY(mu_);
};

// Where a server's ids come from (docs/CLOCK.md, "The same bytes every run"): random, or, on a
// virtual clock with a seed, derived from the seed and a name that says the id's parent and
// its position there (an event's id from its store and the event's number in it, a log's from
// its job and attempt), so the same test makes the same ids on every run, whatever order its
// threads happened to run in. Cheap to copy; copies share what ForContent has counted.
// Thread-safe.
class IdSource {
 public:
  IdSource() = default;  // random
  // Derived when the clock is virtual and the seed is not 0; random otherwise.
  IdSource(std::uint64_t seed, bool virtual_clock);

  bool derived() const { return seed_ != 0; }
  // A version 4 UUID: random, or drawn from the seed and `name`.
  std::string Uuid(std::string_view name) const;
  // A generator's seed drawn from the seed and `name`; 0 when not derived.
  std::uint64_t Seed(std::string_view name) const;
  // `bytes` bytes hex encoded: random, or drawn from the seed and `name`.
  std::string Hex(std::string_view name, std::size_t bytes) const;
  // A UUID for what has no parent but its content (an SQS message, a request): drawn from
  // `scope`, the content, and how often the same content came before in that scope, so two
  // sends of the same bytes get two ids and which gets which does not matter. Counts are kept
  // for kMaxContents distinct contents; past that they start again (ids stay unique per run,
  // runs of more distinct contents may differ). Random when not derived.
  std::string ForContent(std::string_view scope, std::string_view content) const;

  static constexpr std::size_t kMaxContents = 1000000;

 private:
  struct Counts {
    Mutex mu;
    std::unordered_map<std::string, std::uint64_t> seen EPMOCK_GUARDED_BY(mu);
    std::uint64_t generation EPMOCK_GUARDED_BY(mu) = 0;
  };
  std::uint64_t seed_ = 0;
  std::shared_ptr<Counts> counts_;
};

// A random token of `bytes` random bytes, hex encoded.
std::string RandomHex(std::size_t bytes);

// Whether `s` looks like a UUID (8-4-4-4-12 hex digits).
bool IsUuid(const std::string& s);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_IDS_H_
