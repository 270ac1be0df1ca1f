#include "http/wire_client.h"

#include <algorithm>

#include "common/mutex.h"
#include "common/strings.h"

namespace epmock::internal {

namespace {

constexpr std::size_t kIdleConnectionsPerOrigin = 64;
constexpr std::size_t kReadChunkBytes = 16 * 1024;

// The request target: the URL's path and query, without a fragment, with any byte that
// would end the request line (controls, space, DEL) percent-encoded.
std::string RequestTarget(const Url& url) {
  std::string target;
  for (char c : url.path.substr(0, url.path.find('#'))) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      target += '%';
      target += kHex[byte >> 4];
      target += kHex[byte & 0xf];
    } else {
      target += c;
    }
  }
  return target.empty() ? "/" : target;
}

// "host" or "host:port" (the port when it is not the scheme's default), IPv6 in brackets.
std::string HostHeader(const Url& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  const int default_port = url.scheme == "https" ? 443 : 80;
  if (url.port != default_port) host += ":" + std::to_string(url.port);
  return host;
}

// A header value written as given, but never one that could end the line.
std::string OneLine(const std::string& value) {
  std::string line = value;
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return line;
}

}  // namespace

WireClient::WireClient(WireClientOptions options) : options_(std::move(options)) {}

WireClient::~WireClient() = default;

std::string WireClient::Serialize(const Url& url, const WireRequest& request) {
  std::string bytes = request.method + " " + RequestTarget(url) + " HTTP/1.1\r\n";
  bytes += "Host: " + HostHeader(url) + "\r\n";
  for (const auto& [name, value] : request.headers) bytes += OneLine(name) + ": " + OneLine(value) + "\r\n";
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    bytes += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  bytes += "\r\n";
  bytes += request.body;
  return bytes;
}

std::unique_ptr<ClientSocket> WireClient::TakeIdle(const std::string& origin) {
  MutexLock lock(&mu_);
  auto found = idle_.find(origin);
  if (found == idle_.end()) return nullptr;
  auto& pool = found->second;
  while (!pool.empty()) {
    std::unique_ptr<ClientSocket> socket = std::move(pool.back());
    pool.pop_back();
    if (socket->IdleAndOpen()) return socket;  // a closed one is dropped here, never written to
  }
  return nullptr;
}

bool WireClient::Register(ClientSocket* socket) {
  MutexLock lock(&mu_);
  if (cancelled_) return false;
  in_flight_.insert(socket);
  return true;
}

void WireClient::Release(const std::string& origin, std::unique_ptr<ClientSocket> socket, bool reusable) {
  MutexLock lock(&mu_);
  in_flight_.erase(socket.get());
  auto& pool = idle_[origin];
  if (reusable && !cancelled_ && pool.size() < kIdleConnectionsPerOrigin) pool.push_back(std::move(socket));
  // Otherwise it closes here, after leaving in_flight_: Cancel never interrupts a closed one.
}

std::optional<WireResponse> WireClient::Send(const Url& url, const WireRequest& request, std::string* error) {
  const auto deadline = ClientSocket::Clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  const std::string bytes = Serialize(url, request);
  const bool head = request.method == "HEAD";
  for (int tries = 0;; ++tries) {
    bool retry = false;
    std::optional<WireResponse> response = Exchange(url, bytes, head, deadline, error, &retry);
    if (response || !retry || tries > 0) return response;
  }
}

std::optional<WireResponse> WireClient::Exchange(const Url& url, const std::string& bytes, bool head,
                                                 ClientSocket::Clock::time_point deadline, std::string* error,
                                                 bool* retry) {
  const std::string origin = url.Origin();
  const std::string where = url.host + ":" + std::to_string(url.port);
  const auto stopped = [error](const char* when) {
    *error = std::string("Not delivered: epmock stopped ") + when;
    return std::nullopt;
  };
  if (cancelled_) return stopped("before the attempt");
  std::unique_ptr<ClientSocket> socket = TakeIdle(origin);
  const bool reused = socket != nullptr;
  if (!socket) socket = std::make_unique<ClientSocket>();
  if (!Register(socket.get())) return stopped("before the attempt");
  const auto fail = [&](std::string why) -> std::optional<WireResponse> {
    Release(origin, std::move(socket), false);
    *error = cancelled_ ? "Not delivered: epmock stopped during the attempt" : std::move(why);
    return std::nullopt;
  };

  if (!reused) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - ClientSocket::Clock::now());
    SocketOptions socket_options{std::max<int>(1, static_cast<int>(left.count())), options_.verify_tls,
                                 options_.ca_file};
    Status opened = socket->Open(url.ConnectHost(), url.ConnectPort(), url.scheme == "https", socket_options);
    if (!opened.ok()) return fail("Could not connect to " + where + ": " + opened.message());
  }
  if (!socket->Write(bytes)) {
    *retry = reused;
    return fail("The connection to " + where + " broke while sending the request");
  }

  WireResponseLimits limits;
  limits.max_kept_body_bytes = options_.max_kept_body_bytes;
  HttpResponseParser parser(limits, head);
  std::string why;
  char buffer[kReadChunkBytes];
  for (;;) {
    std::size_t n = 0;
    const ClientSocket::ReadResult read = socket->Read(buffer, sizeof buffer, deadline, &n);
    HttpResponseParser::Result parsed = HttpResponseParser::Result::kNeedMore;
    if (read == ClientSocket::ReadResult::kData) {
      parsed = parser.Append(buffer, n, &why);
    } else if (read == ClientSocket::ReadResult::kClosed) {
      if (!parser.started()) {
        *retry = reused;
        return fail("No answer from " + where + ": the connection closed before an answer");
      }
      parsed = parser.Close(&why);
    } else if (read == ClientSocket::ReadResult::kTimeout) {
      return fail("No answer from " + where + " within " + std::to_string(options_.timeout_ms) + " ms" +
                  (parser.started() ? " (the answer began but did not end)" : ""));
    } else {
      if (!parser.started()) *retry = reused;
      return fail("The connection to " + where + " broke while reading the answer");
    }
    if (parsed == HttpResponseParser::Result::kError)
      return fail("The answer from " + where + " is not HTTP/1.x: " + why);
    if (parsed == HttpResponseParser::Result::kDone) break;
  }

  WireResponse response = parser.response();
  Release(origin, std::move(socket), response.keep_alive);
  if (EqualsIgnoreCase(response.Header("Content-Encoding"), "gzip") ||
      EqualsIgnoreCase(response.Header("Content-Encoding"), "x-gzip")) {
    std::string decoded;
    std::string gzip_error;
    if (GunzipPrefix(response.body, options_.max_kept_body_bytes, &decoded, &gzip_error)) {
      response.body = std::move(decoded);
    } else {
      response.body = "[a gzip answer epmock could not decode: " + gzip_error + "]";
    }
  }
  return response;
}

void WireClient::Cancel() {
  MutexLock lock(&mu_);
  cancelled_ = true;
  for (ClientSocket* socket : in_flight_) socket->Interrupt();
  idle_.clear();
}

}  // namespace epmock::internal
