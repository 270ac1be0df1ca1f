// ClientSocket: one outbound TCP connection, with TLS on it when asked (OpenSSL), for the
// transports that write their own protocol on the wire: the webhook client (http/wire_client.h)
// and the STOMP transport. Connects and reads have deadlines; another thread can interrupt
// a blocked read (the server is stopping).
//
// Not thread-safe, except Interrupt.
#ifndef EPMOCK_HTTP_SOCKET_H_
#define EPMOCK_HTTP_SOCKET_H_

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "epmock/status.h"

namespace epmock::internal {

// The system's CA bundle when OpenSSL's compiled-in default (Debian's /usr/lib/ssl, which
// leads to /etc/ssl/certs) is not there: the portable build on another distribution. The
// first of the usual places (Debian and Ubuntu, Fedora and RHEL, openSUSE, Alpine and the
// BSDs) that exists under `root`; "" when the default is there, or none is. SSL_CERT_FILE
// and SSL_CERT_DIR, which OpenSSL reads itself, win over both.
std::string FallbackCaBundle(const std::string& root = "");

struct SocketOptions {
  int timeout_ms = 10000;  // connect and TLS handshake; each blocking write
  bool verify_tls = true;  // verify the peer's certificate and name
  std::string ca_file;     // trust this CA (PEM) instead of the system's
};

class ClientSocket {
 public:
  using Clock = std::chrono::steady_clock;

  ClientSocket() = default;
  ~ClientSocket() { Close(); }
  ClientSocket(const ClientSocket&) = delete;
  ClientSocket& operator=(const ClientSocket&) = delete;

  // Connects to host:port (each address it resolves to, in turn), then, when `tls`, completes
  // the TLS handshake with SNI and, when verifying, the host name checked. On failure:
  // Unavailable, in words for an integration log ("connection refused or unreachable (...)",
  // "TLS handshake failed: ...").
  Status Open(const std::string& host, int port, bool tls, const SocketOptions& options);

  // Writes all of `data`; false when the connection broke (it is then closed for good).
  bool Write(std::string_view data);

  enum class ReadResult { kData, kClosed, kTimeout, kError };
  // Reads what has arrived, at most `capacity` bytes, waiting until `deadline`; *n is the
  // count read when kData.
  ReadResult Read(char* buffer, std::size_t capacity, Clock::time_point deadline, std::size_t* n);

  // True when open, not closed by the peer and with nothing unread: an idle keep-alive
  // connection that can carry the next request.
  bool IdleAndOpen();

  // Makes a blocked Read or Write return at once; callable from any thread.
  void Interrupt();
  void Close();
  bool is_open() const { return fd_ >= 0; }

 private:
  std::atomic<int> fd_{-1};
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_SOCKET_H_
