#include "common/ids.h"
#include "common/strings.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <random>

namespace epmock::internal {
namespace {

void FillRandom(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) == 1) return;
  // OpenSSL's generator failing is near impossible; fall back rather than abort.
  thread_local std::mt19937_64 fallback{std::random_device{}()};
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(fallback());
}

std::string FormatUuid(const unsigned char* b) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

// Random bytes come from OpenSSL in blocks, which keeps id generation off the hot path's
// profile; each thread has its own block.
void RandomBytes(unsigned char* out, std::size_t n) {
  constexpr std::size_t kBlock = 4096;
  thread_local std::array<unsigned char, kBlock> block;
  thread_local std::size_t used = kBlock;
  while (n > 0) {
    if (used == kBlock) {
      FillRandom(block.data(), kBlock);
      used = 0;
    }
    std::size_t take = std::min(n, kBlock - used);
    std::copy_n(block.data() + used, take, out);
    used += take;
    out += take;
    n -= take;
  }
}

}  // namespace

std::string NewUuid() {
  unsigned char b[16];
  RandomBytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return FormatUuid(b);
}

namespace {
std::uint64_t SeedOrRandom(std::uint64_t seed) {
  if (seed != 0) return seed;
  unsigned char b[8];
  RandomBytes(b, sizeof b);
  std::uint64_t drawn = 0;
  for (unsigned char c : b) drawn = (drawn << 8) | c;
  return drawn;
}
}  // namespace

UuidSequence::UuidSequence(std::uint64_t seed) : generator_(SeedOrRandom(seed)) {}

std::string UuidSequence::Next() {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  {
    MutexLock lock(&mu_);
    high = generator_();
    low = generator_();
  }
  unsigned char b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(high >> (56 - 8 * i));
    b[8 + i] = static_cast<unsigned char>(low >> (56 - 8 * i));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return FormatUuid(b);
}

std::string UuidFrom(std::mt19937_64& rng) {
  const std::uint64_t hi = rng(), lo = rng();
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0x0fff),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return out;
}

std::string NameUuid(const std::string& name) {
  // RFC 4122 v5 over a fixed namespace of epmock's own.
  static const unsigned char kNamespace[16] = {0x6b, 0x2f, 0x0e, 0x43, 0x8d, 0x1c, 0x4e, 0x57,
                                               0x9a, 0x61, 0x3f, 0x2d, 0x7c, 0x05, 0xe1, 0x88};
  std::string input(reinterpret_cast<const char*>(kNamespace), sizeof kNamespace);
  input += name;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  return FormatUuid(digest);
}

std::string RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  RandomBytes(reinterpret_cast<unsigned char*>(raw.data()), bytes);
  return HexEncode(raw);
}

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

namespace {
// SHA-256 of the seed and `name`, and of them with a counter for each further 32 bytes.
std::string DerivedBytes(std::uint64_t seed, std::string_view name, std::size_t bytes) {
  std::string out;
  for (std::uint32_t block = 0; out.size() < bytes; ++block) {
    std::string input = std::to_string(seed) + '/' + std::to_string(block) + '/';
    input.append(name.data(), name.size());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha256(), nullptr);
    out.append(reinterpret_cast<const char*>(digest), std::min<std::size_t>(digest_len, bytes - out.size()));
  }
  return out;
}
}  // namespace

IdSource::IdSource(std::uint64_t seed, bool virtual_clock)
    : seed_(virtual_clock ? seed : 0), counts_(std::make_shared<Counts>()) {}

std::string IdSource::Uuid(std::string_view name) const {
  if (!derived()) return NewUuid();
  std::string b = DerivedBytes(seed_, name, 16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  return FormatUuid(reinterpret_cast<const unsigned char*>(b.data()));
}

std::uint64_t IdSource::Seed(std::string_view name) const {
  if (!derived()) return 0;
  const std::string b = DerivedBytes(seed_, name, 8);
  std::uint64_t out = 0;
  for (char c : b) out = (out << 8) | static_cast<unsigned char>(c);
  return out == 0 ? 1 : out;
}

std::string IdSource::Hex(std::string_view name, std::size_t bytes) const {
  if (!derived()) return RandomHex(bytes);
  return HexEncode(DerivedBytes(seed_, name, bytes));
}

std::string IdSource::ForContent(std::string_view scope, std::string_view content) const {
  if (!derived()) return NewUuid();
  std::string key(scope);
  key += '/';
  key += DerivedBytes(0, content, 16);  // the content's digest: what is counted
  std::uint64_t generation = 0;
  std::uint64_t before = 0;
  {
    MutexLock lock(&counts_->mu);
    if (counts_->seen.size() >= kMaxContents && counts_->seen.count(key) == 0) {
      counts_->seen.clear();
      ++counts_->generation;
    }
    before = counts_->seen[key]++;
    generation = counts_->generation;
  }
  return Uuid(HexEncode(key) + '/' + std::to_string(generation) + '/' + std::to_string(before));
}

std::string StoreIdForClient(const std::string& client_id) { return NameUuid("store:" + client_id); }

}  // namespace epmock::internal
