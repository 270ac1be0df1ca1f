#include "api/event_filter.h"

#include <algorithm>
#include <unordered_set>

#include "api/engine.h"
#include "common/clock.h"
#include "store/store.h"

namespace epmock::internal {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxFilterValue = 256;
constexpr std::size_t kMinIdSearch = 4;

Status SetMember(EventFilter* filter, const std::string& name, const std::string& value, bool* known) {
  *known = true;
  std::string* target = name == "type"             ? &filter->type
                        : name == "status"         ? &filter->status
                        : name == "integration_id" ? &filter->integration_id
                        : name == "story_run"      ? &filter->story_run
                        : name == "id"             ? &filter->id
                                                   : nullptr;
  if (!target) {
    *known = false;
    return Status::Ok();
  }
  if (value.size() > kMaxFilterValue)
    return Status::InvalidArgument(name + " is at most " + std::to_string(kMaxFilterValue) + " bytes");
  if (name == "status" && !value.empty() &&
      std::none_of(std::begin(kEventStatuses), std::end(kEventStatuses),
                   [&](const char* s) { return value == s; })) {
    return Status::InvalidArgument("status is one of delivered, retrying, failed, refused, pending, none");
  }
  if (name == "id" && !value.empty() && value.size() < kMinIdSearch)
    return Status::InvalidArgument("id: give at least " + std::to_string(kMinIdSearch) +
                                   " characters of an event id");
  *target = value;
  return Status::Ok();
}

}  // namespace

StatusOr<EventFilter> EventFilterFromParams(const Params& params, std::string* source) {
  EventFilter filter;
  for (const auto& [name, value] : params) {
    bool known = false;
    Status set = SetMember(&filter, name, value, &known);
    if (known && params.count(name) > 1) set = Status::InvalidArgument(name + " is given more than once");
    if (!set.ok()) {
      *source = name;
      return set;
    }
  }
  return filter;
}

StatusOr<EventFilter> EventFilterFromJson(const json& body, std::string* source) {
  EventFilter filter;
  for (const auto& [name, value] : body.items()) {
    *source = "/" + name.substr(0, 64);
    if (!value.is_string()) {
      return Status::InvalidArgument(name.substr(0, 64) +
                                     ": not a filter of events, or not a string (type, status, "
                                     "integration_id, story_run, id)");
    }
    bool known = false;
    Status set = SetMember(&filter, name, value.get<std::string>(), &known);
    if (!known) {
      set = Status::InvalidArgument(name.substr(0, 64) +
                                    ": not a filter of events (type, status, integration_id, story_run, id)");
    }
    if (!set.ok()) return set;
  }
  source->clear();
  return filter;
}

std::string EventStatusOf(const Store& store, const EventRecord& event, std::vector<JobStatus>* jobs) {
  if (event.jobs.empty()) return "none";
  bool failed = false, retrying = false, pending = false, refused = false;
  for (const EventJob& job : event.jobs) {
    const Store::JobProgress p = store.ProgressOf(job.job_id);
    JobStatus status;
    status.attempts = p.attempts;
    status.last_status_code = p.last_status_code;
    if (p.ended) {
      // A refusal fault's delivery is meant to be refused: how the consumer answered it is
      // what certifies it, and the job reads "refused" either way.
      status.status = !job.refusal.empty() ? "refused" : p.succeeded || !p.kept ? "delivered" : "failed";
    } else if (p.next_attempt_at_ms > 0) {
      status.status = "retrying";
      status.next_attempt_at_ms = p.next_attempt_at_ms;
    } else {
      status.status = "pending";
    }
    failed |= status.status == "failed";
    retrying |= status.status == "retrying";
    pending |= status.status == "pending";
    refused |= status.status == "refused";
    if (jobs) jobs->push_back(std::move(status));
  }
  return failed ? "failed" : retrying ? "retrying" : pending ? "pending" : refused ? "refused" : "delivered";
}

StatusOr<std::vector<std::shared_ptr<const EventRecord>>> MatchingEvents(Engine& engine,
                                                                         const std::shared_ptr<Store>& store,
                                                                         const EventFilter& filter) {
  std::unordered_set<std::string> of_run;
  if (!filter.story_run.empty()) {
    std::optional<StoryRun> run = engine.events().stories().Run(store, filter.story_run);
    if (!run) return Status::NotFound("No story run " + filter.story_run.substr(0, 64) + " in this store");
    for (const StoryEvent& e : run->events) {
      if (!e.event_id.empty()) of_run.insert(e.event_id);
    }
  }
  std::vector<std::shared_ptr<const EventRecord>> out;
  for (std::shared_ptr<const EventRecord>& event : store->Events()) {
    if (!filter.type.empty() && event->type != filter.type) continue;
    if (!filter.id.empty() && event->id.compare(0, filter.id.size(), filter.id) != 0) continue;
    if (!filter.story_run.empty() && !of_run.count(event->id)) continue;
    if (!filter.integration_id.empty() &&
        std::none_of(event->jobs.begin(), event->jobs.end(),
                     [&](const EventJob& j) { return j.integration_id == filter.integration_id; })) {
      continue;
    }
    if (!filter.status.empty() && EventStatusOf(*store, *event) != filter.status) continue;
    out.push_back(std::move(event));
  }
  return out;
}

json EventSummary(const Store& store, const EventRecord& event) {
  std::vector<JobStatus> statuses;
  const std::string status = EventStatusOf(store, event, &statuses);
  json jobs = json::array();
  for (std::size_t i = 0; i < event.jobs.size(); ++i) {
    const EventJob& job = event.jobs[i];
    const JobStatus& s = statuses[i];
    json entry = {{"id", job.job_id},
                  {"integration_id", job.integration_id},
                  {"integration_type", job.integration_type},
                  {"status", s.status},
                  {"attempts", s.attempts}};
    if (s.next_attempt_at_ms) entry["next_attempt_at"] = Rfc3339Millis(s.next_attempt_at_ms);
    if (s.last_status_code) entry["last_status_code"] = *s.last_status_code;
    if (!job.refusal.empty()) entry["refusal"] = job.refusal;
    if (job.replay) entry["replay"] = true;
    jobs.push_back(std::move(entry));
  }
  return {{"id", event.id},
          {"type", event.type},
          {"created_at", Rfc3339Millis(event.created_at_ms)},
          {"status", status},
          {"jobs", std::move(jobs)}};
}

}  // namespace epmock::internal
