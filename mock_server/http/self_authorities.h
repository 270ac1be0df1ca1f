// SelfAuthorities: the names and ports by which epmock's own ports are known, so that a
// delivery to one of them goes to the port itself.
//
// A client in front of a port mapping (a container's -p 19324:9324) reaches the SQS endpoint
// as localhost:19324 and is handed queue URLs that say so. An SQS integration created with
// such a URL must still be delivered, though inside the container nothing listens on 19324:
// every authority a request arrived by (its Host header) and every advertised one is kept
// beside the port it reached, and a delivery whose URL names it dials that port instead,
// keeping the URL's authority in its Host header (and its SigV4 signature).
//
//   SelfAuthorities self;
//   self.Saw("localhost:19324", 80, {"127.0.0.1", 9324});   // a request on the SQS port
//   self.DialFor(*ParseUrl("http://LOCALHOST:19324/000000000000/q"));   // -> 127.0.0.1:9324
//
// Thread-safe. Bounded: beyond kMaxSelfAuthorities names, new ones are not kept.
#ifndef EPMOCK_HTTP_SELF_AUTHORITIES_H_
#define EPMOCK_HTTP_SELF_AUTHORITIES_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "http/url.h"

namespace epmock::internal {

inline constexpr std::size_t kMaxSelfAuthorities = 1024;

// Where a port of epmock's is reached from inside its own process.
struct LocalAddress {
  std::string host;  // a wildcard bind is reached on loopback
  int port = 0;
};

// The loopback address of a port bound to `bind_host` (0.0.0.0 and :: are reached on
// 127.0.0.1 and ::1).
LocalAddress LocalAddressOf(const std::string& bind_host, int port);

// True for a wildcard bind address: 0.0.0.0, ::, [::].
bool IsWildcardHost(const std::string& host);

// Why `value` is not an advertised URL for a port speaking `scheme` ("http" takes http and
// https, "stomp" takes stomp and stomp+ssl): scheme://host[:port] with at most a "/" after
// it, no user, query or fragment, at most 2,048 characters. Nullopt when it is one.
std::optional<std::string> CheckAdvertisedUrl(const std::string& value, const std::string& scheme);
// Why `value` is not an advertised host name (a DNS name or IP literal, no port).
std::optional<std::string> CheckAdvertisedHost(const std::string& value);
// `value` without its trailing "/".
std::string TrimAdvertisedUrl(std::string value);
// The names the Host check must answer for an advertised URL and host (either may be empty).
std::vector<std::string> AdvertisedNames(const std::string& url, const std::string& host);

class SelfAuthorities {
 public:
  // A request reached `local` with this Host header; a header without a port names
  // `default_port`. An empty header teaches nothing.
  void Saw(const std::string& host_header, int default_port, const LocalAddress& local);
  // An advertised URL of the port at `local`.
  void Advertise(const Url& url, const LocalAddress& local);

  // The address to dial for a URL that names one of epmock's ports by a known authority.
  std::optional<LocalAddress> DialFor(const Url& url) const;

  std::size_t size() const;

  // `url`, dialling its local port when it names one of epmock's ports by a known authority.
  // Only plain http and stomp: epmock's ports speak no TLS.
  static Url Route(const SelfAuthorities* self, Url url);

 private:
  mutable Mutex mu_;
  std::map<std::string, LocalAddress> known_ EPMOCK_GUARDED_BY(mu_);  // "name:port", lower case
};

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_SELF_AUTHORITIES_H_
