// SinkRecorder: the heart of a webhook sink. Records requests, hands out the programmed
// answers, and lets waiters block until enough requests have arrived. Used by the
// in-process WebhookSink and by the /__sink/webhook/{name} routes of the API port.
//
// Thread-safe.
#ifndef EPMOCK_SINKS_RECORDER_H_
#define EPMOCK_SINKS_RECORDER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/history.h"
#include "common/mutex.h"
#include "epmock/sinks.h"

namespace epmock::internal {

// How much a sink keeps: the newest requests within both limits (a body can be large); the
// older ones are dropped and counted. Waiting counts every arrival, kept or not.
struct SinkRetention {
  std::size_t requests = 10000;
  std::size_t bytes = 64 * 1024 * 1024;
};

class SinkRecorder {
 public:
  explicit SinkRecorder(SinkRetention retention = {}) : requests_(retention.requests, retention.bytes) {}

  // Records the request with the answer to give, and returns it (the caller applies its
  // delay). Without a handler or answers of its own, `fallback`'s answers are given, if any.
  SinkResponse Record(ReceivedRequest request, SinkRecorder* fallback = nullptr);
  // What GET /__admin/sinks shows of it.
  struct Summary {
    std::size_t kept = 0;
    std::uint64_t total = 0;
    std::int64_t last_received_at_ms = 0;  // 0: none kept
    std::vector<SinkResponse> responses;   // programmed
    std::size_t answered = 0;              // of them so far
  };
  Summary Summarize() const;
  void RespondWith(std::vector<SinkResponse> responses);
  // A handler answers instead of the programmed list; null removes it, once the calls in
  // flight have returned.
  void Handle(std::function<SinkResponse(const ReceivedRequest&)> handler);
  std::vector<ReceivedRequest> Requests() const;  // the kept ones, in arrival order
  // [offset, offset + limit) of them, and how many are kept: only the page is copied.
  std::vector<ReceivedRequest> Page(std::size_t offset, std::size_t limit, std::size_t* total) const;
  // The same of two recorders' requests merged in arrival order, each marked 0 (a's) or 1
  // (b's): found by a binary search, so a deep page costs what the first does.
  static std::vector<std::pair<int, ReceivedRequest>> MergedPage(const SinkRecorder& a, const SinkRecorder& b,
                                                                 std::size_t offset, std::size_t limit,
                                                                 std::size_t* total);
  std::uint64_t Total() const;  // every arrival since it was made or last cleared, kept or dropped
  // A cursor by arrival: the kept requests from the `from`-th arrival on (0 is the first
  // ever, Clear included), and in *next the number to pass next time. Only those are copied.
  std::vector<ReceivedRequest> RequestsFrom(std::uint64_t from, std::uint64_t* next) const;
  std::uint64_t Dropped() const;
  // Whether answers were programmed (RespondWith with a non-empty list).
  bool HasAnswers() const;
  // The next programmed answer, as Record would give it, without recording anything.
  SinkResponse NextAnswer();
  void Clear();
  [[nodiscard]] bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  mutable Mutex mu_;
  mutable CondVar arrived_;
  CondVar handler_idle_;
  std::shared_ptr<std::function<SinkResponse(const ReceivedRequest&)>> handler_ EPMOCK_GUARDED_BY(mu_);
  int handler_calls_ EPMOCK_GUARDED_BY(mu_) = 0;
  void KeepLocked(ReceivedRequest request) EPMOCK_REQUIRES(mu_);
  // A kept request and its arrival number across every recorder of the process (two sinks'
  // requests merge in the order they arrived; a millisecond clock would tie).
  struct Kept {
    std::uint64_t arrival;
    ReceivedRequest request;
  };
  struct BodyBytes {
    std::size_t operator()(const Kept& kept) const { return kept.request.body.size(); }
  };
  // Numbered by arrival at this recorder (RequestsFrom's cursor), within the retention.
  History<Kept, BodyBytes> requests_ EPMOCK_GUARDED_BY(mu_);
  std::uint64_t cleared_at_ EPMOCK_GUARDED_BY(mu_) = 0;  // arrivals before the last Clear
  std::vector<SinkResponse> responses_ EPMOCK_GUARDED_BY(mu_);
  std::size_t answered_ EPMOCK_GUARDED_BY(mu_) = 0;
};

// The named sinks of one API port, one recorder per (owner, name). The owner is the store
// whose delivery sent the request, or kNoStore for a request anything else posted; a
// store sees its own requests and those of no store, never another store's, and programs
// its own answers.
class SinkRegistry {
 public:
  static constexpr const char* kNoStore = "";
  explicit SinkRegistry(SinkRetention retention = {}) : retention_(retention) {}

  // Records a request at a name for its owner and returns the answer to give: the owner's
  // programmed answers, or else the server-wide ones (those of kNoStore).
  SinkResponse Record(const std::string& owner, const std::string& name, ReceivedRequest request);
  // Waits until the requests at a name, whoever sent them, number at least `count`.
  [[nodiscard]] bool WaitForRequestsAt(const std::string& name, std::size_t count,
                                       std::chrono::milliseconds timeout) const;

  std::shared_ptr<SinkRecorder> Get(const std::string& owner, const std::string& name);  // made on first use
  std::shared_ptr<SinkRecorder> Find(const std::string& owner, const std::string& name) const;
  // What a store may see at a name: its own requests and those of no store, in arrival order,
  // each with its owner (a store id, or kNoStore); one page of them, and how many in all.
  // Only the page is copied, whatever the sinks keep.
  std::vector<std::pair<std::string, ReceivedRequest>> VisiblePage(const std::string& store_id,
                                                                   const std::string& name,
                                                                   std::size_t offset, std::size_t limit,
                                                                   std::size_t* total) const;
  // The names a store may see (those its deliveries or anyone else posted to), each with
  // its own recorder's summary and that of no store's, in name order.
  struct Visible {
    std::string name;
    std::optional<SinkRecorder::Summary> own;
    std::optional<SinkRecorder::Summary> shared;
  };
  std::vector<Visible> VisibleTo(const std::string& store_id) const;
  // Every request at a name, whoever sent it (the C++ API: its caller owns the server).
  std::vector<ReceivedRequest> AllAt(const std::string& name) const;
  // Requests dropped by retention at a name that a store may see.
  std::uint64_t DroppedVisibleTo(const std::string& store_id, const std::string& name) const;
  // Forgets the recorders of one owner: the requests its deliveries sent and its answers.
  void ClearOwner(const std::string& owner);
  void Reset();

 private:
  const SinkRetention retention_;
  mutable Mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<SinkRecorder>> sinks_ EPMOCK_GUARDED_BY(mu_);
  // Lock order: mu_ before a recorder's (a wait sums their totals under it). wait_mu_ is for
  // waiters across owners and is never held with another.
  mutable Mutex wait_mu_;
  mutable CondVar arrived_;
  std::uint64_t arrivals_ EPMOCK_GUARDED_BY(wait_mu_) = 0;
};

nlohmann::json ToJson(const ReceivedRequest& request);
// At most this many programmed answers at a time (the last repeats), each delayed at most
// kMaxSinkDelayMs.
inline constexpr std::size_t kMaxSinkResponses = 1000;
inline constexpr int kMaxSinkDelayMs = 600000;

// {"responses": [{"status": 500, "delay_ms": 0, "body": ""}, ...]}, its members' types
// checked and nothing else: what PUT /__admin/sinks/webhook/{name} hands to the control layer.
StatusOr<std::vector<SinkResponse>> DecodeSinkResponses(const nlohmann::json& json);
// What every front door checks of programmed answers: a status from 100 to 599, a delay
// within kMaxSinkDelayMs, at most kMaxSinkResponses of them.
Status CheckSinkResponses(const std::vector<SinkResponse>& responses);

}  // namespace epmock::internal

#endif  // EPMOCK_SINKS_RECORDER_H_
