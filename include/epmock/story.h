// Stories: whole business flows as events (docs/STORIES.md). A story is named steps, each an
// event about a subject (the order, the customer) that stays the same resource from step
// to step: the same ids, the event's changes applied (an order.paid order is paid), and
// timestamps that move forward.
//
//   epmock::StoryOptions options;
//   options.seed = 7;                       // the same seed, the same resources and plan
//   auto run = server.RunStory("client", "checkout", options);
//   ASSERT_TRUE(run.ok());
//   ASSERT_TRUE(server.WaitForStory("client", run->id, std::chrono::seconds(10)));
#ifndef EPMOCK_STORY_H_
#define EPMOCK_STORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmock {

// A story file's limits (`epmock serve --stories FILE`, ServerOptions::story_files).
inline constexpr std::size_t kMaxStoryFileBytes = 1024 * 1024;
inline constexpr int kMaxStoryFileDepth = 32;
// What a YAML story file may expand to, its aliases counted each time they are used: a
// file of a few hundred bytes of aliases of aliases must not become gigabytes.
inline constexpr std::size_t kMaxStoryFileNodes = 200000;
inline constexpr std::size_t kMaxStoryFileExpandedBytes = 8 * 1024 * 1024;
inline constexpr std::size_t kMaxStories = 100;         // in a file
inline constexpr std::size_t kMaxStorySteps = 100;      // in a story
inline constexpr std::size_t kMaxStepAlso = 4;          // further events of one step
inline constexpr int kMaxStepPauseMs = 600000;          // before a step, unscaled
inline constexpr int kMaxStoryJitterMs = 60000;         // StoryOptions::max_jitter_ms
inline constexpr std::size_t kMaxRunningStories = 64;   // at once, per server
inline constexpr std::size_t kMaxKeptStoryRuns = 1000;  // ended runs kept, per store

struct StoryStep {
  std::string event;              // an observable event key
  std::string subject;            // the resource it is about; steps naming one share it
  nlohmann::json set;             // merged into the subject (RFC 7396) at this step; null: none
  std::vector<std::string> also;  // further events for the same change, fired with it
  int pause_ms = 0;               // before the step (scaled by time_scale)
};

struct Story {
  std::string name;
  std::string description;
  std::vector<StoryStep> steps;
  bool builtin = false;

  nlohmann::json ToJson() const;
};

struct StoryOptions {
  // Fixes the resources and, with `concurrent`, the plan: which step is held back how long.
  std::uint64_t seed = 1;
  // Off: each step fires once every delivery of the step before has ended (succeeded, or
  // failed for good), so each receiver sees the steps in order. On: the steps fire as the
  // platform may fire them, concurrently, each held back by a seeded jitter of up to
  // max_jitter_ms (scaled by time_scale), so some arrive out of order.
  bool concurrent = false;
  int max_jitter_ms = 200;
  // Per subject, fields merged into its resource when it is made: {"order": {"meta": ...}}.
  nlohmann::json set = nlohmann::json::object();
  // The variety of what each step sends (as a batch's): "realistic" (its resources as the
  // story makes them), "edge-cases" or "forward-compatible".
  std::string profile = "realistic";
};

// One event a run fired (or will fire) for a step.
struct StoryEvent {
  std::size_t step = 0;
  std::string type;
  std::string subject;
  int held_back_ms = 0;  // the plan: when it fires, after the run starts (concurrent)
  std::string event_id;  // once fired
  std::vector<std::string> job_ids;
  std::size_t jobs_ended = 0;  // of job_ids, the ones whose deliveries have ended
  std::size_t jobs_succeeded = 0;
  nlohmann::json data;  // the resource it carries
};

struct StoryRun {
  std::string id;
  std::string story;
  std::string store_id;
  std::uint64_t seed = 0;
  bool concurrent = false;
  std::string profile = "realistic";
  // "running", "delivered" (every event fired and every delivery ended), "failed" (a step
  // could not fire: `error` says which and why), "stopped" (stopped, or the server stopped,
  // first).
  std::string state = "running";
  std::string error;
  std::vector<StoryEvent> events;  // in step order

  nlohmann::json ToJson() const;
};

}  // namespace epmock

#endif  // EPMOCK_STORY_H_
