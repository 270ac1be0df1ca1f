#include "store/store.h"

#include <algorithm>

#include "common/clock.h"
#include "common/ids.h"
#include "common/mutex.h"

namespace epmock::internal {

namespace {

// Declared before a method's lock: the store's change is announced once the lock is released,
// so a woken waiter finds the change and does not wait for the lock.
class AnnounceOnExit {
 public:
  explicit AnnounceOnExit(ChangeSignal& signal) : signal_(signal) {}
  ~AnnounceOnExit() { signal_.Notify(); }
  AnnounceOnExit(const AnnounceOnExit&) = delete;
  AnnounceOnExit& operator=(const AnnounceOnExit&) = delete;

 private:
  ChangeSignal& signal_;
};

}  // namespace

using nlohmann::json;

std::string MaskSecret(const std::string& secret) {
  if (secret.size() <= 4) return secret;
  return std::string(secret.size() - 4, '*') + secret.substr(secret.size() - 4);
}

json MaskedConfiguration(const std::string& integration_type, const json& configuration) {
  json out = configuration;
  if (!out.is_object()) return out;
  auto mask = [&out](const char* key) {
    auto it = out.find(key);
    if (it != out.end() && it->is_string()) *it = MaskSecret(it->get<std::string>());
  };
  if (integration_type == "aws_sqs") {
    mask("aws_access_key_id");
    mask("aws_secret_access_key");
  } else if (integration_type == "stomp") {
    mask("password");
  }
  return out;
}

json IntegrationToJson(const Integration& integration, const std::string& base_url) {
  json out = json::object();
  out["id"] = integration.id;
  out["type"] = "integration";
  out["integration_type"] = integration.integration_type;
  if (integration.name) out["name"] = *integration.name;
  if (integration.description) out["description"] = *integration.description;
  // "Default: false" (moltin/docs.moltin.com docs/integrations/integrations-api/create-an-integration.md):
  // always there, false when never set.
  out["enabled"] = integration.enabled.value_or(false);
  out["configuration"] = MaskedConfiguration(integration.integration_type, integration.configuration);
  out["observes"] = integration.observes;
  out["links"] = {{"self", base_url + "/v2/integrations/" + integration.id}};
  out["meta"] = {{"timestamps",
                  {{"created_at", Rfc3339Millis(integration.created_at_ms)},
                   {"updated_at", Rfc3339Millis(integration.updated_at_ms)}}}};
  return out;
}

std::size_t ApproximateBytes(const json& value) {
  // A json value is 16 bytes; an object's member a map node (about 48 bytes and its key);
  // a string its characters beyond the small-string buffer; an allocation about 16 more.
  std::size_t bytes = sizeof(json);
  switch (value.type()) {
    case json::value_t::object:
      for (const auto& [key, member] : value.items()) {
        bytes +=
            48 + sizeof(std::string) + (key.size() > 15 ? key.size() + 16 : 0) + ApproximateBytes(member);
      }
      break;
    case json::value_t::array:
      bytes += 24;
      for (const json& element : value) bytes += ApproximateBytes(element);
      break;
    case json::value_t::string:
      bytes += sizeof(std::string) + 16 + value.get_ref<const std::string&>().size();
      break;
    default:
      break;
  }
  return bytes;
}

TriggeredEvent ToTriggeredEvent(const EventRecord& record) {
  TriggeredEvent event;
  event.id = record.id;
  event.type = record.type;
  event.store_id = record.store_id;
  event.org_id = record.org_id;
  event.created_at = Rfc3339Millis(record.created_at_ms);
  event.data = record.data;
  event.included = record.included;
  event.jobs = record.jobs;
  event.skipped = record.skipped;
  event.notes = record.notes;
  event.variety = record.variety;
  return event;
}

json JobToJson(const IntegrationJob& job) {
  // What the platform shows of a job (elasticpath/js-sdk src/types/integrations.d.ts); JobToAdminJson adds
  // epmock's own facts.
  return {{"id", job.id}, {"type", "integration-job"}};
}

json JobToAdminJson(const IntegrationJob& job) {
  json out = JobToJson(job);
  out["event_id"] = job.event_id;
  out["triggered_by"] = job.triggered_by;
  out["relationships"] = {{"integration", {{"data", {{"id", job.integration_id}, {"type", "integration"}}}}}};
  out["meta"] = {{"timestamps", {{"created_at", Rfc3339Millis(job.created_at_ms)}}}};
  return out;
}

json LogToJson(const IntegrationLog& log) {
  // The published types (elasticpath/js-sdk src/types/integrations.d.ts and the SDK's IntegrationLog): body
  // and error_detail are strings ("" on success, as the SDK's fixture has it); a field a transport has no
  // value for (a STOMP attempt's status code) is left out rather than null.
  json out = {{"id", log.id},
              {"type", "integration-log"},
              {"succeeded", log.succeeded},
              {"attempt", log.attempt},
              {"processing_time", log.processing_time_s}};
  if (log.body) out["body"] = *log.body;
  if (log.status_code) out["status_code"] = *log.status_code;
  out["error_detail"] = log.error_detail.value_or("");
  out["relationships"] = {{"integration", {{"data", {{"id", log.integration_id}, {"type", "integration"}}}}},
                          {"job", {{"data", {{"id", log.job_id}, {"type", "integration-job"}}}}}};
  const std::int64_t created_ns = log.created_at_ns ? log.created_at_ns : log.created_at_ms * 1000000;
  out["meta"] = {{"timestamps", {{"created_at", Rfc3339Nanos(created_ns)}}}};
  return out;
}

void Store::IndexLocked(const Integration& integration) {
  std::vector<std::string> keys = integration.observes;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const std::string& key : keys) observers_[key].push_back(&integration);
}

void Store::UnindexLocked(const Integration& integration) {
  for (const std::string& key : integration.observes) {
    auto it = observers_.find(key);
    if (it == observers_.end()) continue;
    auto& observers = it->second;
    observers.erase(std::remove(observers.begin(), observers.end(), &integration), observers.end());
    if (observers.empty()) observers_.erase(it);
  }
}

bool Store::Add(const Integration& integration, std::size_t limit) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  if (limit > 0 && integrations_.size() >= limit) return false;
  if (integrations_.count(integration.id)) return false;  // ids are fresh UUIDs: never
  auto stored = std::make_unique<Integration>(integration);
  const Integration* kept = stored.get();
  integrations_.emplace(std::string_view(kept->id), std::move(stored));
  order_.push_back(kept);
  IndexLocked(*kept);
  return true;
}

std::vector<Integration> Store::Observing(const std::string& event_type) const {
  MutexLock lock(&mu_);
  std::vector<Integration> out;
  auto it = observers_.find(event_type);
  if (it == observers_.end()) return out;
  out.reserve(it->second.size());
  for (const Integration* integration : it->second) out.push_back(*integration);
  return out;
}

std::optional<Integration> Store::Get(const std::string& id) const {
  MutexLock lock(&mu_);
  auto it = integrations_.find(id);
  if (it == integrations_.end()) return std::nullopt;
  return *it->second;
}

bool Store::Replace(const Integration& integration) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  auto it = integrations_.find(integration.id);
  if (it == integrations_.end()) return false;
  // The same object takes the new fields, so the order and the index still point at it;
  // its key views its id, so the entry is re-keyed around the assignment.
  std::unique_ptr<Integration> kept = std::move(it->second);
  integrations_.erase(it);
  UnindexLocked(*kept);
  *kept = integration;
  const Integration* updated = kept.get();
  integrations_.emplace(std::string_view(updated->id), std::move(kept));
  // Re-indexed at the end of each key's list; creation order among observers of a key is
  // kept by re-sorting that list by creation time.
  IndexLocked(*updated);
  for (const std::string& key : updated->observes) {
    auto& observers = observers_[key];
    std::stable_sort(observers.begin(), observers.end(), [](const Integration* a, const Integration* b) {
      return a->created_at_ms < b->created_at_ms;
    });
  }
  return true;
}

bool Store::Remove(const std::string& id) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  auto it = integrations_.find(id);
  if (it == integrations_.end()) return false;
  const Integration* gone = it->second.get();
  UnindexLocked(*gone);
  order_.erase(std::find(order_.begin(), order_.end(), gone));
  integrations_.erase(it);
  return true;
}

std::vector<Integration> Store::List() const {
  MutexLock lock(&mu_);
  std::vector<Integration> out;
  out.reserve(order_.size());
  for (const Integration* integration : order_) out.push_back(*integration);
  return out;
}

std::vector<Integration> Store::ListPage(std::size_t offset, std::size_t limit, std::size_t* total) const {
  MutexLock lock(&mu_);
  *total = order_.size();
  std::vector<Integration> out;
  for (std::size_t i = offset; i < order_.size() && out.size() < limit; ++i) out.push_back(*order_[i]);
  return out;
}

void Store::AddEvent(std::shared_ptr<const EventRecord> event) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  const std::string id = event->id;
  event_seq_[id] = events_.Push(std::move(event));
  while (events_.OverLimit()) {
    event_seq_.erase(events_.front()->id);
    events_.DropOldest();
  }
}

std::shared_ptr<const EventRecord> Store::FindEvent(const std::string& id) const {
  MutexLock lock(&mu_);
  auto it = event_seq_.find(id);
  if (it == event_seq_.end()) return nullptr;
  return events_.At(it->second);
}

std::vector<std::shared_ptr<const EventRecord>> Store::Events() const {
  MutexLock lock(&mu_);
  return {events_.rbegin(), events_.rend()};
}

void Store::AddEventJobs(const std::string& event_id, const std::vector<EventJob>& jobs,
                         const std::vector<std::shared_ptr<const Integration>>& receivers) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  auto it = event_seq_.find(event_id);
  if (it == event_seq_.end()) return;
  std::shared_ptr<const EventRecord>& slot = events_.At(it->second);  // the same bytes after
  auto updated = std::make_shared<EventRecord>(*slot);
  updated->jobs.insert(updated->jobs.end(), jobs.begin(), jobs.end());
  updated->receivers.insert(updated->receivers.end(), receivers.begin(), receivers.end());
  slot = std::move(updated);
}

namespace {

// Removes `seq` from the front of `key`'s index (it is the oldest there), and the key when
// its index empties.
void PopIndex(std::unordered_map<std::string, std::deque<std::uint64_t>>& index, const std::string& key,
              std::uint64_t seq) {
  auto it = index.find(key);
  if (it == index.end()) return;
  if (!it->second.empty() && it->second.front() == seq) it->second.pop_front();
  if (it->second.empty()) index.erase(it);
}

}  // namespace

void Store::AddJob(const IntegrationJob& job) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  const std::uint64_t number = jobs_.Push(job);
  jobs_by_integration_[job.integration_id].push_back(number);
  jobs_by_id_[job.id].job_seq = number;
  while (jobs_.OverLimit()) {
    const IntegrationJob& oldest = jobs_.front();
    PopIndex(jobs_by_integration_, oldest.integration_id, jobs_.front_number());
    if (auto it = jobs_by_id_.find(oldest.id); it != jobs_by_id_.end()) {
      it->second.job_seq = JobIndex::kGone;
      if (it->second.logs.empty()) jobs_by_id_.erase(it);
    }
    jobs_.DropOldest();
  }
}

const IntegrationJob* Store::KeptJobLocked(const JobIndex& index) const {
  if (index.job_seq == JobIndex::kGone) return nullptr;
  return &jobs_.At(index.job_seq);
}

void Store::AddLog(const IntegrationLog& log) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  const std::uint64_t number = logs_.Push(log);
  log_seq_[log.id] = number;
  logs_by_integration_[log.integration_id].push_back(number);
  jobs_by_id_[log.job_id].logs.push_back(number);
  while (logs_.OverLimit()) {
    const IntegrationLog& oldest = logs_.front();
    const std::uint64_t oldest_number = logs_.front_number();
    PopIndex(logs_by_integration_, oldest.integration_id, oldest_number);
    if (auto it = jobs_by_id_.find(oldest.job_id); it != jobs_by_id_.end()) {
      std::vector<std::uint64_t>& logs = it->second.logs;
      if (!logs.empty() && logs.front() == oldest_number) logs.erase(logs.begin());  // a job has a few
      if (logs.empty() && it->second.job_seq == JobIndex::kGone) jobs_by_id_.erase(it);
    }
    log_seq_.erase(oldest.id);
    logs_.DropOldest();
  }
}

std::uint64_t Store::DroppedEvents() const {
  MutexLock lock(&mu_);
  return events_.dropped();
}

std::uint64_t Store::DroppedLogs() const {
  MutexLock lock(&mu_);
  return logs_.dropped();
}

std::uint64_t Store::DroppedJobs() const {
  MutexLock lock(&mu_);
  return jobs_.dropped();
}

std::size_t Store::EventBytes() const {
  MutexLock lock(&mu_);
  return events_.bytes();
}

std::vector<IntegrationJob> Store::Jobs(const std::string& integration_id) const {
  MutexLock lock(&mu_);
  std::vector<IntegrationJob> out;
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    if (integration_id.empty() || it->integration_id == integration_id) out.push_back(*it);
  }
  return out;
}

std::vector<IntegrationLog> Store::Logs(const std::string& integration_id, const std::string& job_id) const {
  MutexLock lock(&mu_);
  std::vector<IntegrationLog> out;
  for (auto it = logs_.rbegin(); it != logs_.rend(); ++it) {
    if (!integration_id.empty() && it->integration_id != integration_id) continue;
    if (!job_id.empty() && it->job_id != job_id) continue;
    out.push_back(*it);
  }
  return out;
}

namespace {

const std::deque<std::uint64_t>* Find(const std::unordered_map<std::string, std::deque<std::uint64_t>>& index,
                                      const std::string& key) {
  auto it = index.find(key);
  return it == index.end() ? nullptr : &it->second;
}

}  // namespace

Store::PageOf<IntegrationJob> Store::JobsPage(const std::string& integration_id, std::size_t offset,
                                              std::size_t limit) const {
  MutexLock lock(&mu_);
  if (integration_id.empty()) return jobs_.NewestFirst(offset, limit);
  const auto* index = Find(jobs_by_integration_, integration_id);
  return index ? jobs_.NewestFirstOf(*index, offset, limit) : PageOf<IntegrationJob>{};
}

Store::PageOf<IntegrationLog> Store::LogsPage(const std::string& integration_id, const std::string& job_id,
                                              std::size_t offset, std::size_t limit) const {
  MutexLock lock(&mu_);
  if (!job_id.empty()) {
    // A job belongs to one integration: its logs are the job's, if the job is that integration's.
    auto it = jobs_by_id_.find(job_id);
    if (it == jobs_by_id_.end()) return {};
    const IntegrationJob* job = KeptJobLocked(it->second);
    if (!integration_id.empty() && job && job->integration_id != integration_id) return {};
    return logs_.NewestFirstOf(it->second.logs, offset, limit);
  }
  if (!integration_id.empty()) {
    const auto* index = Find(logs_by_integration_, integration_id);
    return index ? logs_.NewestFirstOf(*index, offset, limit) : PageOf<IntegrationLog>{};
  }
  return logs_.NewestFirst(offset, limit);
}

Store::PageOf<std::shared_ptr<const EventRecord>> Store::EventsPage(std::size_t offset,
                                                                    std::size_t limit) const {
  MutexLock lock(&mu_);
  return events_.NewestFirst(offset, limit);
}

std::optional<Store::PageOf<std::shared_ptr<const EventRecord>>> Store::EventsAfter(const std::string& after,
                                                                                    std::size_t limit) const {
  MutexLock lock(&mu_);
  auto it = event_seq_.find(after);
  if (it == event_seq_.end()) return std::nullopt;
  return events_.After(it->second, limit);
}

std::optional<Store::PageOf<IntegrationLog>> Store::LogsAfter(const std::string& after,
                                                              std::size_t limit) const {
  MutexLock lock(&mu_);
  auto it = log_seq_.find(after);
  if (it == log_seq_.end()) return std::nullopt;
  return logs_.After(it->second, limit);
}

bool Store::HasJob(const std::string& integration_id, const std::string& job_id) const {
  MutexLock lock(&mu_);
  auto it = jobs_by_id_.find(job_id);
  if (it == jobs_by_id_.end()) return false;
  const IntegrationJob* job = KeptJobLocked(it->second);
  return job && job->integration_id == integration_id;
}

bool Store::JobEnded(const std::string& job_id, bool* succeeded) const {
  MutexLock lock(&mu_);
  *succeeded = false;
  auto it = jobs_by_id_.find(job_id);
  if (it == jobs_by_id_.end()) return true;
  if (it->second.logs.empty()) return it->second.job_seq == JobIndex::kGone;
  // The final log, wherever it is: a duplicate fault's copies are logged after it, and are
  // never final themselves.
  for (auto log = it->second.logs.rbegin(); log != it->second.logs.rend(); ++log) {
    const IntegrationLog& entry = logs_.At(*log);
    if (entry.final) {
      *succeeded = entry.succeeded;
      return true;
    }
  }
  return false;
}

Store::JobProgress Store::ProgressOf(const std::string& job_id) const {
  MutexLock lock(&mu_);
  JobProgress out;
  auto it = jobs_by_id_.find(job_id);
  if (it == jobs_by_id_.end() || (it->second.logs.empty() && it->second.job_seq == JobIndex::kGone)) {
    out.kept = false;
    out.ended = true;
    return out;
  }
  for (std::uint64_t seq : it->second.logs) {
    const IntegrationLog& entry = logs_.At(seq);
    if (entry.attempt >= out.attempts) {  // a duplicate's copy repeats its attempt's number
      out.attempts = entry.attempt;
      out.next_attempt_at_ms = entry.next_attempt_at_ms;
      out.last_status_code = entry.status_code;
    }
    if (entry.final) {
      out.ended = true;
      out.succeeded = entry.succeeded;
    }
  }
  if (out.ended) out.next_attempt_at_ms = 0;
  return out;
}

void Store::Clear() {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  order_.clear();
  integrations_.clear();
  observers_.clear();
  jobs_.Clear();  // their numbers go on: a cursor given before never points at a new entry
  logs_.Clear();
  events_.Clear();
  event_seq_.clear();
  log_seq_.clear();
  logs_by_integration_.clear();
  jobs_by_id_.clear();
  jobs_by_integration_.clear();
  kind_ = "production";
  page_length_ = kDefaultStorePageLength;
  lock.Unlock();
  // A part is never removed, so what the list points at outlives the lock.
  std::vector<StorePart*> parts;
  {
    MutexLock parts_lock(&parts_mu_);
    for (const auto& entry : parts_) parts.push_back(entry.second.get());
  }
  for (StorePart* part : parts) part->Clear();
}

bool Store::is_organization() const {
  MutexLock lock(&mu_);
  return organization_;
}

std::string Store::org_id() const {
  MutexLock lock(&mu_);
  return org_id_;
}

void Store::SetOrganization(bool organization, std::string org_id) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  organization_ = organization;
  org_id_ = std::move(org_id);
}

std::string Store::kind() const {
  MutexLock lock(&mu_);
  return kind_;
}

void Store::set_kind(std::string kind) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  kind_ = std::move(kind);
}

std::size_t Store::page_length() const {
  MutexLock lock(&mu_);
  return page_length_;
}

void Store::set_page_length(std::size_t length) {
  const AnnounceOnExit announce(changes_);  // after the lock below is released
  MutexLock lock(&mu_);
  page_length_ = length;
}

std::string StoreRegistry::IdFor(const std::string& client_id) const {
  auto pinned = pinned_.find(client_id);
  return pinned != pinned_.end() ? pinned->second : StoreIdForClient(client_id);
}

std::shared_ptr<Store> StoreRegistry::ForClientLocked(const std::string& client_id) {
  std::string store_id = IdFor(client_id);
  std::shared_ptr<Store>& store = by_store_id_[store_id];
  if (!store) {
    store = std::make_shared<Store>(store_id, retention_);
    store->client_id_ = client_id;
  }
  return store;
}

std::shared_ptr<Store> StoreRegistry::ForClient(const std::string& client_id) {
  MutexLock lock(&mu_);
  return ForClientLocked(client_id);
}

namespace {

Status CheckClientId(const std::string& client_id, const std::string& what) {
  if (client_id.empty() || client_id.size() > kMaxClientIdLength) {
    return Status::InvalidArgument(what + " must be a client_id of 1 to " +
                                   std::to_string(kMaxClientIdLength) + " characters");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Organization> StoreRegistry::DeclareOrganization(const std::string& org_client_id,
                                                          const std::vector<std::string>& store_client_ids) {
  Status valid = CheckClientId(org_client_id, "the organization's client");
  if (!valid.ok()) return valid;
  if (store_client_ids.size() > kMaxOrganizationStores) {
    return Status::InvalidArgument("an organization has at most " + std::to_string(kMaxOrganizationStores) +
                                   " stores, not " + std::to_string(store_client_ids.size()));
  }
  Organization org;
  org.client_id = org_client_id;
  org.id = IdFor(org_client_id);
  for (std::size_t i = 0; i < store_client_ids.size(); ++i) {
    const std::string& client = store_client_ids[i];
    Status ok = CheckClientId(client, "stores[" + std::to_string(i) + "]");
    if (!ok.ok()) return ok;
    if (client == org_client_id) {
      return Status::InvalidArgument("stores[" + std::to_string(i) +
                                     "]: an organization is not a store of its own");
    }
    const std::string store_id = IdFor(client);
    if (std::find(org.store_ids.begin(), org.store_ids.end(), store_id) != org.store_ids.end()) {
      return Status::InvalidArgument("stores[" + std::to_string(i) + "]: '" + client + "' is listed twice");
    }
    org.store_ids.push_back(store_id);
  }
  MutexLock lock(&mu_);
  for (const auto& [other_client, other] : organizations_) {
    if (other_client == org_client_id) continue;
    for (std::size_t i = 0; i < org.store_ids.size(); ++i) {
      if (std::find(other.store_ids.begin(), other.store_ids.end(), org.store_ids[i]) !=
          other.store_ids.end()) {
        return Status::FailedPrecondition("stores[" + std::to_string(i) + "]: '" + store_client_ids[i] +
                                          "' already belongs to the organization of '" + other_client + "'");
      }
      if (org.store_ids[i] == other.id) {
        return Status::FailedPrecondition("stores[" + std::to_string(i) + "]: '" + store_client_ids[i] +
                                          "' is an organization");
      }
    }
    if (std::find(other.store_ids.begin(), other.store_ids.end(), org.id) != other.store_ids.end()) {
      return Status::FailedPrecondition("'" + org_client_id + "' is a store of the organization of '" +
                                        other_client + "'");
    }
  }
  // Replacing a declaration frees the stores it no longer lists.
  if (auto previous = organizations_.find(org_client_id); previous != organizations_.end()) {
    for (const std::string& store_id : previous->second.store_ids) {
      auto store = by_store_id_.find(store_id);
      if (store != by_store_id_.end()) store->second->SetOrganization(false, "");
    }
  }
  ForClientLocked(org_client_id)->SetOrganization(true, org.id);
  for (const std::string& client : store_client_ids) ForClientLocked(client)->SetOrganization(false, org.id);
  organizations_[org_client_id] = org;
  return org;
}

std::optional<Organization> StoreRegistry::OrganizationOf(const std::string& org_client_id) const {
  MutexLock lock(&mu_);
  auto it = organizations_.find(org_client_id);
  if (it == organizations_.end()) return std::nullopt;
  return it->second;
}

bool StoreRegistry::ForgetOrganization(const std::string& org_client_id) {
  MutexLock lock(&mu_);
  auto it = organizations_.find(org_client_id);
  if (it == organizations_.end()) return false;
  for (const std::string& store_id : it->second.store_ids) {
    auto store = by_store_id_.find(store_id);
    if (store != by_store_id_.end()) store->second->SetOrganization(false, "");
  }
  ForClientLocked(org_client_id)->SetOrganization(false, "");
  organizations_.erase(it);
  return true;
}

StatusOr<std::shared_ptr<Store>> StoreRegistry::ForRequest(const std::string& client_id,
                                                           const std::string& auth_store) {
  MutexLock lock(&mu_);
  std::shared_ptr<Store> own = ForClientLocked(client_id);
  if (auth_store.empty() || auth_store == own->id()) return own;
  auto org = organizations_.find(client_id);
  if (org == organizations_.end()) {
    return Status::PermissionDenied("X-Moltin-Auth-Store names store " + auth_store.substr(0, 64) +
                                    ", but this token is a store's, not an organization's");
  }
  const std::vector<std::string>& stores = org->second.store_ids;
  if (std::find(stores.begin(), stores.end(), auth_store) == stores.end()) {
    return Status::PermissionDenied("X-Moltin-Auth-Store names store " + auth_store.substr(0, 64) +
                                    ", which is not a store of this organization");
  }
  return by_store_id_.at(auth_store);
}

std::shared_ptr<Store> StoreRegistry::Find(const std::string& store_id) const {
  MutexLock lock(&mu_);
  auto it = by_store_id_.find(store_id);
  return it == by_store_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Store>> StoreRegistry::All() const {
  MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Store>> out;
  for (const auto& [id, store] : by_store_id_) out.push_back(store);
  return out;
}

void StoreRegistry::Reset() {
  MutexLock lock(&mu_);
  by_store_id_.clear();
  organizations_.clear();
}

}  // namespace epmock::internal
