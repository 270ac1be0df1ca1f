#include "http/connections.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/mutex.h"
#include "common/thread.h"

namespace epmock::internal {
namespace {

// The peer or local address of a socket, numeric.
void Address(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  const int got = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length)
                       : getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ip.clear();
  port = -1;
  if (got != 0) return;
  char text[INET6_ADDRSTRLEN] = {0};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    port = ntohs(in->sin_port);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) ip = text;
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    port = ntohs(in6->sin6_port);
    if (inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text)) ip = text;
  }
}

bool WaitFor(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0 && (p.revents & (events | POLLHUP | POLLERR));
  }
}

thread_local GatedServer::Connection* t_current = nullptr;

}  // namespace

// One accepted connection: its socket, what was read ahead of the request being served,
// and what an answer held back for a delay has written.
struct GatedServer::Connection final : httplib::Stream {
  Connection(int socket, const ConnectionLimits& limits) : fd(socket), limits_(limits) {}

  bool is_readable() const override { return pos < in.size() || WaitFor(fd, POLLIN, read_timeout_ms()); }
  bool is_writable() const override {
    return reset || deferred || (Connected() && WaitFor(fd, POLLOUT, read_timeout_ms()));
  }

  // False once the peer has closed or reset its end: the next request's bytes, read ahead or
  // waiting, say it is there; end-of-stream or an error that it is not.
  bool Connected() const {
    if (pos < in.size()) return true;
    char byte;
    const ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
  }

  ssize_t read(char* ptr, size_t size) override {
    if (pos == in.size()) {
      in.clear();
      pos = 0;
      if (!WaitFor(fd, POLLIN, read_timeout_ms())) return -1;
      char chunk[4096];
      const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return n;
      in.assign(chunk, static_cast<std::size_t>(n));
    }
    const std::size_t n = std::min(size, in.size() - pos);
    std::memcpy(ptr, in.data() + pos, n);
    pos += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (reset) return static_cast<ssize_t>(size);  // nothing is answered
    if (deferred) {
      out.append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    return WriteNow(ptr, size) ? static_cast<ssize_t>(size) : -1;
  }

  bool WriteNow(const char* ptr, std::size_t size) const {
    while (size > 0) {
      if (!WaitFor(fd, POLLOUT, read_timeout_ms())) return false;
      const ssize_t n = send(fd, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      ptr += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { Address(fd, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { Address(fd, false, ip, port); }
  socket_t socket() const override { return fd; }

  int read_timeout_ms() const { return limits_.idle_timeout_seconds * 1000; }

  // What the gate sees of the next request: bytes read ahead, then the socket's, peeked.
  enum class Head { kPartial, kComplete, kTooLarge, kGone };
  Head Inspect(std::size_t* seen) const {
    std::string ahead = in.substr(pos);
    const std::size_t want = limits_.max_head_bytes + 1;
    if (ahead.size() < want) {
      std::string peeked(want - ahead.size(), '\0');
      const ssize_t n = recv(fd, &peeked[0], peeked.size(), MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 && ahead.empty()) return Head::kGone;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return Head::kGone;
      if (n > 0) ahead.append(peeked, 0, static_cast<std::size_t>(n));
    }
    *seen = ahead.size();
    // Blank lines before a request line are ignored (RFC 9112 2.2); the head ends at the
    // first empty line after it.
    const std::size_t start = ahead.find_first_not_of("\r\n");
    if (start != std::string::npos) {
      const std::size_t end = std::min(ahead.find("\n\r\n", start), ahead.find("\n\n", start));
      if (end != std::string::npos) return Head::kComplete;
    }
    return ahead.size() > limits_.max_head_bytes ? Head::kTooLarge : Head::kPartial;
  }

  const int fd;
  const ConnectionLimits& limits_;
  std::string in;       // read ahead
  std::size_t pos = 0;  // of `in`, consumed
  std::size_t served = 0;

  enum class State { kServing, kParked, kDelayed } state = State::kServing;
  bool head_started = false;     // parked with part of a head
  Clock::time_point deadline{};  // parked: closed then; delayed: written then

  bool deferred = false;  // the answer being written is held in `out`
  std::string out;
  std::string queue;
  std::chrono::milliseconds delay{0};
  bool close_after = false;  // once `out` is written
  bool reset = false;
  bool end = false;  // closed once the answer being written is
};

GatedServer::GatedServer(ConnectionLimits limits, Refusal refuse)
    : limits_(limits), refuse_(std::move(refuse)) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
  gate_ = StartThread("HTTP gate", [this] { GateLoop(); });
}

GatedServer::~GatedServer() {
  CloseConnections();
  close(epoll_);
  close(wake_);
}

void GatedServer::UsePool(httplib::TaskQueue* pool) {
  MutexLock lock(&mu_);
  pool_ = pool;
}

std::size_t GatedServer::connections() const {
  MutexLock lock(&mu_);
  return connections_.size();
}

void GatedServer::Wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
}

void GatedServer::CloseConnections() {
  {
    MutexLock lock(&mu_);
    if (closing_) return;
    closing_ = true;
    for (auto it = connections_.begin(); it != connections_.end();) {
      Connection& c = *it->second;
      if (c.state == Connection::State::kServing) {
        shutdown(c.fd, SHUT_RDWR);  // its worker sees the end and closes it
        ++it;
        continue;
      }
      epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
      it = connections_.erase(it);
    }
    delayed_ = 0;
  }
  Wake();
  if (gate_.joinable()) gate_.join();
}

bool GatedServer::process_and_close_socket(socket_t sock) {
  auto owned = std::make_unique<Connection>(sock, limits_);
  Connection* connection = owned.get();
  {
    MutexLock lock(&mu_);
    if (closing_ || connections_.size() >= limits_.max_connections) {
      close(sock);
      return false;
    }
    connections_[sock] = std::move(owned);
  }
  Serve(connection);
  return true;
}

// On a worker: serves every request whose head is buffered, then parks the connection.
void GatedServer::Serve(Connection* c) {
  for (;;) {
    std::size_t seen = 0;
    switch (c->Inspect(&seen)) {
      case Connection::Head::kGone:
        Close(c, false);
        return;
      case Connection::Head::kPartial:
        Park(c);
        return;
      case Connection::Head::kTooLarge: {
        const std::string answer = refuse_(431, "The request head is larger than the limit of " +
                                                    std::to_string(limits_.max_head_bytes) + " bytes");
        c->WriteNow(answer.data(), answer.size());
        Close(c, false);
        return;
      }
      case Connection::Head::kComplete:
        break;
    }
    const bool last = ++c->served >= limits_.max_requests_per_connection;
    bool connection_closed = false;
    t_current = c;
    const bool ok = process_request(*c, last, connection_closed, nullptr);
    t_current = nullptr;
    if (c->reset) {
      Close(c, true);
      return;
    }
    const bool ends = !ok || connection_closed || last || c->end;
    if (c->deferred) {
      c->close_after = ends;
      MutexLock lock(&mu_);
      if (closing_) {
        close(c->fd);
        connections_.erase(c->fd);
        return;
      }
      // Due after its delay; past the bound, after its queue's last delayed answer too.
      const Clock::time_point now = Clock::now();
      Clock::time_point start = now;
      if (delayed_ >= limits_.max_delayed) {
        auto last = queue_due_.find(c->queue);
        if (last != queue_due_.end()) start = std::max(now, last->second);
      }
      c->deadline = start + c->delay;
      Clock::time_point& last = queue_due_[c->queue];
      last = std::max(last, c->deadline);
      ++delayed_;
      c->state = Connection::State::kDelayed;  // the gate hands it to a worker when due
      Wake();
      return;
    }
    if (ends) {
      Close(c, false);
      return;
    }
  }
}

// On a worker: writes a delayed answer, then goes on serving the connection.
void GatedServer::Flush(Connection* c) {
  const bool written = c->WriteNow(c->out.data(), c->out.size());
  c->out.clear();
  c->deferred = false;
  if (!written || c->close_after) {
    Close(c, false);
    return;
  }
  Serve(c);
}

void GatedServer::Park(Connection* c) {
  MutexLock lock(&mu_);
  if (closing_) {
    close(c->fd);
    connections_.erase(c->fd);
    return;
  }
  c->state = Connection::State::kParked;
  c->head_started = false;
  c->deadline = Clock::now() + std::chrono::seconds(limits_.idle_timeout_seconds);
  epoll_event event{};
  // Edge-triggered: peeked bytes stay in the buffer, and only new ones should wake the gate.
  // Added while bytes wait, it reports them at once.
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  event.data.fd = c->fd;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &event);
  Wake();  // its deadline may be the nearest
}

void GatedServer::Close(Connection* c, bool abort) {
  if (abort) {
    linger now{1, 0};  // close sends RST, not FIN
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
  }
  MutexLock lock(&mu_);
  close(c->fd);
  connections_.erase(c->fd);
}

bool GatedServer::DelayCurrentResponse(int delay_ms, const std::string& queue) {
  Connection* c = t_current;
  if (!c) return false;
  c->deferred = true;
  c->queue = queue;
  c->delay = std::chrono::milliseconds(delay_ms);
  return true;
}

bool GatedServer::CurrentPeerConnected() { return !t_current || t_current->Connected(); }

void GatedServer::CloseAfterCurrentResponse() {
  if (t_current) t_current->end = true;
}

bool GatedServer::ResetCurrentConnection() {
  Connection* c = t_current;
  if (!c) return false;
  c->reset = true;
  return true;
}

void GatedServer::GateLoop() {
  std::vector<epoll_event> events(256);
  for (;;) {
    int timeout_ms = -1;
    {
      MutexLock lock(&mu_);
      if (closing_) return;
      const Clock::time_point now = Clock::now();
      for (auto& [fd, c] : connections_) {
        if (c->state == Connection::State::kServing) continue;
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(c->deadline - now).count();
        const int ms = static_cast<int>(std::clamp<std::int64_t>(wait, 0, 60000));
        timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
      }
    }
    const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
    MutexLock lock(&mu_);
    if (closing_) return;
    std::vector<Connection*> ready;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_) {
        std::uint64_t count;
        [[maybe_unused]] const ssize_t got = ::read(wake_, &count, sizeof count);
        continue;
      }
      auto it = connections_.find(fd);
      if (it == connections_.end() || it->second->state != Connection::State::kParked) continue;
      Connection* c = it->second.get();
      std::size_t seen = 0;
      const Connection::Head head = c->Inspect(&seen);
      if (head == Connection::Head::kPartial) {
        if (!c->head_started && seen > 0) {
          // The head's deadline runs from its first byte.
          c->head_started = true;
          c->deadline = Clock::now() + std::chrono::seconds(limits_.header_timeout_seconds);
        }
        continue;
      }
      ready.push_back(c);  // complete, too large or gone: a worker deals with it
    }
    const Clock::time_point now = Clock::now();
    for (auto it = connections_.begin(); it != connections_.end();) {
      Connection* c = it->second.get();
      const bool due = c->state != Connection::State::kServing && c->deadline <= now;
      if (due && c->state == Connection::State::kParked &&
          std::find(ready.begin(), ready.end(), c) == ready.end()) {
        // Idle too long, or a head not complete in time.
        epoll_ctl(epoll_, EPOLL_CTL_DEL, c->fd, nullptr);
        close(c->fd);
        it = connections_.erase(it);
        continue;
      }
      if (due && c->state == Connection::State::kDelayed) {
        c->state = Connection::State::kServing;
        if (--delayed_ == 0) queue_due_.clear();
        pool_->enqueue([this, c] { Flush(c); });
      }
      ++it;
    }
    for (Connection* c : ready) {
      epoll_ctl(epoll_, EPOLL_CTL_DEL, c->fd, nullptr);
      c->state = Connection::State::kServing;
      pool_->enqueue([this, c] { Serve(c); });
    }
  }
}

}  // namespace epmock::internal
