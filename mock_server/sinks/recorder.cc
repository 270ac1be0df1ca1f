#include "sinks/recorder.h"

#include <strings.h>

#include <algorithm>
#include <atomic>

#include "common/clock.h"
#include "common/json_numbers.h"
#include "common/mutex.h"
#include "common/strings.h"

namespace epmock {

std::string ReceivedRequest::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (internal::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

nlohmann::json ReceivedRequest::Json() const {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
}

namespace internal {

using nlohmann::json;

SinkResponse SinkRecorder::Record(ReceivedRequest request, SinkRecorder* fallback) {
  if (request.received_at_ms == 0) request.received_at_ms = NowMillis();
  MutexLock lock(&mu_);
  SinkResponse answer;
  if (auto handler = handler_) {
    // The handler runs before the request counts as arrived, so that a test which waits for
    // N requests sees N handler calls finished.
    ++handler_calls_;
    lock.Unlock();
    answer = (*handler)(request);
    lock.Lock();
    if (--handler_calls_ == 0) handler_idle_.SignalAll();
  } else {
    const bool own = !responses_.empty();
    lock.Unlock();
    answer = !own && fallback != nullptr && fallback->HasAnswers() ? fallback->NextAnswer() : NextAnswer();
    lock.Lock();
  }
  // Kept with its answer: what a reader of the sink sees it was told.
  request.answer_status = answer.status;
  request.answer_delay_ms = answer.delay_ms;
  KeepLocked(std::move(request));
  arrived_.SignalAll();
  return answer;
}

SinkRecorder::Summary SinkRecorder::Summarize() const {
  MutexLock lock(&mu_);
  Summary out;
  out.kept = requests_.size();
  out.total = requests_.added() - cleared_at_;
  if (requests_.size() > 0) out.last_received_at_ms = requests_[requests_.size() - 1].request.received_at_ms;
  out.responses = responses_;
  out.answered = answered_;
  return out;
}

namespace {

// Arrival numbers across every recorder of the process, so that two sinks' requests merge in
// the order they arrived (a millisecond clock would tie).
std::atomic<std::uint64_t> next_arrival{1};

}  // namespace

void SinkRecorder::KeepLocked(ReceivedRequest request) {
  requests_.Add(Kept{next_arrival.fetch_add(1), std::move(request)});
}

std::vector<std::pair<int, ReceivedRequest>> SinkRecorder::MergedPage(const SinkRecorder& a,
                                                                      const SinkRecorder& b,
                                                                      std::size_t offset, std::size_t limit,
                                                                      std::size_t* total) {
  TwoMutexLock lock(&a.mu_, &b.mu_);
  const auto& x = a.requests_;
  const auto& y = b.requests_;
  const std::size_t m = x.size(), n = y.size();
  *total = m + n;
  const std::size_t k = std::min(offset, m + n);
  // How many of the first k (in arrival order) are a's: the least i at which a's next is
  // not older than b's last taken; a binary search, since both are in arrival order.
  std::size_t lo = k > n ? k - n : 0, hi = std::min(k, m);
  while (lo < hi) {
    const std::size_t i = lo + (hi - lo) / 2;
    const std::size_t j = k - i;
    if (i < m && j > 0 && x[i].arrival < y[j - 1].arrival) {
      lo = i + 1;
    } else {
      hi = i;
    }
  }
  std::size_t i = lo, j = k - lo;
  std::vector<std::pair<int, ReceivedRequest>> out;
  while (out.size() < limit && (i < m || j < n)) {
    if (j >= n || (i < m && x[i].arrival < y[j].arrival)) {
      out.emplace_back(0, x[i++].request);
    } else {
      out.emplace_back(1, y[j++].request);
    }
  }
  return out;
}

std::vector<ReceivedRequest> SinkRecorder::RequestsFrom(std::uint64_t from, std::uint64_t* next) const {
  MutexLock lock(&mu_);
  *next = requests_.added();
  std::vector<ReceivedRequest> out;
  for (Kept& kept : requests_.From(from)) out.push_back(std::move(kept.request));
  return out;
}

std::vector<ReceivedRequest> SinkRecorder::Page(std::size_t offset, std::size_t limit,
                                                std::size_t* total) const {
  MutexLock lock(&mu_);
  *total = requests_.size();
  std::vector<ReceivedRequest> out;
  for (std::size_t i = offset; i < requests_.size() && out.size() < limit; ++i)
    out.push_back(requests_[i].request);
  return out;
}

std::uint64_t SinkRecorder::Total() const {
  MutexLock lock(&mu_);
  return requests_.added() - cleared_at_;
}

std::uint64_t SinkRecorder::Dropped() const {
  MutexLock lock(&mu_);
  return requests_.dropped();
}

bool SinkRecorder::HasAnswers() const {
  MutexLock lock(&mu_);
  return !responses_.empty();
}

SinkResponse SinkRecorder::NextAnswer() {
  MutexLock lock(&mu_);
  if (responses_.empty()) return SinkResponse{};
  const std::size_t index = std::min(answered_++, responses_.size() - 1);
  return responses_[index];
}

void SinkRecorder::RespondWith(std::vector<SinkResponse> responses) {
  MutexLock lock(&mu_);
  responses_ = std::move(responses);
  answered_ = 0;
}

void SinkRecorder::Handle(std::function<SinkResponse(const ReceivedRequest&)> handler) {
  MutexLock lock(&mu_);
  if (handler) {
    handler_ = std::make_shared<std::function<SinkResponse(const ReceivedRequest&)>>(std::move(handler));
    return;
  }
  handler_.reset();
  while (handler_calls_ != 0) handler_idle_.Wait(&mu_);
}

std::vector<ReceivedRequest> SinkRecorder::Requests() const {
  MutexLock lock(&mu_);
  std::vector<ReceivedRequest> out;
  out.reserve(requests_.size());
  for (const Kept& kept : requests_) out.push_back(kept.request);
  return out;
}

void SinkRecorder::Clear() {
  MutexLock lock(&mu_);
  requests_.Clear();  // its numbers go on: a RequestsFrom cursor stays true
  cleared_at_ = requests_.added();
  answered_ = 0;
}

bool SinkRecorder::WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  for (;;) {
    const std::uint64_t total = requests_.added() - cleared_at_;
    if (total >= count || std::chrono::steady_clock::now() >= deadline) return total >= count;
    arrived_.WaitUntil(&mu_, deadline);
  }
}

std::shared_ptr<SinkRecorder> SinkRegistry::Get(const std::string& owner, const std::string& name) {
  MutexLock lock(&mu_);
  std::shared_ptr<SinkRecorder>& sink = sinks_[{owner, name}];
  if (!sink) sink = std::make_shared<SinkRecorder>(retention_);
  return sink;
}

std::shared_ptr<SinkRecorder> SinkRegistry::Find(const std::string& owner, const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = sinks_.find({owner, name});
  return it == sinks_.end() ? nullptr : it->second;
}

SinkResponse SinkRegistry::Record(const std::string& owner, const std::string& name,
                                  ReceivedRequest request) {
  std::shared_ptr<SinkRecorder> sink = Get(owner, name);
  // A store's sink without answers of its own answers with the server-wide ones.
  std::shared_ptr<SinkRecorder> shared = owner == kNoStore ? nullptr : Find(kNoStore, name);
  SinkResponse answer = sink->Record(std::move(request), shared.get());
  {
    MutexLock lock(&wait_mu_);
    ++arrivals_;
  }
  arrived_.SignalAll();
  return answer;
}

bool SinkRegistry::WaitForRequestsAt(const std::string& name, std::size_t count,
                                     std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint64_t seen;
    {
      MutexLock lock(&wait_mu_);
      seen = arrivals_;
    }
    std::uint64_t total = 0;
    {
      MutexLock lock(&mu_);
      for (const auto& [key, sink] : sinks_) {
        if (key.second == name) total += sink->Total();
      }
    }
    if (total >= count) return true;
    MutexLock lock(&wait_mu_);
    while (arrivals_ == seen) {
      if (!arrived_.WaitUntil(&wait_mu_, deadline)) return false;
    }
  }
}

std::vector<std::pair<std::string, ReceivedRequest>> SinkRegistry::VisiblePage(const std::string& store_id,
                                                                               const std::string& name,
                                                                               std::size_t offset,
                                                                               std::size_t limit,
                                                                               std::size_t* total) const {
  std::vector<std::pair<std::string, ReceivedRequest>> out;
  *total = 0;
  std::shared_ptr<SinkRecorder> own = Find(store_id, name);
  std::shared_ptr<SinkRecorder> none = store_id == kNoStore ? nullptr : Find(kNoStore, name);
  if (own && none) {
    for (auto& [which, r] : SinkRecorder::MergedPage(*own, *none, offset, limit, total)) {
      out.emplace_back(which == 0 ? store_id : std::string(kNoStore), std::move(r));
    }
    return out;
  }
  if (!own) own = none;
  if (!own) return out;
  const std::string owner = own == none ? std::string(kNoStore) : store_id;
  for (ReceivedRequest& r : own->Page(offset, limit, total)) out.emplace_back(owner, std::move(r));
  return out;
}

std::vector<SinkRegistry::Visible> SinkRegistry::VisibleTo(const std::string& store_id) const {
  std::vector<std::pair<std::string, std::shared_ptr<SinkRecorder>>> own, shared;
  {
    MutexLock lock(&mu_);
    for (const auto& [key, sink] : sinks_) {
      if (key.first == store_id)
        own.emplace_back(key.second, sink);
      else if (key.first == kNoStore)
        shared.emplace_back(key.second, sink);
    }
  }
  // Both are in name order (the map's): merged by name, each summarized outside mu_.
  std::map<std::string, Visible> by_name;
  for (const auto& [name, sink] : own) by_name[name].own = sink->Summarize();
  for (const auto& [name, sink] : shared) by_name[name].shared = sink->Summarize();
  std::vector<Visible> out;
  for (auto& [name, visible] : by_name) {
    visible.name = name;
    out.push_back(std::move(visible));
  }
  return out;
}

std::vector<ReceivedRequest> SinkRegistry::AllAt(const std::string& name) const {
  std::vector<std::shared_ptr<SinkRecorder>> sinks;
  {
    MutexLock lock(&mu_);
    for (const auto& [key, sink] : sinks_) {
      if (key.second == name) sinks.push_back(sink);
    }
  }
  std::vector<ReceivedRequest> out;
  for (const auto& sink : sinks) {
    for (ReceivedRequest& r : sink->Requests()) out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const ReceivedRequest& a, const ReceivedRequest& b) {
    return a.received_at_ms < b.received_at_ms;
  });
  return out;
}

std::uint64_t SinkRegistry::DroppedVisibleTo(const std::string& store_id, const std::string& name) const {
  std::uint64_t dropped = 0;
  for (const std::string& owner : {store_id, std::string(kNoStore)}) {
    if (auto sink = Find(owner, name)) dropped += sink->Dropped();
    if (store_id == kNoStore) break;
  }
  return dropped;
}

void SinkRegistry::ClearOwner(const std::string& owner) {
  MutexLock lock(&mu_);
  for (auto it = sinks_.begin(); it != sinks_.end();) {
    it = it->first.first == owner ? sinks_.erase(it) : std::next(it);
  }
}

void SinkRegistry::Reset() {
  MutexLock lock(&mu_);
  sinks_.clear();
}

json ToJson(const ReceivedRequest& r) {
  json headers = json::object();
  for (const auto& [key, value] : r.headers) headers[key] = value;
  json body = r.Json();
  json out = {{"method", r.method},
              {"path", r.path},
              {"headers", headers},
              {"body", body.is_null() ? json(r.body) : body},
              {"received_at", Rfc3339Millis(r.received_at_ms)}};
  // The event a webhook delivery carried, by its trigger header and its envelope's id.
  const std::string trigger = r.Header("x-moltin-integration-trigger");
  out["event_type"] = trigger.empty() ? json(nullptr) : json(trigger);
  const auto id = body.is_object() ? body.find("id") : body.end();
  out["event_id"] =
      !trigger.empty() && body.is_object() && id != body.end() && id->is_string() ? *id : json(nullptr);
  if (r.answer_status != 0) out["answer"] = {{"status", r.answer_status}, {"delay_ms", r.answer_delay_ms}};
  return out;
}

namespace {
constexpr char kSinkStatusRule[] = "each response needs a status from 100 to 599";
std::string SinkDelayRule() {
  return "delay_ms must be a whole number of milliseconds from 0 to " + std::to_string(kMaxSinkDelayMs);
}
std::string TooManySinkResponses() {
  return "responses: at most " + std::to_string(kMaxSinkResponses) + " (the last repeats)";
}
}  // namespace

StatusOr<std::vector<SinkResponse>> DecodeSinkResponses(const json& doc) {
  if (!doc.is_object() || !doc.contains("responses") || !doc["responses"].is_array()) {
    return Status::InvalidArgument(
        "the body must be {\"responses\": [{\"status\": 200, \"delay_ms\": 0}, ...]}");
  }
  const json& given = doc["responses"];
  if (given.size() > kMaxSinkResponses) return Status::InvalidArgument(TooManySinkResponses());
  std::vector<SinkResponse> out;
  for (const json& r : given) {
    if (!r.is_object()) return Status::InvalidArgument("each response must be an object");
    SinkResponse response;
    auto status = r.find("status");
    if (status == r.end() || !status->is_number_integer()) return Status::InvalidArgument(kSinkStatusRule);
    response.status = SaturatedInt(*status);
    if (auto d = r.find("delay_ms"); d != r.end()) {
      if (!d->is_number_integer()) return Status::InvalidArgument(SinkDelayRule());
      response.delay_ms = SaturatedInt(*d);
    }
    if (auto b = r.find("body"); b != r.end()) {
      response.body = b->is_string() ? b->get<std::string>() : b->dump();
    }
    out.push_back(response);
  }
  return out;
}

Status CheckSinkResponses(const std::vector<SinkResponse>& responses) {
  if (responses.size() > kMaxSinkResponses) return Status::InvalidArgument(TooManySinkResponses());
  for (const SinkResponse& r : responses) {
    if (r.status < 100 || r.status > 599) return Status::InvalidArgument(kSinkStatusRule);
    if (r.delay_ms < 0 || r.delay_ms > kMaxSinkDelayMs) return Status::InvalidArgument(SinkDelayRule());
  }
  return Status::Ok();
}

}  // namespace internal
}  // namespace epmock
