// CertifyRuns: the runs of POST /__admin/certify, each on a thread of its own and a server of
// its own (so no store or clock of this server is touched), kept per store: their progress
// check by check, announced on the store's change signal (the stream shows it), and their
// report once done.
//
// Thread-safe. The destructor asks each run to stop before its next check and waits for it.
#ifndef EPMOCK_API_CERTIFY_RUNS_H_
#define EPMOCK_API_CERTIFY_RUNS_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/mutex.h"
#include "epmock/certify_runner.h"
#include "epmock/status.h"

namespace epmock::internal {

class Store;

class CertifyRuns {
 public:
  static constexpr std::size_t kMaxRunning = 4;     // at once, on the whole server
  static constexpr std::size_t kKeptPerStore = 20;  // finished runs beyond it are forgotten, oldest first

  explicit CertifyRuns(std::shared_ptr<const CertifyRunner> runner) : runner_(std::move(runner)) {}
  CertifyRuns(const CertifyRuns&) = delete;
  CertifyRuns& operator=(const CertifyRuns&) = delete;
  ~CertifyRuns();

  // Checks the request and starts it: the run as JSON (status "running"). FAILED_PRECONDITION with
  // no runner, INVALID_ARGUMENT for a bad request, RESOURCE_EXHAUSTED with kMaxRunning running.
  StatusOr<nlohmann::json> Start(const std::shared_ptr<Store>& store, const nlohmann::json& request);
  // A run of the store; NOT_FOUND for none.
  StatusOr<nlohmann::json> Get(const std::string& store_id, const std::string& id) const;
  // The store's runs, newest first, without their reports (Get has each).
  std::vector<nlohmann::json> List(const std::string& store_id) const;
  // The store's runs that changed after `*version` (0: every one), oldest change first;
  // `*version` becomes the latest change's.
  std::vector<nlohmann::json> ChangedSince(const std::string& store_id, std::uint64_t* version) const;
  // The latest change's version: a stream's cursor from now on.
  std::uint64_t Version() const;
  // Whether the run has ended (or is not there): what a long poll waits for.
  bool Ended(const std::string& store_id, const std::string& id) const;

 private:
  struct Run {
    std::string id;
    std::string store_id;
    std::string kind;
    std::string status = "running";  // running, pass, fail, inconclusive, error, cancelled
    std::vector<nlohmann::json> checks;
    nlohmann::json ready;   // an SQS run's endpoint and queue, once made
    nlohmann::json report;  // once done
    std::string error;
    std::int64_t started_ms = 0;
    std::int64_t ended_ms = 0;
    std::uint64_t version = 0;  // of its last change
  };
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  static nlohmann::json ToJson(const Run& run);
  void Execute(std::shared_ptr<Run> run, std::shared_ptr<Store> store, nlohmann::json request);
  // Joins the threads of runs that have ended. Called with mu_ held.
  void ReapLocked() EPMOCK_REQUIRES(mu_);

  const std::shared_ptr<const CertifyRunner> runner_;
  mutable Mutex mu_;
  std::deque<std::shared_ptr<Run>> runs_ EPMOCK_GUARDED_BY(mu_);  // oldest first
  std::vector<Worker> workers_ EPMOCK_GUARDED_BY(mu_);
  std::uint64_t versions_ EPMOCK_GUARDED_BY(mu_) = 0;
  std::uint64_t started_ EPMOCK_GUARDED_BY(mu_) = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace epmock::internal

#endif  // EPMOCK_API_CERTIFY_RUNS_H_
