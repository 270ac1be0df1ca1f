#include "events/event_engine.h"

#include <algorithm>
#include <random>

#include "common/clock.h"
#include "common/ids.h"
#include "envelope/envelope.h"
#include "events/variety.h"

namespace epmock::internal {

using nlohmann::json;

namespace {

IdSource IdsOf(const ServerOptions& o) {
  return IdSource(o.seed, o.clock == ServerOptions::ClockMode::kVirtual);
}

DispatcherOptions ToDispatcherOptions(const ServerOptions& o) {
  DispatcherOptions d;
  d.max_attempts = o.max_attempts;
  d.retry_delay_ms = o.retry_delay_ms;
  d.time_scale = o.time_scale;
  d.max_threads = o.max_delivery_threads;
  d.per_integration_concurrency = o.per_integration_concurrency;
  d.ids = IdsOf(o);
  if (d.ids.derived()) d.max_threads = 1;  // one instant's work in one order (DispatcherOptions::ids)
  return d;
}

WebhookOptions ToWebhookOptions(const ServerOptions& o, std::shared_ptr<const SelfAuthorities> self) {
  return WebhookOptions{o.EffectiveDeliveryTimeoutMs(), o.verify_tls, o.ca_file, std::move(self)};
}

// Fact 32 (moltin/examples webhooks/order-confirmation-sms/index.js): "Flows aren't sent with
// the webhook".
constexpr char kNoFlowFieldsNote[] = "the platform sends no flow (custom) fields with webhooks: ";

// The members of caller-given `data` that the event's built-in resource does not have (its
// schema's properties and its samples' members): flow fields, as a store's Flows add them.
// None for a key with no built-in resource of its own (Custom API entries, extensions).
std::vector<std::string> FlowFields(const ObservableEvent& event, const json& data) {
  if (!event.resource_type.empty() || event.resource == kGenericResource) return {};
  const json* resource = Spec::Default()->Resource(event.resource);
  if (!resource || !data.is_object()) return {};
  std::vector<std::string> fields;
  for (const auto& [member, value] : data.items()) {
    bool known = false;
    if (const auto schema = resource->find("schema"); schema != resource->end()) {
      const auto properties = schema->find("properties");
      known = properties != schema->end() && properties->is_object() && properties->contains(member);
    }
    if (const auto samples = resource->find("samples"); !known && samples != resource->end()) {
      for (const json& sample : *samples) {
        const auto sample_data = sample.find("data");
        if (sample_data != sample.end() && sample_data->is_object() && sample_data->contains(member)) {
          known = true;
          break;
        }
      }
    }
    if (!known) fields.push_back(member.substr(0, 100));
    if (fields.size() == 20) break;  // a note, not a copy of the data
  }
  return fields;
}

}  // namespace

EventEngine::EventEngine(const ServerOptions& options, std::shared_ptr<const Spec> spec,
                         std::shared_ptr<const SelfAuthorities> self)
    : spec_(spec),
      cloudevent_source_(options.cloudevent_source),
      virtual_clock_(options.clock == ServerOptions::ClockMode::kVirtual
                         ? std::make_unique<VirtualClock>(options.clock_start_ms > 0 ? options.clock_start_ms
                                                                                     : NowMillis())
                         : nullptr),
      clock_(virtual_clock_ ? static_cast<Clock&>(*virtual_clock_) : SteadyClock()),
      ids_(IdsOf(options)),
      synthesizer_(spec, options.seed, clock_),
      webhook_(ToWebhookOptions(options, self), spec),
      sqs_(HttpPoolOptions{options.EffectiveDeliveryTimeoutMs(), options.verify_tls, options.ca_file}, spec,
           self),
      stomp_(StompTransportOptions{options.EffectiveDeliveryTimeoutMs(), options.verify_tls, options.ca_file,
                                   self},
             spec),
      dispatcher_(ToDispatcherOptions(options),
                  {{"webhook", &webhook_}, {"aws_sqs", &sqs_}, {"stomp", &stomp_}}, clock_),
      stories_(*this, spec, options.time_scale,
               StoryRunLimits{static_cast<std::size_t>(std::max(1, options.max_story_runs_per_store)),
                              kMaxKeptStoryRuns, options.story_run_retention_bytes}) {
  // With derived ids, one instant's deliveries start once the stories have fired theirs.
  dispatcher_.SetGate([this](Clock::TimePoint now) { return stories_.SettledAt(now); });
}

EventEngine::~EventEngine() {
  stories_.Stop();
  dispatcher_.Stop();
}

void EventEngine::Start() {
  dispatcher_.Start();
  running_ = true;
  stories_.Resume();
}

void EventEngine::Stop() {
  stories_.Stop();  // a running story ends "stopped" before its events' deliveries are cut
  running_ = false;
  dispatcher_.Stop();
}

namespace {

// Which bodies the receivers need: the webhook envelope, the CloudEvent, or both.
BodyKinds KindsFor(const std::vector<Integration>& receivers, const std::string& source) {
  BodyKinds kinds;
  kinds.cloudevent_source = source;
  for (const Integration& i : receivers) {
    if (i.integration_type == "webhook") {
      kinds.webhook = true;
    } else {
      kinds.cloudevent = true;
    }
  }
  return kinds;
}

}  // namespace

Status CheckLevel(const ObservableEvent& event, bool organization) {
  if (organization && !event.organization_level) {
    return Status::InvalidArgument("'" + event.key +
                                   "' is a store-level event; an organization raises and observes only "
                                   "organization-level events (integration.*, catalog-release.*)");
  }
  if (!organization && !event.store_level) {
    return Status::InvalidArgument("'" + event.key +
                                   "' is an organization-level event; a store does not raise it");
  }
  return Status::Ok();
}

namespace {

Status NotRunning() { return Status::FailedPrecondition("the server is not running; Start() it first"); }
}  // namespace

void EventEngine::Match(const Store& store, const std::string& type, std::vector<Integration>* matched,
                        std::vector<SkippedIntegration>* skipped) const {
  for (const Integration& integration : store.Observing(type)) {
    if (!integration.enabled.value_or(false)) {
      skipped->push_back({integration.id, integration.enabled ? "enabled is false"
                                                              : "enabled was never set (it is not true)"});
    } else {
      matched->push_back(integration);
    }
  }
}

std::vector<DeliveryAttempt> EventEngine::MakeJobs(
    std::uint64_t round, const std::shared_ptr<Store>& store, const std::shared_ptr<const EventRecord>& event,
    const std::shared_ptr<const EventBodies>& bodies, const std::vector<Integration>& integrations,
    std::vector<EventJob>* jobs, std::vector<std::shared_ptr<const Integration>>* receivers) {
  std::vector<DeliveryAttempt> deliveries;
  std::vector<std::string> used_faults;
  // One look at the store's faults for the whole event: a fault added meanwhile applies to
  // every job of the event or to none (its `events` budget counts events).
  DeliveryFaults* store_faults = store->FindPart<DeliveryFaults>();
  const std::vector<Fault> faults = store_faults ? store_faults->List() : std::vector<Fault>{};
  for (const Integration& integration : integrations) {
    IntegrationJob job;
    // Parent and position: the event, the integration, and which round of the event's
    // deliveries this is (0 when fired, a replay's number after).
    job.id = ids_.Uuid(event->id + '/' + integration.id + '/' + std::to_string(round));
    job.integration_id = integration.id;
    job.event_id = event->id;
    job.triggered_by = event->type;
    job.created_at_ms = clock_.EpochNanos() / 1000000;
    store->AddJob(job);
    DeliveryAttempt delivery;
    delivery.faults = DeliveryFaults::Plan(faults, integration.id, &used_faults);
    if (integration.integration_type != "webhook") delivery.faults.refuse.clear();  // a webhook's alone
    jobs->push_back({job.id, integration.id, integration.integration_type, delivery.faults.refuse});
    receivers->push_back(std::make_shared<const Integration>(integration));

    delivery.store = store;
    delivery.event = event;
    delivery.bodies = bodies;
    delivery.integration = integration;
    delivery.job_id = job.id;
    deliveries.push_back(std::move(delivery));
  }
  if (store_faults) store_faults->Consume(used_faults, clock_.EpochNanos() / 1000000);
  return deliveries;
}

void EventEngine::SubmitAll(std::vector<DeliveryAttempt> deliveries) {
  if (!deliveries.empty()) dispatcher_.Submit(std::move(deliveries));
}

StatusOr<TriggeredEvent> EventEngine::Fire(const std::shared_ptr<Store>& store, const ObservableEvent& event,
                                           json data, json included, std::vector<std::string> notes,
                                           const std::string& id_name, std::string variety,
                                           const Resource* base) {
  const std::string& type = event.key;
  auto record = std::make_shared<EventRecord>();
  record->id = ids_.Uuid(!id_name.empty() ? id_name
                                          : store->id() + "/event/" +
                                                std::to_string(store->NextSerial(Store::Serial::kEvent)));
  record->type = type;
  // The identities the platform's deliveries carry (elasticpath/elasticpath-dev
  // guides/How-To/Authentication/how-to-utilize-one-time-password-tokens.md): a store's id, and its
  // organization's when it has one; an organization-level event the organization's alone.
  if (store->is_organization()) {
    record->org_id = store->id();
  } else {
    record->store_id = store->id();
    record->org_id = store->org_id();
  }
  record->webhook = event.webhook;
  record->notes = std::move(notes);
  record->variety = std::move(variety);
  if (base) {
    record->base_data = base->data;
    record->base_included = base->included;
  }
  record->created_at_ms = clock_.EpochNanos() / 1000000;
  if (IsDeletion(type)) {
    record->data = DeletionResource(data);
    record->included = nullptr;
  } else {
    record->data = std::move(data);
    record->included = std::move(included);
  }
  std::vector<Integration> matched;
  Match(*store, type, &matched, &record->skipped);
  // Once, for every delivery of the event; an event nobody observes gets its bodies only if
  // it is replayed later.
  if (!matched.empty())
    record->bodies = BuildEventBodies(*record, *spec_, KindsFor(matched, cloudevent_source_));
  // The deliveries see the record through a shared pointer; its jobs are filled in before
  // it is stored or any delivery starts, so it is complete whenever anyone reads it.
  std::vector<DeliveryAttempt> deliveries =
      MakeJobs(0, store, record, record->bodies, matched, &record->jobs, &record->receivers);
  record->bytes = RetainedBytes(*record);
  store->AddEvent(record);
  TriggeredEvent out = ToTriggeredEvent(*record);
  SubmitAll(std::move(deliveries));
  return out;
}

StatusOr<TriggeredEvent> EventEngine::Trigger(const std::shared_ptr<Store>& store,
                                              const TriggerRequest& request, const std::string& id_name) {
  if (!running_) return NotRunning();
  const std::optional<ObservableEvent> event = spec_->LookupEvent(request.type);
  if (!event) {
    return Status::InvalidArgument("'" + request.type +
                                   "' is not an observable event (see the Observable Events table)");
  }
  if (Status level = CheckLevel(*event, store->is_organization()); !level.ok()) return level;
  json data, included;
  std::vector<std::string> notes;
  if (request.data) {
    if (!request.data->is_object())
      return Status::InvalidArgument("data must be a JSON object (the resource)");
    if (IsDeletion(request.type)) {
      // A deletion carries only {id, type}, both strings, as the platform sends them.
      for (const char* field : {"id", "type"}) {
        auto it = request.data->find(field);
        if (it == request.data->end()) {
          return Status::InvalidArgument("the data of a " + request.type + " event needs the resource's " +
                                         field + " (a string)");
        }
        if (!it->is_string()) {
          return Status::InvalidArgument("data." + std::string(field) + " of a " + request.type +
                                         " event must be a string, not " + it->type_name());
        }
      }
    }
    data = *request.data;
    if (request.included) {
      if (!request.included->is_object()) return Status::InvalidArgument("included must be a JSON object");
      included = *request.included;
    }
    if (!IsDeletion(request.type)) {
      // Delivered as given: what the platform does with such data is not known.
      std::vector<std::string> flow = FlowFields(*event, data);
      if (!flow.empty()) {
        std::string fields;
        for (const std::string& field : flow) fields += (fields.empty() ? "" : ", ") + field;
        notes.push_back(std::string(kNoFlowFieldsNote) + fields);
      }
    }
  } else {
    if (request.included)
      return Status::InvalidArgument("included needs data: give both, or neither to synthesize both");
    // Derived ids (common/ids.h): the resources of the store's n-th synthesized event are
    // the same on every run, whatever other stores trigger meanwhile.
    StatusOr<Resource> resource =
        ids_.derived()
            ? Synthesizer(spec_,
                          ids_.Seed(store->id() + "/synthesized/" +
                                    std::to_string(store->NextSerial(Store::Serial::kSynthesized))),
                          clock_)
                  .Synthesize(*event)
            : synthesizer_.Synthesize(*event);
    if (!resource.ok()) return resource.status();
    data = resource->data;
    included = resource->included;
  }
  return Fire(store, *event, std::move(data), std::move(included), std::move(notes), id_name);
}

StatusOr<TriggeredEvent> EventEngine::TriggerVaried(const std::shared_ptr<Store>& store,
                                                    const std::string& type, Resource resource,
                                                    const std::string& profile, std::uint64_t seed,
                                                    std::size_t n, const std::string& id_name) {
  if (!running_) return NotRunning();
  const std::optional<ObservableEvent> event = spec_->LookupEvent(type);
  if (!event) return Status::InvalidArgument("'" + type.substr(0, 128) + "' is not an observable event");
  if (Status level = CheckLevel(*event, store->is_organization()); !level.ok()) return level;
  std::mt19937_64 rng(seed ^ 0x2545f4914f6cdd1dULL);
  return FireVaried(store, *event, std::move(resource), profile, rng, n, id_name, nullptr);
}

StatusOr<TriggeredEvent> EventEngine::FireVaried(const std::shared_ptr<Store>& store,
                                                 const ObservableEvent& event, Resource resource,
                                                 const std::string& profile, std::mt19937_64& rng,
                                                 std::size_t n, const std::string& id_name,
                                                 std::vector<std::string>* cases) {
  Resource varied = resource;
  std::vector<std::string> applied;
  if (profile == "edge-cases" && !IsDeletion(event.key))
    applied = ApplyEdgeCases(varied, event.resource, *spec_, rng, n);
  if (profile == kForwardCompatible && !IsDeletion(event.key))
    applied = ApplyForwardCompatible(varied, event.resource, *spec_, rng);
  const bool forward = profile == kForwardCompatible && !applied.empty();
  if (cases) *cases = std::move(applied);
  return Fire(store, event, std::move(varied.data), std::move(varied.included), {}, id_name,
              profile == "realistic" ? "" : profile, forward ? &resource : nullptr);
}

StatusOr<std::vector<BatchEvent>> EventEngine::TriggerBatch(const std::shared_ptr<Store>& store,
                                                            const BatchRequest& request) {
  if (!running_) return NotRunning();
  if (request.count < 1 || request.count > kMaxBatchEvents)
    return Status::InvalidArgument("count: from 1 to " + std::to_string(kMaxBatchEvents));
  if (Status profile = CheckVarietyProfile(request.profile); !profile.ok()) return profile;
  const std::optional<ObservableEvent> event = spec_->LookupEvent(request.type);
  if (!event) {
    return Status::InvalidArgument("'" + request.type.substr(0, 128) +
                                   "' is not an observable event (see the Observable Events table)");
  }
  if (Status level = CheckLevel(*event, store->is_organization()); !level.ok()) return level;
  Synthesizer synthesizer(spec_, request.seed, clock_);
  std::mt19937_64 rng(request.seed ^ 0x2545f4914f6cdd1dULL);
  std::vector<BatchEvent> out;
  out.reserve(request.count);
  for (std::size_t n = 0; n < request.count; ++n) {
    StatusOr<Resource> resource = synthesizer.Synthesize(*event);
    if (!resource.ok()) return resource.status();
    std::vector<std::string> cases;
    StatusOr<TriggeredEvent> fired =
        FireVaried(store, *event, std::move(*resource), request.profile, rng, n, "", &cases);
    if (!fired.ok()) return fired.status();
    out.push_back({fired->id, std::move(cases)});
  }
  return out;
}

void EventEngine::IntegrationChanged(const std::shared_ptr<Store>& store, const std::string& type,
                                     const json& integration) {
  if (type != "integration.created") stomp_.Forget(integration.value("id", ""));
  if (!running_) return;  // changed through the C++ API of a stopped server: nothing to deliver
  // The API's own events cannot fail validation; an error here would be a bug, and there
  // is no caller to tell, so it is dropped.
  if (const ObservableEvent* event = spec_->FindEvent(type)) (void)Fire(store, *event, integration, nullptr);
}

StatusOr<TriggeredEvent> EventEngine::Replay(const std::shared_ptr<Store>& store, const std::string& event_id,
                                             const std::string& integration_id) {
  if (!running_) return NotRunning();
  std::shared_ptr<const EventRecord> event = store->FindEvent(event_id);
  if (!event) return Status::NotFound("no event " + event_id + " in this store");
  std::vector<Integration> matched;
  std::vector<SkippedIntegration> skipped;
  Match(*store, event->type, &matched, &skipped);
  if (!integration_id.empty()) {
    matched.erase(std::remove_if(matched.begin(), matched.end(),
                                 [&](const Integration& i) { return i.id != integration_id; }),
                  matched.end());
    if (matched.empty()) {
      return Status::InvalidArgument("integration " + integration_id +
                                     " does not exist, is not enabled, or does not observe " + event->type);
    }
  }
  // The bodies it fired with, or, when nobody observed it then (or the receivers' kinds
  // differ), bodies built now for these deliveries alone: the stored event is not changed.
  std::shared_ptr<const EventBodies> bodies = event->bodies;
  const BodyKinds kinds = KindsFor(matched, cloudevent_source_);
  if (!bodies || (kinds.webhook && !bodies->has_webhook) || (kinds.cloudevent && !bodies->has_cloudevent)) {
    bodies = BuildEventBodies(*event, *spec_, kinds);
  }
  std::vector<EventJob> jobs;
  std::vector<std::shared_ptr<const Integration>> receivers;
  std::vector<DeliveryAttempt> deliveries = MakeJobs(1 + store->NextSerial(Store::Serial::kReplay), store,
                                                     event, bodies, matched, &jobs, &receivers);
  for (EventJob& job : jobs) job.replay = true;     // told apart from the event's first jobs
  store->AddEventJobs(event->id, jobs, receivers);  // a replay is rare: copying the record is fine here
  SubmitAll(std::move(deliveries));
  TriggeredEvent out = ToTriggeredEvent(*event);
  out.jobs = jobs;
  out.skipped = integration_id.empty() ? skipped : std::vector<SkippedIntegration>{};
  return out;
}

}  // namespace epmock::internal
