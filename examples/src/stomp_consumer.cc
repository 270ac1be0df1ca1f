#include "stomp_consumer.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

namespace examples {

StompConsumer::StompConsumer(Ledger* ledger, std::string address, std::string destination)
    : ledger_(ledger), address_(std::move(address)), destination_(std::move(destination)) {}

StompConsumer::~StompConsumer() { Stop(); }

bool StompConsumer::Start() {
  // stomp://host:port
  const std::string authority =
      address_.substr(address_.find("://") == std::string::npos ? 0 : address_.find("://") + 3);
  const std::size_t colon = authority.rfind(':');
  const std::string host = authority.substr(0, colon);
  const std::string port = colon == std::string::npos ? "61613" : authority.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
  for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
    fd_ = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd_ >= 0 && connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  freeaddrinfo(found);
  if (fd_ < 0) return false;

  Frame connected;
  if (!Send(std::string("CONNECT\naccept-version:1.2\nhost:") + host + "\nheart-beat:0,0\n\n") ||
      !Read(&connected) || connected.command != "CONNECTED") {
    return false;
  }
  Frame receipt;
  if (!Send("SUBSCRIBE\nid:0\ndestination:" + destination_ +
            "\nack:client-individual\nreceipt:subscribed\n\n") ||
      !Read(&receipt) || receipt.command != "RECEIPT") {
    return false;
  }
  thread_ = std::thread([this] { Run(); });
  return true;
}

void StompConsumer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) {
    Send("DISCONNECT\n\n");
    close(fd_);
    fd_ = -1;
  }
}

bool StompConsumer::Send(const std::string& frame) {
  const std::string bytes = frame + '\0';
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool StompConsumer::Read(Frame* frame) {
  while (true) {
    // Heart-beat newlines between frames.
    while (!buffer_.empty() && (buffer_[0] == '\n' || buffer_[0] == '\r')) buffer_.erase(0, 1);
    const std::size_t head_end = buffer_.find("\n\n");
    if (head_end != std::string::npos) {
      Frame parsed;
      std::size_t line_start = 0;
      bool first = true;
      while (line_start < head_end) {
        std::size_t line_end = buffer_.find('\n', line_start);
        std::string line = buffer_.substr(line_start, line_end - line_start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (first) {
          parsed.command = line;
          first = false;
        } else if (std::size_t colon = line.find(':'); colon != std::string::npos) {
          parsed.headers.emplace(line.substr(0, colon), line.substr(colon + 1));  // first wins
        }
        line_start = line_end + 1;
      }
      const std::size_t body_start = head_end + 2;
      std::size_t body_end = std::string::npos;
      if (auto length = parsed.headers.find("content-length"); length != parsed.headers.end()) {
        const std::size_t size = std::strtoul(length->second.c_str(), nullptr, 10);
        if (buffer_.size() > body_start + size) body_end = body_start + size;
      } else {
        body_end = buffer_.find('\0', body_start);
      }
      if (body_end != std::string::npos && body_end < buffer_.size()) {
        parsed.body = buffer_.substr(body_start, body_end - body_start);
        buffer_.erase(0, body_end + 1);
        *frame = std::move(parsed);
        return true;
      }
    }
    pollfd p{fd_, POLLIN, 0};
    if (stop_) return false;
    if (poll(&p, 1, 100) <= 0) continue;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void StompConsumer::Run() {
  Frame frame;
  while (!stop_ && Read(&frame)) {
    if (frame.command != "MESSAGE") continue;
    const nlohmann::json event = nlohmann::json::parse(frame.body, nullptr, false);
    if (!event.is_discarded() && event.value("type", "") == "order.paid" && event.contains("id")) {
      ledger_->BookPayment(event["id"].get<std::string>(), event.value("data", nlohmann::json()));
    }
    Send("ACK\nid:" + frame.headers["ack"] + "\n\n");
    ++received_;  // counted once handled, so a test that waits for it sees the ledger updated
  }
}

}  // namespace examples
