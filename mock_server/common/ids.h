// Identifiers the platform hands out: UUIDs for resources, opaque tokens for auth.
#ifndef EPMOCK_COMMON_IDS_H_
#define EPMOCK_COMMON_IDS_H_

#include <cstdint>
#include <random>
#include <string>

#include "common/mutex.h"

namespace epmock::internal {

// A random (version 4) UUID, lower case.
std::string NewUuid();

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

// A random token of `bytes` random bytes, hex encoded.
std::string RandomHex(std::size_t bytes);

// Whether `s` looks like a UUID (8-4-4-4-12 hex digits).
bool IsUuid(const std::string& s);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_IDS_H_
