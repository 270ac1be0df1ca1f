#include "http/socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace epmock::internal {

std::string FallbackCaBundle(const std::string& root) {
  const auto exists = [&](const std::string& path) { return access((root + path).c_str(), R_OK) == 0; };
  if (root.empty()) {
    if (std::getenv("SSL_CERT_FILE") || std::getenv("SSL_CERT_DIR")) return "";
    if (exists(X509_get_default_cert_file()) || exists(X509_get_default_cert_dir())) return "";
  }
  for (const char* bundle : {"/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Arch, Alpine
                             "/etc/pki/tls/certs/ca-bundle.crt",    // Fedora, RHEL
                             "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL's source of it
                             "/etc/ssl/ca-bundle.pem",                             // openSUSE
                             "/etc/pki/tls/cacert.pem",                            // older RHEL
                             "/etc/ssl/cert.pem"}) {                               // Alpine, the BSDs
    if (exists(bundle)) return root + bundle;
  }
  return "";
}

namespace {

std::string OpenSslReason() {
  char reason[256];
  ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
  ERR_clear_error();
  return reason;
}

// The socket's own connect, with a deadline: non-blocking connect, then poll.
int ConnectWithin(const addrinfo* ai, int timeout_ms, std::string* error) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) {
    *error = std::string("cannot open a socket (") + strerror(errno) + ")";
    return -1;
  }
  int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int soerr = 0;
    socklen_t len = sizeof soerr;
    const int ready = poll(&p, 1, timeout_ms);
    if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) {
      rc = 0;
    } else {
      *error = soerr != 0 ? std::string("connection refused or unreachable (") + strerror(soerr) + ")"
                          : "no answer to connect within " + std::to_string(timeout_ms) + " ms";
      rc = -1;
    }
  } else if (rc != 0) {
    *error = std::string("connection refused or unreachable (") + strerror(errno) + ")";
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  // Blocking from here on; a write that cannot progress for timeout_ms fails, and reads are
  // bounded by poll (and by SO_RCVTIMEO inside a TLS record).
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK);
  int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

}  // namespace

Status ClientSocket::Open(const std::string& host, int port, bool tls, const SocketOptions& options) {
  Close();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found) {
    return Status::Unavailable("cannot resolve " + host);
  }
  std::string error = "cannot connect";
  int fd = -1;
  for (addrinfo* ai = found; ai && fd < 0; ai = ai->ai_next)
    fd = ConnectWithin(ai, options.timeout_ms, &error);
  freeaddrinfo(found);
  if (fd < 0) return Status::Unavailable(error);
  fd_ = fd;
  if (!tls) return Status::Ok();

  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx_) return Status::Unavailable("TLS handshake failed: " + OpenSslReason());
  if (options.verify_tls) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (options.ca_file.empty()) {
      SSL_CTX_set_default_verify_paths(ctx_);
      static const std::string fallback = FallbackCaBundle();
      if (!fallback.empty()) SSL_CTX_load_verify_locations(ctx_, fallback.c_str(), nullptr);
    } else if (SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr) != 1) {
      Status refused = Status::Unavailable("TLS handshake failed: cannot read the CA file " +
                                           options.ca_file + " (" + OpenSslReason() + ")");
      Close();
      return refused;
    }
  }
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd);
  SSL_set_tlsext_host_name(ssl_, host.c_str());
  if (options.verify_tls) SSL_set1_host(ssl_, host.c_str());
  if (SSL_connect(ssl_) != 1) {
    const long verified = SSL_get_verify_result(ssl_);
    std::string reason = OpenSslReason();
    if (verified != X509_V_OK) reason += " (" + std::string(X509_verify_cert_error_string(verified)) + ")";
    Close();
    return Status::Unavailable("TLS handshake failed: " + reason);
  }
  return Status::Ok();
}

bool ClientSocket::Write(std::string_view data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const int fd = fd_;
    if (fd < 0) return false;
    const int n = ssl_ ? SSL_write(ssl_, data.data() + sent, static_cast<int>(data.size() - sent))
                       : static_cast<int>(send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL));
    if (n <= 0) {
      if (!ssl_ && n < 0 && errno == EINTR) continue;
      Close();
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

ClientSocket::ReadResult ClientSocket::Read(char* buffer, std::size_t capacity, Clock::time_point deadline,
                                            std::size_t* n) {
  *n = 0;
  for (;;) {
    const int fd = fd_;
    if (fd < 0) return ReadResult::kError;
    if (!(ssl_ && SSL_pending(ssl_) > 0)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return ReadResult::kTimeout;
      pollfd p{fd, POLLIN, 0};
      const int ready = poll(&p, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return ReadResult::kTimeout;
      if (ready < 0) return ReadResult::kError;
    }
    const int got = ssl_ ? SSL_read(ssl_, buffer, static_cast<int>(capacity))
                         : static_cast<int>(recv(fd, buffer, capacity, 0));
    if (got > 0) {
      *n = static_cast<std::size_t>(got);
      return ReadResult::kData;
    }
    if (ssl_) {
      const int code = SSL_get_error(ssl_, got);
      if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) continue;  // a record in parts
      ERR_clear_error();
      return code == SSL_ERROR_ZERO_RETURN ? ReadResult::kClosed : ReadResult::kError;
    }
    if (got == 0) return ReadResult::kClosed;
    if (errno == EINTR) continue;
    return (errno == ECONNRESET) ? ReadResult::kClosed : ReadResult::kError;
  }
}

bool ClientSocket::IdleAndOpen() {
  const int fd = fd_;
  if (fd < 0) return false;
  if (ssl_ && SSL_pending(ssl_) > 0) return false;
  pollfd p{fd, POLLIN, 0};
  // Readable while idle means the peer closed (or sent something unasked): not reusable.
  return poll(&p, 1, 0) == 0;
}

void ClientSocket::Interrupt() {
  const int fd = fd_;
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

void ClientSocket::Close() {
  if (ssl_) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (ctx_) {
    SSL_CTX_free(ctx_);
    ctx_ = nullptr;
  }
  const int fd = fd_.exchange(-1);
  if (fd >= 0) close(fd);
}

}  // namespace epmock::internal
