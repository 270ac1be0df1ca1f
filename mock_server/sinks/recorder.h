// SinkRecorder: the heart of a webhook sink. Records requests, hands out the programmed
// answers, and lets waiters block until enough requests have arrived. Used by the
// in-process WebhookSink and by the /__sink/webhook/{name} routes of the API port.
//
// Thread-safe.
#ifndef EPMOCK_SINKS_RECORDER_H_
#define EPMOCK_SINKS_RECORDER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "epmock/sinks.h"

namespace epmock::internal {

class SinkRecorder {
 public:
  // Records the request and returns the answer to give (the caller applies its delay).
  SinkResponse Record(ReceivedRequest request);
  void RespondWith(std::vector<SinkResponse> responses);
  // A handler answers instead of the programmed list; null removes it, once the calls in
  // flight have returned.
  void Handle(std::function<SinkResponse(const ReceivedRequest&)> handler);
  std::vector<ReceivedRequest> Requests() const;
  void Clear();
  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable arrived_;
  std::condition_variable handler_idle_;
  std::shared_ptr<std::function<SinkResponse(const ReceivedRequest&)>> handler_;
  int handler_calls_ = 0;
  std::vector<ReceivedRequest> requests_;
  std::vector<SinkResponse> responses_;
  std::size_t answered_ = 0;
};

// The named sinks of one API port.
class SinkRegistry {
 public:
  std::shared_ptr<SinkRecorder> Get(const std::string& name);  // created on first use
  std::shared_ptr<SinkRecorder> Find(const std::string& name) const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<SinkRecorder>> sinks_;
};

nlohmann::json ToJson(const ReceivedRequest& request);
// {"responses": [{"status": 500, "delay_ms": 0, "body": ""}, ...]}
StatusOr<std::vector<SinkResponse>> SinkResponsesFromJson(const nlohmann::json& json);

}  // namespace epmock::internal

#endif  // EPMOCK_SINKS_RECORDER_H_
