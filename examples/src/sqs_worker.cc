#include "sqs_worker.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace examples {

using nlohmann::json;

SqsWorker::SqsWorker(Ledger* ledger, std::string queue_url)
    : ledger_(ledger), queue_url_(std::move(queue_url)) {}

SqsWorker::~SqsWorker() { Stop(); }

void SqsWorker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SqsWorker::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void SqsWorker::Run() {
  // http://host:port/account/queue: the endpoint is the scheme and authority.
  const std::string endpoint = queue_url_.substr(0, queue_url_.find('/', queue_url_.find("://") + 3));
  httplib::Client sqs(endpoint);
  sqs.set_read_timeout(5);
  auto call = [&](const std::string& action, const json& body) {
    httplib::Headers headers = {{"X-Amz-Target", "AmazonSQS." + action}};
    auto res = sqs.Post("/", headers, body.dump(), "application/x-amz-json-1.0");
    return res && res->status == 200 ? json::parse(res->body, nullptr, false) : json();
  };
  while (!stop_) {
    const json received = call(
        "ReceiveMessage", {{"QueueUrl", queue_url_}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", 1}});
    if (!received.is_object() || !received.contains("Messages")) {
      if (received.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // endpoint down
      continue;
    }
    for (const json& message : received["Messages"]) {
      const json event = json::parse(message.value("Body", ""), nullptr, false);
      if (event.is_discarded() || !event.contains("id")) {
        ++received_;
        continue;  // left for the redrive policy
      }
      if (event.value("type", "") == "order.paid") {
        ledger_->BookPayment(event["id"].get<std::string>(), event.value("data", json()));
      }
      call("DeleteMessage",
           {{"QueueUrl", queue_url_}, {"ReceiptHandle", message.value("ReceiptHandle", "")}});
      ++received_;  // counted once handled, so a test that waits for it sees the ledger updated
    }
  }
}

}  // namespace examples
