// What the whole-server benchmarks share: a webhook receiver on loopback that answers 204
// and notes when each request arrives, a token, a webhook integration, a percentile.
#ifndef EPMOCK_BENCH_RECEIVER_H_
#define EPMOCK_BENCH_RECEIVER_H_

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace epmock_bench {

// A receiver that notes when each request arrives.
class Receiver {
 public:
  Receiver() {
    http_.new_task_queue = [] { return new httplib::ThreadPool(128); };
    http_.set_tcp_nodelay(true);
    http_.set_keep_alive_max_count(1000000);
    http_.Post(".*", [this](const httplib::Request&, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_ = std::chrono::steady_clock::now();
        ++count_;
      }
      arrived_.notify_all();
      res.status = 204;
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    http_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  // Waits for the request number `n` (1-based); returns when it arrived.
  std::chrono::steady_clock::time_point WaitFor(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    arrived_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ >= n; });
    return last_;
  }
  std::size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  httplib::Server http_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable arrived_;
  std::chrono::steady_clock::time_point last_;
  std::size_t count_ = 0;
};

// A client_credentials token of `client_id` from the epmock at `url`.
inline std::string Token(const std::string& url, const std::string& client_id) {
  httplib::Client c(url);
  auto r =
      c.Post("/oauth/access_token", "grant_type=client_credentials&client_secret=s&client_id=" + client_id,
             "application/x-www-form-urlencoded");
  return nlohmann::json::parse(r->body)["access_token"];
}

// Creates an enabled webhook integration observing order.paid that posts to `target`.
inline void CreateHook(const std::string& url, const std::string& token, const std::string& target) {
  httplib::Client c(url);
  nlohmann::json body = {{"data",
                          {{"type", "integration"},
                           {"name", "bench"},
                           {"integration_type", "webhook"},
                           {"enabled", true},
                           {"observes", {"order.paid"}},
                           {"configuration", {{"url", target}}}}}};
  c.Post("/v2/integrations", {{"Authorization", "Bearer " + token}}, body.dump(), "application/json");
}

// The value at fraction `p` (0 to 1) of the sorted samples.
inline double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

}  // namespace epmock_bench

#endif  // EPMOCK_BENCH_RECEIVER_H_
