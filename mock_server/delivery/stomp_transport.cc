#include "delivery/stomp_transport.h"

#include <chrono>

#include "codec/stomp_frame.h"
#include "common/mutex.h"
#include "envelope/envelope.h"
#include "http/socket.h"
#include "http/url.h"

namespace epmock::internal {

using Steady = std::chrono::steady_clock;

// A broker's RECEIPT is a few dozen bytes; one read of this size takes several.
constexpr std::size_t kReadChunkBytes = 8192;

// One broker connection: a socket, TLS on it when the address is stomp+ssl:// (http/socket.h).
class StompTransport::Connection {
 public:
  ~Connection() { Close(); }

  // Connects to the first address that accepts and completes CONNECT.
  Status Open(const nlohmann::json& addresses, const std::string& login, const std::string& passcode,
              const StompTransportOptions& options) EPMOCK_REQUIRES(mu) {
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
    const auto deadline = Steady::now() + std::chrono::milliseconds(timeout_ms);
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
    socket_.Close();
    parser_.Clear();  // bytes of a broken connection never start the next one's frames
  }
  void Interrupt() { socket_.Interrupt(); }

  Mutex mu;                         // one SEND at a time on the connection
  std::atomic<bool> broken{false};  // read under the transport's lock, written under mu
  std::uint64_t next_receipt EPMOCK_GUARDED_BY(mu) = 1;
  std::string address EPMOCK_GUARDED_BY(mu);  // the one connected to

 private:
  Status OpenOne(const std::string& text, const std::string& login, const std::string& passcode,
                 const StompTransportOptions& options) EPMOCK_REQUIRES(mu) {
    std::optional<Url> url = ParseUrl(text);
    if (url) url = SelfAuthorities::Route(options.self.get(), *url);
    if (!url || (url->scheme != "stomp" && url->scheme != "stomp+ssl"))
      return Status::Unavailable("not a stomp:// or stomp+ssl:// URL");
    Status opened = socket_.Open(url->ConnectHost(), url->ConnectPort(), url->scheme == "stomp+ssl",
                                 {options.timeout_ms, options.verify_tls, options.ca_file});
    if (!opened.ok()) return opened;
    StompFrame connect{
        "CONNECT", {{"accept-version", "1.2,1.1,1.0"}, {"host", "/"}, {"heart-beat", "0,0"}}, ""};
    if (!login.empty()) connect.headers.emplace_back("login", login);
    if (!passcode.empty()) connect.headers.emplace_back("passcode", passcode);
    if (!Write(SerializeFrame(connect)))
      return Status::Unavailable("the connection broke while sending CONNECT");
    StompFrame reply;
    Status read = ReadFrame(&reply, Steady::now() + std::chrono::milliseconds(options.timeout_ms));
    if (!read.ok()) return read;
    if (reply.command == "ERROR")
      return Status::Unavailable("the broker refused CONNECT: " + reply.Header("message"));
    if (reply.command != "CONNECTED")
      return Status::Unavailable("the broker answered " + reply.command + " to CONNECT");
    address = text;
    return Status::Ok();
  }

  bool Write(const std::string& data) {
    if (socket_.Write(data)) return true;
    broken = true;
    return false;
  }

  Status ReadFrame(StompFrame* frame, Steady::time_point deadline) {
    for (;;) {
      std::string error;
      StompParser::Result r = parser_.Next(frame, &error);
      if (r == StompParser::Result::kFrame) return Status::Ok();
      if (r == StompParser::Result::kError) {
        broken = true;
        return Status::Unavailable("The broker sent a malformed frame: " + error);
      }
      char buffer[kReadChunkBytes];
      std::size_t n = 0;
      const ClientSocket::ReadResult read = socket_.Read(buffer, sizeof buffer, deadline, &n);
      if (read == ClientSocket::ReadResult::kTimeout) {
        broken = true;
        return Status::Unavailable("No RECEIPT from the broker in time");
      }
      if (read != ClientSocket::ReadResult::kData) {
        broken = true;
        return Status::Unavailable("The broker closed the connection");
      }
      parser_.Append(buffer, n);
    }
  }

  ClientSocket socket_;
  StompParser parser_;
};

StompTransport::StompTransport(StompTransportOptions options, std::shared_ptr<const Spec> spec)
    : options_(std::move(options)), spec_(std::move(spec)) {}

StompTransport::~StompTransport() = default;

void StompTransport::Cancel() {
  MutexLock lock(&mu_);
  cancelled_ = true;
  for (auto& [key, slot] : connections_) slot.connection->Interrupt();
}

void StompTransport::Resume() {
  MutexLock lock(&mu_);
  connections_.clear();  // interrupted by Cancel
  cancelled_ = false;
}

void StompTransport::Forget(const std::string& integration_id) {
  std::shared_ptr<Connection> closing;
  {
    MutexLock lock(&mu_);
    auto it = connections_.find(integration_id);
    if (it == connections_.end()) return;
    closing = std::move(it->second.connection);
    connections_.erase(it);
  }
  // A SEND in flight on it holds its own reference and finishes; the socket closes with
  // the last reference.
}

std::shared_ptr<StompTransport::Connection> StompTransport::ConnectionFor(const DeliveryAttempt& d) {
  MutexLock lock(&mu_);
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
  MutexLock lock(&c->mu);
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
