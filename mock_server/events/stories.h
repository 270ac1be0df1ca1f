// Stories (epmock/story.h): the built-in ones and a user's files, checked on load, and the
// runner that plays a story into a store through the event engine.
//
// Thread-safe.
#ifndef EPMOCK_EVENTS_STORIES_H_
#define EPMOCK_EVENTS_STORIES_H_

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/mutex.h"
#include "epmock/spec.h"
#include "epmock/status.h"
#include "epmock/story.h"
#include "store/store.h"

namespace epmock::internal {

class EventEngine;

// Checks a stories document ({"stories": [...]}) against the catalog; an error names the
// story, the step and the field ("stories[0] (checkout): steps[2].event: 'order.payed' is
// not an observable event"). `where` prefixes it (a file's name).
StatusOr<std::vector<Story>> ParseStories(const nlohmann::json& document, const Spec& spec,
                                          const std::string& where, bool builtin);
// Checks a story file's text (JSON or YAML; kMaxStoryFileBytes, kMaxStoryFileDepth, UTF-8).
StatusOr<std::vector<Story>> ParseStoryText(const std::string& text, const Spec& spec,
                                            const std::string& where);
// Reads a story file and checks it (ParseStoryText).
StatusOr<std::vector<Story>> LoadStoryFile(const std::string& path, const Spec& spec);
// The built-in stories (schemas/stories.json, compiled in).
std::vector<Story> BuiltinStories(const Spec& spec);

// What a store may hold of the runner: runs running at once, and ended runs kept.
struct StoryRunLimits {
  std::size_t running_per_store = 16;                   // of kMaxRunningStories
  std::size_t kept_per_store = kMaxKeptStoryRuns;       // ended runs, by count
  std::size_t kept_bytes_per_store = 64 * 1024 * 1024;  // every run's plan, by bytes
};

class StoryRunner {
 public:
  StoryRunner(EventEngine& engine, std::shared_ptr<const Spec> spec, double time_scale,
              StoryRunLimits limits = {});
  ~StoryRunner();
  StoryRunner(const StoryRunner&) = delete;
  StoryRunner& operator=(const StoryRunner&) = delete;

  // Adds loaded stories; a name already taken (built-in or loaded) is an error.
  Status Add(std::vector<Story> stories);
  std::vector<Story> Stories() const;
  std::optional<Story> Find(const std::string& name) const;

  // Plans the run (every step's resource, made and checked against its schema, and, when
  // concurrent, each step's hold-back) and starts it; the plan is returned at once.
  StatusOr<StoryRun> Start(const std::shared_ptr<Store>& store, const std::string& name,
                           const StoryOptions& options);
  // COUNT runs of the story at once (1 to kMaxRunningStories), the i-th with seed
  // options.seed + i: each about resources of its own. All start, or none (a bad plan, or
  // not room for all beside the runs already running).
  StatusOr<std::vector<StoryRun>> StartMany(const std::shared_ptr<Store>& store, const std::string& name,
                                            const StoryOptions& options, std::size_t count);
  // A store's runs are a part of it (store/parts.h), forgotten by its Clear with the rest of
  // it; the runner holds the threads of the running ones, and their stores until each thread
  // is joined (a run does not own its store: that would be a cycle). Each call below takes the store,
  // which may be null (a client that never used the server): it has no runs.

  // A run as it stands (its events' delivery counts read now), if this store has it.
  std::optional<StoryRun> Run(const std::shared_ptr<Store>& store, const std::string& run_id) const;
  // A page of the store's runs, newest first: only the page is copied. `total` is what the
  // store keeps, `dropped` the ended runs retention has dropped.
  std::vector<StoryRun> RunsPage(const std::shared_ptr<Store>& store, std::size_t offset, std::size_t limit,
                                 std::size_t* total, std::uint64_t* dropped) const;
  // Ends a running run as "stopped" (its events fired so far stay fired) and returns it as it
  // stands; NotFound when the store has no such run, FailedPrecondition when it has ended.
  StatusOr<StoryRun> StopRun(const std::shared_ptr<Store>& store, const std::string& run_id);
  // Waits until the run is no longer running (delivered, failed or stopped).
  bool Wait(const std::shared_ptr<Store>& store, const std::string& run_id,
            std::chrono::milliseconds timeout) const;

  // Whether no run's thread is at work or about to be at `now`: each sleeps until a later
  // time, or waits for deliveries not yet ended. What an advance of a virtual clock waits for
  // beside the dispatcher (a step due at a time fires its event at that time).
  bool SettledAt(Clock::TimePoint now) const EPMOCK_EXCLUDES(mu_);

  void Resume();  // runs may start (the engine started)
  void Stop();    // running runs end as "stopped"; their threads are joined
  // Ends the store's running runs (every store's, given null) as at StopRun, so that none
  // fires into it afterwards: what a reset does before the store is cleared.
  void StopRunsOf(const Store* store);

 private:
  struct Active;
  class StoreRuns;  // the part of a store that holds its runs
  StatusOr<std::shared_ptr<Active>> Plan(const std::shared_ptr<Store>& store, const Story& story,
                                         const StoryOptions& options) const;
  // A run's thread: the store is held by the run's Playing entry until the thread is joined.
  void Play(const std::shared_ptr<Store>& store, const std::shared_ptr<Active>& active);
  StoryRun Snapshot(const Active& active) const;
  bool StopRequested(const Active& active) const;  // Stop or the run's StopRun
  // Sleeps until the due time by the engine's clock, Stop or the run's StopRun; false when
  // stopped.
  bool SleepUntil(Clock::TimePoint due, Active& active);
  // Drops the store's oldest ended runs beyond the limits.
  void RetainLocked(Store& store) EPMOCK_REQUIRES(mu_);
  // The store's run with this id, if it has it.
  std::shared_ptr<Active> FindLocked(const std::shared_ptr<Store>& store, const std::string& run_id) const
      EPMOCK_REQUIRES(mu_);

  EventEngine& engine_;
  const std::shared_ptr<const Spec> spec_;
  const double time_scale_;
  const StoryRunLimits limits_;
  mutable Mutex mu_;
  mutable CondVar changed_;
  CondVar settled_;  // a run's thread went to sleep, to wait, or ended (Start's wait, derived ids)
  std::vector<Story> stories_ EPMOCK_GUARDED_BY(mu_);
  // A run whose thread is not joined yet, and its store, owned here until then.
  struct Playing {
    std::shared_ptr<Active> active;
    std::shared_ptr<Store> store;
    std::thread thread;
  };
  // Every run whose thread is not joined yet: the running ones, and ended ones joined at the
  // next start or at Stop. Moved out under mu_ and joined with it released.
  std::vector<Playing> threads_ EPMOCK_GUARDED_BY(mu_);
  bool stopping_ EPMOCK_GUARDED_BY(mu_) = true;  // until the engine starts (Resume)
  std::uint64_t next_run_ EPMOCK_GUARDED_BY(mu_) = 1;
};

}  // namespace epmock::internal

#endif  // EPMOCK_EVENTS_STORIES_H_
