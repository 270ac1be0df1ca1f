#include "epmock/stomp.h"
#include "http/self_authorities.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "codec/stomp_frame.h"
#include "common/history.h"
#include "common/ids.h"
#include "common/mutex.h"
#include "common/strings.h"
#include "common/thread.h"
#include "epmock/version.h"

namespace epmock {

using internal::CondVar;
using internal::Mutex;
using internal::MutexLock;
using internal::SerializeFrame;
using internal::StompFrame;
using internal::StompParser;
using Steady = std::chrono::steady_clock;

std::string StompMessage::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

namespace {

// Connections waiting to be accepted; a burst of consumers connecting at once fits.
constexpr int kListenBacklog = 128;
// One read from a client: a SEND of a typical CloudEvent (a few KiB) fits whole.
constexpr std::size_t kReadChunkBytes = 16384;

bool IsTopic(const std::string& destination) { return destination.rfind("/topic/", 0) == 0; }

bool WriteAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

class StompBroker::Impl : public std::enable_shared_from_this<StompBroker::Impl> {
 public:
  explicit Impl(StompBrokerOptions o) : options(std::move(o)) {}

  struct Connection;
  struct Subscription {
    std::string id;
    std::string destination;
    std::string ack = "auto";
    std::deque<StompMessage> unacked;  // in delivery order
  };
  struct Connection {
    int fd = -1;
    Mutex write_mu;
    std::string version = "1.0";
    int send_every_ms = 0;    // heart-beats we owe the client (negotiated; 0: none)
    int expect_every_ms = 0;  // heart-beats the client owes us (negotiated; 0: none)
    std::map<std::string, Subscription> subscriptions;  // guarded by the broker's mu
    std::map<std::string, std::vector<StompFrame>> transactions;
    bool doomed = false;  // a fault is closing it: nothing more is routed to it (guarded by the broker's mu)
    bool open EPMOCK_GUARDED_BY(write_mu) = true;
    bool Write(const std::string& data) {
      MutexLock lock(&write_mu);
      return open && WriteAll(fd, data);
    }
  };
  struct Outgoing {
    std::shared_ptr<Connection> to;
    std::string frame;
    bool close = false;  // a fault's: after the frame (if any), the connection is shut
  };

  void AcceptLoop();
  void Serve(std::shared_ptr<Connection> c);
  // Each returns false when the connection must close (after an ERROR).
  bool Handle(const std::shared_ptr<Connection>& c, StompFrame& frame, bool* connected,
              std::vector<Outgoing>* out);
  bool Fail(const std::shared_ptr<Connection>& c, const StompFrame& cause, const std::string& message);
  void Route(StompMessage message, std::vector<Outgoing>* out) EPMOCK_REQUIRES(mu);
  void Deliver(const std::shared_ptr<Connection>& c, Subscription& s, const StompMessage& m,
               std::vector<Outgoing>* out) EPMOCK_REQUIRES(mu);
  void DrainPending(const std::string& destination, std::vector<Outgoing>* out) EPMOCK_REQUIRES(mu);
  void Requeue(Subscription& s, std::vector<Outgoing>* out) EPMOCK_REQUIRES(mu);
  // The error of the first fault matching a delivery on `destination` ("" for none), one of
  // its messages spent.
  std::string TakeFault(const std::string& destination) EPMOCK_REQUIRES(mu);
  // Writes what was routed; a fault's close shuts the connection after its frame.
  static void Send(const std::vector<Outgoing>& out);

  const StompBrokerOptions options;
  const internal::IdSource ids{options.message_id_seed, true};
  mutable Mutex mu;
  mutable CondVar sent;
  // What was sent to each destination, within the history's limits (common/history.h: its
  // added() is how many were sent).
  struct BodyBytes {
    std::size_t operator()(const StompMessage& message) const { return message.body.size(); }
  };
  using Sent = internal::History<StompMessage, BodyBytes>;
  std::map<std::string, Sent> history EPMOCK_GUARDED_BY(mu);
  std::map<std::string, std::deque<StompMessage>> pending EPMOCK_GUARDED_BY(mu);
  std::vector<std::shared_ptr<Connection>> connections EPMOCK_GUARDED_BY(mu);
  std::map<std::string, std::size_t> round_robin EPMOCK_GUARDED_BY(mu);
  std::uint64_t next_id EPMOCK_GUARDED_BY(mu) = 1;
  std::uint64_t next_session EPMOCK_GUARDED_BY(mu) = 1;
  std::size_t accepted EPMOCK_GUARDED_BY(mu) = 0;
  std::vector<StompFault> faults EPMOCK_GUARDED_BY(mu);
  std::uint64_t faults_added EPMOCK_GUARDED_BY(mu) = 0;
  std::uint64_t activity EPMOCK_GUARDED_BY(mu) = 0;  // StompBroker::ActivityVersion
  // Something a waiter may be watching changed.
  void Touch() EPMOCK_REQUIRES(mu) {
    ++activity;
    sent.SignalAll();
  }
  // Puts a SEND's message in the history and routes it: INVALID_ARGUMENT for no destination,
  // RESOURCE_EXHAUSTED for one full of messages no subscriber took.
  Status Accept(const std::string& destination,
                const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                std::string* message_id, std::vector<Outgoing>* out) EPMOCK_REQUIRES(mu);

  int listen_fd = -1;
  int wake[2] = {-1, -1};
  int port = 0;
  bool stopping EPMOCK_GUARDED_BY(mu) = false;
  std::thread acceptor;  // Start and Stop's; joined with mu released
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers EPMOCK_GUARDED_BY(mu);  // moved out under mu to be joined
};

bool StompBroker::Impl::Fail(const std::shared_ptr<Connection>& c, const StompFrame& cause,
                             const std::string& message) {
  StompFrame error{"ERROR", {{"message", message}, {"content-type", "text/plain"}}, message};
  if (cause.Has("receipt")) error.headers.emplace_back("receipt-id", cause.Header("receipt"));
  c->Write(SerializeFrame(error));
  return false;
}

void StompBroker::Impl::Deliver(const std::shared_ptr<Connection>& c, Subscription& s, const StompMessage& m,
                                std::vector<Outgoing>* out) {
  StompFrame frame{"MESSAGE",
                   {{"subscription", s.id}, {"message-id", m.message_id}, {"destination", m.destination}},
                   m.body};
  if (s.ack != "auto") {
    if (c->version == "1.2") frame.headers.emplace_back("ack", m.message_id);
    s.unacked.push_back(m);
  }
  for (const auto& [key, value] : m.headers) {
    if (key != "destination" && key != "content-length") frame.headers.emplace_back(key, value);
  }
  frame.headers.emplace_back("content-length", std::to_string(m.body.size()));
  out->push_back({c, SerializeFrame(frame)});
}

std::string StompBroker::Impl::TakeFault(const std::string& destination) {
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if (!it->destination.empty() && it->destination != destination) continue;
    const std::string error = it->error;
    if (--it->messages == 0) faults.erase(it);
    return error;
  }
  return "";
}

void StompBroker::Impl::Route(StompMessage message, std::vector<Outgoing>* out) {
  for (;;) {
    std::vector<std::pair<std::shared_ptr<Connection>, Subscription*>> subscribers;
    for (const auto& c : connections) {
      if (c->doomed) continue;
      for (auto& [id, s] : c->subscriptions) {
        if (s.destination == message.destination) subscribers.emplace_back(c, &s);
      }
    }
    if (IsTopic(message.destination)) {
      for (auto& [c, s] : subscribers) Deliver(c, *s, message, out);
      return;
    }
    if (subscribers.empty()) {
      pending[message.destination].push_back(std::move(message));
      return;
    }
    std::size_t& next = round_robin[message.destination];
    auto& [c, s] = subscribers[next++ % subscribers.size()];
    const std::string fault = faults.empty() ? "" : TakeFault(message.destination);
    if (fault.empty()) {
      Deliver(c, *s, message, out);
      return;
    }
    // The subscriber's connection goes instead of the message, which looks for another
    // subscriber (or waits for one); what the connection had not acknowledged goes back to
    // its destinations when its thread ends.
    c->doomed = true;
    std::string frame;
    if (fault == "error_frame") {
      const std::string text = "epmock fault: the broker is failing this connection (error_frame)";
      frame = SerializeFrame({"ERROR", {{"message", text}, {"content-type", "text/plain"}}, text});
    }
    out->push_back({c, std::move(frame), true});
  }
}

Status StompBroker::Impl::Accept(const std::string& destination,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body, std::string* message_id,
                                 std::vector<Outgoing>* out) {
  if (destination.empty()) return Status::InvalidArgument("SEND needs a destination header");
  if (auto queued = pending.find(destination);
      queued != pending.end() && queued->second.size() >= options.max_pending_messages) {
    return Status::ResourceExhausted(destination + " holds its limit of " +
                                     std::to_string(options.max_pending_messages) +
                                     " messages no subscriber has taken");
  }
  StompMessage message{
      destination,
      ids.derived() ? "epmock-" + ids.ForContent(destination, body) : "epmock-" + std::to_string(next_id++),
      {},
      body};
  for (const auto& [key, value] : headers) {
    if (key != "receipt" && key != "transaction") message.headers.emplace_back(key, value);
  }
  *message_id = message.message_id;
  history.try_emplace(destination, options.history_messages, options.history_bytes)
      .first->second.Add(message);
  Touch();
  Route(std::move(message), out);
  return Status::Ok();
}

void StompBroker::Impl::Send(const std::vector<Outgoing>& out) {
  for (const Outgoing& d : out) {
    if (!d.frame.empty()) d.to->Write(d.frame);
    if (d.close) {
      MutexLock lock(&d.to->write_mu);
      // Its thread sees the end of the stream and closes it, as for a peer that went away.
      if (d.to->open) shutdown(d.to->fd, SHUT_RDWR);
    }
  }
}

void StompBroker::Impl::DrainPending(const std::string& destination, std::vector<Outgoing>* out) {
  auto it = pending.find(destination);
  if (it == pending.end()) return;
  std::deque<StompMessage> queued = std::move(it->second);
  pending.erase(it);
  for (StompMessage& m : queued) Route(std::move(m), out);
}

void StompBroker::Impl::Requeue(Subscription& s, std::vector<Outgoing>* out) {
  std::deque<StompMessage> back = std::move(s.unacked);
  s.unacked.clear();
  if (IsTopic(s.destination)) return;
  for (StompMessage& m : back) {
    pending[s.destination].push_front(std::move(m));
  }
  (void)out;
}

bool StompBroker::Impl::Handle(const std::shared_ptr<Connection>& c, StompFrame& f, bool* connected,
                               std::vector<Outgoing>* out) {
  auto receipt = [&]() {
    if (f.Has("receipt"))
      out->push_back({c, SerializeFrame({"RECEIPT", {{"receipt-id", f.Header("receipt")}}, ""})});
  };
  if (f.command == "CONNECT" || f.command == "STOMP") {
    if (*connected) return Fail(c, f, "Already connected");
    std::string versions = f.Has("accept-version") ? f.Header("accept-version") : "1.0";
    for (const char* v : {"1.2", "1.1", "1.0"}) {
      if (("," + versions + ",").find(std::string(",") + v + ",") != std::string::npos) {
        c->version = v;
        break;
      }
      if (std::string(v) == "1.0") {
        StompFrame error{
            "ERROR",
            {{"version", "1.2,1.1,1.0"}, {"message", "Supported protocol versions are 1.0,1.1,1.2"}},
            ""};
        c->Write(SerializeFrame(error));
        return false;
      }
    }
    if (!options.login.empty() &&
        (f.Header("login") != options.login || f.Header("passcode") != options.passcode)) {
      return Fail(c, f, "Bad credentials: the login or passcode is wrong");
    }
    // heart-beat: cx,cy: the client can send every cx ms and wants one every cy ms.
    int cx = 0, cy = 0;
    if (std::sscanf(f.Header("heart-beat").c_str(), "%d,%d", &cx, &cy) != 2 || cx < 0 || cy < 0) cx = cy = 0;
    const int ours = options.heartbeat_ms;
    c->send_every_ms = (ours > 0 && cy > 0) ? std::max(ours, cy) : 0;
    c->expect_every_ms = (ours > 0 && cx > 0) ? std::max(ours, cx) : 0;
    *connected = true;
    const std::string hb = std::to_string(options.heartbeat_ms);
    StompFrame reply{"CONNECTED",
                     {{"version", c->version},
                      {"server", std::string("epmock/") + Version()},
                      {"heart-beat", hb + "," + hb}},
                     ""};
    MutexLock lock(&mu);
    reply.headers.emplace_back("session", "epmock-session-" + std::to_string(next_session++));
    out->push_back({c, SerializeFrame(reply)});
    return true;
  }
  if (!*connected) return Fail(c, f, "The first frame must be CONNECT or STOMP");
  MutexLock lock(&mu);
  const std::string transaction = f.Header("transaction");
  if (!transaction.empty() && (f.command == "SEND" || f.command == "ACK" || f.command == "NACK")) {
    auto t = c->transactions.find(transaction);
    if (t == c->transactions.end()) return Fail(c, f, "No transaction " + transaction + " was begun");
    t->second.push_back(f);
    receipt();
    return true;
  }
  if (f.command == "SEND") {
    std::string message_id;
    if (Status accepted = Accept(f.Header("destination"), f.headers, f.body, &message_id, out);
        !accepted.ok())
      return Fail(c, f, accepted.message());
    receipt();
    return true;
  }
  if (f.command == "SUBSCRIBE") {
    const std::string destination = f.Header("destination");
    std::string id = f.Header("id");
    if (destination.empty()) return Fail(c, f, "SUBSCRIBE needs a destination header");
    if (id.empty()) {
      if (c->version != "1.0") return Fail(c, f, "SUBSCRIBE needs an id header");
      id = destination;
    }
    std::string ack = f.Has("ack") ? f.Header("ack") : "auto";
    if (ack != "auto" && ack != "client" && ack != "client-individual")
      return Fail(c, f, "ack must be auto, client or client-individual");
    if (c->subscriptions.count(id)) return Fail(c, f, "A subscription with id " + id + " exists already");
    c->subscriptions[id] = Subscription{id, destination, ack, {}};
    receipt();
    DrainPending(destination, out);
    return true;
  }
  if (f.command == "UNSUBSCRIBE") {
    std::string id = f.Has("id") ? f.Header("id") : f.Header("destination");
    auto it = c->subscriptions.find(id);
    if (it == c->subscriptions.end()) return Fail(c, f, "No subscription " + id);
    Requeue(it->second, out);
    const std::string destination = it->second.destination;
    c->subscriptions.erase(it);
    receipt();
    DrainPending(destination, out);
    return true;
  }
  if (f.command == "ACK" || f.command == "NACK") {
    const std::string id = f.Has("id") ? f.Header("id") : f.Header("message-id");
    for (auto& [sid, s] : c->subscriptions) {
      auto m = std::find_if(s.unacked.begin(), s.unacked.end(),
                            [&](const StompMessage& u) { return u.message_id == id; });
      if (m == s.unacked.end()) continue;
      // client mode: cumulative; client-individual: only this one.
      auto first = s.ack == "client" ? s.unacked.begin() : m;
      std::vector<StompMessage> settled(first, m + 1);
      s.unacked.erase(first, m + 1);
      if (f.command == "NACK") {
        for (auto r = settled.rbegin(); r != settled.rend(); ++r) pending[s.destination].push_front(*r);
        DrainPending(s.destination, out);
      }
      receipt();
      return true;
    }
    return Fail(c, f, "No unacknowledged message " + id + " on this connection");
  }
  if (f.command == "BEGIN" || f.command == "COMMIT" || f.command == "ABORT") {
    if (transaction.empty()) return Fail(c, f, f.command + " needs a transaction header");
    if (f.command == "BEGIN") {
      if (c->transactions.count(transaction))
        return Fail(c, f, "Transaction " + transaction + " was begun already");
      c->transactions[transaction];
      receipt();
      return true;
    }
    auto t = c->transactions.find(transaction);
    if (t == c->transactions.end()) return Fail(c, f, "No transaction " + transaction + " was begun");
    std::vector<StompFrame> frames = std::move(t->second);
    c->transactions.erase(t);
    if (f.command == "COMMIT") {
      for (StompFrame& inner : frames) {
        inner.headers.erase(
            std::remove_if(inner.headers.begin(), inner.headers.end(),
                           [](const auto& h) { return h.first == "transaction" || h.first == "receipt"; }),
            inner.headers.end());
        lock.Unlock();
        bool ok = Handle(c, inner, connected, out);
        lock.Lock();
        if (!ok) return false;
      }
    }
    receipt();
    return true;
  }
  if (f.command == "DISCONNECT") {
    receipt();
    return false;  // closes after the receipt is written
  }
  return Fail(c, f, f.command + " is a frame a client does not send");
}

void StompBroker::Impl::Serve(std::shared_ptr<Connection> c) {
  StompParser parser(options.max_frame_bytes);
  bool connected = false;
  char buffer[kReadChunkBytes];
  auto last_read = Steady::now(), last_write = Steady::now();
  const auto opened = Steady::now();
  bool keep = true;
  while (keep) {
    int wait_ms = 1000;
    if (c->send_every_ms > 0) wait_ms = std::min(wait_ms, c->send_every_ms / 2);
    if (c->expect_every_ms > 0) wait_ms = std::min(wait_ms, c->expect_every_ms / 2);
    pollfd p{c->fd, POLLIN, 0};
    int ready = poll(&p, 1, std::max(wait_ms, 1));
    {
      MutexLock lock(&mu);
      if (stopping) break;
    }
    if (ready == 0) {
      if (c->send_every_ms > 0 && Steady::now() - last_write >= std::chrono::milliseconds(c->send_every_ms)) {
        if (!c->Write("\n")) break;
        last_write = Steady::now();
      }
      if (!connected && Steady::now() - opened > std::chrono::milliseconds(options.connect_timeout_ms)) {
        Fail(c, StompFrame{},
             "No CONNECT frame within " + std::to_string(options.connect_timeout_ms) + " ms");
        break;
      }
      // A client that promised heart-beats and fell silent for two intervals is gone.
      if (c->expect_every_ms > 0 &&
          Steady::now() - last_read > std::chrono::milliseconds(2 * c->expect_every_ms))
        break;
      continue;
    }
    ssize_t n = recv(c->fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    last_read = Steady::now();
    parser.Append(buffer, static_cast<std::size_t>(n));
    StompFrame frame;
    std::string error;
    for (;;) {
      StompParser::Result r = parser.Next(&frame, &error);
      if (r == StompParser::Result::kNeedMore) break;
      std::vector<Outgoing> deliveries;
      if (r == StompParser::Result::kError) {
        Fail(c, StompFrame{}, "Malformed frame: " + error);
        keep = false;
        break;
      }
      keep = Handle(c, frame, &connected, &deliveries);
      {
        MutexLock lock(&mu);
        Touch();
      }
      for (const Outgoing& d : deliveries) {
        if (d.close) {
          Send({d});
        } else if (d.to->Write(d.frame) && d.to == c) {
          last_write = Steady::now();
        }
      }
      if (!keep) break;
    }
  }
  std::vector<Outgoing> deliveries;
  {
    MutexLock lock(&mu);
    for (auto& [id, s] : c->subscriptions) {
      Requeue(s, &deliveries);
    }
    std::set<std::string> destinations;
    for (auto& [id, s] : c->subscriptions) destinations.insert(s.destination);
    c->subscriptions.clear();
    connections.erase(std::remove(connections.begin(), connections.end(), c), connections.end());
    for (const std::string& d : destinations) DrainPending(d, &deliveries);
    Touch();  // OpenConnections changed
  }
  Send(deliveries);
  {
    MutexLock lock(&c->write_mu);
    c->open = false;
    shutdown(c->fd, SHUT_RDWR);
    close(c->fd);
  }
}

void StompBroker::Impl::AcceptLoop() {
  for (;;) {
    pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0 && errno != EINTR) break;
    if (p[1].revents) break;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto c = std::make_shared<Connection>();
    c->fd = fd;
    internal::JoinOnExit ended;  // threads of closed connections, joined once mu is released
    MutexLock lock(&mu);
    if (stopping) {
      close(fd);
      break;
    }
    // Threads of closed connections are joined here, so a long run of short connections
    // does not pile up finished threads.
    for (auto it = workers.begin(); it != workers.end();) {
      if (!*it->done) {
        ++it;
        continue;
      }
      ended.Add(std::move(it->thread));
      it = workers.erase(it);
    }
    ++accepted;
    if (connections.size() >= options.max_connections) {
      const std::string refusal =
          SerializeFrame(StompFrame{"ERROR",
                                    {{"message", "Too many connections"}},
                                    "The broker serves at most " + std::to_string(options.max_connections) +
                                        " connections at once.\n"});
      (void)!send(fd, refusal.data(), refusal.size(), MSG_NOSIGNAL);
      close(fd);
      continue;
    }
    connections.push_back(c);
    Touch();  // OpenConnections changed
    auto self = shared_from_this();
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers.push_back({internal::StartThread("STOMP connection",
                                             [self, c, done] {
                                               self->Serve(c);
                                               *done = true;
                                             }),
                       done});
  }
}

StompBroker::StompBroker(StompBrokerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}
StompBroker::~StompBroker() { Stop(); }

Status StompBroker::Start() {
  Impl& b = *impl_;
  if (b.listen_fd >= 0) return Status::FailedPrecondition("the STOMP broker is already started");
  // Restarted after Stop, it listens where its clients knew it. The host is a name or an
  // address of either family, resolved as the HTTP listeners resolve theirs.
  const int port = b.options.port != 0 ? b.options.port : b.port;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int resolved = getaddrinfo(b.options.host.c_str(), std::to_string(port).c_str(), &hints, &found);
  for (addrinfo* a = resolved == 0 ? found : nullptr; a != nullptr && b.listen_fd < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, kListenBacklog) != 0) {
      close(fd);
      continue;
    }
    b.listen_fd = fd;
  }
  if (found) freeaddrinfo(found);
  if (b.listen_fd < 0) {
    return Status::Unavailable("the STOMP broker cannot listen on " + b.options.host + ":" +
                               std::to_string(port) +
                               (resolved != 0 ? std::string(" (") + gai_strerror(resolved) + ")" : ""));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(b.listen_fd, reinterpret_cast<sockaddr*>(&bound), &len);
  b.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (pipe2(b.wake, O_CLOEXEC) != 0) return Status::Internal("cannot create the broker's wake pipe");
  {
    MutexLock lock(&b.mu);
    b.stopping = false;
  }
  auto self = impl_;
  b.acceptor = internal::StartThread("STOMP acceptor", [self] { self->AcceptLoop(); });
  return Status::Ok();
}

void StompBroker::Stop() {
  Impl& b = *impl_;
  if (b.listen_fd < 0) return;
  std::vector<Impl::Worker> workers;
  {
    MutexLock lock(&b.mu);
    b.stopping = true;
    for (const auto& c : b.connections) shutdown(c->fd, SHUT_RDWR);  // wakes their recv
  }
  if (write(b.wake[1], "x", 1) < 0) {
  }
  if (b.acceptor.joinable()) b.acceptor.join();
  {
    MutexLock lock(&b.mu);
    workers.swap(b.workers);
  }
  for (Impl::Worker& w : workers) w.thread.join();
  close(b.listen_fd);
  close(b.wake[0]);
  close(b.wake[1]);
  b.listen_fd = -1;
}

std::string StompBroker::Url() const {
  const StompBrokerOptions& o = impl_->options;
  if (!o.advertised_url.empty()) return o.advertised_url;
  if (!o.advertised_host.empty())
    return "stomp://" + internal::UrlHost(o.advertised_host) + ":" + std::to_string(impl_->port);
  const internal::LocalAddress local = internal::LocalAddressOf(o.host, impl_->port);
  return "stomp://" + internal::UrlHost(local.host) + ":" + std::to_string(local.port);
}
int StompBroker::Port() const { return impl_->port; }

std::vector<StompMessage> StompBroker::Messages(const std::string& destination) const {
  MutexLock lock(&impl_->mu);
  auto it = impl_->history.find(destination);
  if (it == impl_->history.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<StompDestination> StompBroker::Destinations() const {
  MutexLock lock(&impl_->mu);
  std::map<std::string, StompDestination> by_name;
  const auto at = [&](const std::string& name) -> StompDestination& {
    StompDestination& d = by_name[name];
    d.name = name;
    return d;
  };
  for (const auto& [name, h] : impl_->history) at(name).sent = h.added();
  for (const auto& [name, queued] : impl_->pending) at(name).pending = queued.size();
  for (const auto& c : impl_->connections) {  // open ones: a closing one leaves the list first
    if (c->doomed) continue;                  // a fault is closing it
    for (const auto& [id, s] : c->subscriptions) {
      StompDestination& d = at(s.destination);
      ++d.subscribers;
      if (s.ack == "auto") ++d.auto_ack_subscribers;
      d.unacknowledged += s.unacked.size();
    }
  }
  std::vector<StompDestination> out;
  for (auto& [name, d] : by_name) {
    if (out.size() == 1000) break;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<StompMessage> StompBroker::MessagesPage(const std::string& destination, std::size_t offset,
                                                    std::size_t limit, std::size_t* total) const {
  MutexLock lock(&impl_->mu);
  *total = 0;
  auto it = impl_->history.find(destination);
  if (it == impl_->history.end()) return {};
  const auto& messages = it->second;
  *total = messages.size();
  std::vector<StompMessage> out;
  for (std::size_t i = offset; i < messages.size() && out.size() < limit; ++i) out.push_back(messages[i]);
  return out;
}

std::vector<StompMessage> StompBroker::MessagesFrom(const std::string& destination, std::uint64_t from,
                                                    std::uint64_t* next) const {
  MutexLock lock(&impl_->mu);
  *next = from;
  auto it = impl_->history.find(destination);
  if (it == impl_->history.end()) return {};
  *next = it->second.added();
  return it->second.From(from);
}

std::uint64_t StompBroker::DroppedMessages(const std::string& destination) const {
  MutexLock lock(&impl_->mu);
  auto it = impl_->history.find(destination);
  return it == impl_->history.end() ? 0 : it->second.dropped();
}

bool StompBroker::WaitForMessages(const std::string& destination, std::size_t count,
                                  std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&impl_->mu);
  for (;;) {
    auto it = impl_->history.find(destination);
    const bool sent = it != impl_->history.end() && it->second.added() >= count;
    if (sent || std::chrono::steady_clock::now() >= deadline) return sent;
    impl_->sent.WaitUntil(&impl_->mu, deadline);
  }
}

std::size_t StompBroker::ConnectionsAccepted() const {
  MutexLock lock(&impl_->mu);
  return impl_->accepted;
}

std::size_t StompBroker::OpenConnections() const {
  MutexLock lock(&impl_->mu);
  return impl_->connections.size();
}

bool StompBroker::WaitForOpenConnections(std::size_t count, std::chrono::milliseconds timeout) const {
  const auto open_by = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&impl_->mu);
  for (;;) {
    const bool open = impl_->connections.size() == count;
    if (open || std::chrono::steady_clock::now() >= open_by) return open;
    impl_->sent.WaitUntil(&impl_->mu, open_by);
  }
}

StatusOr<StompFault> StompBroker::AddFault(StompFault fault) {
  if (fault.error != "drop_connection" && fault.error != "error_frame") {
    return Status::InvalidArgument("error must be drop_connection or error_frame");
  }
  if (fault.messages < 1 || fault.messages > 1000) {
    return Status::InvalidArgument("messages must be a whole number from 1 to 1000");
  }
  if (fault.destination.size() > 1024 ||
      fault.destination.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
    return Status::InvalidArgument(
        "destination must be a destination name: at most 1024 characters, no line break");
  }
  MutexLock lock(&impl_->mu);
  if (impl_->faults.size() >= kMaxStompFaults) {
    return Status::ResourceExhausted("at most " + std::to_string(kMaxStompFaults) +
                                     " STOMP faults at once; remove some (DELETE /__admin/stomp/faults)");
  }
  fault.id = "stomp-fault-" + std::to_string(++impl_->faults_added);
  impl_->faults.push_back(fault);
  return fault;
}

std::vector<StompFault> StompBroker::Faults() const {
  MutexLock lock(&impl_->mu);
  return impl_->faults;
}

void StompBroker::ClearFaults() {
  MutexLock lock(&impl_->mu);
  impl_->faults.clear();
}

StatusOr<std::string> StompBroker::SendMessage(const std::string& destination, const std::string& body) {
  if (destination.size() > 1024 || destination.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
    return Status::InvalidArgument("a destination is at most 1024 characters, with no line break");
  }
  if (body.size() > impl_->options.max_frame_bytes) {
    return Status::InvalidArgument("a message body is at most " +
                                   std::to_string(impl_->options.max_frame_bytes) +
                                   " bytes, the broker's frame limit");
  }
  std::vector<Impl::Outgoing> out;
  std::string message_id;
  {
    MutexLock lock(&impl_->mu);
    Status accepted =
        impl_->Accept(destination, {{"content-type", "application/json"}}, body, &message_id, &out);
    if (!accepted.ok()) return accepted;
  }
  Impl::Send(out);
  return message_id;
}

std::vector<StompUnsettled> StompBroker::Unsettled(const std::string& destination) const {
  MutexLock lock(&impl_->mu);
  std::vector<StompUnsettled> out;
  if (auto it = impl_->pending.find(destination); it != impl_->pending.end()) {
    for (const StompMessage& m : it->second) out.push_back({m.message_id, false});
  }
  for (const auto& c : impl_->connections) {
    for (const auto& [id, s] : c->subscriptions) {
      if (s.destination != destination) continue;
      for (const StompMessage& m : s.unacked) out.push_back({m.message_id, true});
    }
  }
  return out;
}

std::uint64_t StompBroker::ActivityVersion() const {
  MutexLock lock(&impl_->mu);
  return impl_->activity;
}

bool StompBroker::WaitForActivity(std::uint64_t version, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&impl_->mu);
  for (;;) {
    if (impl_->activity != version) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    impl_->sent.WaitUntil(&impl_->mu, deadline);
  }
}

std::size_t StompBroker::Pending(const std::string& destination) const {
  MutexLock lock(&impl_->mu);
  auto it = impl_->pending.find(destination);
  return it == impl_->pending.end() ? 0 : it->second.size();
}

}  // namespace epmock
