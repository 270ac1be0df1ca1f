// The in-memory state of the fake platform: one Store per client_id, holding that store's
// integrations and the jobs and logs their deliveries leave behind.
//
// Thread-safety: Store and StoreRegistry lock internally; every accessor returns copies.
#ifndef EPMOCK_STORE_STORE_H_
#define EPMOCK_STORE_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmock::internal {

struct Integration {
  std::string id;
  std::string integration_type;  // webhook, aws_sqs, stomp
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;  // absent when the client never set it, as the docs echo it
  std::vector<std::string> observes;
  nlohmann::json configuration = nlohmann::json::object();
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

// An event delivered (or being delivered) to one integration.
struct IntegrationJob {
  std::string id;
  std::string integration_id;
  std::string event_id;
  std::string triggered_by;
  std::int64_t created_at_ms = 0;
};

// One delivery attempt.
struct IntegrationLog {
  std::string id;
  std::string integration_id;
  std::string job_id;
  bool succeeded = false;
  int attempt = 1;
  double processing_time_s = 0;
  std::optional<std::string> body;
  std::optional<int> status_code;
  std::optional<std::string> error_detail;
  std::int64_t created_at_ms = 0;
};

// The integration as the API returns it: JSON:API resource with secrets masked.
nlohmann::json IntegrationToJson(const Integration& integration, const std::string& base_url);
nlohmann::json JobToJson(const IntegrationJob& job);
nlohmann::json LogToJson(const IntegrationLog& log);

// "ASIAJLVYNHUWCPKOPSYQ" -> "****************PSYQ": all but the last 4 characters become
// '*', length kept (the platform's masking of aws keys and STOMP passwords).
std::string MaskSecret(const std::string& secret);
nlohmann::json MaskedConfiguration(const std::string& integration_type,
                                   const nlohmann::json& configuration);

class Store {
 public:
  explicit Store(std::string id) : id_(std::move(id)) {}

  const std::string& id() const { return id_; }

  // Adds the integration unless the store already holds `limit` (0: no limit).
  // Returns false when full.
  bool Add(const Integration& integration, std::size_t limit);
  std::optional<Integration> Get(const std::string& id) const;
  // Replaces the stored integration with the same id; false if it is gone.
  bool Replace(const Integration& integration);
  bool Remove(const std::string& id);
  // Creation order.
  std::vector<Integration> List() const;
  // Integrations [offset, offset + limit) in creation order, and how many there are in all.
  std::vector<Integration> ListPage(std::size_t offset, std::size_t limit,
                                    std::size_t* total) const;
  std::size_t Size() const;

  void AddJob(const IntegrationJob& job);
  void AddLog(const IntegrationLog& log);
  // Newest first. An empty integration_id or job_id matches all.
  std::vector<IntegrationJob> Jobs(const std::string& integration_id) const;
  std::vector<IntegrationLog> Logs(const std::string& integration_id,
                                   const std::string& job_id) const;
  bool HasJob(const std::string& integration_id, const std::string& job_id) const;

  void Clear();

 private:
  const std::string id_;
  mutable std::mutex mu_;
  std::vector<std::string> order_;  // ids in creation order
  std::unordered_map<std::string, Integration> integrations_;
  std::vector<IntegrationJob> jobs_;
  std::vector<IntegrationLog> logs_;
};

// client_id -> Store. A client's store is created on first use and lives until Reset().
class StoreRegistry {
 public:
  std::shared_ptr<Store> ForClient(const std::string& client_id);
  // The store with this store id, if any client created it.
  std::shared_ptr<Store> Find(const std::string& store_id) const;
  std::vector<std::shared_ptr<Store>> All() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Store>> by_store_id_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_STORE_STORE_H_
