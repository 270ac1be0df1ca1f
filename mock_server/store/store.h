// The in-memory state of the fake platform: one Store per client_id, holding that store's
// integrations and the jobs and logs their deliveries leave behind.
//
// Thread-safety: Store and StoreRegistry lock internally; every accessor returns copies.
#ifndef EPMOCK_STORE_STORE_H_
#define EPMOCK_STORE_STORE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/history.h"
#include "common/mutex.h"
#include "common/signal.h"
#include "epmock/catalog.h"
#include "epmock/event.h"
#include "epmock/logs.h"
#include "epmock/organization.h"
#include "epmock/status.h"
#include "store/parts.h"

namespace epmock::internal {

struct EventBodies;  // envelope/envelope.h: a layer above, seen here only as a pointer

struct Integration {
  std::string id;
  std::string integration_type;  // webhook, aws_sqs, stomp
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;  // unset: shown as false, the platform's default
  std::vector<std::string> observes;
  nlohmann::json configuration = nlohmann::json::object();
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

// An event as the engine keeps it, for the admin API and replays.
struct EventRecord {
  std::string id;
  std::string type;
  std::string store_id;  // "" for an organization-level event
  std::string org_id;    // the organization of the store, or of an organization-level event; "" for none
  WebhookShape webhook;  // the catalog's layout of its webhook body
  std::int64_t created_at_ms = 0;
  nlohmann::json data;      // as delivered ({id, type} for deletes)
  nlohmann::json included;  // null when none
  std::vector<EventJob> jobs;
  // The integration each job was for, as it was when the job began (parallel to jobs): what
  // its requests were built from, for the admin API's account of them.
  std::vector<std::shared_ptr<const Integration>> receivers;
  std::vector<SkippedIntegration> skipped;
  std::vector<std::string> notes;  // TriggeredEvent::notes
  std::string variety;             // TriggeredEvent::variety
  // A forward-compatible event's resource before the additions (events/variety.h): what its
  // bodies are checked against their schemas with, the additions being allowed. Null otherwise.
  nlohmann::json base_data;
  nlohmann::json base_included;
  // What its receivers get, built once when it fired (envelope/envelope.h); null when
  // nobody observed it then.
  std::shared_ptr<const EventBodies> bodies;
  // What keeping it costs, approximately (envelope/envelope.h RetainedBytes): what the
  // store's byte retention counts. Set before it is stored.
  std::size_t bytes = 0;
};

// Approximately what a JSON value occupies in memory: what the stores count against their
// byte retention.
std::size_t ApproximateBytes(const nlohmann::json& value);

TriggeredEvent ToTriggeredEvent(const EventRecord& record);

// The integration as the API returns it: JSON:API resource with secrets masked.
nlohmann::json IntegrationToJson(const Integration& integration, const std::string& base_url);
nlohmann::json JobToJson(const IntegrationJob& job);       // as /v2 shows it: {id, type}
nlohmann::json JobToAdminJson(const IntegrationJob& job);  // with the event, trigger and time
nlohmann::json LogToJson(const IntegrationLog& log);

// "ASIAJLVYNHUWCPKOPSYQ" -> "****************PSYQ": all but the last 4 characters become
// '*', length kept (the platform's masking of aws keys and STOMP passwords).
std::string MaskSecret(const std::string& secret);
nlohmann::json MaskedConfiguration(const std::string& integration_type, const nlohmann::json& configuration);

// How much history a store keeps; the oldest entries beyond it are dropped and counted.
struct Retention {
  std::size_t events = 10000;
  std::size_t event_bytes = 256 * 1024 * 1024;  // EventRecord::bytes of the kept events
  // A log's body is cut to 1 KiB and its answer headers to 4 KiB, so its count bounds its
  // bytes. Jobs are kept by the same count.
  std::size_t logs = 100000;
  // What the kept logs cost (their body and answer headers, and a fixed part), beside their count.
  std::size_t log_bytes = 256 * 1024 * 1024;
};

// A store's page length until it is set (Store::page_length), and its bounds.
inline constexpr std::size_t kDefaultStorePageLength = 25;
inline constexpr std::size_t kMaxStorePageLength = 100;

class Store {
 public:
  explicit Store(std::string id, Retention retention = {})
      : id_(std::move(id)),
        jobs_(retention.logs),
        logs_(retention.logs, retention.log_bytes),
        events_(retention.events, retention.event_bytes) {}

  const std::string& id() const { return id_; }
  // The client whose token made it (StoreRegistry); "" for a store made otherwise.
  const std::string& client_id() const { return client_id_; }

  // What the store is: a store of its own (the default), a store of an organization (its
  // events carry org_id), or an organization's own level (its events carry org_id only).
  // Set by StoreRegistry::DeclareOrganization.
  bool is_organization() const;
  std::string org_id() const;  // the organization it belongs to, or is; "" for none
  void SetOrganization(bool organization, std::string org_id);
  // "production" (the default) or "development": which of the platform's rate limits apply.
  std::string kind() const;
  void set_kind(std::string kind);
  // The length of the store's /v2 list pages when a request gives no page[limit]: a setting
  // of the store on the platform (elasticpath/elasticpath-dev, page length in store
  // settings), 25 until set, and again after Clear().
  std::size_t page_length() const;
  void set_page_length(std::size_t length);

  // Adds the integration unless the store already holds `limit` (0: no limit).
  // Returns false when full (or when it holds that id already).
  bool Add(const Integration& integration, std::size_t limit);
  std::optional<Integration> Get(const std::string& id) const;
  // Replaces the stored integration with the same id; false if it is gone.
  bool Replace(const Integration& integration);
  bool Remove(const std::string& id);
  // Creation order.
  std::vector<Integration> List() const;
  // The integrations that observe an event key, in creation order. Indexed: the cost is
  // the number that observe it, not the size of the store.
  std::vector<Integration> Observing(const std::string& event_type) const;
  // Integrations [offset, offset + limit) in creation order, and how many there are in all.
  std::vector<Integration> ListPage(std::size_t offset, std::size_t limit, std::size_t* total) const;

  // The position of the next thing of a kind the store makes, from 0: what a derived id
  // (IdSource) names besides the store. Kept across Clear, so ids stay unique in a run.
  enum class Serial { kEvent, kIntegration, kFault, kApiFault, kReplay, kSynthesized, kCount };
  std::uint64_t NextSerial(Serial kind) {
    return serials_[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  }

  void AddEvent(std::shared_ptr<const EventRecord> event);
  std::shared_ptr<const EventRecord> FindEvent(const std::string& id) const;
  // Newest first.
  std::vector<std::shared_ptr<const EventRecord>> Events() const;
  // Adds jobs to a recorded event (a replay).
  void AddEventJobs(const std::string& event_id, const std::vector<EventJob>& jobs,
                    const std::vector<std::shared_ptr<const Integration>>& receivers);

  void AddJob(const IntegrationJob& job);
  void AddLog(const IntegrationLog& log);
  std::uint64_t DroppedEvents() const;
  std::uint64_t DroppedLogs() const;
  std::uint64_t DroppedJobs() const;
  // What the kept events cost (EventRecord::bytes), against Retention::event_bytes.
  std::size_t EventBytes() const;
  // Newest first. An empty integration_id or job_id matches all.
  std::vector<IntegrationJob> Jobs(const std::string& integration_id) const;
  std::vector<IntegrationLog> Logs(const std::string& integration_id, const std::string& job_id) const;

  // One page of the above, newest first, and how many match in all: only the page is copied,
  // so a page costs the same however many entries the store holds (unfiltered, it is an index
  // into the history; filtered, one comparison an entry and no copy beyond the page).
  template <typename T>
  using PageOf = internal::PageOf<T>;
  PageOf<IntegrationJob> JobsPage(const std::string& integration_id, std::size_t offset,
                                  std::size_t limit) const;
  PageOf<IntegrationLog> LogsPage(const std::string& integration_id, const std::string& job_id,
                                  std::size_t offset, std::size_t limit) const;
  bool HasJob(const std::string& integration_id, const std::string& job_id) const;
  // Whether the job's deliveries have ended (it has its final log: a success, or the failure
  // after which no retry follows; a duplicate fault's copies, logged after it, are not
  // final), and whether it succeeded. A job the store no longer holds (retention) counts as
  // ended.
  bool JobEnded(const std::string& job_id, bool* succeeded) const;
  // Where a job's deliveries stand: its attempts so far, whether they ended and how, when the
  // next is due, the last answer's status. A job the store no longer holds has kept false.
  struct JobProgress {
    bool kept = true;
    int attempts = 0;
    bool ended = false;
    bool succeeded = false;
    std::int64_t next_attempt_at_ms = 0;
    std::optional<int> last_status_code;
  };
  JobProgress ProgressOf(const std::string& job_id) const;

  // Events newest first, one page of them (only the page is copied), and the total.
  PageOf<std::shared_ptr<const EventRecord>> EventsPage(std::size_t offset, std::size_t limit) const;
  // A stable cursor for readers of growing lists: the entries that came after the one with
  // id `after`, oldest first, at most `limit`, and how many came after it in all. Null when
  // no retained entry has that id (never here, or dropped by retention). O(page).
  std::optional<PageOf<std::shared_ptr<const EventRecord>>> EventsAfter(const std::string& after,
                                                                        std::size_t limit) const;
  std::optional<PageOf<IntegrationLog>> LogsAfter(const std::string& after, std::size_t limit) const;

  // Forgets everything of the store but its id, client and organization: integrations,
  // events, jobs, logs, dropped counts, its kind and page length (back to their defaults),
  // and what each of its parts holds (its faults, API faults and rate-limit window).
  // Cursors stay monotonic: an id given before is never given again.
  void Clear();

  // The store's part of type P (store/parts.h), made on first use: valid for the store's life.
  template <class P>
  P& Part() {
    MutexLock lock(&parts_mu_);
    for (const auto& [type, part] : parts_) {
      if (type == std::type_index(typeid(P))) return static_cast<P&>(*part);
    }
    parts_.emplace_back(std::type_index(typeid(P)), std::make_unique<P>());
    return static_cast<P&>(*parts_.back().second);
  }
  // The store's part of type P if one was made, else null: a look-up that makes nothing (an
  // API fault's on every request of a store that set none).
  template <class P>
  P* FindPart() const {
    MutexLock lock(&parts_mu_);
    for (const auto& [type, part] : parts_) {
      if (type == std::type_index(typeid(P))) return static_cast<P*>(part.get());
    }
    return nullptr;
  }

  // Announces every change of the store (an integration, event, job or log added or changed,
  // a setting, Clear) once made: what streams, long polls and story steps wait on. Also
  // notified from outside when something about the store changed elsewhere (a journal entry
  // of its requests) or its waiters must look again (the server stops).
  ChangeSignal& changes() const { return changes_; }

 private:
  friend class StoreRegistry;
  std::string client_id_;  // set once, before the store is shared
  const std::string id_;
  mutable Mutex mu_;
  mutable ChangeSignal changes_;
  // A few at most, one of each type: a scan is cheaper than a hash. Lock order: a part's own
  // lock is never taken under parts_mu_ or mu_.
  mutable Mutex parts_mu_;
  std::vector<std::pair<std::type_index, std::unique_ptr<StorePart>>> parts_ EPMOCK_GUARDED_BY(parts_mu_);
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Serial::kCount)> serials_{};
  bool organization_ EPMOCK_GUARDED_BY(mu_) = false;
  std::string org_id_ EPMOCK_GUARDED_BY(mu_);
  std::string kind_ EPMOCK_GUARDED_BY(mu_) = "production";
  std::size_t page_length_ EPMOCK_GUARDED_BY(mu_) = kDefaultStorePageLength;
  // Each integration once, keyed by a view of its own id; the order and the index point at
  // it (an integration costs its fields and three entries, not copies of its id).
  std::unordered_map<std::string_view, std::unique_ptr<Integration>> integrations_ EPMOCK_GUARDED_BY(mu_);
  std::vector<const Integration*> order_ EPMOCK_GUARDED_BY(mu_);  // creation order
  // event key -> the integrations observing it, in creation order.
  std::unordered_map<std::string, std::vector<const Integration*>> observers_ EPMOCK_GUARDED_BY(mu_);
  void IndexLocked(const Integration& integration) EPMOCK_REQUIRES(mu_);
  void UnindexLocked(const Integration& integration) EPMOCK_REQUIRES(mu_);
  // The histories (common/history.h), numbered in arrival order for cursors and indexes.
  struct BytesOfEvent {
    std::size_t operator()(const std::shared_ptr<const EventRecord>& event) const { return event->bytes; }
  };
  History<IntegrationJob> jobs_ EPMOCK_GUARDED_BY(mu_);
  struct BytesOfLog {
    std::size_t operator()(const IntegrationLog& log) const {
      std::size_t bytes = sizeof(IntegrationLog) + (log.body ? log.body->size() : 0) +
                          (log.error_detail ? log.error_detail->size() : 0);
      for (const auto& [name, value] : log.response_headers) bytes += name.size() + value.size() + 4;
      return bytes;
    }
  };
  History<IntegrationLog, BytesOfLog> logs_ EPMOCK_GUARDED_BY(mu_);
  History<std::shared_ptr<const EventRecord>, BytesOfEvent> events_ EPMOCK_GUARDED_BY(mu_);
  // An event's and a log's number by id: how FindEvent finds one, and where a cursor starts.
  std::unordered_map<std::string, std::uint64_t> event_seq_ EPMOCK_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::uint64_t> log_seq_ EPMOCK_GUARDED_BY(mu_);
  // Indexes, so that a page of one integration's or one job's history is a slice too: the
  // arrival numbers of each one's logs and jobs, oldest first. An entry leaves its index
  // when it leaves the history (it is then the index's oldest).
  std::unordered_map<std::string, std::deque<std::uint64_t>> logs_by_integration_ EPMOCK_GUARDED_BY(mu_);
  // Per job: its number while it is kept, and its logs' numbers (a job has a few: a vector,
  // not a deque, whose first block alone is 512 bytes).
  struct JobIndex {
    static constexpr std::uint64_t kGone = ~std::uint64_t{0};
    std::uint64_t job_seq = kGone;
    std::vector<std::uint64_t> logs;
  };
  std::unordered_map<std::string, JobIndex> jobs_by_id_ EPMOCK_GUARDED_BY(mu_);
  const IntegrationJob* KeptJobLocked(const JobIndex& index) const EPMOCK_REQUIRES(mu_);
  std::unordered_map<std::string, std::deque<std::uint64_t>> jobs_by_integration_ EPMOCK_GUARDED_BY(mu_);
};

// client_id -> Store. A client's store is created on first use and lives until Reset().
class StoreRegistry {
 public:
  // `pinned`: client_id -> the id of its store (or organization), instead of the derived one.
  explicit StoreRegistry(Retention retention = {}, std::map<std::string, std::string> pinned = {})
      : retention_(retention), pinned_(std::move(pinned)) {}
  std::shared_ptr<Store> ForClient(const std::string& client_id);
  // The id of a client's store or organization: pinned, or derived from the client_id.
  std::string IdFor(const std::string& client_id) const;

  // Makes `org_client_id` an organization of the stores of `store_client_ids` (replacing
  // its earlier declaration). A store belongs to one organization at most; an organization
  // is no store of another.
  StatusOr<Organization> DeclareOrganization(const std::string& org_client_id,
                                             const std::vector<std::string>& store_client_ids);
  // The organization `org_client_id` declared, if any.
  std::optional<Organization> OrganizationOf(const std::string& org_client_id) const;
  // Undoes a declaration: its stores are stores of their own again.
  bool ForgetOrganization(const std::string& org_client_id);

  // The store a request acts on: the client's own, or, for an organization's client sending
  // X-Moltin-Auth-Store (elasticpath/js-sdk src/factories/request.js), that store of the organization.
  // PermissionDenied when the header names a store the client may not act on.
  StatusOr<std::shared_ptr<Store>> ForRequest(const std::string& client_id, const std::string& auth_store);
  // The store with this store id, if any client created it.
  std::shared_ptr<Store> Find(const std::string& store_id) const;
  std::vector<std::shared_ptr<Store>> All() const;
  void Reset();

 private:
  const Retention retention_;
  const std::map<std::string, std::string> pinned_;
  // Lock order: mu_ before a store's own (a store is set up under it).
  mutable Mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Store>> by_store_id_ EPMOCK_GUARDED_BY(mu_);
  std::unordered_map<std::string, Organization> organizations_ EPMOCK_GUARDED_BY(mu_);  // by org client id
  std::shared_ptr<Store> ForClientLocked(const std::string& client_id) EPMOCK_REQUIRES(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_STORE_STORE_H_
