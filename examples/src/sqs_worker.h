// SqsWorker: an SQS consumer for order.paid. Long-polls a queue with the SQS JSON protocol,
// books each CloudEvent's order in the Ledger, and deletes the message once booked; a
// message it cannot read is left for the queue's redrive policy.
//
//   examples::SqsWorker worker(&ledger, queue_url);
//   worker.Start();  // polls on a thread of its own until Stop()
//
// (A production worker would use an AWS SDK, which also signs its requests; this one
// speaks the wire protocol itself to stay small, against an endpoint that needs no
// signature, such as epmock's.)
#ifndef EXAMPLES_SQS_WORKER_H_
#define EXAMPLES_SQS_WORKER_H_

#include <atomic>
#include <string>
#include <thread>

#include "ledger.h"

namespace examples {

class SqsWorker {
 public:
  SqsWorker(Ledger* ledger, std::string queue_url);
  ~SqsWorker();

  void Start();
  void Stop();
  // Messages handled so far (booked or ignored, and acknowledged).
  int MessagesReceived() const { return received_; }

 private:
  void Run();

  Ledger* ledger_;
  std::string queue_url_;
  std::atomic<bool> stop_{false};
  std::atomic<int> received_{0};
  std::thread thread_;
};

}  // namespace examples

#endif  // EXAMPLES_SQS_WORKER_H_
