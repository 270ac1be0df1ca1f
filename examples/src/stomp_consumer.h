// StompConsumer: a STOMP 1.2 consumer for order.paid. Subscribes to a destination with
// client-individual acknowledgement, books each CloudEvent's order in the Ledger, and ACKs
// each message once booked (an un-ACKed message is redelivered by the broker).
//
//   examples::StompConsumer consumer(&ledger, "stomp://127.0.0.1:61613", "/queue/orders");
//   if (!consumer.Start()) ...;  // connected and subscribed when it returns true
//
// Plain POSIX sockets and a small frame reader: the protocol is simple enough.
#ifndef EXAMPLES_STOMP_CONSUMER_H_
#define EXAMPLES_STOMP_CONSUMER_H_

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "ledger.h"

namespace examples {

struct Frame {
  std::string command;
  std::map<std::string, std::string> headers;
  std::string body;
};

class StompConsumer {
 public:
  StompConsumer(Ledger* ledger, std::string address, std::string destination);
  ~StompConsumer();

  bool Start();
  void Stop();
  // Messages handled so far (booked or ignored, and acknowledged).
  int MessagesReceived() const { return received_; }

 private:
  bool Send(const std::string& frame);
  // The next frame; false on a closed connection or when stopping.
  bool Read(Frame* frame);
  void Run();

  Ledger* ledger_;
  std::string address_;
  std::string destination_;
  int fd_ = -1;
  std::string buffer_;
  std::atomic<bool> stop_{false};
  std::atomic<int> received_{0};
  std::thread thread_;
};

}  // namespace examples

#endif  // EXAMPLES_STOMP_CONSUMER_H_
