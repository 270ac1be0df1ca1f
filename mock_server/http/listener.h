// HttpListener: runs an httplib::Server on a background thread the way every epmock server
// needs it: bound with SO_REUSEADDR only (httplib's default SO_REUSEPORT would let a second
// server silently share a port in use), running when Start() returns. Its connections are
// the server's to close before Stop (GatedServer::CloseConnections), so that the stop is prompt.
#ifndef EPMOCK_HTTP_LISTENER_H_
#define EPMOCK_HTTP_LISTENER_H_

#include <memory>
#include <string>
#include <thread>

#include "epmock/status.h"

namespace httplib {
class Server;
}

namespace epmock::internal {

class HttpListener {
 public:
  HttpListener();
  ~HttpListener();

  // Takes a configured server (routes, handlers, timeouts), binds host:port (0: any free
  // port) and serves until Stop(). `what` names the server in the error message.
  Status Start(std::unique_ptr<httplib::Server> server, const std::string& host, int port,
               const std::string& what);
  void Stop();
  bool started() const { return static_cast<bool>(server_); }
  bool running() const;
  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_LISTENER_H_
