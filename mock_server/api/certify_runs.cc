#include "api/certify_runs.h"

#include <algorithm>
#include <utility>

#include "common/clock.h"
#include "common/ids.h"
#include "common/thread.h"
#include "store/store.h"

namespace epmock::internal {

using nlohmann::json;

CertifyRuns::~CertifyRuns() {
  stopping_ = true;
  std::vector<Worker> workers;
  {
    MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (Worker& w : workers) w.thread.join();
}

json CertifyRuns::ToJson(const Run& run) {
  json out = {{"id", run.id},
              {"kind", run.kind},
              {"status", run.status},
              {"checks_done", run.checks.size()},
              {"checks", run.checks},
              {"started_at", Rfc3339Millis(run.started_ms)},
              {"ended_at", run.ended_ms ? json(Rfc3339Millis(run.ended_ms)) : json(nullptr)},
              {"report", run.report},
              {"error", run.error.empty() ? json(nullptr) : json(run.error)}};
  if (!run.ready.is_null()) out[run.kind] = run.ready;  // "sqs" or "stomp": where the consumer is to read
  return out;
}

StatusOr<json> CertifyRuns::Start(const std::shared_ptr<Store>& store, const json& request) {
  if (!runner_) {
    return Status::FailedPrecondition(
        "this server runs no certify: epmock serve does, and a C++ Server does with "
        "ServerOptions::certify_runner = epmock::NewCertifyRunner()");
  }
  if (Status s = runner_->Check(request); !s.ok()) return s;
  MutexLock lock(&mu_);
  ReapLocked();
  if (workers_.size() >= kMaxRunning) {
    return Status::ResourceExhausted("at most " + std::to_string(kMaxRunning) +
                                     " certify runs at once on a server; wait for one to end");
  }
  auto run = std::make_shared<Run>();
  run->id = "certify-" + std::to_string(++started_) + "-" + NewUuid().substr(0, 8);
  run->store_id = store->id();
  const auto kind = request.find("kind");
  run->kind = kind != request.end() && kind->is_string() ? kind->get<std::string>() : "webhook";
  run->started_ms = NowMillis();
  run->version = ++versions_;
  runs_.push_back(run);
  // Forget the store's oldest finished runs beyond what is kept.
  std::size_t kept = 0;
  for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
    if ((*it)->store_id == run->store_id) ++kept;
  }
  for (auto it = runs_.begin(); kept > kKeptPerStore && it != runs_.end();) {
    if ((*it)->store_id == run->store_id && (*it)->status != "running") {
      it = runs_.erase(it);
      --kept;
    } else {
      ++it;
    }
  }
  const json started = ToJson(*run);
  Worker worker{std::thread(), std::make_shared<std::atomic<bool>>(false)};
  worker.thread = StartThread("certify run", [this, run, store, request, done = worker.done] {
    Execute(run, store, request);
    *done = true;
  });
  workers_.push_back(std::move(worker));
  store->changes().Notify();
  return started;
}

void CertifyRuns::Execute(std::shared_ptr<Run> run, std::shared_ptr<Store> store, json request) {
  const auto changed = [&](auto&& change) {
    {
      MutexLock lock(&mu_);
      change(*run);
      run->version = ++versions_;
    }
    store->changes().Notify();  // the stream and long polls look again
  };
  StatusOr<json> report = runner_->Run(
      request,
      [&](const json& progress) {
        changed([&](Run& r) {
          if (progress.contains("check")) r.checks.push_back(progress["check"]);
          if (progress.contains("ready")) r.ready = progress["ready"];
        });
      },
      [this] { return stopping_.load(); });
  changed([&](Run& r) {
    r.ended_ms = NowMillis();
    if (!report.ok()) {
      r.status = "error";
      r.error = report.status().message();
      return;
    }
    r.report = *report;
    r.status = stopping_ ? "cancelled" : report->value("verdict", "error");
  });
}

void CertifyRuns::ReapLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (*it->done) {
      it->thread.join();  // its body has returned: at once
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

StatusOr<json> CertifyRuns::Get(const std::string& store_id, const std::string& id) const {
  MutexLock lock(&mu_);
  for (const auto& run : runs_) {
    if (run->store_id == store_id && run->id == id) return ToJson(*run);
  }
  return Status::NotFound("no certify run '" + id.substr(0, 64) + "' in this store");
}

std::vector<json> CertifyRuns::List(const std::string& store_id) const {
  MutexLock lock(&mu_);
  std::vector<json> out;
  for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
    if ((*it)->store_id != store_id) continue;
    json run = ToJson(**it);
    run.erase("report");  // a list stays small: each report is at its run's own route
    out.push_back(std::move(run));
  }
  return out;
}

std::vector<json> CertifyRuns::ChangedSince(const std::string& store_id, std::uint64_t* version) const {
  MutexLock lock(&mu_);
  std::vector<const Run*> changed;
  for (const auto& run : runs_) {
    if (run->store_id == store_id && run->version > *version) changed.push_back(run.get());
  }
  std::sort(changed.begin(), changed.end(),
            [](const Run* a, const Run* b) { return a->version < b->version; });
  std::vector<json> out;
  for (const Run* run : changed) {
    out.push_back(ToJson(*run));
    *version = run->version;
  }
  return out;
}

std::uint64_t CertifyRuns::Version() const {
  MutexLock lock(&mu_);
  return versions_;
}

bool CertifyRuns::Ended(const std::string& store_id, const std::string& id) const {
  MutexLock lock(&mu_);
  for (const auto& run : runs_) {
    if (run->store_id == store_id && run->id == id) return run->status != "running";
  }
  return true;
}

}  // namespace epmock::internal
