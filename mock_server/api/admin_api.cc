#include "api/admin_api.h"

#include <limits>

#include <cctype>
#include <chrono>

#include <nlohmann/json.hpp>

#include "api/api_faults.h"
#include "api/control.h"
#include "api/dashboard.h"
#include "api/engine.h"
#include "api/errors.h"
#include "api/event_filter.h"
#include "api/integrations_api.h"
#include "api/json_body.h"
#include "api/pagination.h"
#include "common/clock.h"
#include "common/json_numbers.h"
#include "delivery/faults.h"
#include "delivery/webhook_transport.h"
#include "envelope/envelope.h"
#include "epmock/story.h"
#include "epmock/version.h"
#include "events/asyncapi.h"
#include "store/store.h"

namespace epmock::internal {

using nlohmann::json;

namespace {

HttpResponse NoContent() {
  HttpResponse response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

HttpResponse NotFound(const std::string& what) { return ErrorResponse(404, StatusTitle(404), what); }

HttpResponse UnknownCursor(const std::string& after, const std::string& what) {
  return ErrorResponse(404, StatusTitle(404),
                       "page[after]: no " + what + " '" + after +
                           "' is held (never here, or dropped by retention: see meta.dropped)",
                       "page[after]");
}

// The admin API's JSON bodies: same rules as the API's (media type, depth, syntax).
std::optional<HttpResponse> ReadJson(const HttpRequest& request, json* body, bool optional) {
  if (request.body.empty() && optional) {
    *body = json::object();
    return std::nullopt;
  }
  if (auto error = ParseJsonBody(request.body, body)) return error;
  if (!body->is_object()) return ErrorResponse(400, StatusTitle(400), "The body must be a JSON object", "");
  return std::nullopt;
}

}  // namespace

json LogWithEvent(const IntegrationLog& log) {
  json out = LogToJson(log);
  out["event_id"] = log.event_id;
  out["final"] = log.final;
  if (!log.refusal.empty()) out["refusal"] = log.refusal;
  if (log.next_attempt_at_ms > 0) out["next_attempt_at"] = Rfc3339Millis(log.next_attempt_at_ms);
  if (log.real_processing_ms) out["real_processing_ms"] = *log.real_processing_ms;
  if (!log.response_headers.empty() || log.response_headers_cut) {
    json headers = json::array();
    for (const auto& [name, value] : log.response_headers) headers.push_back({name, value});
    out["response_headers"] = std::move(headers);
    if (log.response_headers_cut) out["response_headers_cut"] = true;
  }
  return out;
}

namespace {

// What each receiver of the event was sent on an attempt, rebuilt from the event's bodies
// and the integration as it was when its job began, by the code that sends it: a webhook's
// exact request; the SQS SendMessage (less its signature, made at sending) and the CloudEvent
// in it; the STOMP SEND frame.
json SentRequests(RouteContext& c, const EventRecord& event, int attempt) {
  std::shared_ptr<const EventBodies> bodies = event.bodies;
  if (!bodies || !bodies->has_webhook || !bodies->has_cloudevent)
    bodies = BuildEventBodies(event, c.engine.spec(), {true, true, c.engine.options().cloudevent_source});
  const auto parsed = [](const std::string& text) {
    json value = json::parse(text, nullptr, false);
    return value.is_discarded() ? json(text) : value;
  };
  json out = json::array();
  for (std::size_t i = 0; i < event.jobs.size() && i < event.receivers.size(); ++i) {
    const EventJob& job = event.jobs[i];
    const Integration& integration = *event.receivers[i];
    json entry = {{"job_id", job.job_id},
                  {"integration_id", job.integration_id},
                  {"integration_type", job.integration_type},
                  {"attempt", attempt}};
    if (!job.refusal.empty()) entry["refusal"] = job.refusal;
    const json& config = integration.configuration;
    if (job.integration_type == "webhook") {
      WebhookRequest request = BuildWebhookRequest(event, *bodies, integration, attempt, job.refusal);
      json headers = json::object();
      for (const auto& [name, value] : request.headers) headers[name] = value;
      entry["method"] = "POST";
      entry["url"] = request.url;
      entry["headers"] = std::move(headers);
      entry["body"] = parsed(request.body);
    } else if (job.integration_type == "aws_sqs") {
      const std::string message = CloudEventBody(*bodies, integration.id);
      entry["method"] = "POST";
      entry["url"] = config.value("url", "");
      entry["headers"] = {
          {"Content-Type", "application/x-amz-json-1.0"},
          {"X-Amz-Target", "AmazonSQS.SendMessage"},
          {"Authorization", "AWS4-HMAC-SHA256 (signed when sent, with the integration's keys)"}};
      entry["body"] = {{"QueueUrl", config.value("url", "")}, {"MessageBody", message}};
      entry["message"] = parsed(message);
    } else {
      const std::string message = CloudEventBody(*bodies, integration.id);
      entry["frame"] = "SEND";
      entry["headers"] = {{"destination", config.value("destination", "")},
                          {"content-type", "application/json"},
                          {"persistent", "true"}};
      entry["body"] = parsed(message);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

// page[limit] and page[offset] of a list that has no cursor (a queue's or a destination's
// messages, an integration's jobs, story runs, a sink's requests).
std::optional<HttpResponse> ParseOffsetPage(const Params& params, AdminPage* page,
                                            const char* why = "This list pages by page[offset]") {
  if (auto error = ParseAdminPage(params, page)) return ErrorResponse({*error});
  if (page->after) return ErrorResponse(400, StatusTitle(400), why, "page[after]");
  return std::nullopt;
}

// A refusal of the control layer, as the admin API renders it.
HttpResponse Refused(const Status& status, std::optional<std::string> source = std::nullopt) {
  return StatusResponse(status, std::move(source));
}

const std::string& Arg(const RouteContext& c, std::size_t i) { return c.args.at(i); }

// --- Events -------------------------------------------------------------------------------

HttpResponse PostEvent(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  // A type that is no string is left empty: the control layer says it is required.
  TriggerRequest request;
  if (auto type = body.find("type"); type != body.end() && type->is_string())
    request.type = type->get<std::string>();
  if (auto data = body.find("data"); data != body.end() && !data->is_null()) request.data = *data;
  if (auto included = body.find("included"); included != body.end() && !included->is_null())
    request.included = *included;
  StatusOr<TriggeredEvent> event = c.engine.control().Trigger(c.store, request);
  if (!event.ok()) return Refused(event.status(), request.type.empty() ? "/type" : "");
  return JsonResponse(201, {{"data", event->ToJson()}});
}

HttpResponse PostBatch(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  BatchRequest request;
  for (const auto& [key, value] : body.items()) {
    if (key == "type" && value.is_string()) {
      request.type = value.get<std::string>();
    } else if (key == "count" && value.is_number_unsigned()) {
      // Saturated: a count past size_t's range is refused by the count's own check.
      request.count =
          static_cast<std::size_t>(std::min<std::uint64_t>(value.get<std::uint64_t>(), kMaxBatchEvents + 1));
    } else if (key == "seed" && value.is_number_unsigned()) {
      request.seed = value.get<std::uint64_t>();
    } else if (key == "profile" && value.is_string()) {
      request.profile = value.get<std::string>();
    } else {
      return ErrorResponse(
          422, StatusTitle(422),
          key.substr(0, 64) +
              ": not an option of a batch, or of the wrong type (type: a string, count and seed: "
              "whole numbers, profile: realistic, edge-cases or forward-compatible)",
          "/" + key.substr(0, 64));
    }
  }
  StatusOr<std::vector<BatchEvent>> events = c.engine.control().TriggerBatch(c.store, request);
  if (!events.ok()) return Refused(events.status(), request.type.empty() ? "/type" : "");
  json data = json::array();
  for (const BatchEvent& e : *events) data.push_back({{"id", e.event_id}, {"variety", e.variety}});
  const std::size_t count = data.size();
  return JsonResponse(
      201, {{"data", std::move(data)}, {"meta", {{"count", count}, {"profile", request.profile}}}});
}

// fields=summary, or the whole event; anything else is refused.
std::optional<HttpResponse> ParseFields(const Params& params, bool* summary) {
  *summary = false;
  auto it = params.find("fields");
  if (it == params.end()) return std::nullopt;
  if (it->second != "summary" || params.count("fields") > 1)
    return ErrorResponse(400, StatusTitle(400),
                         "fields is summary (each event without its resources), or absent", "fields");
  *summary = true;
  return std::nullopt;
}

// Newest first, or after a cursor; filtered over the whole retained history by type, status,
// integration, story run and id, paged by offset.
HttpResponse ListEvents(RouteContext& c) {
  AdminPage page;
  if (auto error = ParseAdminPage(c.params, &page)) return ErrorResponse({*error});
  bool summary = false;
  if (auto error = ParseFields(c.params, &summary)) return *error;
  std::string source;
  StatusOr<EventFilter> filter = EventFilterFromParams(c.params, &source);
  if (!filter.ok()) return ErrorResponse(400, StatusTitle(400), filter.status().message(), source);
  Store::PageOf<std::shared_ptr<const EventRecord>> events;
  if (!filter->Empty()) {
    if (page.after) {
      return ErrorResponse(400, StatusTitle(400), "A filtered list pages by page[offset], not page[after]",
                           "page[after]");
    }
    auto matched = MatchingEvents(c.engine, c.store, *filter);
    if (!matched.ok()) return Refused(matched.status(), "story_run");
    events.total = matched->size();
    for (std::size_t i = page.offset; i < matched->size() && events.items.size() < page.limit; ++i)
      events.items.push_back((*matched)[i]);
  } else if (page.after) {
    auto after = c.store->EventsAfter(*page.after, page.limit);
    if (!after) return UnknownCursor(*page.after, "event");
    events = std::move(*after);
  } else {
    events = c.store->EventsPage(page.offset, page.limit);
  }
  json data = json::array();
  for (const auto& e : events.items) {
    if (summary) {
      data.push_back(EventSummary(*c.store, *e));
      continue;
    }
    json entry = ToTriggeredEvent(*e).ToJson();
    entry["status"] = EventStatusOf(*c.store, *e);
    data.push_back(std::move(entry));
  }
  const std::string next = page.after ? (events.items.empty() ? *page.after : events.items.back()->id) : "";
  return JsonResponse(
      200,
      {{"data", std::move(data)},
       {"meta", {{"page", AdminPageMeta(page, events.total, next)}, {"dropped", c.store->DroppedEvents()}}}});
}

// POST /__admin/events/replay: every event the filters select (the list's, in the body or the
// query), replayed to the integrations observing each now.
HttpResponse PostBulkReplay(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, true)) return *error;
  std::string source;
  StatusOr<EventFilter> filter = EventFilterFromJson(body, &source);
  if (!filter.ok()) return ErrorResponse(422, StatusTitle(422), filter.status().message(), source);
  StatusOr<EventFilter> from_query = EventFilterFromParams(c.params, &source);
  if (!from_query.ok()) return ErrorResponse(400, StatusTitle(400), from_query.status().message(), source);
  for (auto [into, from] : {std::pair{&filter->type, &from_query->type},
                            {&filter->status, &from_query->status},
                            {&filter->integration_id, &from_query->integration_id},
                            {&filter->story_run, &from_query->story_run},
                            {&filter->id, &from_query->id}}) {
    if (into->empty()) *into = *from;
  }
  StatusOr<std::vector<TriggeredEvent>> replayed = c.engine.control().ReplayMatching(c.store, *filter);
  if (!replayed.ok()) return Refused(replayed.status());
  json data = json::array();
  std::size_t jobs = 0;
  for (const TriggeredEvent& e : *replayed) {
    jobs += e.jobs.size();
    data.push_back(e.ToJson());
  }
  const std::size_t count = data.size();
  return JsonResponse(201, {{"data", std::move(data)}, {"meta", {{"events", count}, {"jobs", jobs}}}});
}

HttpResponse GetEvent(RouteContext& c) {
  auto event = c.store->FindEvent(Arg(c, 0));
  if (!event) return NotFound("No event " + Arg(c, 0) + " in this store");
  json out = ToTriggeredEvent(*event).ToJson();
  out["status"] = EventStatusOf(*c.store, *event);
  json logs = json::array();
  for (const IntegrationLog& log : c.store->Logs("", "")) {
    if (log.event_id == event->id) logs.push_back(LogWithEvent(log));
  }
  out["logs"] = std::move(logs);
  return JsonResponse(200, {{"data", std::move(out)}});
}

HttpResponse GetEventRequests(RouteContext& c) {
  auto event = c.store->FindEvent(Arg(c, 0));
  if (!event) return NotFound("No event " + Arg(c, 0) + " in this store");
  int attempt = 1;
  if (auto it = c.params.find("attempt"); it != c.params.end()) {
    const std::optional<std::size_t> n = ParseWholeNumber(it->second, 1000);
    if (!n || *n < 1)
      return ErrorResponse(400, StatusTitle(400), "attempt must be a whole number from 1 to 1000", "attempt");
    attempt = static_cast<int>(*n);
  }
  return JsonResponse(200, {{"data", SentRequests(c, *event, attempt)}});
}

HttpResponse PostReplay(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, true)) return *error;
  std::string integration_id;
  if (body.contains("integration_id")) {
    if (!body["integration_id"].is_string()) {
      return ErrorResponse(422, StatusTitle(422), "integration_id must be a string", "/integration_id");
    }
    integration_id = body["integration_id"].get<std::string>();
  }
  StatusOr<TriggeredEvent> event = c.engine.control().Replay(c.store, Arg(c, 0), integration_id);
  if (!event.ok()) return Refused(event.status());
  return JsonResponse(201, {{"data", event->ToJson()}});
}

HttpResponse ListDeliveries(RouteContext& c) {  // newest first, or after a cursor
  AdminPage page;
  if (auto error = ParseAdminPage(c.params, &page)) return ErrorResponse({*error});
  Store::PageOf<IntegrationLog> logs;
  if (page.after) {
    auto after = c.store->LogsAfter(*page.after, page.limit);
    if (!after) return UnknownCursor(*page.after, "delivery");
    logs = std::move(*after);
  } else {
    logs = c.store->LogsPage("", "", page.offset, page.limit);
  }
  json data = json::array();
  for (const IntegrationLog& log : logs.items) data.push_back(LogWithEvent(log));
  const std::string next = page.after ? (logs.items.empty() ? *page.after : logs.items.back().id) : "";
  return JsonResponse(
      200,
      {{"data", std::move(data)},
       {"meta", {{"page", AdminPageMeta(page, logs.total, next)}, {"dropped", c.store->DroppedLogs()}}}});
}

HttpResponse ListIntegrationJobs(RouteContext& c) {
  // A job as epmock knows it: the event behind it and its trigger, which /v2 does not show.
  if (!c.store->Get(Arg(c, 0))) return NotFound("No integration " + Arg(c, 0) + " in this store");
  AdminPage page;
  if (auto error = ParseOffsetPage(c.params, &page)) return *error;
  json data = json::array();
  const auto jobs = c.store->JobsPage(Arg(c, 0), page.offset, page.limit);
  for (const IntegrationJob& job : jobs.items) data.push_back(JobToAdminJson(job));
  return JsonResponse(200,
                      {{"data", std::move(data)},
                       {"meta", {{"total", jobs.total}, {"page", AdminPageMeta(page, jobs.total, "")}}}});
}

HttpResponse Idle(RouteContext& c) {
  // Waits until no delivery is pending (any language's way to wait without sleeping).
  long timeout_ms = 5000;
  if (auto it = c.params.find("timeout_ms"); it != c.params.end()) {
    const std::optional<std::size_t> n = ParseWholeNumber(it->second, 600000);
    if (!n) {
      return ErrorResponse(400, StatusTitle(400), "timeout_ms must be a whole number from 0 to 600000",
                           "timeout_ms");
    }
    timeout_ms = static_cast<long>(*n);
  }
  EventEngine& events = c.engine.events();
  const bool idle = events.WaitIdle(std::chrono::milliseconds(timeout_ms));
  VirtualClock* clock = events.virtual_clock();
  if (!idle) {
    return ErrorResponse(408, StatusTitle(408),
                         std::to_string(events.Outstanding()) + " deliveries still " +
                             (clock ? "in flight or due by the clock's now" : "pending") + " after " +
                             std::to_string(timeout_ms) + " ms");
  }
  if (!clock) return JsonResponse(200, {{"idle", true}});
  // On a virtual clock, idle leaves what is due later: listed, with when, for an advance.
  constexpr std::size_t kListed = 100;
  json scheduled = json::array();
  for (const Dispatcher::Scheduled& work : events.ScheduledWork(c.store->id(), kListed)) {
    json entry = {{"due", Rfc3339Millis(clock->EpochMillisAt(work.due))}};
    if (work.job_id.empty()) {
      entry["what"] = "reorder_window";
    } else {
      entry["what"] = "attempt";
      entry["job_id"] = work.job_id;
      entry["event_id"] = work.event_id;
      entry["attempt"] = work.attempt;
    }
    scheduled.push_back(std::move(entry));
  }
  return JsonResponse(200, {{"idle", true}, {"scheduled", std::move(scheduled)}});
}

// --- The clock ----------------------------------------------------------------------------

json ClockToJson(const ClockState& clock) {
  return {{"mode", clock.is_virtual ? "virtual" : "real"},
          {"now", Rfc3339Millis(clock.now_ms)},
          {"now_ms", clock.now_ms},
          {"running", clock.running},
          {"next_due", clock.next_due_ms ? json(Rfc3339Millis(*clock.next_due_ms)) : json(nullptr)},
          {"pending", clock.pending}};
}

HttpResponse GetClock(RouteContext& c) {
  return JsonResponse(200, {{"data", ClockToJson(c.engine.control().ReadClock())}});
}

// A clock route's JSON body: only `allowed` members, each whole number within its bounds.
class ClockBody {
 public:
  // An error answer if the body is no JSON object or names a member not allowed.
  std::optional<HttpResponse> Read(const HttpRequest& request, std::initializer_list<const char*> allowed) {
    if (auto error = ReadJson(request, &body_, false)) return *error;
    for (const auto& item : body_.items()) {
      const std::string& member = item.key();
      if (std::none_of(allowed.begin(), allowed.end(), [&member](const char* a) { return member == a; })) {
        std::string names;  // "by_ms, to and timeout_ms"
        std::size_t i = 0;
        for (const char* a : allowed) {
          if (i > 0) names += i + 1 == allowed.size() ? " and " : ", ";
          names += a;
          ++i;
        }
        return ErrorResponse(422, StatusTitle(422), "only " + names + " are taken",
                             "/" + member.substr(0, 64));
      }
    }
    return std::nullopt;
  }
  bool Has(const char* name) const { return body_.contains(name); }
  const json& operator[](const char* name) const { return body_[name]; }
  // The member as a whole number within [min, max], or an error answer saying `what`.
  std::optional<HttpResponse> Whole(const char* name, std::int64_t min, std::int64_t max,
                                    const std::string& what, std::int64_t* out) const {
    const json& value = body_[name];
    bool ok = false;
    if (value.is_number_unsigned()) {
      ok = value.get<std::uint64_t>() <= static_cast<std::uint64_t>(max);
      if (ok) *out = static_cast<std::int64_t>(value.get<std::uint64_t>());
    } else if (value.is_number_integer()) {
      ok = value.get<std::int64_t>() <= max;
      if (ok) *out = value.get<std::int64_t>();
    }
    if (ok && *out >= min) return std::nullopt;
    return ErrorResponse(422, StatusTitle(422), std::string(name) + ": " + what, std::string("/") + name);
  }
  // timeout_ms: real time to wait for the work a move of the clock runs (10 s if absent).
  std::optional<HttpResponse> Timeout(std::chrono::milliseconds* out) const {
    std::int64_t ms = 10000;
    if (Has("timeout_ms")) {
      if (auto error = Whole("timeout_ms", 1, kMaxAdvanceTimeoutMs,
                             "a whole number from 1 to " + std::to_string(kMaxAdvanceTimeoutMs) +
                                 " (real time to wait for the work the clock runs)",
                             &ms))
        return error;
    }
    *out = std::chrono::milliseconds(ms);
    return std::nullopt;
  }

 private:
  json body_;
};

HttpResponse ClockAnswer(const StatusOr<ClockState>& state, const char* source) {
  if (!state.ok()) return Refused(state.status(), std::string(source));
  return JsonResponse(200, {{"data", ClockToJson(*state)}});
}

HttpResponse PostClockAdvance(RouteContext& c) {
  Control& control = c.engine.control();
  // A real clock refuses whatever the body says: no operation but reading it applies.
  if (!control.ReadClock().is_virtual)
    return Refused(control.AdvanceClock(0, std::chrono::seconds(10)).status());
  ClockBody body;
  if (auto error = body.Read(c.request, {"by_ms", "to", "timeout_ms"})) return *error;
  std::chrono::milliseconds timeout{};
  if (auto error = body.Timeout(&timeout)) return *error;
  const bool by = body.Has("by_ms"), to = body.Has("to");
  if (by == to) {
    return ErrorResponse(422, StatusTitle(422),
                         "give by_ms (milliseconds to move on) or to (an RFC 3339 time), one of them", "");
  }
  if (by) {
    std::int64_t by_ms = 0;
    if (auto error =
            body.Whole("by_ms", 0, kMaxClockSpanMs,
                       "a whole number of milliseconds from 0 to " + std::to_string(kMaxClockSpanMs) +
                           " (100 years); time never runs backwards",
                       &by_ms))
      return *error;
    return ClockAnswer(control.AdvanceClock(by_ms, timeout), "/by_ms");
  }
  const json& value = body["to"];
  const std::optional<std::int64_t> to_ms =
      value.is_string() ? ParseRfc3339Millis(value.get<std::string>()) : std::nullopt;
  if (!to_ms)
    return ErrorResponse(422, StatusTitle(422), "to: an RFC 3339 time such as 2030-01-01T01:00:00Z", "/to");
  return ClockAnswer(control.AdvanceClockTo(*to_ms, timeout), "/to");
}

HttpResponse PostClockRunUntilIdle(RouteContext& c) {
  Control& control = c.engine.control();
  if (!control.ReadClock().is_virtual)
    return Refused(control.RunClockUntilIdle(0, std::chrono::seconds(10)).status());
  ClockBody body;
  if (auto error = body.Read(c.request, {"max_ms", "timeout_ms"})) return *error;
  std::chrono::milliseconds timeout{};
  if (auto error = body.Timeout(&timeout)) return *error;
  std::int64_t max_ms = kDefaultRunUntilIdleMs;
  if (body.Has("max_ms")) {
    if (auto error =
            body.Whole("max_ms", 0, kMaxClockSpanMs,
                       "a whole number of milliseconds from 0 to " + std::to_string(kMaxClockSpanMs) +
                           " (100 years): how far the clock may go",
                       &max_ms))
      return *error;
  }
  return ClockAnswer(control.RunClockUntilIdle(max_ms, timeout), "/max_ms");
}

// {"running": false} freezes a virtual clock, {"running": true} lets it run on in real time.
HttpResponse PostClock(RouteContext& c) {
  Control& control = c.engine.control();
  if (!control.ReadClock().is_virtual) return Refused(control.FreezeClock().status());
  ClockBody body;
  if (auto error = body.Read(c.request, {"running"})) return *error;
  if (!body.Has("running") || !body["running"].is_boolean()) {
    return ErrorResponse(422, StatusTitle(422),
                         "running: true (the clock runs on in real time) or false (it stands still)",
                         "/running");
  }
  return ClockAnswer(body["running"].get<bool>() ? control.ResumeClock() : control.FreezeClock(), "/running");
}

// --- Delivery faults and API faults -----------------------------------------------------

// The two kinds of fault have one set of routes (POST, GET, DELETE all, DELETE one), written
// once over what tells them apart.
struct DeliveryFaultRoutes {
  static StatusOr<Fault> Decode(const json& body) { return DecodeFault(body); }
  static StatusOr<Fault> Add(RouteContext& c, Fault fault) {
    return c.engine.control().AddFault(*c.store, std::move(fault));
  }
  static std::vector<Fault> List(RouteContext& c) { return c.engine.control().Faults(c.store); }
  static std::vector<UsedFault<Fault>> Used(RouteContext& c) {
    return c.engine.control().UsedFaults(c.store);
  }
  static Status Remove(RouteContext& c, const std::string& id) {
    return c.engine.control().RemoveFault(c.store, id);
  }
  static void Clear(RouteContext& c) { c.engine.control().ClearFaults(c.store); }
};

struct ApiFaultRoutes {
  static StatusOr<ApiFault> Decode(const json& body) { return DecodeApiFault(body); }
  static StatusOr<ApiFault> Add(RouteContext& c, ApiFault fault) {
    return c.engine.control().AddApiFault(*c.store, std::move(fault));
  }
  static std::vector<ApiFault> List(RouteContext& c) { return c.engine.control().ApiFaults(c.store); }
  static std::vector<UsedFault<ApiFault>> Used(RouteContext& c) {
    return c.engine.control().UsedApiFaults(c.store);
  }
  static Status Remove(RouteContext& c, const std::string& id) {
    return c.engine.control().RemoveApiFault(c.store, id);
  }
  static void Clear(RouteContext& c) { c.engine.control().ClearApiFaults(c.store); }
};

template <class Kind>
HttpResponse PostFaultOf(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  auto fault = Kind::Decode(body);
  if (!fault.ok()) return Refused(fault.status(), "");
  auto added = Kind::Add(c, *std::move(fault));
  if (!added.ok()) return Refused(added.status(), "");
  return JsonResponse(201, {{"data", added->ToJson()}});
}

// ?state=active (the default), used (those whose budget ran out, with when) or all.
template <class Kind>
HttpResponse ListFaultsOf(RouteContext& c) {
  std::string state = "active";
  if (auto it = c.params.find("state"); it != c.params.end()) state = it->second;
  if ((state != "active" && state != "used" && state != "all") || c.params.count("state") > 1)
    return ErrorResponse(400, StatusTitle(400), "state is active, used or all", "state");
  json data = json::array();
  if (state != "used") {
    for (const auto& fault : Kind::List(c)) {
      json entry = fault.ToJson();
      entry["state"] = "active";
      data.push_back(std::move(entry));
    }
  }
  if (state != "active") {
    for (const auto& used : Kind::Used(c)) {
      json entry = used.fault.ToJson();
      entry["state"] = "used";
      entry["used_up_at"] = Rfc3339Millis(used.used_up_at_ms);
      data.push_back(std::move(entry));
    }
  }
  return JsonResponse(200, {{"data", std::move(data)}});
}

template <class Kind>
HttpResponse ClearFaultsOf(RouteContext& c) {
  Kind::Clear(c);
  return NoContent();
}

template <class Kind>
HttpResponse DeleteFaultOf(RouteContext& c) {
  const Status removed = Kind::Remove(c, Arg(c, 0));
  return removed.ok() ? NoContent() : Refused(removed);
}

// --- The store, organizations, reset ------------------------------------------------------

HttpResponse StoreAnswer(const Store& store) {
  const std::string org_id = store.org_id();
  return JsonResponse(200, {{"data",
                             {{"id", store.id()},
                              {"kind", store.kind()},
                              {"page_length", store.page_length()},
                              {"organization", store.is_organization()},
                              {"org_id", org_id.empty() ? json(nullptr) : json(org_id)}}}});
}

HttpResponse GetStore(RouteContext& c) { return StoreAnswer(*c.store); }

// PUT /__admin/store: sets the store's kind, its page length or both, and leaves the other as
// it is; a refused body sets nothing.
HttpResponse PutStore(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  StoreSettings settings;
  for (const auto& [key, value] : body.items()) {
    if (key == "kind" && value.is_string()) {
      settings.kind = value.get<std::string>();
    } else if (key == "page_length" && value.is_number_integer()) {
      settings.page_length = SaturatedLong(value);
    } else {
      return ErrorResponse(422, StatusTitle(422),
                           key.substr(0, 64) +
                               ": not a setting of a store, or of the wrong type (kind: a "
                               "string, page_length: a whole number)",
                           "/" + key.substr(0, 100));
    }
  }
  const Status set = c.engine.control().ConfigureStore(*c.store, settings);
  if (!set.ok()) return Refused(set);
  return StoreAnswer(*c.store);
}

HttpResponse ResetStore(RouteContext& c) {
  c.engine.control().ResetStore(c.store->id());
  return NoContent();
}

json OrganizationToJson(const Organization& org) {
  return {{"id", org.id}, {"client_id", org.client_id}, {"store_ids", org.store_ids}};
}

HttpResponse GetOrganization(RouteContext& c) {
  StatusOr<Organization> org = c.engine.control().OrganizationOf(c.client_id);
  if (!org.ok()) return Refused(org.status());
  return JsonResponse(200, {{"data", OrganizationToJson(*org)}});
}

HttpResponse DeleteOrganization(RouteContext& c) {
  const Status forgotten = c.engine.control().ForgetOrganization(c.client_id);
  return forgotten.ok() ? NoContent() : Refused(forgotten);
}

// PUT /__admin/organization: the caller's client as an organization of stores
// (elasticpath/elasticpath-dev guides/key-concepts/organizations/organization_authentication.md).
HttpResponse PutOrganization(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  for (const auto& [key, value] : body.items()) {
    if (key != "stores") {
      return ErrorResponse(422, StatusTitle(422),
                           key.substr(0, 64) + ": not a member of an organization (stores)",
                           "/" + key.substr(0, 64));
    }
  }
  auto stores = body.find("stores");
  if (stores == body.end() || !stores->is_array()) {
    return ErrorResponse(422, StatusTitle(422),
                         "stores is required: the client_ids of the organization's stores", "/stores");
  }
  std::vector<std::string> clients;
  for (std::size_t i = 0; i < stores->size(); ++i) {
    if (!(*stores)[i].is_string()) {
      return ErrorResponse(422, StatusTitle(422),
                           "stores[" + std::to_string(i) + "] must be a client_id (a string)",
                           "/stores/" + std::to_string(i));
    }
    clients.push_back((*stores)[i].get<std::string>());
  }
  StatusOr<Organization> org = c.engine.control().DeclareOrganization(c.client_id, clients);
  if (!org.ok()) return Refused(org.status(), "/stores");
  return JsonResponse(200, {{"data", OrganizationToJson(*org)}});
}

// --- Sinks --------------------------------------------------------------------------------

// The store's own deliveries and what no store sent (marked: store_id null), never another
// store's.
HttpResponse GetSink(RouteContext& c) {
  AdminPage page;
  if (auto error = ParseOffsetPage(c.params, &page, "A sink lists in arrival order: use page[offset]"))
    return *error;
  const std::string& name = Arg(c, 0);
  json data = json::array();
  std::size_t total = 0;
  for (const auto& [owner, r] :
       c.engine.sinks().VisiblePage(c.store->id(), name, page.offset, page.limit, &total)) {
    json entry = ToJson(r);
    entry["store_id"] = owner == SinkRegistry::kNoStore ? json(nullptr) : json(owner);
    data.push_back(std::move(entry));
  }
  return JsonResponse(200, {{"data", std::move(data)},
                            {"meta",
                             {{"url", c.request.base_url + "/__sink/webhook/" + name},
                              {"page", AdminPageMeta(page, total, "")},
                              {"dropped", c.engine.sinks().DroppedVisibleTo(c.store->id(), name)}}}});
}

HttpResponse PutSink(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  StatusOr<std::vector<SinkResponse>> responses = DecodeSinkResponses(body);
  if (!responses.ok()) return Refused(responses.status(), "/responses");
  const Status programmed = c.engine.control().ProgramSink(c.store->id(), Arg(c, 0), std::move(*responses));
  if (!programmed.ok()) return Refused(programmed, "/responses");
  return NoContent();
}

HttpResponse DeleteSink(RouteContext& c) {
  c.engine.control().ClearSink(c.store->id(), Arg(c, 0));  // its own only
  return NoContent();
}

// Every sink the store can read: its name, URL, how many requests it keeps and has had,
// when the last came, and the answers it gives the store's deliveries now.
HttpResponse ListSinks(RouteContext& c) {
  const auto answers = [](const std::vector<SinkResponse>& responses) {
    json out = json::array();
    for (const SinkResponse& r : responses)
      out.push_back({{"status", r.status}, {"delay_ms", r.delay_ms}, {"body", r.body}});
    return out;
  };
  json data = json::array();
  for (const SinkRegistry::Visible& v : c.engine.sinks().VisibleTo(c.store->id())) {
    std::size_t kept = 0;
    std::uint64_t total = 0;
    std::int64_t last = 0;
    for (const auto* s : {&v.own, &v.shared}) {
      if (!*s) continue;
      kept += (*s)->kept;
      total += (*s)->total;
      last = std::max(last, (*s)->last_received_at_ms);
    }
    // The answers the store's deliveries get: its own, else the server-wide ones.
    const bool own_answers = v.own && !v.own->responses.empty();
    const std::vector<SinkResponse> none;
    const std::vector<SinkResponse>& responses =
        own_answers ? v.own->responses : (v.shared ? v.shared->responses : none);
    data.push_back({{"name", v.name},
                    {"url", c.request.base_url + "/__sink/webhook/" + v.name},
                    {"requests", kept},
                    {"received", total},
                    {"last_received_at", last ? json(Rfc3339Millis(last)) : json(nullptr)},
                    {"responses", answers(responses)},
                    {"responses_from", responses.empty() ? "default"
                                       : own_answers     ? "store"
                                                         : "server"}});
  }
  const std::size_t total = data.size();
  return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
}

// --- The embedded SQS endpoint and STOMP broker --------------------------------------------

HttpResponse NoSqs() {
  return ErrorResponse(404, StatusTitle(404), "No embedded SQS endpoint runs (see --sqs-port)");
}
HttpResponse NoStomp() {
  return ErrorResponse(404, StatusTitle(404), "No embedded STOMP broker runs (see --stomp-port)");
}

HttpResponse ListQueues(RouteContext& c) {
  if (!c.engine.sqs()) return NoSqs();
  json data = json::array();
  const std::string base = c.engine.UrlsFor(c.request).sqs + "/000000000000/";
  for (const SqsQueueSummary& q : c.engine.sqs()->Queues()) {
    data.push_back(
        {{"name", q.name},
         {"queue_url", base + q.name},
         {"visible", q.visible},
         {"in_flight", q.in_flight},
         {"delayed", q.delayed},
         {"dead_letter_target", q.dead_letter_target.empty() ? json(nullptr) : json(q.dead_letter_target)}});
  }
  const std::size_t total = data.size();
  return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
}

HttpResponse PutQueue(RouteContext& c) {  // for clients without an SQS SDK
  StatusOr<std::string> url = c.engine.control().CreateQueue(Arg(c, 0));
  if (!url.ok()) return Refused(url.status(), "name");
  return JsonResponse(201,
                      {{"data",
                        {{"name", Arg(c, 0)},
                         {"queue_url", c.engine.UrlsFor(c.request).sqs + "/000000000000/" + Arg(c, 0)}}}});
}

HttpResponse GetQueue(RouteContext& c) {  // what sits on a queue
  if (!c.engine.sqs()) return NoSqs();
  AdminPage page;
  if (auto error = ParseOffsetPage(c.params, &page)) return *error;
  std::size_t total = 0;
  json data = json::array();
  for (const SqsQueuedMessage& m : c.engine.sqs()->MessagesPage(Arg(c, 0), page.offset, page.limit, &total)) {
    json body = json::parse(m.body, nullptr, false);
    data.push_back({{"message_id", m.message_id},
                    {"body", body.is_discarded() ? json(m.body) : body},
                    {"attributes", m.attributes},
                    {"receive_count", m.receive_count},
                    {"sent_at", m.sent_at_ms ? json(Rfc3339Millis(m.sent_at_ms)) : json(nullptr)}});
  }
  return JsonResponse(200, {{"data", std::move(data)},
                            {"meta",
                             {{"queue_url", c.engine.UrlsFor(c.request).sqs + "/000000000000/" + Arg(c, 0)},
                              {"page", AdminPageMeta(page, total, "")}}}});
}

HttpResponse PurgeQueue(RouteContext& c) {
  const Status purged = c.engine.control().PurgeQueue(Arg(c, 0));
  return purged.ok() ? NoContent() : Refused(purged);
}

json SqsFaultJson(const SqsFault& f) {
  return {{"id", f.id},
          {"action", f.action},
          {"error", f.error},
          {"queue", f.queue.empty() ? json(nullptr) : json(f.queue)},
          {"requests", f.requests}};
}

HttpResponse PostSqsFault(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  SqsFault fault;
  for (const auto& [key, value] : body.items()) {
    if (key == "action" || key == "error" || key == "queue") {
      if (key == "queue" && value.is_null()) continue;
      if (!value.is_string())
        return ErrorResponse(422, StatusTitle(422), key + " must be a string", "/" + key);
      (key == "action"  ? fault.action
       : key == "error" ? fault.error
                        : fault.queue) = value.get<std::string>();
    } else if (key == "requests") {
      if (!value.is_number_integer()) {
        return ErrorResponse(422, StatusTitle(422), "requests must be a whole number from 1 to 1000",
                             "/requests");
      }
      fault.requests = SaturatedInt(value);
    } else if (key != "id") {
      return ErrorResponse(
          422, StatusTitle(422),
          "unknown SQS fault field '" + key.substr(0, 64) + "'; use action, error, queue, requests", "");
    }
  }
  StatusOr<SqsFault> added = c.engine.control().AddSqsFault(std::move(fault));
  if (!added.ok()) return Refused(added.status(), "");
  return JsonResponse(201, {{"data", SqsFaultJson(*added)}});
}

HttpResponse ListSqsFaults(RouteContext& c) {
  StatusOr<std::vector<SqsFault>> faults = c.engine.control().SqsFaults();
  if (!faults.ok()) return Refused(faults.status());
  json data = json::array();
  for (const SqsFault& f : *faults) data.push_back(SqsFaultJson(f));
  const std::size_t total = data.size();
  return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
}

HttpResponse ClearSqsFaults(RouteContext& c) {
  const Status cleared = c.engine.control().ClearSqsFaults();
  return cleared.ok() ? NoContent() : Refused(cleared);
}

json StompFaultJson(const StompFault& f) {
  return {{"id", f.id},
          {"error", f.error},
          {"destination", f.destination.empty() ? json(nullptr) : json(f.destination)},
          {"messages", f.messages}};
}

HttpResponse PostStompFault(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  StompFault fault;
  for (const auto& [key, value] : body.items()) {
    if (key == "error" || key == "destination") {
      if (key == "destination" && value.is_null()) continue;
      if (!value.is_string())
        return ErrorResponse(422, StatusTitle(422), key + " must be a string", "/" + key);
      (key == "error" ? fault.error : fault.destination) = value.get<std::string>();
    } else if (key == "messages") {
      if (!value.is_number_integer()) {
        return ErrorResponse(422, StatusTitle(422), "messages must be a whole number from 1 to 1000",
                             "/messages");
      }
      fault.messages = SaturatedInt(value);
    } else if (key != "id") {
      return ErrorResponse(
          422, StatusTitle(422),
          "unknown STOMP fault field '" + key.substr(0, 64) + "'; use error, destination, messages", "");
    }
  }
  StatusOr<StompFault> added = c.engine.control().AddStompFault(std::move(fault));
  if (!added.ok()) return Refused(added.status(), "");
  return JsonResponse(201, {{"data", StompFaultJson(*added)}});
}

HttpResponse ListStompFaults(RouteContext& c) {
  StatusOr<std::vector<StompFault>> faults = c.engine.control().StompFaults();
  if (!faults.ok()) return Refused(faults.status());
  json data = json::array();
  for (const StompFault& f : *faults) data.push_back(StompFaultJson(f));
  const std::size_t total = data.size();
  return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
}

HttpResponse ClearStompFaults(RouteContext& c) {
  const Status cleared = c.engine.control().ClearStompFaults();
  return cleared.ok() ? NoContent() : Refused(cleared);
}

HttpResponse ListDestinations(RouteContext& c) {
  if (!c.engine.stomp()) return NoStomp();
  json data = json::array();
  for (const StompDestination& d : c.engine.stomp()->Destinations()) {
    data.push_back({{"name", d.name},
                    {"sent", d.sent},
                    {"pending", d.pending},
                    {"subscribers", d.subscribers},
                    {"auto_ack_subscribers", d.auto_ack_subscribers},
                    {"unacknowledged", d.unacknowledged}});
  }
  const std::size_t total = data.size();
  return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
}

HttpResponse GetStompMessages(RouteContext& c) {  // what passed through a destination
  if (!c.engine.stomp()) return NoStomp();
  auto destination = c.params.find("destination");
  if (destination == c.params.end()) {
    return ErrorResponse(400, StatusTitle(400), "Use /__admin/stomp/messages?destination=/queue/name",
                         "destination");
  }
  AdminPage page;
  if (auto error = ParseOffsetPage(c.params, &page)) return *error;
  std::size_t total = 0;
  json data = json::array();
  for (const StompMessage& m :
       c.engine.stomp()->MessagesPage(destination->second, page.offset, page.limit, &total)) {
    json headers = json::object();
    for (const auto& [k, v] : m.headers) headers[k] = v;
    json body = json::parse(m.body, nullptr, false);
    data.push_back({{"message_id", m.message_id},
                    {"headers", headers},
                    {"body", body.is_discarded() ? json(m.body) : body}});
  }
  return JsonResponse(200, {{"data", std::move(data)},
                            {"meta",
                             {{"page", AdminPageMeta(page, total, "")},
                              {"pending", c.engine.stomp()->Pending(destination->second)},
                              {"dropped", c.engine.stomp()->DroppedMessages(destination->second)},
                              {"broker_url", c.engine.UrlsFor(c.request).stomp}}}});
}

// --- Stories ------------------------------------------------------------------------------

// StoryOptions from a request body: {"seed", "concurrent", "max_jitter_ms", "set"}, each
// optional, their types checked (their values are the control layer's); anything else is
// refused by name.
StatusOr<StoryOptions> DecodeStoryOptions(const json& body) {
  StoryOptions options;
  for (const auto& [key, value] : body.items()) {
    if (key == "seed") {
      if (!value.is_number_unsigned()) return Status::InvalidArgument("seed: a whole number of 0 or more");
      options.seed = value.get<std::uint64_t>();
    } else if (key == "concurrent") {
      if (!value.is_boolean()) return Status::InvalidArgument("concurrent: true or false");
      options.concurrent = value.get<bool>();
    } else if (key == "max_jitter_ms") {
      if (!value.is_number_integer()) {
        return Status::InvalidArgument("max_jitter_ms: a whole number from 0 to " +
                                       std::to_string(kMaxStoryJitterMs));
      }
      options.max_jitter_ms = SaturatedInt(value);
    } else if (key == "set") {
      options.set = value;
    } else if (key == "profile") {
      if (!value.is_string())
        return Status::InvalidArgument("profile: 'realistic', 'edge-cases' or 'forward-compatible'");
      options.profile = value.get<std::string>();
    } else if (key != "count") {
      return Status::InvalidArgument(key.substr(0, 64) +
                                     ": not an option of a story run (seed, concurrent, max_jitter_ms, set, "
                                     "profile, count)");
    }
  }
  return options;
}

HttpResponse ListStories(RouteContext& c) {
  json data = json::array();
  for (const Story& story : c.engine.events().stories().Stories()) data.push_back(story.ToJson());
  const std::size_t total = data.size();
  return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
}

// POST /__admin/stories/{name}: 202 with the planned run; with "count": N, N runs at once,
// answered as a list.
HttpResponse PostStory(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, true)) return *error;
  std::optional<std::size_t> count;
  if (auto n = body.find("count"); n != body.end()) {
    if (!n->is_number_integer()) {
      return Refused(
          Status::InvalidArgument("count: a whole number from 1 to " + std::to_string(kMaxRunningStories)),
          "count");
    }
    // Saturated into [0, kMaxRunningStories + 1]: the runner refuses what is out of range.
    const long long given = SaturatedLong(*n);
    count = static_cast<std::size_t>(std::clamp<long long>(given, 0, kMaxRunningStories + 1));
  }
  StatusOr<StoryOptions> options = DecodeStoryOptions(body);
  if (!options.ok()) return Refused(options.status(), "");
  StatusOr<std::vector<StoryRun>> runs =
      c.engine.control().RunStories(c.store, Arg(c, 0), *options, count.value_or(1));
  if (!runs.ok()) return Refused(runs.status(), "");
  if (!count) return JsonResponse(202, {{"data", runs->front().ToJson()}});
  json data = json::array();
  for (const StoryRun& run : *runs) data.push_back(run.ToJson());
  return JsonResponse(202, {{"data", std::move(data)}, {"meta", {{"count", runs->size()}}}});
}

HttpResponse ListStoryRuns(RouteContext& c) {  // newest first
  AdminPage page;
  if (auto error = ParseOffsetPage(c.params, &page)) return *error;
  std::size_t total = 0;
  std::uint64_t dropped = 0;
  json data = json::array();
  for (const StoryRun& run :
       c.engine.events().stories().RunsPage(c.store, page.offset, page.limit, &total, &dropped))
    data.push_back(run.ToJson());
  return JsonResponse(200, {{"data", std::move(data)},
                            {"meta", {{"page", AdminPageMeta(page, total, "")}, {"dropped", dropped}}}});
}

HttpResponse GetStoryRun(RouteContext& c) {
  StatusOr<StoryRun> run = c.engine.control().StoryRunOf(c.store, Arg(c, 0));
  if (!run.ok()) return Refused(run.status());
  return JsonResponse(200, {{"data", run->ToJson()}});
}

HttpResponse DeleteStoryRun(RouteContext& c) {  // stops a running run: 202, or 409 if it had ended
  StatusOr<StoryRun> stopped = c.engine.control().StopStory(c.store, Arg(c, 0));
  if (!stopped.ok()) return Refused(stopped.status(), "");
  return JsonResponse(202, {{"data", stopped->ToJson()}});
}

// --- Certify ----------------------------------------------------------------------------------

HttpResponse PostCertify(RouteContext& c) {
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  StatusOr<json> run = c.engine.control().StartCertify(c.store, body);
  if (!run.ok()) return Refused(run.status(), "");
  return JsonResponse(202, {{"data", *run}});
}

HttpResponse ListCertifyRuns(RouteContext& c) {
  json data = json::array();
  for (json& run : c.engine.control().CertifyRunsOf(c.store)) data.push_back(std::move(run));
  const std::size_t total = data.size();
  return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
}

HttpResponse GetCertifyRun(RouteContext& c) {
  long wait_ms = 0;
  if (auto it = c.params.find("wait_ms"); it != c.params.end()) {
    const std::optional<std::size_t> n = ParseWholeNumber(it->second, 60000);
    if (!n)
      return ErrorResponse(400, StatusTitle(400), "wait_ms must be a whole number from 0 to 60000",
                           "wait_ms");
    wait_ms = static_cast<long>(*n);
  }
  StatusOr<json> run =
      c.engine.control().CertifyRunOf(c.store, Arg(c, 0), std::chrono::milliseconds(wait_ms));
  if (!run.ok()) return Refused(run.status());
  return JsonResponse(200, {{"data", *run}});
}

// --- Catalog, AsyncAPI, journal, health -----------------------------------------------------

HttpResponse GetCatalog(RouteContext& c) {
  const Spec& spec = c.engine.spec();
  json events = json::array();
  for (const ObservableEvent& e : spec.Events()) {
    json levels = json::array();
    if (e.store_level) levels.push_back("store");
    if (e.organization_level) levels.push_back("organization");
    events.push_back({{"key", e.key}, {"resource", e.resource}, {"levels", levels}, {"legacy", e.legacy}});
  }
  json patterns = json::array();
  for (const EventPattern& p : spec.EventPatterns())
    patterns.push_back({{"pattern", p.pattern}, {"resource", p.resource}});
  const std::size_t total = events.size();
  return JsonResponse(200, {{"data", {{"events", std::move(events)}, {"patterns", std::move(patterns)}}},
                            {"meta", {{"total", total}}}});
}

HttpResponse PostCatalogValidate(RouteContext& c) {
  // The event first: an unknown key is 404 whatever the body.
  if (!c.engine.spec().LookupEvent(Arg(c, 0))) {
    return Refused(c.engine.control().ValidateResource(Arg(c, 0), json::object()).status());
  }
  json body;
  if (auto error = ReadJson(c.request, &body, false)) return *error;
  StatusOr<ResourceCheck> check = c.engine.control().ValidateResource(Arg(c, 0), body);
  if (!check.ok()) return Refused(check.status());
  json violations = json::array();
  for (const SchemaViolation& v : check->violations)
    violations.push_back({{"source", v.source}, {"detail", v.detail}});
  const bool valid = violations.empty();
  return JsonResponse(
      200, {{"data", {{"valid", valid}, {"resource", check->resource}, {"violations", violations}}}});
}

HttpResponse GetAsyncApi(RouteContext& c) {
  // `epmock asyncapi` of this server (its catalog extension included), its servers this
  // server's embedded SQS endpoint and STOMP broker.
  AsyncApiOptions options;
  options.cloudevent_source = c.engine.options().cloudevent_source;
  if (auto it = c.params.find("seed"); it != c.params.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos)
      return ErrorResponse(400, StatusTitle(400), "seed must be a whole number below 10^19", "seed");
    options.seed = std::stoull(v);
  }
  // "http://127.0.0.1:9324" -> "127.0.0.1:9324"
  const auto host_of = [](const std::string& url) { return url.substr(url.find("://") + 3); };
  if (c.engine.sqs()) options.sqs_host = host_of(c.engine.sqs()->Url());
  if (c.engine.stomp()) options.stomp_host = host_of(c.engine.stomp()->Url());
  return JsonResponse(200, AsyncApiDocument(c.engine.shared_spec(), options));
}

// The journal's filters: status=2xx (a class: 1xx to 5xx), path= (a prefix), origin=client
// (requests the dashboard did not make) or dashboard. Each at most once, at most 256 bytes.
struct JournalFilter {
  int status_class = 0;  // 0: any
  std::string path;
  std::string origin;
  bool Empty() const { return status_class == 0 && path.empty() && origin.empty(); }
  bool Matches(const RequestRecord& r) const {
    return (status_class == 0 || r.status / 100 == status_class) &&
           r.path.compare(0, path.size(), path) == 0 && (origin.empty() || r.origin == origin);
  }
};

std::optional<HttpResponse> ParseJournalFilter(const Params& params, JournalFilter* filter) {
  for (const char* name : {"status", "path", "origin"}) {
    auto it = params.find(name);
    if (it == params.end()) continue;
    const std::string& value = it->second;
    if (params.count(name) > 1 || value.size() > 256)
      return ErrorResponse(400, StatusTitle(400), std::string(name) + " is given once, at most 256 bytes",
                           name);
    if (std::string(name) == "status") {
      if (value.size() != 3 || value[0] < '1' || value[0] > '5' || value.substr(1) != "xx")
        return ErrorResponse(400, StatusTitle(400),
                             "status is a class of statuses: 1xx, 2xx, 3xx, 4xx or 5xx", name);
      filter->status_class = value[0] - '0';
    } else if (std::string(name) == "path") {
      if (value.empty() || value[0] != '/')
        return ErrorResponse(400, StatusTitle(400), "path is the start of a path: /v2/integrations", name);
      filter->path = value;
    } else {
      if (value != "client" && value != "dashboard")
        return ErrorResponse(400, StatusTitle(400), "origin is client or dashboard", name);
      filter->origin = value;
    }
  }
  return std::nullopt;
}

HttpResponse ListRequests(RouteContext& c) {  // oldest first, or after a sequence number
  AdminPage page;
  if (auto error = ParseAdminPage(c.params, &page)) return ErrorResponse({*error});
  JournalFilter filter;
  if (auto error = ParseJournalFilter(c.params, &filter)) return *error;
  Journal::Page records;
  if (!filter.Empty()) {
    if (page.after) {
      return ErrorResponse(400, StatusTitle(400), "A filtered journal pages by page[offset], not page[after]",
                           "page[after]");
    }
    records = c.engine.journal().FilteredPage(
        c.store->id(), [&filter](const RequestRecord& r) { return filter.Matches(r); }, page.offset,
        page.limit);
  } else if (page.after) {
    const std::string& after = *page.after;
    const bool number = after.size() <= 19 && after.find_first_not_of("0123456789") == std::string::npos;
    auto found = number ? c.engine.journal().RecordsAfter(c.store->id(), std::stoull(after), page.limit)
                        : std::nullopt;
    if (!found) return UnknownCursor(after, "request (a journal sequence number)");
    records = std::move(*found);
  } else {
    records = c.engine.journal().RecordsPage(c.store->id(), page.offset, page.limit);
  }
  json data = json::array();
  for (const RequestRecord& r : records.records) data.push_back(ToJson(r));
  const std::string next =
      page.after ? (records.records.empty() ? *page.after : std::to_string(records.records.back().sequence))
                 : "";
  return JsonResponse(200, {{"data", std::move(data)},
                            {"meta",
                             {{"store_id", c.store->id()},
                              {"page", AdminPageMeta(page, records.total, next)},
                              {"capacity", c.engine.journal().Capacity()},
                              {"dropped", c.engine.journal().Dropped()}}}});
}

HttpResponse Health(RouteContext& c) {
  HttpResponse response;
  const Engine::Urls urls = c.engine.UrlsFor(c.request);
  const auto url_or_null = [](const std::string& url) { return url.empty() ? json(nullptr) : json(url); };
  // "streams": the live streams and long polls open now (at most ServerOptions::max_streams).
  // The URLs: what a client that reached this one should use (advertised, or by its Host).
  response.body = json{{"status", "ok"},
                       {"version", Version()},
                       {"schema_revision", SchemaRevision()},
                       {"streams", c.engine.streams().active()},
                       {"admin_token", !c.engine.options().admin_token.empty()},
                       {"clock", c.engine.events().virtual_clock() ? "virtual" : "real"},
                       {"api_url", urls.api},
                       {"sqs_url", url_or_null(urls.sqs)},
                       {"stomp_url", url_or_null(urls.stomp)}}
                      .dump();
  return response;
}

HttpResponse SignOut(RouteContext& c) { return Logout(c.engine, c.request); }
HttpResponse Stores(RouteContext& c) { return StoresRoute(c.engine); }

// Every admin route, in the order the documentation lists them. A path segment in braces
// matches any one segment and is handed to the handler in RouteContext::args.
const std::vector<AdminRoute> kAdminRoutes = {
    {"GET", "/__admin/health", AdminAccess::kOpen, Health,
     "is the server up: version, schema revision, open streams, whether an admin token is set, the clock "
     "(real or virtual), and the "
     "api_url, sqs_url and stomp_url a client should use (advertised, or by its Host)"},
    {"POST", "/__admin/logout", AdminAccess::kOpen, SignOut, "ends the dashboard's sign-in session"},
    {"GET", "/__admin/stores", AdminAccess::kDashboard, Stores,
     "the stores and organizations seen since start (loopback peers only, unless --admin-token)"},
    {"GET", "/__admin/stream", AdminAccess::kStoreOrClientId, StreamRoute,
     "Server-Sent Events of the store: events, delivery attempts, API calls (or ?client_id=ID for a "
     "browser)"},
    {"GET", "/__admin/wait", AdminAccess::kStore, WaitRoute,
     "long poll until deliveries=N, event_type=KEY (after_event=ID: the first after it; empty: the first) "
     "has a delivered "
     "event, messages=N on sqs_queue/stomp_destination, or story_run=ID ended hold (200), or timeout_ms "
     "passes (408)"},
    {"GET", "/__admin/idle", AdminAccess::kStore, Idle,
     "200 once no delivery is pending, 408 if some still are after timeout_ms; on a virtual clock, once none "
     "is in flight or due by now, listing the store's work scheduled later (\"scheduled\": due, what, ids)"},
    {"GET", "/__admin/clock", AdminAccess::kStore, GetClock,
     "the server's clock, one for all its stores: mode (real, or virtual with --clock virtual), now, the "
     "next due time of what is scheduled, and the deliveries pending"},
    {"POST", "/__admin/clock", AdminAccess::kStore, PostClock,
     "{\"running\": false} stops a virtual clock where it is; {\"running\": true} lets it run on at the pace "
     "of "
     "real time from there (409 on a real clock)"},
    {"POST", "/__admin/clock/run-until-idle", AdminAccess::kStore, PostClockRunUntilIdle,
     "advances a virtual clock from due time to due time until nothing is in flight or due ({\"max_ms\"}? of "
     "its "
     "time, a day if not given; \"timeout_ms\"? of real time); 408 saying what is still scheduled at max_ms, "
     "503 "
     "at timeout_ms"},
    {"POST", "/__admin/clock/advance", AdminAccess::kStore, PostClockAdvance,
     "moves a virtual clock on ({\"by_ms\"} or {\"to\": RFC 3339}, \"timeout_ms\"? of real time), running "
     "what falls due in order; answers once that work has ended (409 on a real clock)"},
    {"POST", "/__admin/events", AdminAccess::kStore, PostEvent,
     "fires an event: {\"type\", \"data\"?, \"included\"?} -> 201 with the event and its jobs"},
    {"GET", "/__admin/events", AdminAccess::kStore, ListEvents,
     "the store's events, newest first, or after a cursor; filtered by ?type=, status= (delivered, "
     "retrying, failed, refused, pending, none), integration_id=, story_run=, id= (a prefix); "
     "fields=summary leaves out the resources"},
    {"POST", "/__admin/events/replay", AdminAccess::kStore, PostBulkReplay,
     "replays every event the filters select ({\"type\", \"status\", \"integration_id\", \"story_run\", "
     "\"id\"}, or the same in the query), at most 1,000"},
    {"POST", "/__admin/events/batch", AdminAccess::kStore, PostBatch,
     "many events of a type: {\"type\", \"count\", \"seed\", \"profile\"} -> 201 with each id and its edge "
     "cases"},
    {"GET", "/__admin/events/{id}", AdminAccess::kStore, GetEvent, "one event with every attempt's log"},
    {"GET", "/__admin/events/{id}/requests", AdminAccess::kStore, GetEventRequests,
     "what each receiver was sent on attempt N (?attempt=N, 1 by default)"},
    {"POST", "/__admin/events/{id}/replay", AdminAccess::kStore, PostReplay,
     "delivers the event again, to every observer or {\"integration_id\"}"},
    {"GET", "/__admin/deliveries", AdminAccess::kStore, ListDeliveries,
     "every delivery attempt's log, newest first, or after a cursor"},
    {"GET", "/__admin/integrations/{id}/jobs", AdminAccess::kStore, ListIntegrationJobs,
     "an integration's jobs with their event and trigger, newest first"},
    {"POST", "/__admin/faults", AdminAccess::kStore, PostFaultOf<DeliveryFaultRoutes>,
     "adds a delivery fault (duplicate, reorder, delay_ms, fail_first_attempts, refuse, ...)"},
    {"GET", "/__admin/faults", AdminAccess::kStore, ListFaultsOf<DeliveryFaultRoutes>,
     "the store's delivery faults; ?state=used lists those whose budget ran out, all both"},
    {"DELETE", "/__admin/faults", AdminAccess::kStore, ClearFaultsOf<DeliveryFaultRoutes>,
     "removes every delivery fault of the store"},
    {"DELETE", "/__admin/faults/{id}", AdminAccess::kStore, DeleteFaultOf<DeliveryFaultRoutes>,
     "removes one delivery fault"},
    {"POST", "/__admin/api-faults", AdminAccess::kStore, PostFaultOf<ApiFaultRoutes>,
     "adds an API fault: the next /v2 requests answer a status, late, or with a reset"},
    {"GET", "/__admin/api-faults", AdminAccess::kStore, ListFaultsOf<ApiFaultRoutes>,
     "the store's API faults; ?state=used lists those whose budget ran out, all both"},
    {"DELETE", "/__admin/api-faults", AdminAccess::kStore, ClearFaultsOf<ApiFaultRoutes>,
     "removes every API fault of the store"},
    {"DELETE", "/__admin/api-faults/{id}", AdminAccess::kStore, DeleteFaultOf<ApiFaultRoutes>,
     "removes one API fault"},
    {"GET", "/__admin/store", AdminAccess::kStore, GetStore,
     "the store: id, kind, page_length, organization, org_id"},
    {"PUT", "/__admin/store", AdminAccess::kStore, PutStore,
     "sets the store's kind (production, development), page_length (1 to 100) or both"},
    {"POST", "/__admin/reset", AdminAccess::kStore, ResetStore,
     "forgets all of the store: integrations, events, jobs, logs, journal entries, faults, API faults, sink "
     "requests and answers, story runs, kind and page length"},
    {"GET", "/__admin/organization", AdminAccess::kStore, GetOrganization, "the caller's organization"},
    {"PUT", "/__admin/organization", AdminAccess::kStore, PutOrganization,
     "declares the caller an organization of stores: {\"stores\": [client ids]}"},
    {"DELETE", "/__admin/organization", AdminAccess::kStore, DeleteOrganization, "undoes the declaration"},
    {"GET", "/__admin/requests", AdminAccess::kStore, ListRequests,
     "the store's request journal, oldest first, or after a sequence number; filtered by ?status=4xx, "
     "path= (a prefix), origin=client|dashboard"},
    {"GET", "/__admin/sinks", AdminAccess::kStore, ListSinks,
     "the sinks the store can read: name, url, requests, last received, the answers it gives"},
    {"GET", "/__admin/sinks/webhook/{name}", AdminAccess::kStore, GetSink,
     "what /__sink/webhook/{name} received: the store's deliveries and requests no store sent"},
    {"PUT", "/__admin/sinks/webhook/{name}", AdminAccess::kStore, PutSink,
     "programs the sink's answers to the store's deliveries: {\"responses\": [{\"status\", \"delay_ms\", "
     "\"body\"}]}"},
    {"DELETE", "/__admin/sinks/webhook/{name}", AdminAccess::kStore, DeleteSink,
     "forgets what the store's deliveries sent to the sink, and its answers"},
    {"GET", "/__admin/sqs/queues", AdminAccess::kStore, ListQueues,
     "every embedded SQS queue: visible, in flight, delayed, dead-letter target"},
    {"GET", "/__admin/sqs/queues/{name}", AdminAccess::kStore, GetQueue, "what sits on a queue"},
    {"PUT", "/__admin/sqs/queues/{name}", AdminAccess::kStore, PutQueue, "creates a queue -> its queue_url"},
    {"DELETE", "/__admin/sqs/queues/{name}/messages", AdminAccess::kStore, PurgeQueue,
     "purges a queue: every message, visible, in flight or delayed"},
    {"POST", "/__admin/certify", AdminAccess::kStore, PostCertify,
     "starts epmock certify (docs/CERTIFY.md) on a server of its own: {\"kind\": "
     "\"webhook\"|\"sqs\"|\"stomp\", "
     "\"url\", \"secret\", \"observes\", ...}; 202 with the run, its progress on the stream"},
    {"GET", "/__admin/certify", AdminAccess::kStore, ListCertifyRuns,
     "the store's certify runs, newest first (each report at its own route)"},
    {"GET", "/__admin/certify/{id}", AdminAccess::kStore, GetCertifyRun,
     "a certify run: its status, checks so far and report; ?wait_ms=N (to 60000) waits for its end"},
    {"POST", "/__admin/sqs/faults", AdminAccess::kStore, PostSqsFault,
     "adds a fault on consumers' SQS calls: {\"action\": ReceiveMessage|DeleteMessage, \"error\": "
     "throttled|internal_error|stale_receipt, \"queue\", \"requests\"}"},
    {"GET", "/__admin/sqs/faults", AdminAccess::kStore, ListSqsFaults,
     "the SQS faults not used up, oldest first"},
    {"DELETE", "/__admin/sqs/faults", AdminAccess::kStore, ClearSqsFaults, "removes every SQS fault"},
    {"POST", "/__admin/stomp/faults", AdminAccess::kStore, PostStompFault,
     "a fault on consumers' connections to the embedded STOMP broker: {\"error\": \"drop_connection\"|"
     "\"error_frame\", \"destination\", \"messages\"}; the message is kept for the next subscriber"},
    {"GET", "/__admin/stomp/faults", AdminAccess::kStore, ListStompFaults,
     "the STOMP faults not used up, oldest first"},
    {"DELETE", "/__admin/stomp/faults", AdminAccess::kStore, ClearStompFaults, "removes every STOMP fault"},
    {"GET", "/__admin/stomp/destinations", AdminAccess::kStore, ListDestinations,
     "every STOMP destination: sent, pending, subscribers (auto_ack_subscribers of them on ack:auto), "
     "unacknowledged"},
    {"GET", "/__admin/stomp/messages", AdminAccess::kStore, GetStompMessages,
     "what passed through a destination (?destination=/queue/name)"},
    {"GET", "/__admin/stories", AdminAccess::kStore, ListStories, "the built-in and loaded stories"},
    {"GET", "/__admin/stories/runs", AdminAccess::kStore, ListStoryRuns,
     "the store's story runs, newest first"},
    {"GET", "/__admin/stories/runs/{id}", AdminAccess::kStore, GetStoryRun, "one run as it stands"},
    {"DELETE", "/__admin/stories/runs/{id}", AdminAccess::kStore, DeleteStoryRun,
     "stops a running run (202; 409 if it had ended)"},
    {"POST", "/__admin/stories/{name}", AdminAccess::kStore, PostStory,
     "runs a story: {\"seed\", \"concurrent\", \"max_jitter_ms\", \"set\", \"profile\", \"count\"} -> 202 "
     "with the "
     "planned run"},
    {"GET", "/__admin/catalog", AdminAccess::kStore, GetCatalog,
     "the observable events and families of keys"},
    {"POST", "/__admin/catalog/{key}/validate", AdminAccess::kStore, PostCatalogValidate,
     "checks a resource against the event's schema"},
    {"GET", "/__admin/asyncapi", AdminAccess::kStore, GetAsyncApi,
     "the AsyncAPI 3.0 document of this server's deliveries (?seed=N)"},
};

// Whether a route's pattern matches the path's segments; its braced segments' values go to
// `args`.
bool PatternMatches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                    std::vector<std::string>* args) {
  if (pattern.size() != path.size()) return false;
  std::vector<std::string> found;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].front() == '{') {
      found.push_back(path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  *args = std::move(found);
  return true;
}

}  // namespace

const std::vector<AdminRoute>& AdminRoutes() { return kAdminRoutes; }

AdminMatch MatchAdminRoute(const std::string& method, const std::string& path) {
  static const std::vector<std::vector<std::string>> patterns = [] {
    std::vector<std::vector<std::string>> out;
    for (const AdminRoute& route : kAdminRoutes) out.push_back(PathSegments(route.path));
    return out;
  }();
  const std::vector<std::string> segments = PathSegments(path);
  AdminMatch match;
  // A route whose pattern has fewer braces wins: /__admin/stories/runs before /__admin/stories/{name}.
  std::size_t best_braces = ~std::size_t{0};
  for (std::size_t i = 0; i < kAdminRoutes.size(); ++i) {
    std::vector<std::string> args;
    if (!PatternMatches(patterns[i], segments, &args)) continue;
    if (!match.path_known) match.access = kAdminRoutes[i].access;
    match.path_known = true;
    const std::string method_of = kAdminRoutes[i].method;
    if (match.allowed.find(method_of) == std::string::npos)
      match.allowed += (match.allowed.empty() ? "" : ", ") + method_of;
    if (method_of != method || args.size() >= best_braces) continue;
    best_braces = args.size();
    match.route = &kAdminRoutes[i];
    match.access = kAdminRoutes[i].access;
    match.args = std::move(args);
  }
  return match;
}

std::string AdminRoutesMarkdown() {
  std::string out =
      "| method | path | access | what it does |\n"
      "|---|---|---|---|\n";
  for (const AdminRoute& route : kAdminRoutes) {
    const char* access = route.access == AdminAccess::kOpen        ? "none"
                         : route.access == AdminAccess::kDashboard ? "dashboard"
                                                                   : "store token";
    std::string summary = route.summary;
    for (std::size_t at = 0; (at = summary.find('|', at)) != std::string::npos; at += 2)
      summary.replace(at, 1, "\\|");
    out +=
        std::string("| ") + route.method + " | `" + route.path + "` | " + access + " | " + summary + " |\n";
  }
  return out;
}

std::string AdminRoutesText() {
  std::string out;
  for (const AdminRoute& route : kAdminRoutes) {
    std::string line = std::string("  ") + route.method;
    line.resize(9, ' ');
    out += line + route.path + "\n";
  }
  return out;
}

}  // namespace epmock::internal
