// Recording: contracts written from real traffic. RecordingProxy forwards every request to
// an upstream (epmock or the real API) and answers with the upstream's response; each
// answered request becomes an interaction of a ContractRecording (one per bearer token:
// one store, one scenario), and each recording is rewritten to its file after every
// interaction, so a killed recorder leaves valid contracts behind.
//
// The recording applies the contract rules (contracts/README.md) as it goes:
// - a UUID first seen in a response is captured ({{uuid:id1}}) and every later occurrence,
//   in paths, bodies and headers, becomes ${id1};
// - timestamps become {{timestamp}}, the upstream's URL ${base};
// - secrets are masked: Authorization is never written; secret fields in request bodies
//   (secret_key, aws_secret_access_key, aws_access_key_id, password, passcode,
//   client_secret) are replaced by a fixed stand-in, which replays identically, and a
//   response's masked secret ("****PSYQ") becomes {{masked}}.
//
// Thread-safe.
#ifndef EPMOCK_CONTRACT_RECORDING_H_
#define EPMOCK_CONTRACT_RECORDING_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/mutex.h"
#include "epmock/status.h"
#include "http/edge.h"

namespace epmock::internal {

// What stands in for a secret in recorded requests.
inline constexpr char kMaskedSecret[] = "epmock-masked-secret";

struct RecordedExchange {
  std::string method;
  std::string path;  // with the query string
  std::string request_content_type;
  std::string request_body;
  bool authenticated = true;
  int status = 0;
  std::string location;  // the response's Location header, if any
  std::string response_body;
};

class ContractRecording {
 public:
  ContractRecording(std::string description, std::string upstream);
  void Add(const RecordedExchange& exchange);
  nlohmann::json Contract() const;

 private:
  nlohmann::json Generalize(const nlohmann::json& value, bool capture);
  std::string Rewrite(const std::string& text) const;
  nlohmann::json MaskRequest(const nlohmann::json& value, std::map<std::string, std::string>* secrets) const;
  nlohmann::json MaskResponse(const nlohmann::json& value,
                              const std::map<std::string, std::string>& secrets) const;

  std::string description_;
  std::string upstream_;
  std::map<std::string, std::string> ids_;  // value -> variable name
  nlohmann::json interactions_ = nlohmann::json::array();
};

struct RecordingProxyOptions {
  std::string upstream;  // http(s)://host[:port]
  std::string out_dir;
  std::string host = "127.0.0.1";
  int port = 0;
};

class RecordingProxy {
 public:
  explicit RecordingProxy(RecordingProxyOptions options);
  ~RecordingProxy();
  Status Start();
  void Stop();
  std::string Url() const;
  // The files written so far.
  std::vector<std::string> Files() const;

 private:
  void Record(const std::string& authorization, const RecordedExchange& exchange);

  RecordingProxyOptions options_;
  HttpEdge edge_;
  mutable Mutex mu_;
  std::map<std::string, std::unique_ptr<ContractRecording>> recordings_
      EPMOCK_GUARDED_BY(mu_);                                        // by Authorization
  std::map<std::string, std::string> files_ EPMOCK_GUARDED_BY(mu_);  // by Authorization
  std::string stamp_ EPMOCK_GUARDED_BY(mu_);
};

}  // namespace epmock::internal

#endif  // EPMOCK_CONTRACT_RECORDING_H_
