#include "api/admin_api.h"

#include <limits>

#include <cctype>
#include <chrono>

#include <nlohmann/json.hpp>

#include "api/dashboard.h"
#include "api/errors.h"
#include "api/integrations_api.h"
#include "api/json_body.h"
#include "api/pagination.h"
#include "common/clock.h"
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

HttpResponse Events(RouteContext& c, const std::vector<std::string>& s) {
  const std::string& method = c.request.method;
  if (s.size() == 3 && s[2] == "batch" && method == "POST") {  // POST /__admin/events/batch
    json body;
    if (auto error = ReadJson(c.request, &body, false)) return *error;
    BatchRequest request;
    for (const auto& [key, value] : body.items()) {
      if (key == "type" && value.is_string()) {
        request.type = value.get<std::string>();
      } else if (key == "count" && value.is_number_unsigned()) {
        request.count = value.get<std::size_t>();
      } else if (key == "seed" && value.is_number_unsigned()) {
        request.seed = value.get<std::uint64_t>();
      } else if (key == "profile" && value.is_string()) {
        request.profile = value.get<std::string>();
      } else {
        return ErrorResponse(
            422, StatusTitle(422),
            key.substr(0, 64) +
                ": not an option of a batch, or of the wrong type (type: a string, count and seed: "
                "whole numbers, profile: realistic or edge-cases)",
            "/" + key.substr(0, 64));
      }
    }
    if (request.type.empty())
      return ErrorResponse(422, StatusTitle(422),
                           "type is required: an observable event key such as order.paid", "/type");
    StatusOr<std::vector<BatchEvent>> events = c.engine.events().TriggerBatch(c.store, request);
    if (!events.ok()) return StatusResponse(events.status(), "");
    json data = json::array();
    for (const BatchEvent& e : *events) data.push_back({{"id", e.event_id}, {"variety", e.variety}});
    const std::size_t count = data.size();
    return JsonResponse(
        201, {{"data", std::move(data)}, {"meta", {{"count", count}, {"profile", request.profile}}}});
  }
  if (s.size() == 2 && method == "POST") {  // POST /__admin/events
    json body;
    if (auto error = ReadJson(c.request, &body, false)) return *error;
    if (!body.contains("type") || !body["type"].is_string()) {
      return ErrorResponse(422, StatusTitle(422),
                           "type is required: an observable event key such as order.paid", "/type");
    }
    TriggerRequest request{body["type"].get<std::string>(), std::nullopt, std::nullopt};
    if (body.contains("data") && !body["data"].is_null()) request.data = body["data"];
    if (body.contains("included") && !body["included"].is_null()) request.included = body["included"];
    StatusOr<TriggeredEvent> event = c.engine.events().Trigger(c.store, request);
    if (!event.ok()) return StatusResponse(event.status(), "");
    return JsonResponse(201, {{"data", event->ToJson()}});
  }
  if (s.size() == 2 && method == "GET") {  // GET /__admin/events: newest first, or after a cursor
    AdminPage page;
    if (auto error = ParseAdminPage(c.params, &page)) return ErrorResponse({*error});
    Store::PageOf<std::shared_ptr<const EventRecord>> events;
    if (page.after) {
      auto after = c.store->EventsAfter(*page.after, page.limit);
      if (!after) return UnknownCursor(*page.after, "event");
      events = std::move(*after);
    } else {
      events = c.store->EventsPage(page.offset, page.limit);
    }
    json data = json::array();
    for (const auto& e : events.items) data.push_back(ToTriggeredEvent(*e).ToJson());
    const std::string next = page.after ? (events.items.empty() ? *page.after : events.items.back()->id) : "";
    return JsonResponse(
        200, {{"data", std::move(data)},
              {"meta",
               {{"page", AdminPageMeta(page, events.total, next)}, {"dropped", c.store->DroppedEvents()}}}});
  }
  if (s.size() == 4 && s[3] == "requests" && method == "GET") {  // GET /__admin/events/{id}/requests
    auto event = c.store->FindEvent(s[2]);
    if (!event) return NotFound("No event " + s[2] + " in this store");
    int attempt = 1;
    if (auto it = c.params.find("attempt"); it != c.params.end()) {
      const std::optional<std::size_t> n = ParseWholeNumber(it->second, 1000);
      if (!n || *n < 1)
        return ErrorResponse(400, StatusTitle(400), "attempt must be a whole number from 1 to 1000",
                             "attempt");
      attempt = static_cast<int>(*n);
    }
    return JsonResponse(200, {{"data", SentRequests(c, *event, attempt)}});
  }
  if (s.size() == 3 && method == "GET") {  // GET /__admin/events/{id}
    auto event = c.store->FindEvent(s[2]);
    if (!event) return NotFound("No event " + s[2] + " in this store");
    json out = ToTriggeredEvent(*event).ToJson();
    json logs = json::array();
    for (const IntegrationLog& log : c.store->Logs("", "")) {
      if (log.event_id == event->id) logs.push_back(LogWithEvent(log));
    }
    out["logs"] = std::move(logs);
    return JsonResponse(200, {{"data", std::move(out)}});
  }
  if (s.size() == 4 && s[3] == "replay" && method == "POST") {  // POST /__admin/events/{id}/replay
    json body;
    if (auto error = ReadJson(c.request, &body, true)) return *error;
    std::string integration_id;
    if (body.contains("integration_id")) {
      if (!body["integration_id"].is_string()) {
        return ErrorResponse(422, StatusTitle(422), "integration_id must be a string", "/integration_id");
      }
      integration_id = body["integration_id"].get<std::string>();
    }
    StatusOr<TriggeredEvent> event = c.engine.events().Replay(c.store, s[2], integration_id);
    if (!event.ok()) return StatusResponse(event.status());
    return JsonResponse(201, {{"data", event->ToJson()}});
  }
  return NotFound("No such admin endpoint: " + method + " " + c.request.path);
}

HttpResponse Faults(RouteContext& c, const std::vector<std::string>& s) {
  FaultRegistry& faults = c.engine.events().faults();
  const std::string& method = c.request.method;
  if (s.size() == 2 && method == "POST") {
    json body;
    if (auto error = ReadJson(c.request, &body, false)) return *error;
    StatusOr<Fault> fault = Fault::FromJson(body);
    if (!fault.ok()) return StatusResponse(fault.status(), "");
    if (!fault->integration_id.empty() && !c.store->Get(fault->integration_id)) {
      return ErrorResponse(422, StatusTitle(422),
                           "No integration " + fault->integration_id + " in this store", "/integration_id");
    }
    return JsonResponse(201, {{"data", faults.Add(c.store->id(), *fault).ToJson()}});
  }
  if (s.size() == 2 && method == "GET") {
    json data = json::array();
    for (const Fault& f : faults.List(c.store->id())) data.push_back(f.ToJson());
    return JsonResponse(200, {{"data", std::move(data)}});
  }
  if (s.size() == 2 && method == "DELETE") {
    faults.Clear(c.store->id());
    return NoContent();
  }
  if (s.size() == 3 && method == "DELETE") {
    return faults.Remove(c.store->id(), s[2]) ? NoContent() : NotFound("No fault " + s[2] + " in this store");
  }
  return NotFound("No such admin endpoint: " + method + " " + c.request.path);
}

// /__admin/api-faults[/{id}]: the store's API faults (epmock/faults.h: ApiFault).
HttpResponse ApiFaults(RouteContext& c, const std::vector<std::string>& s) {
  ApiFaultRegistry& faults = c.engine.api_faults();
  const std::string& method = c.request.method;
  if (s.size() == 2 && method == "POST") {
    json body;
    if (auto error = ReadJson(c.request, &body, false)) return *error;
    StatusOr<ApiFault> fault = ApiFault::FromJson(body);
    if (!fault.ok()) return StatusResponse(fault.status(), "");
    StatusOr<ApiFault> added = faults.Add(c.store->id(), *fault);
    if (!added.ok()) return StatusResponse(added.status());
    return JsonResponse(201, {{"data", added->ToJson()}});
  }
  if (s.size() == 2 && method == "GET") {
    json data = json::array();
    for (const ApiFault& f : faults.List(c.store->id())) data.push_back(f.ToJson());
    return JsonResponse(200, {{"data", std::move(data)}});
  }
  if (s.size() == 2 && method == "DELETE") {
    faults.Clear(c.store->id());
    return NoContent();
  }
  if (s.size() == 3 && method == "DELETE") {
    return faults.Remove(c.store->id(), s[2]) ? NoContent()
                                              : NotFound("No API fault " + s[2] + " in this store");
  }
  return NotFound("No such admin endpoint: " + method + " " + c.request.path);
}

// /__admin/store: what the store is (its id, kind, page length, organization); PUT sets its
// kind, its page length or both, and leaves the other as it is.
HttpResponse StoreRoute(RouteContext& c) {
  if (c.request.method == "PUT") {
    json body;
    if (auto error = ReadJson(c.request, &body, false)) return *error;
    constexpr char kShape[] =
        "The body is {\"kind\": \"production\" or \"development\", \"page_length\": 1 to 100}, "
        "either or both";
    if (body.empty()) return ErrorResponse(422, StatusTitle(422), kShape);
    std::optional<std::string> kind;
    std::optional<std::size_t> page_length;
    for (const auto& [key, value] : body.items()) {
      if (key == "kind" && value.is_string() && (value == "production" || value == "development")) {
        kind = value.get<std::string>();
      } else if (key == "page_length" && value.is_number_unsigned() && value.get<std::uint64_t>() >= 1 &&
                 value.get<std::uint64_t>() <= kMaxStorePageLength) {
        page_length = value.get<std::size_t>();
      } else {
        return ErrorResponse(422, StatusTitle(422), kShape, "/" + key.substr(0, 100));
      }
    }
    // Both checked before either is set: a refused body changes nothing.
    if (kind) c.store->set_kind(*kind);
    if (page_length) c.store->set_page_length(*page_length);
  } else if (c.request.method != "GET") {
    HttpResponse r = ErrorResponse(405, StatusTitle(405), "Use GET or PUT for /__admin/store");
    r.headers.emplace_back("Allow", "GET, PUT");
    return r;
  }
  const std::string org_id = c.store->org_id();
  return JsonResponse(200, {{"data",
                             {{"id", c.store->id()},
                              {"kind", c.store->kind()},
                              {"page_length", c.store->page_length()},
                              {"organization", c.store->is_organization()},
                              {"org_id", org_id.empty() ? json(nullptr) : json(org_id)}}}});
}

HttpResponse Sinks(RouteContext& c, const std::vector<std::string>& s) {
  // /__admin/sinks/webhook/{name}
  if (s.size() != 4 || s[2] != "webhook") return NotFound("A sink is /__admin/sinks/webhook/{name}");
  const std::string& method = c.request.method;
  if (method == "GET") {
    // The store's own deliveries and what no store sent (marked: store_id null), never
    // another store's.
    AdminPage page;
    if (auto error = ParseAdminPage(c.params, &page)) return ErrorResponse({*error});
    if (page.after) {
      return ErrorResponse(400, StatusTitle(400), "A sink lists in arrival order: use page[offset]",
                           "page[after]");
    }
    json data = json::array();
    std::size_t total = 0;
    for (const auto& [owner, r] :
         c.engine.sinks().VisiblePage(c.store->id(), s[3], page.offset, page.limit, &total)) {
      json entry = ToJson(r);
      entry["store_id"] = owner == SinkRegistry::kNoStore ? json(nullptr) : json(owner);
      data.push_back(std::move(entry));
    }
    return JsonResponse(200, {{"data", std::move(data)},
                              {"meta",
                               {{"url", c.request.base_url + "/__sink/webhook/" + s[3]},
                                {"page", AdminPageMeta(page, total, "")},
                                {"dropped", c.engine.sinks().DroppedVisibleTo(c.store->id(), s[3])}}}});
  }
  if (method == "PUT") {
    json body;
    if (auto error = ReadJson(c.request, &body, false)) return *error;
    StatusOr<std::vector<SinkResponse>> responses = SinkResponsesFromJson(body);
    if (!responses.ok()) return StatusResponse(responses.status(), "/responses");
    c.engine.sinks().Get(c.store->id(), s[3])->RespondWith(*responses);
    return NoContent();
  }
  if (method == "DELETE") {
    if (auto sink = c.engine.sinks().Find(c.store->id(), s[3])) sink->Clear();  // its own only
    return NoContent();
  }
  return NotFound("No such admin endpoint: " + method + " " + c.request.path);
}

// SQS's rule for queue names: 1 to 80 letters, digits, hyphens and underscores (.fifo aside).
bool IsQueueName(const std::string& name) {
  if (name.empty() || name.size() > 80) return false;
  for (char ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') return false;
  }
  return true;
}

// page[limit] and page[offset] of a list that has no cursor (a queue's or a destination's
// messages, an integration's jobs).
std::optional<HttpResponse> ParseOffsetPage(const Params& params, AdminPage* page) {
  if (auto error = ParseAdminPage(params, page)) return ErrorResponse({*error});
  if (page->after) {
    return ErrorResponse(400, StatusTitle(400), "This list pages by page[offset]", "page[after]");
  }
  return std::nullopt;
}

// GET /__admin/sqs/queues/{name}: what sits on a queue of the embedded SQS endpoint.
// PUT /__admin/sqs/queues/{name}: creates it (for clients without an SQS SDK).
// GET /__admin/stomp/messages?destination=/queue/x: what passed through the STOMP broker.
HttpResponse Queues(RouteContext& c, const std::vector<std::string>& s) {
  const bool create = s[1] == "sqs" && c.request.method == "PUT";
  if (c.request.method != "GET" && !create) {
    return NotFound("No such admin endpoint: " + c.request.method + " " + c.request.path);
  }
  if (s[1] == "sqs") {
    if (!c.engine.sqs())
      return ErrorResponse(404, StatusTitle(404), "No embedded SQS endpoint runs (see --sqs-port)");
    if (s.size() == 3 && s[2] == "queues" && !create) {  // GET /__admin/sqs/queues: every queue
      json data = json::array();
      for (const SqsQueueSummary& q : c.engine.sqs()->Queues()) {
        data.push_back({{"name", q.name},
                        {"queue_url", q.url},
                        {"visible", q.visible},
                        {"in_flight", q.in_flight},
                        {"delayed", q.delayed},
                        {"dead_letter_target",
                         q.dead_letter_target.empty() ? json(nullptr) : json(q.dead_letter_target)}});
      }
      const std::size_t total = data.size();
      return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
    }
    if (s.size() != 4 || s[2] != "queues") return NotFound("A queue is /__admin/sqs/queues/{name}");
    if (create) {
      if (!IsQueueName(s[3])) {
        return ErrorResponse(422, StatusTitle(422),
                             "A queue name is 1 to 80 letters, digits, hyphens and underscores", "name");
      }
      return JsonResponse(201,
                          {{"data", {{"name", s[3]}, {"queue_url", c.engine.sqs()->CreateQueue(s[3])}}}});
    }
    AdminPage page;
    if (auto error = ParseOffsetPage(c.params, &page)) return *error;
    std::size_t total = 0;
    json data = json::array();
    for (const SqsQueuedMessage& m : c.engine.sqs()->MessagesPage(s[3], page.offset, page.limit, &total)) {
      json body = json::parse(m.body, nullptr, false);
      data.push_back({{"message_id", m.message_id},
                      {"body", body.is_discarded() ? json(m.body) : body},
                      {"attributes", m.attributes},
                      {"receive_count", m.receive_count}});
    }
    return JsonResponse(
        200, {{"data", std::move(data)},
              {"meta",
               {{"queue_url", c.engine.sqs()->QueueUrl(s[3])}, {"page", AdminPageMeta(page, total, "")}}}});
  }
  if (!c.engine.stomp())
    return ErrorResponse(404, StatusTitle(404), "No embedded STOMP broker runs (see --stomp-port)");
  if (s.size() == 3 && s[2] == "destinations") {  // GET /__admin/stomp/destinations
    json data = json::array();
    for (const StompDestination& d : c.engine.stomp()->Destinations()) {
      data.push_back({{"name", d.name},
                      {"sent", d.sent},
                      {"pending", d.pending},
                      {"subscribers", d.subscribers},
                      {"unacknowledged", d.unacknowledged}});
    }
    const std::size_t total = data.size();
    return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
  }
  auto destination = c.params.find("destination");
  if (s.size() != 3 || s[2] != "messages" || destination == c.params.end()) {
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
                              {"broker_url", c.engine.stomp()->Url()}}}});
}

// StoryOptions from a request body: {"seed", "concurrent", "max_jitter_ms", "set"}, each
// optional; anything else is refused by name.
StatusOr<StoryOptions> StoryOptionsFromJson(const json& body) {
  StoryOptions options;
  if (body.is_null()) return options;
  if (!body.is_object()) return Status::InvalidArgument("the body is an object of the run's options");
  for (const auto& [key, value] : body.items()) {
    if (key == "seed") {
      if (!value.is_number_unsigned()) return Status::InvalidArgument("seed: a whole number of 0 or more");
      options.seed = value.get<std::uint64_t>();
    } else if (key == "concurrent") {
      if (!value.is_boolean()) return Status::InvalidArgument("concurrent: true or false");
      options.concurrent = value.get<bool>();
    } else if (key == "max_jitter_ms") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
          value.get<std::int64_t>() > kMaxStoryJitterMs) {
        return Status::InvalidArgument("max_jitter_ms: a whole number from 0 to " +
                                       std::to_string(kMaxStoryJitterMs));
      }
      options.max_jitter_ms = value.get<int>();
    } else if (key == "set") {
      if (!value.is_object()) return Status::InvalidArgument("set: an object of subjects' fields");
      options.set = value;
    } else {
      return Status::InvalidArgument(key.substr(0, 64) +
                                     ": not an option of a story run (seed, concurrent, "
                                     "max_jitter_ms, set)");
    }
  }
  return options;
}

// GET  /__admin/stories                 the built-in and loaded stories
// POST /__admin/stories/{name}          run one in the store: 202 with the planned run; with
//                                       "count": N, N runs at once: 202 with the N runs
// GET  /__admin/stories/runs[/{id}]     the store's runs, newest first, or one run as it stands
// DELETE /__admin/stories/runs/{id}     stops a running run: 202 with it, 409 if it had ended
HttpResponse Stories(RouteContext& c, const std::vector<std::string>& s) {
  const std::string& method = c.request.method;
  StoryRunner& runner = c.engine.events().stories();
  if (s.size() == 2 && method == "GET") {
    json data = json::array();
    for (const Story& story : runner.Stories()) data.push_back(story.ToJson());
    const std::size_t total = data.size();
    return JsonResponse(200, {{"data", std::move(data)}, {"meta", {{"total", total}}}});
  }
  if (s.size() >= 3 && s[2] == "runs" && method == "GET") {
    if (s.size() == 4) {
      std::optional<StoryRun> run = runner.Run(c.store->id(), s[3]);
      if (!run) return NotFound("No story run " + s[3].substr(0, 64) + " in this store");
      return JsonResponse(200, {{"data", run->ToJson()}});
    }
    if (s.size() != 3) return NotFound("A run is /__admin/stories/runs/{id}");
    AdminPage page;
    if (auto error = ParseOffsetPage(c.params, &page)) return *error;
    std::size_t total = 0;
    std::uint64_t dropped = 0;
    json data = json::array();
    for (const StoryRun& run : runner.RunsPage(c.store->id(), page.offset, page.limit, &total, &dropped))
      data.push_back(run.ToJson());
    return JsonResponse(200, {{"data", std::move(data)},
                              {"meta", {{"page", AdminPageMeta(page, total, "")}, {"dropped", dropped}}}});
  }
  if (s.size() == 4 && s[2] == "runs" && method == "DELETE") {
    StatusOr<StoryRun> stopped = runner.StopRun(c.store->id(), s[3]);
    if (!stopped.ok()) return StatusResponse(stopped.status(), "");
    return JsonResponse(202, {{"data", stopped->ToJson()}});
  }
  if (s.size() == 3 && method == "POST") {
    json body;
    if (auto error = ReadJson(c.request, &body, true)) return *error;
    // "count": N runs at once, answered as a list; without it, one run, answered as itself.
    std::optional<std::size_t> count;
    if (body.is_object() && body.contains("count")) {
      const json& n = body["count"];
      if (!n.is_number_integer() || n.get<std::int64_t>() < 1 ||
          n.get<std::int64_t>() > static_cast<std::int64_t>(kMaxRunningStories)) {
        return StatusResponse(
            Status::InvalidArgument("count: a whole number from 1 to " + std::to_string(kMaxRunningStories)),
            "count");
      }
      count = n.get<std::size_t>();
      body.erase("count");
    }
    StatusOr<StoryOptions> options = StoryOptionsFromJson(body);
    if (!options.ok()) return StatusResponse(options.status(), "");
    if (!c.engine.events().running())
      return StatusResponse(Status::FailedPrecondition("the server is stopping"), "");
    StatusOr<std::vector<StoryRun>> runs = runner.StartMany(c.store, s[2], *options, count.value_or(1));
    if (!runs.ok()) return StatusResponse(runs.status(), "");
    if (!count) return JsonResponse(202, {{"data", runs->front().ToJson()}});
    json data = json::array();
    for (const StoryRun& run : *runs) data.push_back(run.ToJson());
    return JsonResponse(202, {{"data", std::move(data)}, {"meta", {{"count", runs->size()}}}});
  }
  return NotFound("No such admin endpoint: " + method + " " + c.request.path);
}

HttpResponse AsyncApi(RouteContext& c) {
  // GET /__admin/asyncapi[?seed=N]: `epmock asyncapi` of this server (its catalog extension
  // included), its servers this server's embedded SQS endpoint and STOMP broker.
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

// GET  /__admin/catalog                    the observable events (and families of keys)
// POST /__admin/catalog/{key}/validate      checks a resource for the event against its schema
HttpResponse Catalog(RouteContext& c, const std::vector<std::string>& s) {
  const Spec& spec = c.engine.spec();
  if (s.size() == 2 && c.request.method == "GET") {
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
  if (s.size() == 4 && s[3] == "validate" && c.request.method == "POST") {
    const std::optional<ObservableEvent> event = spec.LookupEvent(s[2]);
    if (!event) return NotFound("'" + s[2].substr(0, 128) + "' is not an observable event");
    json body;
    if (auto error = ReadJson(c.request, &body, false)) return *error;
    json violations = json::array();
    for (const SchemaViolation& v : spec.ValidateResource(event->resource, body))
      violations.push_back({{"source", v.source}, {"detail", v.detail}});
    const bool valid = violations.empty();
    return JsonResponse(
        200, {{"data", {{"valid", valid}, {"resource", event->resource}, {"violations", violations}}}});
  }
  return NotFound("No such admin endpoint: " + c.request.method + " " + c.request.path);
}

HttpResponse Idle(RouteContext& c) {
  // GET /__admin/idle?timeout_ms=N: waits until no delivery is pending (any language's way
  // to wait for deliveries without sleeping).
  long timeout_ms = 5000;
  if (auto it = c.params.find("timeout_ms"); it != c.params.end()) {
    const std::optional<std::size_t> n = ParseWholeNumber(it->second, 600000);
    if (!n) {
      return ErrorResponse(400, StatusTitle(400), "timeout_ms must be a whole number from 0 to 600000",
                           "timeout_ms");
    }
    timeout_ms = static_cast<long>(*n);
  }
  const bool idle = c.engine.events().WaitIdle(std::chrono::milliseconds(timeout_ms));
  if (!idle) {
    return ErrorResponse(408, StatusTitle(408),
                         std::to_string(c.engine.events().Outstanding()) +
                             " deliveries still pending after " + std::to_string(timeout_ms) + " ms");
  }
  return JsonResponse(200, {{"idle", true}});
}

}  // namespace

HttpResponse AdminHealth(Engine& engine, const HttpRequest& request) {
  if (request.method != "GET") {
    return ErrorResponse(405, StatusTitle(405), "Use GET for /__admin/health");
  }
  HttpResponse response;
  // "streams": the live streams and long polls open now (at most ServerOptions::max_streams).
  response.body = json{{"status", "ok"},
                       {"version", Version()},
                       {"schema_revision", SchemaRevision()},
                       {"streams", engine.streams().active()},
                       {"admin_token", !engine.options().admin_token.empty()}}
                      .dump();
  return response;
}

json OrganizationToJson(const Organization& org) {
  return {{"id", org.id}, {"client_id", org.client_id}, {"store_ids", org.store_ids}};
}

// /__admin/organization: the caller's client as an organization of stores (elasticpath/elasticpath-dev
// guides/key-concepts/organizations/organization_authentication.md).
HttpResponse OrganizationRoute(RouteContext& c) {
  const std::string& method = c.request.method;
  if (method == "GET") {
    std::optional<Organization> org = c.engine.stores().OrganizationOf(c.client_id);
    if (!org) return NotFound("'" + c.client_id + "' declared no organization");
    return JsonResponse(200, {{"data", OrganizationToJson(*org)}});
  }
  if (method == "DELETE") {
    if (!c.engine.stores().ForgetOrganization(c.client_id)) {
      return NotFound("'" + c.client_id + "' declared no organization");
    }
    return NoContent();
  }
  if (method != "PUT") {
    HttpResponse r = ErrorResponse(405, StatusTitle(405), "Use GET, PUT or DELETE for /__admin/organization");
    r.headers.emplace_back("Allow", "GET, PUT, DELETE");
    return r;
  }
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
  StatusOr<Organization> org = c.engine.stores().DeclareOrganization(c.client_id, clients);
  if (!org.ok()) return StatusResponse(org.status(), "/stores");
  return JsonResponse(200, {{"data", OrganizationToJson(*org)}});
}

HttpResponse HandleAdminRequest(RouteContext& c) {
  const std::string& path = c.request.path;
  const std::string& method = c.request.method;
  const std::vector<std::string> s = PathSegments(path);  // {"__admin", ...}
  if (path == "/__admin/requests" && method == "GET") {   // oldest first, or after a sequence number
    AdminPage page;
    if (auto error = ParseAdminPage(c.params, &page)) return ErrorResponse({*error});
    Journal::Page records;
    if (page.after) {
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
  if (path == "/__admin/reset" && method == "POST") {
    c.store->Clear();
    c.engine.journal().ClearStore(c.store->id());
    c.engine.events().faults().Clear(c.store->id());
    c.engine.api_faults().Clear(c.store->id());
    return NoContent();
  }
  if (path == "/__admin/deliveries" && method == "GET") {  // newest first, or after a cursor
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
  if (path == "/__admin/idle" && method == "GET") return Idle(c);
  if (path == "/__admin/wait" && method == "GET") return WaitRoute(c);
  if (s.size() >= 2 && s[1] == "catalog") return Catalog(c, s);
  if (path == "/__admin/stream" && method == "GET") return StreamRoute(c);
  if (path == "/__admin/asyncapi" && method == "GET") return AsyncApi(c);
  if (path == "/__admin/organization") return OrganizationRoute(c);
  if (path == "/__admin/store") return StoreRoute(c);
  if (s.size() >= 2 && s[1] == "api-faults") return ApiFaults(c, s);
  if (s.size() == 4 && s[1] == "integrations" && s[3] == "jobs" && method == "GET") {
    // A job as epmock knows it: the event behind it and its trigger, which /v2 does not show.
    if (!c.store->Get(s[2])) return NotFound("No integration " + s[2] + " in this store");
    AdminPage page;
    if (auto error = ParseOffsetPage(c.params, &page)) return *error;
    json data = json::array();
    const auto jobs = c.store->JobsPage(s[2], page.offset, page.limit);
    for (const IntegrationJob& job : jobs.items) data.push_back(JobToAdminJson(job));
    return JsonResponse(200,
                        {{"data", std::move(data)},
                         {"meta", {{"total", jobs.total}, {"page", AdminPageMeta(page, jobs.total, "")}}}});
  }
  if (s.size() >= 2 && s[1] == "events") return Events(c, s);
  if (s.size() >= 2 && s[1] == "stories") return Stories(c, s);
  if (s.size() >= 2 && s[1] == "faults") return Faults(c, s);
  if (s.size() >= 2 && s[1] == "sinks") return Sinks(c, s);
  if (s.size() >= 2 && (s[1] == "sqs" || s[1] == "stomp")) return Queues(c, s);
  return NotFound("No such admin endpoint: " + method + " " + path);
}

}  // namespace epmock::internal
