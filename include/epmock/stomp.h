// StompBroker: a STOMP 1.0-1.2 broker for tests.
//
//   epmock::StompBroker broker;                   // ephemeral port on 127.0.0.1
//   ASSERT_TRUE(broker.Start().ok());
//   ... a stomp integration with addresses [broker.Url()], destination "/queue/orders" ...
//   ASSERT_TRUE(broker.WaitForMessages("/queue/orders", 1, std::chrono::seconds(5)));
//   nlohmann::json event = nlohmann::json::parse(broker.Messages("/queue/orders")[0].body);
//
// /queue/ destinations give each message to one subscriber and keep it until one
// subscribes; /topic/ destinations give it to every current subscriber. SUBSCRIBE with ack
// auto, client or client-individual; ACK, NACK (redelivery), BEGIN/COMMIT/ABORT,
// DISCONNECT with RECEIPT, heart-beating, header escaping, content-length bodies. A
// malformed frame gets an ERROR frame and that connection closes; everyone else is served.
//
// Thread-safe.
#ifndef EPMOCK_STOMP_H_
#define EPMOCK_STOMP_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "epmock/status.h"

namespace epmock {

struct StompBrokerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: ephemeral
  // When set, CONNECT must carry this login and passcode.
  std::string login;
  std::string passcode;
  // Heart-beat interval the broker offers and asks for, in ms (0: none). Per connection the
  // broker sends at max(this, the client's cy) and expects at max(this, the client's cx),
  // each only when both sides want it, and closes a connection silent for two intervals.
  int heartbeat_ms = 10000;
  std::size_t max_frame_bytes = 1024 * 1024;
  // Connections served at once (a thread each); more get an ERROR frame and are closed.
  std::size_t max_connections = 1024;
  // A connection that has not sent CONNECT within this many ms gets an ERROR and is closed.
  int connect_timeout_ms = 10000;
  // The record of what was sent to each destination (Messages): the newest within both
  // limits, the older dropped and counted. Waiting counts every message sent.
  std::size_t history_messages = 10000;
  std::size_t history_bytes = 64 * 1024 * 1024;
  // Messages a destination holds for subscribers that have not taken them: live data, never
  // dropped to save memory; a SEND beyond it gets an ERROR frame (an epmock delivery fails
  // its attempt, logged and retried).
  std::size_t max_pending_messages = 100000;
  // What Url() says: `advertised_url` when set, else `advertised_host` on the broker's port,
  // else the bound address (a wildcard as loopback).
  std::string advertised_url;
  std::string advertised_host;
  // Message ids count from epmock-1; when this is not 0 they derive from it, the destination
  // and the body instead, so two runs of a test give each message the same id whatever order
  // concurrent senders reached the broker in (epmock serve --clock virtual --seed N).
  std::uint64_t message_id_seed = 0;
};

// A message SENT to a destination (what passed through the broker).
struct StompMessage {
  std::string destination;
  std::string message_id;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, less receipt/transaction
  std::string body;
  std::string Header(const std::string& name) const;
};

// A destination as the broker holds it now (StompBroker::Destinations).
struct StompDestination {
  std::string name;
  std::uint64_t sent = 0;                // messages sent to it since start
  std::size_t pending = 0;               // queued for want of a subscriber
  std::size_t subscribers = 0;           // subscriptions open on it
  std::size_t unacknowledged = 0;        // delivered to a client-ack subscription, not yet acked
  std::size_t auto_ack_subscribers = 0;  // of `subscribers`, those on ack:auto
};

// A message a destination still holds (StompBroker::Unsettled): queued for a subscriber, or
// delivered to a client-ack subscription and not yet acknowledged.
struct StompUnsettled {
  std::string message_id;
  bool delivered = false;
};

// A fault on consumers' connections, so that a consumer's reconnects can be tested: the
// next `messages` times the broker would deliver a MESSAGE on a matching destination, it
// drops that subscriber's connection instead ("drop_connection": the socket is shut, as a
// broker restart or a network cut does) or sends it an ERROR frame and closes it
// ("error_frame", as a broker in trouble does). Either way the message is not lost: it and
// every message the connection had not acknowledged go back to the destination, for the
// next subscriber (on a /topic/, a subscriber that is not there misses it, as topics do).
//
//   epmock::StompFault cut;
//   cut.error = "drop_connection";
//   cut.destination = "/queue/orders";
//   server.Stomp()->AddFault(cut);
//
// Also from the admin API: POST /__admin/stomp/faults with the same fields as JSON.
struct StompFault {
  std::string id;           // set by AddFault
  std::string error;        // "drop_connection" or "error_frame"
  std::string destination;  // only deliveries on this destination; empty: any
  int messages = 1;         // how many deliveries it takes, 1 to 1,000; it is gone after the last
};
inline constexpr std::size_t kMaxStompFaults = 100;

class StompBroker {
 public:
  explicit StompBroker(StompBrokerOptions options = {});
  ~StompBroker();
  StompBroker(const StompBroker&) = delete;
  StompBroker& operator=(const StompBroker&) = delete;

  // Start after Stop listens on the same port again, with the same destinations and the
  // messages still queued: a broker restart as its clients see one.
  Status Start();
  void Stop();
  std::string Url() const;  // stomp://HOST:PORT (StompBrokerOptions::advertised_url)
  int Port() const;

  // The messages sent to the destination, oldest first (delivered or not), as many as the
  // history keeps (StompBrokerOptions::history_messages, history_bytes).
  std::vector<StompMessage> Messages(const std::string& destination) const;
  // One page of them: [offset, offset + limit), oldest first, and how many the history keeps
  // in all (only the page is copied).
  // Every destination a message was sent to or a client subscribed to, by name (the
  // dashboard's list; at most 1,000, the rest left out).
  std::vector<StompDestination> Destinations() const;
  std::vector<StompMessage> MessagesPage(const std::string& destination, std::size_t offset,
                                         std::size_t limit, std::size_t* total) const;
  // A cursor for a reader that follows the destination: the messages from the `from`-th sent
  // on (0: the first; those the history dropped are gone), and in *next what to pass next
  // time. Only the new ones are copied.
  std::vector<StompMessage> MessagesFrom(const std::string& destination, std::uint64_t from,
                                         std::uint64_t* next) const;
  // Messages the history dropped at the destination.
  std::uint64_t DroppedMessages(const std::string& destination) const;
  [[nodiscard]] bool WaitForMessages(const std::string& destination, std::size_t count,
                                     std::chrono::milliseconds timeout) const;
  // Queued messages no subscriber has taken yet.
  std::size_t Pending(const std::string& destination) const;
  // Connections accepted since Start().
  std::size_t ConnectionsAccepted() const;
  // Connections open now, and a wait until exactly `count` are.
  std::size_t OpenConnections() const;
  [[nodiscard]] bool WaitForOpenConnections(std::size_t count, std::chrono::milliseconds timeout) const;

  // Sends a message to the destination as a producer's SEND does: its message-id. A bad
  // destination or a body over max_frame_bytes is INVALID_ARGUMENT; a destination holding
  // max_pending_messages, RESOURCE_EXHAUSTED.
  StatusOr<std::string> SendMessage(const std::string& destination, const std::string& body);
  // What the destination holds that no consumer has settled, oldest first.
  std::vector<StompUnsettled> Unsettled(const std::string& destination) const;
  // A number that moves on at every frame a client sends, every connection opened or closed
  // and every message sent, and a wait until it differs from `version`: a test watching a
  // consumer waits on it rather than on a timer. False on timeout.
  std::uint64_t ActivityVersion() const;
  [[nodiscard]] bool WaitForActivity(std::uint64_t version, std::chrono::milliseconds timeout) const;

  // Faults on consumers' connections (StompFault): INVALID_ARGUMENT naming the bad field,
  // RESOURCE_EXHAUSTED beyond kMaxStompFaults. Faults() lists those not used up, oldest first.
  StatusOr<StompFault> AddFault(StompFault fault);
  std::vector<StompFault> Faults() const;
  void ClearFaults();

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace epmock

#endif  // EPMOCK_STOMP_H_
