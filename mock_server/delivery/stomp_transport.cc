#include "delivery/stomp_transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "codec/stomp_frame.h"
#include "envelope/envelope.h"
#include "http/url.h"

namespace epmock::internal {

using Clock = std::chrono::steady_clock;

// A broker's RECEIPT is a few dozen bytes; one read of this size takes several.
constexpr std::size_t kReadChunkBytes = 8192;

// One broker connection: a socket, TLS on it when the address is stomp+ssl://.
class StompTransport::Connection {
 public:
  ~Connection() { Close(); }

  // Connects to the first address that accepts and completes CONNECT.
  Status Open(const nlohmann::json& addresses, const std::string& login, const std::string& passcode,
              const StompTransportOptions& options) {
    std::string errors;
    for (const auto& address : addresses) {
      if (!address.is_string()) continue;
      Status opened = OpenOne(address.get<std::string>(), login, passcode, options);
      if (opened.ok()) return opened;
      errors += (errors.empty() ? "" : "; ") + address.get<std::string>() + ": " + opened.message();
      Close();
    }
    return Status::Unavailable(errors.empty() ? "no addresses to connect to" : errors);
  }

  // SENDs and waits for the receipt.
  Status SendAndConfirm(const StompFrame& frame, const std::string& receipt, int timeout_ms) {
    if (!Write(SerializeFrame(frame)))
      return Status::Unavailable("The connection to the broker broke while sending");
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      StompFrame reply;
      Status read = ReadFrame(&reply, deadline);
      if (!read.ok()) return read;
      if (reply.command == "RECEIPT" && reply.Header("receipt-id") == receipt) return Status::Ok();
      if (reply.command == "ERROR") {
        broken = true;
        return Status::Unavailable("The broker answered ERROR: " + reply.Header("message") +
                                   (reply.body.empty() ? "" : " (" + reply.body.substr(0, 200) + ")"));
      }
      // Anything else (a heart-beat was skipped by the parser; a stray MESSAGE) is not ours.
    }
  }

  void Close() {
    if (ssl_) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (ctx_) {
      SSL_CTX_free(ctx_);
      ctx_ = nullptr;
    }
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  void Interrupt() {
    if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
  }

  std::mutex mu;                    // one SEND at a time on the connection
  std::atomic<bool> broken{false};  // read under the transport's lock, written under mu
  std::uint64_t next_receipt = 1;
  std::string address;  // the one connected to

 private:
  Status OpenOne(const std::string& text, const std::string& login, const std::string& passcode,
                 const StompTransportOptions& options) {
    std::optional<Url> url = ParseUrl(text);
    if (!url || (url->scheme != "stomp" && url->scheme != "stomp+ssl"))
      return Status::Unavailable("not a stomp:// or stomp+ssl:// URL");
    addrinfo hints{}, *found = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(url->host.c_str(), std::to_string(url->port).c_str(), &hints, &found) != 0 || !found) {
      return Status::Unavailable("cannot resolve " + url->host);
    }
    std::string error = "cannot connect";
    for (addrinfo* ai = found; ai; ai = ai->ai_next) {
      fd_ = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
      if (fd_ < 0) continue;
      int rc = connect(fd_, ai->ai_addr, ai->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd_, POLLOUT, 0};
        int soerr = 0;
        socklen_t len = sizeof soerr;
        rc = (poll(&p, 1, options.timeout_ms) == 1 &&
              getsockopt(fd_, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0)
                 ? 0
                 : -1;
        if (rc != 0)
          error = soerr ? std::string("connection refused or unreachable (") + strerror(soerr) + ")"
                        : "no answer to connect";
      }
      if (rc == 0) break;
      close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(found);
    if (fd_ < 0) return Status::Unavailable(error);
    int flags = fcntl(fd_, F_GETFL, 0);
    fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
    int yes = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    timeval tv{options.timeout_ms / 1000, (options.timeout_ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (url->scheme == "stomp+ssl") {
      ctx_ = SSL_CTX_new(TLS_client_method());
      if (options.verify_tls) {
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        if (options.ca_file.empty())
          SSL_CTX_set_default_verify_paths(ctx_);
        else
          SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr);
      }
      ssl_ = SSL_new(ctx_);
      SSL_set_fd(ssl_, fd_);
      SSL_set_tlsext_host_name(ssl_, url->host.c_str());
      if (options.verify_tls) SSL_set1_host(ssl_, url->host.c_str());
      if (SSL_connect(ssl_) != 1) {
        char reason[256];
        ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
        return Status::Unavailable(std::string("TLS handshake failed: ") + reason);
      }
    }
    StompFrame connect{
        "CONNECT", {{"accept-version", "1.2,1.1,1.0"}, {"host", "/"}, {"heart-beat", "0,0"}}, ""};
    if (!login.empty()) connect.headers.emplace_back("login", login);
    if (!passcode.empty()) connect.headers.emplace_back("passcode", passcode);
    if (!Write(SerializeFrame(connect)))
      return Status::Unavailable("the connection broke while sending CONNECT");
    StompFrame reply;
    Status read = ReadFrame(&reply, Clock::now() + std::chrono::milliseconds(options.timeout_ms));
    if (!read.ok()) return read;
    if (reply.command == "ERROR")
      return Status::Unavailable("the broker refused CONNECT: " + reply.Header("message"));
    if (reply.command != "CONNECTED")
      return Status::Unavailable("the broker answered " + reply.command + " to CONNECT");
    address = text;
    return Status::Ok();
  }

  bool Write(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      int n = ssl_ ? SSL_write(ssl_, data.data() + sent, static_cast<int>(data.size() - sent))
                   : static_cast<int>(send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL));
      if (n <= 0) {
        broken = true;
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  Status ReadFrame(StompFrame* frame, Clock::time_point deadline) {
    for (;;) {
      std::string error;
      StompParser::Result r = parser_.Next(frame, &error);
      if (r == StompParser::Result::kFrame) return Status::Ok();
      if (r == StompParser::Result::kError) {
        broken = true;
        return Status::Unavailable("The broker sent a malformed frame: " + error);
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0 || (!(ssl_ && SSL_pending(ssl_) > 0) && [&] {
            pollfd p{fd_, POLLIN, 0};
            return poll(&p, 1, static_cast<int>(left)) <= 0;
          }())) {
        broken = true;
        return Status::Unavailable("No RECEIPT from the broker in time");
      }
      char buffer[kReadChunkBytes];
      int n = ssl_ ? SSL_read(ssl_, buffer, sizeof buffer)
                   : static_cast<int>(recv(fd_, buffer, sizeof buffer, 0));
      if (n <= 0) {
        broken = true;
        return Status::Unavailable("The broker closed the connection");
      }
      parser_.Append(buffer, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  StompParser parser_;
};

StompTransport::StompTransport(StompTransportOptions options, std::shared_ptr<const Spec> spec)
    : options_(std::move(options)), spec_(std::move(spec)) {}

StompTransport::~StompTransport() = default;

void StompTransport::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  for (auto& [key, slot] : connections_) slot.connection->Interrupt();
}

void StompTransport::Resume() {
  std::lock_guard<std::mutex> lock(mu_);
  connections_.clear();  // interrupted by Cancel
  cancelled_ = false;
}

void StompTransport::Forget(const std::string& integration_id) {
  std::shared_ptr<Connection> closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = connections_.find(integration_id);
    if (it == connections_.end()) return;
    closing = std::move(it->second.connection);
    connections_.erase(it);
  }
  // A SEND in flight on it holds its own reference and finishes; the socket closes with
  // the last reference.
}

std::shared_ptr<StompTransport::Connection> StompTransport::ConnectionFor(const DeliveryAttempt& d) {
  std::lock_guard<std::mutex> lock(mu_);
  Slot& slot = connections_[d.integration.id];
  if (!slot.connection || slot.connection->broken || slot.version != d.integration.updated_at_ms) {
    slot.connection = std::make_shared<Connection>();
    slot.version = d.integration.updated_at_ms;
  }
  return slot.connection;
}

AttemptResult StompTransport::Send(const DeliveryAttempt& d) {
  AttemptResult result;
  if (cancelled_) {
    result.error_detail = "Not delivered: epmock stopped before the attempt";
    return result;
  }
  const nlohmann::json& config = d.integration.configuration;
  // Validated once when the event fired.
  if (!d.bodies->cloudevent_error.empty()) {
    result.error_detail = d.bodies->cloudevent_error;
    return result;
  }
  const std::string body = CloudEventBody(*d.bodies, d.integration.id);
  std::shared_ptr<Connection> c = ConnectionFor(d);
  std::lock_guard<std::mutex> lock(c->mu);
  if (c->address.empty() || c->broken) {
    c->Close();
    c->broken = false;
    c->address.clear();
    Status opened = c->Open(config.value("addresses", nlohmann::json::array()), config.value("username", ""),
                            config.value("password", ""), options_);
    if (!opened.ok()) {
      c->broken = true;
      result.error_detail = cancelled_ ? "Not delivered: epmock stopped during the attempt"
                                       : "Could not connect to a broker: " + opened.message();
      return result;
    }
  }
  const std::string receipt = "epmock-" + std::to_string(c->next_receipt++);
  StompFrame send{"SEND",
                  {{"destination", config.value("destination", "")},
                   {"content-type", "application/json"},
                   {"content-length", std::to_string(body.size())},
                   {"persistent", "true"},
                   {"receipt", receipt}},
                  body};
  Status sent = c->SendAndConfirm(send, receipt, options_.timeout_ms);
  if (sent.ok()) {
    result.succeeded = true;
  } else {
    result.error_detail = cancelled_ ? "Not delivered: epmock stopped during the attempt" : sent.message();
  }
  return result;
}

}  // namespace epmock::internal
