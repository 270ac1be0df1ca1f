#include "events/stories.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <regex>
#include <set>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/regex.h"
#include "common/strings.h"
#include "common/thread.h"
#include "events/event_engine.h"
#include "events/synthesizer.h"
#include "events/variety.h"
#include "schema/embedded_files.h"
#include "schema/yaml_json.h"

namespace epmock {

using nlohmann::json;

json Story::ToJson() const {
  json steps = json::array();
  for (const StoryStep& step : this->steps) {
    json s = {{"event", step.event}, {"subject", step.subject}};
    if (!step.set.is_null()) s["set"] = step.set;
    if (!step.also.empty()) s["also"] = step.also;
    if (step.pause_ms > 0) s["pause_ms"] = step.pause_ms;
    steps.push_back(std::move(s));
  }
  return {{"name", name}, {"description", description}, {"builtin", builtin}, {"steps", std::move(steps)}};
}

json StoryRun::ToJson() const {
  json out_events = json::array();
  for (const StoryEvent& e : events) {
    out_events.push_back({{"step", e.step},
                          {"type", e.type},
                          {"subject", e.subject},
                          {"held_back_ms", e.held_back_ms},
                          {"event_id", e.event_id.empty() ? json(nullptr) : json(e.event_id)},
                          {"jobs", e.job_ids.size()},
                          {"jobs_ended", e.jobs_ended},
                          {"jobs_succeeded", e.jobs_succeeded},
                          {"data", e.data}});
  }
  return {{"id", id},           {"type", "story-run"},
          {"story", story},     {"store_id", store_id},
          {"seed", seed},       {"concurrent", concurrent},
          {"profile", profile}, {"state", state},
          {"error", error},     {"events", std::move(out_events)}};
}

namespace internal {
namespace {

const std::regex& StoryNamePattern() {
  static const std::regex pattern = internal::CompileRegex("^[a-z0-9][a-z0-9_-]{0,63}$");
  return pattern;
}
const std::regex& SubjectPattern() {
  static const std::regex pattern = internal::CompileRegex("^[a-z][a-z0-9_]{0,31}$");
  return pattern;
}

// "{{subject.path}}" references in a set's strings: the subjects they name.
void References(const json& value, std::vector<std::string>* out) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    for (std::size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at + 2)) {
      const std::size_t end = text.find("}}", at);
      if (end == std::string::npos) break;
      const std::string inside = text.substr(at + 2, end - at - 2);
      out->push_back(inside.substr(0, inside.find('.')));
    }
  } else if (value.is_object() || value.is_array()) {
    for (const json& item : value) References(item, out);
  }
}

std::size_t Depth(const json& value) {
  if (!value.is_object() && !value.is_array()) return 0;
  std::size_t deepest = 0;
  for (const json& item : value) deepest = std::max(deepest, Depth(item));
  return deepest + 1;
}

Status ParseStep(const json& step, const Spec& spec, const std::set<std::string>& earlier, StoryStep* out) {
  if (!step.is_object()) return Status::InvalidArgument(": a step is an object");
  for (const auto& [key, value] : step.items()) {
    if (key != "event" && key != "subject" && key != "set" && key != "also" && key != "pause_ms")
      return Status::InvalidArgument("." + key +
                                     ": not a field of a step (event, subject, set, also, pause_ms)");
  }
  auto event = step.find("event");
  if (event == step.end() || !event->is_string())
    return Status::InvalidArgument(".event: required, a string");
  out->event = event->get<std::string>();
  const std::optional<ObservableEvent> observable = spec.LookupEvent(out->event);
  if (!observable)
    return Status::InvalidArgument(".event: '" + out->event.substr(0, 128) + "' is not an observable event");
  out->subject = observable->resource;
  std::replace(out->subject.begin(), out->subject.end(), '-', '_');
  if (auto subject = step.find("subject"); subject != step.end()) {
    if (!subject->is_string() || !std::regex_match(subject->get<std::string>(), SubjectPattern()))
      return Status::InvalidArgument(".subject: a name of 1 to 32 of [a-z0-9_], starting with a letter");
    out->subject = subject->get<std::string>();
  }
  if (auto set = step.find("set"); set != step.end()) {
    if (!set->is_object()) return Status::InvalidArgument(".set: an object (merged into the subject)");
    std::vector<std::string> named;
    References(*set, &named);
    for (const std::string& subject : named) {
      if (subject != "time" && subject != out->subject && !earlier.count(subject)) {
        return Status::InvalidArgument(".set: {{" + subject.substr(0, 64) +
                                       "...}} names no subject of this or an earlier step");
      }
    }
    out->set = *set;
  }
  if (auto also = step.find("also"); also != step.end()) {
    if (!also->is_array() || also->size() > kMaxStepAlso)
      return Status::InvalidArgument(".also: an array of at most " + std::to_string(kMaxStepAlso) +
                                     " event keys");
    for (std::size_t i = 0; i < also->size(); ++i) {
      const json& key = (*also)[i];
      const std::string where = ".also[" + std::to_string(i) + "]";
      if (!key.is_string()) return Status::InvalidArgument(where + ": an event key (a string)");
      const std::optional<ObservableEvent> other = spec.LookupEvent(key.get<std::string>());
      if (!other)
        return Status::InvalidArgument(where + ": '" + key.get<std::string>().substr(0, 128) +
                                       "' is not an observable event");
      if (other->resource != observable->resource)
        return Status::InvalidArgument(where + ": " + other->key + " is about a " + other->resource +
                                       ", not a " + observable->resource +
                                       " (the step's change is one resource's)");
      out->also.push_back(other->key);
    }
  }
  if (auto pause = step.find("pause_ms"); pause != step.end()) {
    if (!pause->is_number_integer() || pause->get<std::int64_t>() < 0 ||
        pause->get<std::int64_t>() > kMaxStepPauseMs)
      return Status::InvalidArgument(".pause_ms: a whole number from 0 to " +
                                     std::to_string(kMaxStepPauseMs));
    out->pause_ms = pause->get<int>();
  }
  return Status::Ok();
}

StatusOr<Story> ParseStory(const json& story, const Spec& spec) {
  if (!story.is_object()) return Status::InvalidArgument(": a story is an object");
  for (const auto& [key, value] : story.items()) {
    if (key != "name" && key != "description" && key != "steps")
      return Status::InvalidArgument(": " + key + ": not a field of a story (name, description, steps)");
  }
  Story out;
  auto name = story.find("name");
  if (name == story.end() || !name->is_string() ||
      !std::regex_match(name->get<std::string>(), StoryNamePattern()))
    return Status::InvalidArgument(
        ": name: required, 1 to 64 of [a-z0-9_-], starting with a letter or digit");
  out.name = name->get<std::string>();
  if (auto description = story.find("description"); description != story.end()) {
    if (!description->is_string() || description->get_ref<const std::string&>().size() > 1024)
      return Status::InvalidArgument(": description: a string of at most 1024 characters");
    out.description = description->get<std::string>();
  }
  auto steps = story.find("steps");
  if (steps == story.end() || !steps->is_array() || steps->empty() || steps->size() > kMaxStorySteps)
    return Status::InvalidArgument(": steps: required, 1 to " + std::to_string(kMaxStorySteps) + " steps");
  std::set<std::string> subjects;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    StoryStep step;
    Status ok = ParseStep((*steps)[i], spec, subjects, &step);
    if (!ok.ok()) return ok.WithContext(": steps[" + std::to_string(i) + "]");
    subjects.insert(step.subject);
    out.steps.push_back(std::move(step));
  }
  return out;
}

// The value at "a.b.0" in a resource, or null when there is none.
const json* At(const json& resource, const std::string& path) {
  const json* node = &resource;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    const std::string part = path.substr(start, dot - start);
    if (node->is_object()) {
      auto it = node->find(part);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array() && !part.empty() &&
               part.find_first_not_of("0123456789") == std::string::npos && part.size() < 9 &&
               std::stoul(part) < node->size()) {
      node = &(*node)[std::stoul(part)];
    } else {
      return nullptr;
    }
    start = dot + 1;
  }
  return node;
}

// A set with its references replaced by the values they name: a string that is one
// reference takes the value itself, a longer one the value's text.
Status Resolve(json& value, const std::map<std::string, Resource>& subjects, const std::string& time) {
  if (value.is_object() || value.is_array()) {
    for (json& item : value) {
      Status ok = Resolve(item, subjects, time);
      if (!ok.ok()) return ok;
    }
    return Status::Ok();
  }
  if (!value.is_string()) return Status::Ok();
  std::string text = value.get<std::string>();
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", from)) {
    const std::size_t end = text.find("}}", at);
    if (end == std::string::npos) break;
    const std::string inside = text.substr(at + 2, end - at - 2);
    json found;
    if (inside == "time") {
      found = time;
    } else {
      const std::string subject = inside.substr(0, inside.find('.'));
      auto it = subjects.find(subject);
      const json* node = it == subjects.end() || inside.find('.') == std::string::npos
                             ? nullptr
                             : At(it->second.data, inside.substr(subject.size() + 1));
      if (!node) return Status::InvalidArgument("{{" + inside + "}}: the " + subject + " has no such field");
      found = *node;
    }
    if (at == 0 && end + 2 == text.size()) {
      value = found;
      return Status::Ok();
    }
    out += text.substr(from, at - from) + (found.is_string() ? found.get<std::string>() : found.dump());
    from = end + 2;
  }
  value = out + text.substr(std::min(from, text.size()));
  return Status::Ok();
}

std::string StoryTime(std::int64_t ms) { return Rfc3339Millis(ms).substr(0, 19) + "Z"; }

}  // namespace

StatusOr<std::vector<Story>> ParseStories(const json& document, const Spec& spec, const std::string& where,
                                          bool builtin) {
  if (!document.is_object()) return Status::InvalidArgument(where + "a stories file is an object");
  for (const auto& [key, value] : document.items()) {
    if (key != "stories" && key != "description")
      return Status::InvalidArgument(where + key + ": not a field of a stories file (description, stories)");
  }
  auto stories = document.find("stories");
  if (stories == document.end() || !stories->is_array() || stories->size() > kMaxStories)
    return Status::InvalidArgument(where + "stories: required, an array of at most " +
                                   std::to_string(kMaxStories) + " stories");
  std::vector<Story> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < stories->size(); ++i) {
    const json& entry = (*stories)[i];
    std::string label = where + "stories[" + std::to_string(i) + "]";
    if (entry.is_object() && entry.contains("name") && entry["name"].is_string())
      label += " (" + entry["name"].get<std::string>().substr(0, 64) + ")";
    StatusOr<Story> story = ParseStory(entry, spec);
    if (!story.ok()) return Status::InvalidArgument(label + story.status().message());
    if (!names.insert(story->name).second)
      return Status::InvalidArgument(label + ": the name is taken twice");
    Story parsed = *story;
    parsed.builtin = builtin;
    out.push_back(std::move(parsed));
  }
  return out;
}

StatusOr<std::vector<Story>> ParseStoryText(const std::string& text, const Spec& spec,
                                            const std::string& where) {
  if (text.size() > kMaxStoryFileBytes)
    return Status::InvalidArgument(where + "a story file is at most " + std::to_string(kMaxStoryFileBytes) +
                                   " bytes");
  // Checked before any parser sees it: its depth (they recurse) and its encoding (a YAML
  // parser passes any bytes through, and what is not UTF-8 cannot be shown as JSON).
  if (JsonTextDepth(text) > static_cast<std::size_t>(kMaxStoryFileDepth))
    return Status::InvalidArgument(where + "nested deeper than " + std::to_string(kMaxStoryFileDepth) +
                                   " levels");
  if (!IsValidUtf8(text)) return Status::InvalidArgument(where + "not valid UTF-8");
  json document;
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    document = json::parse(text, nullptr, false);
    if (document.is_discarded()) return Status::InvalidArgument(where + "not valid JSON");
  } else {
    StatusOr<json> parsed = YamlToJson(text, YamlLimits{kMaxStoryFileNodes, kMaxStoryFileExpandedBytes,
                                                        static_cast<std::size_t>(kMaxStoryFileDepth)});
    if (!parsed.ok()) return parsed.status().WithContext(where);
    document = *parsed;
  }
  if (Depth(document) > static_cast<std::size_t>(kMaxStoryFileDepth))
    return Status::InvalidArgument(where + "nested deeper than " + std::to_string(kMaxStoryFileDepth) +
                                   " levels");
  return ParseStories(document, spec, where, false);
}

StatusOr<std::vector<Story>> LoadStoryFile(const std::string& path, const Spec& spec) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read the story file " + path);
  std::string text(kMaxStoryFileBytes + 1, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return ParseStoryText(text, spec, path + ": ");
}

std::vector<Story> BuiltinStories(const Spec& spec) {
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (file.name != "stories.json") continue;
    StatusOr<std::vector<Story>> stories =
        ParseStories(json::parse(file.content.begin(), file.content.end()), spec, "stories.json: ", true);
    // The built-ins are checked by the suite against the built-in catalog; a catalog that
    // lacks their keys (a --schema-dir of another revision) has none.
    return stories.ok() ? *stories : std::vector<Story>{};
  }
  return {};
}

// A run and what it needs to play: its store, the plan, and the run as it goes. The store is
// not owned here: the store holds its runs (a part), so an owning pointer back would be a
// cycle that no store outlives; the run's Playing entry owns the store while its thread is
// not joined, and every other holder of a run got it from the store it holds.
struct StoryRunner::Active {
  Store* store = nullptr;
  std::vector<int> pause_ms;             // per step, scaled (sequential runs)
  std::vector<nlohmann::json> included;  // per event of the run
  StoryRun run;
  std::size_t bytes = 0;        // of its plan's resources, as JSON text: what retention counts
  bool stop_requested = false;  // StopRun; guarded by the runner's mu_
  // Where its thread is (guarded by the runner's mu_), for SettledAt: at work, asleep until
  // `wake_at`, waiting for the jobs of its first `waiting_for` events to end, or done.
  enum class Phase { kAwake, kAsleep, kWaiting, kDone };
  Phase phase = Phase::kAwake;
  Clock::TimePoint wake_at{};
  std::size_t waiting_for = 0;
};

// A store's runs, oldest first, and how many ended runs retention dropped. Taken under the
// runner's mu_ (lock order: the runner's, then this); its Clear (the store's reset, once
// StopRunsOf ended the running ones) needs only its own.
class StoryRunner::StoreRuns : public StorePart {
 public:
  void Clear() override {
    MutexLock lock(&mu);
    runs.clear();
    dropped = 0;
  }

  Mutex mu;
  std::deque<std::shared_ptr<Active>> runs EPMOCK_GUARDED_BY(mu);
  std::uint64_t dropped EPMOCK_GUARDED_BY(mu) = 0;
};

StoryRunner::StoryRunner(EventEngine& engine, std::shared_ptr<const Spec> spec, double time_scale,
                         StoryRunLimits limits)
    : engine_(engine),
      spec_(std::move(spec)),
      time_scale_(time_scale),
      limits_(limits),
      stories_(BuiltinStories(*spec_)) {}

StoryRunner::~StoryRunner() { Stop(); }

Status StoryRunner::Add(std::vector<Story> stories) {
  MutexLock lock(&mu_);
  for (const Story& story : stories) {
    for (const Story& have : stories_) {
      if (have.name == story.name)
        return Status::AlreadyExists("a story named " + story.name + " is already " +
                                     (have.builtin ? "built in" : "loaded"));
    }
  }
  for (Story& story : stories) stories_.push_back(std::move(story));
  return Status::Ok();
}

std::vector<Story> StoryRunner::Stories() const {
  MutexLock lock(&mu_);
  return stories_;
}

std::optional<Story> StoryRunner::Find(const std::string& name) const {
  MutexLock lock(&mu_);
  for (const Story& story : stories_) {
    if (story.name == name) return story;
  }
  return std::nullopt;
}

StatusOr<StoryRun> StoryRunner::Start(const std::shared_ptr<Store>& store, const std::string& name,
                                      const StoryOptions& options) {
  StatusOr<std::vector<StoryRun>> started = StartMany(store, name, options, 1);
  if (!started.ok()) return started.status();
  return started->front();
}

StatusOr<std::vector<StoryRun>> StoryRunner::StartMany(const std::shared_ptr<Store>& store,
                                                       const std::string& name, const StoryOptions& options,
                                                       std::size_t count) {
  const std::optional<Story> story = Find(name);
  if (!story)
    return Status::NotFound("no story named " + name.substr(0, 64) + " (GET /__admin/stories lists them)");
  if (options.max_jitter_ms < 0 || options.max_jitter_ms > kMaxStoryJitterMs)
    return Status::InvalidArgument("max_jitter_ms: a whole number from 0 to " +
                                   std::to_string(kMaxStoryJitterMs));
  if (Status profile = CheckVarietyProfile(options.profile); !profile.ok()) return profile;
  if (!options.set.is_null() && !options.set.is_object())
    return Status::InvalidArgument("set: an object of subjects' fields: {\"order\": {...}}");
  if (options.set.is_object()) {
    std::set<std::string> subjects;
    for (const StoryStep& step : story->steps) subjects.insert(step.subject);
    for (const auto& [subject, fields] : options.set.items()) {
      if (subjects.count(subject)) continue;
      std::string named;
      for (const std::string& s : subjects) named += (named.empty() ? "" : ", ") + s;
      return Status::InvalidArgument("set: the story " + name + " has no subject '" + subject.substr(0, 64) +
                                     "' (its subjects: " + named + ")");
    }
  }
  if (count < 1 || count > kMaxRunningStories)
    return Status::InvalidArgument("count: a whole number from 1 to " + std::to_string(kMaxRunningStories) +
                                   " (the runs a server plays at once)");
  // Every run is planned before any starts: a bad plan starts none.
  std::vector<std::shared_ptr<Active>> planned;
  for (std::size_t i = 0; i < count; ++i) {
    StoryOptions own = options;
    own.seed = options.seed + i;  // each run its own resources, the whole batch fixed by the seed
    StatusOr<std::shared_ptr<Active>> active = Plan(store, *story, own);
    if (!active.ok()) return active.status();
    planned.push_back(*std::move(active));
  }

  JoinOnExit ended;  // threads of ended runs, joined once mu_ is released
  MutexLock lock(&mu_);
  if (stopping_) return Status::FailedPrecondition("the server is not running");
  std::size_t running = 0, running_here = 0;
  for (const Playing& playing : threads_) {
    const std::shared_ptr<Active>& other = playing.active;
    running += other->run.state == "running";
    running_here += other->run.state == "running" && other->store == store.get();
  }
  if (running + count > kMaxRunningStories) {
    return Status::ResourceExhausted(std::to_string(running) + " stories are running and at most " +
                                     std::to_string(kMaxRunningStories) +
                                     " may run at once; wait for some to end");
  }
  if (running_here + count > limits_.running_per_store) {
    return Status::ResourceExhausted(
        "this store has " + std::to_string(running_here) +
        " story runs running and a store may run at most " + std::to_string(limits_.running_per_store) +
        " at once (--max-story-runs-per-store); wait for some to end, or stop one "
        "(DELETE /__admin/stories/runs/{id})");
  }
  // Threads of runs that have ended are joined on the way out (they only return once their
  // run's state is set), so a long-running server holds a thread per running story, not per
  // story run.
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->active->run.state == "running") {
      ++it;
      continue;
    }
    ended.Add(std::move(it->thread));
    it = threads_.erase(it);
  }
  std::vector<StoryRun> out;
  StoreRuns& runs = store->Part<StoreRuns>();
  for (std::shared_ptr<Active>& active : planned) {
    active->run.id = "story-" + std::to_string(next_run_++);
    {
      MutexLock runs_lock(&runs.mu);
      runs.runs.push_back(active);
    }
    out.push_back(active->run);
    threads_.push_back({active, store, StartThread("story", [this, store, active] { Play(store, active); })});
  }
  RetainLocked(*store);
  if (engine_.ids().derived()) {
    // The same bytes every run (common/ids.h): what the runs fire at this instant has fired
    // before the start answers, so whatever the caller does next comes after it every time.
    const Clock::TimePoint now = engine_.clock().Now();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto firing = [&] {
      for (const std::shared_ptr<Active>& active : planned) {
        if (active->phase == Active::Phase::kAwake ||
            (active->phase == Active::Phase::kAsleep && active->wake_at <= now && !active->stop_requested))
          return true;
      }
      return false;
    };
    while (!stopping_ && firing() && settled_.WaitUntil(&mu_, deadline)) {
    }
  }
  return out;
}

void StoryRunner::RetainLocked(Store& store) {
  StoreRuns& runs = store.Part<StoreRuns>();
  MutexLock lock(&runs.mu);
  std::size_t ended = 0, bytes = 0;
  for (const auto& active : runs.runs) {
    ended += active->run.state != "running";
    bytes += active->bytes;
  }
  // The store's oldest ended runs go first; a running run is never dropped.
  for (auto it = runs.runs.begin();
       it != runs.runs.end() && (ended > limits_.kept_per_store || bytes > limits_.kept_bytes_per_store);) {
    const Active& active = **it;
    if (active.run.state == "running") {
      ++it;
      continue;
    }
    --ended;
    bytes -= active.bytes;
    ++runs.dropped;
    it = runs.runs.erase(it);
  }
}

std::shared_ptr<StoryRunner::Active> StoryRunner::FindLocked(const std::shared_ptr<Store>& store,
                                                             const std::string& run_id) const {
  StoreRuns* runs = store ? store->FindPart<StoreRuns>() : nullptr;
  if (!runs) return nullptr;
  MutexLock lock(&runs->mu);
  for (const auto& active : runs->runs) {
    if (active->run.id == run_id) return active;
  }
  return nullptr;
}

StatusOr<std::shared_ptr<StoryRunner::Active>> StoryRunner::Plan(const std::shared_ptr<Store>& store,
                                                                 const Story& story_def,
                                                                 const StoryOptions& options) const {
  const Story* story = &story_def;

  // The plan: every step's resource, made now, so that a bad one fails the call, and the
  // same seed makes the same resources and hold-backs.
  auto active = std::make_shared<Active>();
  active->store = store.get();
  StoryRun& run = active->run;
  run.story = story->name;
  run.store_id = store->id();
  run.seed = options.seed;
  run.concurrent = options.concurrent;
  run.profile = options.profile;
  Synthesizer synthesizer(spec_, options.seed, engine_.clock());
  std::mt19937_64 jitter(options.seed ^ 0x9e3779b97f4a7c15ULL);
  std::map<std::string, Resource> subjects;
  const std::int64_t start_ms = engine_.clock().EpochNanos() / 1000000;
  int elapsed_ms = 0;  // of the plan, for concurrent runs
  for (std::size_t i = 0; i < story->steps.size(); ++i) {
    const StoryStep& step = story->steps[i];
    const std::string label = "steps[" + std::to_string(i) + "] (" + step.event + ")";
    const std::optional<ObservableEvent> event = spec_->LookupEvent(step.event);
    if (!event) return Status::InvalidArgument(label + ": not an observable event of this server's catalog");
    const std::string time = StoryTime(start_ms + static_cast<std::int64_t>(i) * 1000);
    auto subject = subjects.find(step.subject);
    if (subject == subjects.end()) {
      StatusOr<Resource> made = synthesizer.Synthesize(*event);
      if (!made.ok()) return made.status().WithContext(label + ": ");
      subject = subjects.emplace(step.subject, *made).first;
      if (options.set.is_object() && options.set.contains(step.subject)) {
        json patch = options.set[step.subject];
        if (!patch.is_object())
          return Status::InvalidArgument("set." + step.subject + ": an object of fields");
        Status resolved = Resolve(patch, subjects, time);
        if (!resolved.ok()) return resolved.WithContext("set." + step.subject + ": ");
        subject->second.data.merge_patch(patch);
      }
    } else {
      subject->second.data.merge_patch(synthesizer.Changes(*event));
      SettleOrder(subject->second.data);  // an order.paid order owes nothing
    }
    json& data = subject->second.data;
    if (!step.set.is_null()) {
      json patch = step.set;
      Status resolved = Resolve(patch, subjects, time);
      if (!resolved.ok()) return resolved.WithContext(label + ".set: ");
      data.merge_patch(patch);
    }
    if (json* updated = const_cast<json*>(At(data, "meta.timestamps.updated_at"));
        updated && updated->is_string())
      *updated = time;
    std::vector<SchemaViolation> violations = spec_->ValidateResource(event->resource, data);
    if (!violations.empty()) {
      return Status::InvalidArgument(label + ": the " + step.subject + " breaks its schema at " +
                                     violations[0].source + ": " + violations[0].detail);
    }
    const int pause = static_cast<int>(step.pause_ms * time_scale_);
    active->pause_ms.push_back(pause);
    elapsed_ms += pause;
    const int held =
        options.concurrent
            ? elapsed_ms + static_cast<int>(
                               jitter() % static_cast<std::uint64_t>(options.max_jitter_ms * time_scale_ + 1))
            : 0;
    std::vector<std::string> types = {step.event};
    types.insert(types.end(), step.also.begin(), step.also.end());
    for (const std::string& type : types) {
      StoryEvent planned;
      planned.step = i;
      planned.type = type;
      planned.subject = step.subject;
      planned.held_back_ms = held;
      planned.data = data;
      run.events.push_back(std::move(planned));
      active->included.push_back(subject->second.included);
    }
  }
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    active->bytes += run.events[i].data.dump().size() + active->included[i].dump().size();
  }
  return active;
}

bool StoryRunner::StopRequested(const Active& active) const {
  MutexLock lock(&mu_);
  return stopping_ || active.stop_requested;
}

bool StoryRunner::SleepUntil(Clock::TimePoint due, Active& active) {
  Clock& clock = engine_.clock();
  MutexLock lock(&mu_);
  active.phase = Active::Phase::kAsleep;
  active.wake_at = due;
  settled_.SignalAll();
  clock.Changed();  // an advance waiting for this thread to settle looks again
  while (!stopping_ && !active.stop_requested && clock.Now() < due) clock.WaitUntil(&mu_, &changed_, due);
  active.phase = Active::Phase::kAwake;
  return !stopping_ && !active.stop_requested;
}

bool StoryRunner::SettledAt(Clock::TimePoint now) const {
  // The jobs each waiting run waits for, copied under the lock and looked at without it.
  std::vector<std::pair<Store*, std::vector<std::string>>> waiting;
  {
    MutexLock lock(&mu_);
    for (const Playing& playing : threads_) {
      const Active& active = *playing.active;
      switch (active.phase) {
        case Active::Phase::kDone:
          break;
        case Active::Phase::kAwake:
          return false;
        case Active::Phase::kAsleep:
          if (active.wake_at <= now || stopping_ || active.stop_requested) return false;  // about to wake
          break;
        case Active::Phase::kWaiting: {
          std::vector<std::string> jobs;
          for (std::size_t i = 0; i < active.waiting_for && i < active.run.events.size(); ++i)
            jobs.insert(jobs.end(), active.run.events[i].job_ids.begin(), active.run.events[i].job_ids.end());
          waiting.emplace_back(active.store, std::move(jobs));
          break;
        }
      }
    }
  }
  for (const auto& [store, jobs] : waiting) {
    const bool ended = std::all_of(jobs.begin(), jobs.end(), [store = store](const std::string& job) {
      bool succeeded = false;
      return store->JobEnded(job, &succeeded);
    });
    if (ended) return false;  // its thread is about to go on
  }
  return true;
}

void StoryRunner::Play(const std::shared_ptr<Store>& store, const std::shared_ptr<Active>& active) {
  Clock& clock = engine_.clock();  // step timing follows the engine's clock, virtual or real
  const Clock::TimePoint start = clock.Now();
  std::vector<std::size_t> order(active->run.events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (active->run.concurrent) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return active->run.events[a].held_back_ms < active->run.events[b].held_back_ms;
    });
  }
  auto finish = [&](const std::string& state, const std::string& error) {
    MutexLock lock(&mu_);
    active->run.state = state;
    active->run.error = error;
    active->phase = Active::Phase::kDone;
    settled_.SignalAll();
    clock.Changed();
    RetainLocked(*store);  // ended now, it may be dropped
    changed_.SignalAll();
    store->changes().Notify();  // for /__admin/wait?story_run=
  };
  // Whether every job of these events has ended (deliveries end on other threads).
  auto ended = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      for (const std::string& job : active->run.events[i].job_ids) {
        bool succeeded = false;
        if (!store->JobEnded(job, &succeeded)) return false;
      }
    }
    return true;
  };
  // Woken by the store's changes (each attempt's log is one) and by a stop, which announces
  // itself on the store too; no deadline: a delivery ends, or the run is stopped.
  auto wait_ended = [&](std::size_t from, std::size_t to) {
    ChangeSignal& changes = store->changes();
    {
      MutexLock lock(&mu_);
      active->phase = Active::Phase::kWaiting;
      active->waiting_for = to;
      settled_.SignalAll();
      clock.Changed();
    }
    for (;;) {
      const std::uint64_t seen = changes.version();
      if (ended(from, to) || StopRequested(*active)) break;
      // Real time: a bound for the loop to look again, not a due time of the run.
      changes.WaitUntil(seen, std::chrono::steady_clock::now() + std::chrono::hours(1));
    }
    MutexLock lock(&mu_);
    active->phase = Active::Phase::kAwake;
    return !stopping_ && !active->stop_requested;
  };
  std::size_t fired = 0;
  while (fired < order.size()) {
    const std::size_t index = order[fired];
    StoryEvent& planned = active->run.events[index];
    if (active->run.concurrent) {
      if (!SleepUntil(start + std::chrono::milliseconds(planned.held_back_ms), *active))
        return finish("stopped", "");
    } else if (index == 0 || active->run.events[index - 1].step != planned.step) {
      // A new step: the one before has ended for every receiver, then its pause.
      if (!wait_ended(0, index)) return finish("stopped", "");
      if (!SleepUntil(clock.Now() + std::chrono::milliseconds(active->pause_ms[planned.step]), *active))
        return finish("stopped", "");
    }
    TriggerRequest request{planned.type, planned.data, std::nullopt};
    if (!active->included[index].is_null()) request.included = active->included[index];
    // Its id names the run and the step's event (common/ids.h): the same on every run of a
    // test, whatever the test's own thread triggers meanwhile.
    const std::string id_name = store->id() + '/' + active->run.id + "/event/" + std::to_string(index);
    // A profile other than realistic varies what the step sends, as a batch's does, by the
    // run's seed and the event's place.
    StatusOr<TriggeredEvent> event =
        active->run.profile == "realistic"
            ? engine_.Trigger(store, request, id_name)
            : engine_.TriggerVaried(store, planned.type, Resource{planned.data, active->included[index]},
                                    active->run.profile, active->run.seed * 1000003 + index, index, id_name);
    if (!event.ok()) {
      return finish("failed", "steps[" + std::to_string(planned.step) + "] (" + planned.type +
                                  "): " + event.status().message());
    }
    {
      MutexLock lock(&mu_);
      planned.event_id = event->id;
      planned.data = event->data;
      for (const EventJob& job : event->jobs) planned.job_ids.push_back(job.job_id);
    }
    ++fired;
  }
  if (!wait_ended(0, order.size())) return finish("stopped", "");
  finish("delivered", "");
}

StoryRun StoryRunner::Snapshot(const Active& active) const {
  StoryRun run = active.run;
  for (StoryEvent& event : run.events) {
    for (const std::string& job : event.job_ids) {
      bool succeeded = false;
      if (active.store->JobEnded(job, &succeeded)) {
        ++event.jobs_ended;
        event.jobs_succeeded += succeeded;
      }
    }
  }
  return run;
}

std::optional<StoryRun> StoryRunner::Run(const std::shared_ptr<Store>& store,
                                         const std::string& run_id) const {
  MutexLock lock(&mu_);
  const std::shared_ptr<Active> active = FindLocked(store, run_id);
  if (!active) return std::nullopt;
  return Snapshot(*active);
}

std::vector<StoryRun> StoryRunner::RunsPage(const std::shared_ptr<Store>& store, std::size_t offset,
                                            std::size_t limit, std::size_t* total,
                                            std::uint64_t* dropped) const {
  *total = 0;
  *dropped = 0;
  StoreRuns* runs = store ? store->FindPart<StoreRuns>() : nullptr;
  if (!runs) return {};
  MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Active>> page;
  {
    MutexLock runs_lock(&runs->mu);
    *total = runs->runs.size();
    *dropped = runs->dropped;
    for (std::size_t i = offset; i < runs->runs.size() && page.size() < limit; ++i) {
      page.push_back(runs->runs[runs->runs.size() - 1 - i]);
    }
  }
  std::vector<StoryRun> out;
  for (const auto& active : page) out.push_back(Snapshot(*active));  // reads the store: no part lock held
  return out;
}

StatusOr<StoryRun> StoryRunner::StopRun(const std::shared_ptr<Store>& store, const std::string& run_id) {
  MutexLock lock(&mu_);
  const std::shared_ptr<Active> active = FindLocked(store, run_id);
  if (!active) return Status::NotFound("No story run " + run_id.substr(0, 64) + " in this store");
  if (active->run.state != "running") {
    return Status::FailedPrecondition("The story run " + run_id + " has ended (" + active->run.state + ")");
  }
  active->stop_requested = true;
  changed_.SignalAll();
  active->store->changes().Notify();  // it may be waiting for deliveries to end
  // Its thread ends it at once: it was sleeping, or is between two steps.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (active->run.state == "running") {
    if (!changed_.WaitUntil(&mu_, give_up)) break;
  }
  return Snapshot(*active);
}

bool StoryRunner::Wait(const std::shared_ptr<Store>& store, const std::string& run_id,
                       std::chrono::milliseconds timeout) const {
  MutexLock lock(&mu_);
  const std::shared_ptr<Active> active = FindLocked(store, run_id);
  if (!active) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (active->run.state == "running") {
    if (!changed_.WaitUntil(&mu_, deadline)) break;
  }
  return active->run.state != "running";
}

void StoryRunner::Resume() {
  MutexLock lock(&mu_);
  stopping_ = false;
}

void StoryRunner::Stop() {
  std::vector<Playing> threads;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
    changed_.SignalAll();
    // A run waiting for its deliveries to end waits on its store.
    for (const Playing& playing : threads) playing.store->changes().Notify();
  }
  for (Playing& playing : threads) playing.thread.join();
}

void StoryRunner::StopRunsOf(const Store* store) {
  MutexLock lock(&mu_);
  const auto ours = [&](const Playing& playing) {
    return (store == nullptr || playing.store.get() == store) && playing.active->run.state == "running";
  };
  for (const Playing& playing : threads_) {
    if (ours(playing)) {
      playing.active->stop_requested = true;
      playing.store->changes().Notify();  // it may be waiting for deliveries to end
    }
  }
  changed_.SignalAll();
  // Each thread ends its run at once (it was sleeping, or is between two steps); then
  // nothing of the store's runs is left to fire.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    bool running = false;
    for (const Playing& playing : threads_) running = running || ours(playing);
    if (!running || !changed_.WaitUntil(&mu_, give_up)) break;
  }
}

}  // namespace internal
}  // namespace epmock
