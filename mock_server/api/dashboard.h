// The dashboard's side of the API port (docs/DASHBOARD.md): the page itself (compiled into
// the binary), who may reach it, the list of stores, the live stream of a store and the long
// poll. The page acts through the same API any client uses; only what a browser cannot do
// otherwise (EventSource sends no headers) or what no client route gives (the stores seen
// since start) lives here.
//
//   GET  /                     302 to /__admin/ui/
//   GET  /__admin/ui/{file}    the page (loopback peers only, unless --admin-token is set)
//   POST /__admin/ui/login     the login form's token -> an HttpOnly cookie
//   GET  /__admin/stores       the stores and organizations seen since start
//   GET  /__admin/stream       Server-Sent Events of a store: events, attempts, API calls
//   GET  /__admin/wait         a long poll until a condition holds (200) or a timeout (408)
#ifndef EPMOCK_API_DASHBOARD_H_
#define EPMOCK_API_DASHBOARD_H_

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/mutex.h"
#include "epmock/options.h"
#include "http/message.h"

namespace epmock::internal {

class Engine;
struct RouteContext;

// Whether a path is the dashboard's (/, the page's files, the page's path without its '/'):
// the page's traffic, which the journal of API calls leaves out.
bool IsDashboardPath(const ServerOptions& options, const std::string& path);

// Why a ServerOptions::dashboard_path cannot be used, or nullopt when it can.
std::optional<std::string> CheckDashboardPath(const std::string& path);

// ServerOptions::admin_token's value that turns the token rule beyond loopback off.
inline constexpr char kAdminTokenOff[] = "off";

// Whether a bind address is loopback only: localhost, 127.0.0.0/8 or ::1. Beyond it the
// admin routes need a token (ServerOptions::admin_token).
bool IsLoopbackHost(const std::string& host);

// Whether a peer address is loopback: 127.0.0.0/8, ::1, or 127.x mapped into IPv6.
bool IsLoopbackAddress(const std::string& address);

// Who may reach the admin routes. With no admin token: the page and the list of stores
// answer loopback peers only (nullopt: go on). With one: every admin route (but
// /__admin/health) requires it, in the X-Epmock-Admin-Token header, or a session the
// dashboard's sign-in made. `dashboard` is true for the page, the stores and a stream
// opened by client id.
std::optional<HttpResponse> CheckAdminAccess(Engine& engine, const HttpRequest& request, bool dashboard);

// POST /__admin/logout: ends the caller's dashboard session.
HttpResponse Logout(Engine& engine, const HttpRequest& request);

// The open streams and long polls: at most `max` at once, and all told to end when the
// server stops so that Stop() is not held up by them.
class StreamGate {
 public:
  explicit StreamGate(int max) : max_(max) {}
  // A place, released when the returned handle goes; null when full or closed.
  std::shared_ptr<void> Enter();
  bool open() const;
  int active() const;
  // Before the HTTP edge stops; Engine::CloseStreams also wakes what the streams wait on.
  void Close();
  void Open();  // when the server starts

 private:
  const int max_;
  mutable Mutex mu_;
  int active_ EPMOCK_GUARDED_BY(mu_) = 0;
  bool open_ EPMOCK_GUARDED_BY(mu_) = true;
};

// The dashboard's sign-in sessions on a server with an admin token: the cookie holds a
// random session id, never the token nor anything made from it, so that whatever records a
// request's headers never shows the token. A session ends on sign-out, after 12 hours
// unused, and when the server stops. Thread-safe.
class AdminSessions {
 public:
  static constexpr std::chrono::hours kIdle{12};
  static constexpr std::size_t kMost = 1000;  // beyond them, the longest unused ends

  std::string Create();
  // Whether `id` names a live session; using it keeps it alive.
  bool Use(const std::string& id);
  void End(const std::string& id);
  void Clear();

 private:
  Mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_used_ EPMOCK_GUARDED_BY(mu_);
};

// The dashboard's routes that need no store ("/", the page, the login): the answer, or
// nullopt for a request that is not one of them.
std::optional<HttpResponse> HandleDashboardRoute(Engine& engine, const HttpRequest& request);

// GET /__admin/stores.
HttpResponse StoresRoute(Engine& engine);
// GET /__admin/stream, for the store of the context.
HttpResponse StreamRoute(RouteContext& c);
// GET /__admin/wait.
HttpResponse WaitRoute(RouteContext& c);

}  // namespace epmock::internal

#endif  // EPMOCK_API_DASHBOARD_H_
