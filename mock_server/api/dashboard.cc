#include "api/dashboard.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "api/admin_api.h"
#include "api/engine.h"
#include "api/errors.h"
#include "api/pagination.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/strings.h"
#include "epmock/journal.h"
#include "schema/embedded_files.h"
#include "store/store.h"

namespace epmock::internal {

namespace {

using json = nlohmann::json;

constexpr char kAdminTokenHeader[] = "X-Epmock-Admin-Token";
constexpr char kAdminCookie[] = "epmock_session";
// The session cookie goes to the admin routes alone: never to /v2, the sinks or the page.
constexpr char kCookieAttributes[] = "; Path=/__admin/; HttpOnly; SameSite=Strict";
constexpr int kMaxWaitMs = 60000;
constexpr std::size_t kMaxTokenBytes = 1024;

// Compares without stopping at the first difference, so the time taken says nothing of how
// much of a guess was right.
bool SameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string& other = a.size() == b.size() ? b : a;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ other[i]);
  return diff == 0;
}

std::string ContentTypeOf(const std::string& name) {
  const auto ends = [&](const char* ext) {
    const std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

// The page's own headers: nothing from elsewhere may run or be fetched.
void AddPageHeaders(HttpResponse& r) {
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                         "connect-src 'self'; frame-ancestors 'none'; form-action 'self'");
}

HttpResponse Html(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "text/html; charset=utf-8";
  AddPageHeaders(r);
  return r;
}

// The form an admin token is given through: a POST, so that it never shows in a URL.
HttpResponse LoginPage(int status, const std::string& note) {
  return Html(status,
              "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>epmock: sign in</title>"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              "<link rel=\"icon\" href=\"favicon.svg\"></head><body>"
              "<main><h1>epmock</h1><p>This server was started with <code>--admin-token</code>. " +
                  note +
                  "</p><form method=\"post\" action=\"login\">"
                  "<label for=\"token\">Admin token</label> "
                  "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" "
                  "required> <button type=\"submit\">Sign in</button></form></main></body></html>");
}

const EmbeddedFile* UiFile(const std::string& name) {
  for (const EmbeddedFile& f : DashboardFiles()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

HttpResponse Redirect(int status, const std::string& to) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = "See " + to;
  r.headers.emplace_back("Location", to);
  return r;
}

HttpResponse Login(Engine& engine, const HttpRequest& request) {
  const ServerOptions& options = engine.options();
  const std::string& home = options.dashboard_path;
  if (options.admin_token.empty()) return Redirect(303, home);  // nothing to sign in to
  if (request.method != "POST") return LoginPage(200, "Give it to see the dashboard.");
  Params form;
  if (request.body.size() > kMaxTokenBytes + 16 || !DecodeForm(request.body, &form))
    return LoginPage(400, "The form could not be read.");
  auto token = form.find("token");
  if (token == form.end() || !SameSecret(token->second, options.admin_token))
    return LoginPage(401, "That is not the admin token.");
  HttpResponse r = Redirect(303, home);
  r.headers.emplace_back("Set-Cookie",
                         std::string(kAdminCookie) + "=" + engine.sessions().Create() + kCookieAttributes);
  return r;
}

// "name=value; other=x" -> value of `name`.
std::string CookieValue(const std::string& header, const std::string& name) {
  std::size_t at = 0;
  while (at < header.size()) {
    std::size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string pair = header.substr(at, end - at);
    const std::size_t start = pair.find_first_not_of(' ');
    pair = start == std::string::npos ? "" : pair.substr(start);
    if (pair.compare(0, name.size() + 1, name + "=") == 0) return pair.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

json StoreSummary(const Store& store) {
  std::size_t integrations = 0;
  store.ListPage(0, 0, &integrations);
  return {{"id", store.id()},
          {"client_id", store.client_id()},
          {"kind", store.is_organization() ? "organization" : store.kind()},
          {"org_id", store.org_id().empty() ? json(nullptr) : json(store.org_id())},
          {"integrations", integrations},
          {"events", store.EventsPage(0, 0).total}};
}

// Whole number from 0 to max, or the error that names the parameter.
std::optional<HttpResponse> ParseCount(const Params& params, const char* name, long max, long* out) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  const std::optional<std::size_t> v = ParseWholeNumber(it->second, static_cast<std::size_t>(max));
  if (!v) {
    return ErrorResponse(400, StatusTitle(400),
                         std::string(name) + " must be a whole number from 0 to " + std::to_string(max),
                         name);
  }
  *out = static_cast<long>(*v);
  return std::nullopt;
}

std::string Param(const Params& params, const char* name) {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

// 503: every place for a stream or a wait is taken, or the server is stopping.
HttpResponse NoRoomForAStream(const Engine& engine) {
  return ErrorResponse(503, StatusTitle(503),
                       "Too many streams and waits are open (at most " +
                           std::to_string(engine.options().max_streams) +
                           "), or the server is stopping; poll the admin lists instead");
}

// How often a stream or a long poll with nothing to say looks whether its caller is still
// there (a peer's going away is not announced) and whether the server stops. Everything it
// waits for wakes it at once.
constexpr std::chrono::milliseconds kPeerCheck(500);

std::string SseFrame(const char* event, const std::string& id, const json& data) {
  return std::string("event: ") + event + "\nid: " + id +
         "\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

}  // namespace

bool IsDashboardPath(const ServerOptions& options, const std::string& path) {
  const std::string& home = options.dashboard_path;
  return path == "/" || path.rfind(home, 0) == 0 || path + "/" == home;
}

std::optional<std::string> CheckDashboardPath(const std::string& path) {
  const bool shaped = path.size() >= 2 && path.size() <= 128 && path.front() == '/' && path.back() == '/' &&
                      path.find("//") == std::string::npos && path.find("/../") == std::string::npos &&
                      path.find("/./") == std::string::npos &&
                      std::all_of(path.begin(), path.end(), [](unsigned char ch) {
                        return std::isalnum(ch) || ch == '/' || ch == '-' || ch == '_' || ch == '.';
                      });
  if (!shaped) {
    return "the dashboard path is 2 to 128 characters of letters, digits, '-', '_', '.' and '/', "
           "starting and ending with '/' (/__admin/ui/, /ui/)";
  }
  for (const char* taken : {"/v2/", "/oauth/", "/__sink/"}) {
    if (path.rfind(taken, 0) == 0) return std::string("the dashboard path may not be under ") + taken;
  }
  // Under /__admin/ only beside the admin API's routes, never over one of them.
  if (path == "/__admin/")
    return std::string("the dashboard path may not be /__admin/ itself, the admin API's root");
  static const char* const kAdminRoutes[] = {"api-faults",   "asyncapi", "catalog", "deliveries",   "events",
                                             "faults",       "health",   "idle",    "integrations", "logout",
                                             "organization", "requests", "sinks",   "sqs",          "stomp",
                                             "store",        "stores",   "stories", "stream",       "wait"};
  if (path.rfind("/__admin/", 0) == 0) {
    const std::string first = path.substr(9, path.find('/', 9) - 9);
    for (const char* route : kAdminRoutes) {
      if (first == route)
        return "the dashboard path may not be under the admin route /__admin/" + first + "/";
    }
  }
  return std::nullopt;
}

bool IsLoopbackHost(const std::string& host) {
  if (ToLower(host) == "localhost") return true;
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  return IsLoopbackAddress(bracketed ? host.substr(1, host.size() - 2) : host);
}

bool IsLoopbackAddress(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return false;
  static const unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (std::equal(std::begin(kLoopback), std::end(kLoopback), v6.s6_addr)) return true;
  // ::ffff:127.x.y.z, an IPv4 loopback peer on a dual-stack socket.
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::equal(std::begin(kMapped), std::end(kMapped), v6.s6_addr) && v6.s6_addr[12] == 127;
}

std::string AdminSessions::Create() {
  // 256 bits from the kernel's generator: nothing of the token, nothing guessable.
  std::random_device random;
  std::string id;
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    const unsigned int v = random();
    for (int nibble = 0; nibble < 4; ++nibble) id += kHex[(v >> (nibble * 4)) & 0xf];
  }
  MutexLock lock(&mu_);
  if (last_used_.size() >= kMost) {
    auto oldest = std::min_element(last_used_.begin(), last_used_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    last_used_.erase(oldest);
  }
  last_used_[id] = std::chrono::steady_clock::now();
  return id;
}

bool AdminSessions::Use(const std::string& id) {
  MutexLock lock(&mu_);
  auto it = last_used_.find(id);
  if (it == last_used_.end()) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now - it->second > kIdle) {
    last_used_.erase(it);
    return false;
  }
  it->second = now;
  return true;
}

void AdminSessions::End(const std::string& id) {
  MutexLock lock(&mu_);
  last_used_.erase(id);
}

void AdminSessions::Clear() {
  MutexLock lock(&mu_);
  last_used_.clear();
}

HttpResponse Logout(Engine& engine, const HttpRequest& request) {
  if (request.method != "POST") return ErrorResponse(405, StatusTitle(405), "Sign out with POST");
  engine.sessions().End(CookieValue(request.Header("Cookie"), kAdminCookie));
  HttpResponse r = Redirect(303, engine.options().dashboard_path + "login");
  r.headers.emplace_back("Set-Cookie", std::string(kAdminCookie) + "=; Max-Age=0" + kCookieAttributes);
  return r;
}

std::optional<HttpResponse> CheckAdminAccess(Engine& engine, const HttpRequest& request, bool dashboard) {
  const ServerOptions& options = engine.options();
  if (options.admin_token.empty()) {
    if (!dashboard || IsLoopbackAddress(request.remote_addr)) return std::nullopt;
    return ErrorResponse(403, StatusTitle(403),
                         "The dashboard and the list of stores answer loopback peers only; start epmock "
                         "with --admin-token to reach them from elsewhere");
  }
  const std::string token = request.Header(kAdminTokenHeader);
  if (!token.empty() && SameSecret(token, options.admin_token)) return std::nullopt;
  const std::string session = CookieValue(request.Header("Cookie"), kAdminCookie);
  if (!session.empty() && engine.sessions().Use(session)) return std::nullopt;
  return ErrorResponse(401, StatusTitle(401),
                       std::string("This server requires its admin token (the ") + kAdminTokenHeader +
                           " header, or the dashboard's sign-in)");
}

std::shared_ptr<void> StreamGate::Enter() {
  MutexLock lock(&mu_);
  if (!open_ || active_ >= max_) return nullptr;
  ++active_;
  // The handle points at the gate (never null, so a caller can test it) and owns nothing.
  return std::shared_ptr<void>(static_cast<void*>(this), [this](void*) {
    MutexLock inner(&mu_);
    --active_;
  });
}

bool StreamGate::open() const {
  MutexLock lock(&mu_);
  return open_;
}

int StreamGate::active() const {
  MutexLock lock(&mu_);
  return active_;
}

void StreamGate::Close() {
  MutexLock lock(&mu_);
  open_ = false;
}

void StreamGate::Open() {
  MutexLock lock(&mu_);
  open_ = true;
}

std::optional<HttpResponse> HandleDashboardRoute(Engine& engine, const HttpRequest& request) {
  const std::string& path = request.path;
  const ServerOptions& options = engine.options();
  const std::string& home = options.dashboard_path;
  if (path == "/" && (request.method == "GET" || request.method == "HEAD")) return Redirect(302, home);
  if (path + "/" == home) return Redirect(301, home);
  if (path.rfind(home, 0) != 0) return std::nullopt;
  if (path == home + "login") return Login(engine, request);
  std::string name = path.substr(home.size());
  if (name.empty()) name = "index.html";
  if (request.method != "GET")
    return ErrorResponse(405, StatusTitle(405), "The dashboard's files are read with GET");
  const EmbeddedFile* file = UiFile(name);
  if (!file) return ErrorResponse(404, StatusTitle(404), "The dashboard has no file " + name.substr(0, 64));
  // The page's files hold no data: with an admin token they are served to anyone (what has
  // data is under /__admin/ and needs the token or a session; the page signs in when told
  // 401). Without one, the page, like the list of stores, answers loopback peers only.
  if (options.admin_token.empty()) {
    if (std::optional<HttpResponse> refused = CheckAdminAccess(engine, request, true)) return refused;
  }
  HttpResponse r;
  r.body = std::string(file->content);
  r.content_type = ContentTypeOf(name);
  AddPageHeaders(r);
  return r;
}

HttpResponse StoresRoute(Engine& engine) {
  json stores = json::array(), organizations = json::array();
  std::vector<std::shared_ptr<Store>> all = engine.stores().All();
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a->client_id() < b->client_id(); });
  for (const auto& store : all)
    (store->is_organization() ? organizations : stores).push_back(StoreSummary(*store));
  const std::size_t total = stores.size() + organizations.size();
  return JsonResponse(200,
                      {{"data", {{"stores", std::move(stores)}, {"organizations", std::move(organizations)}}},
                       {"meta", {{"total", total}}}});
}

// A stream's cursor, checked before the stream starts: 400 when it cannot be an id (or, for
// the journal, a sequence number), 404 when the store does not hold it.
std::optional<HttpResponse> CheckStreamCursors(RouteContext& c) {
  const auto refuse = [](int status, const std::string& name, const std::string& why) {
    return ErrorResponse(status, StatusTitle(status), name + ": " + why, name);
  };
  const auto id_like = [](const std::string& v) {
    return v.size() <= 128 && std::all_of(v.begin(), v.end(), [](unsigned char ch) {
             return std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == ':';
           });
  };
  for (const char* name : {"after_event", "after_log"}) {
    const std::string after = Param(c.params, name);
    if (after.empty()) continue;
    if (!id_like(after)) return refuse(400, name, "not an id");
    const bool held = std::string(name) == "after_event" ? c.store->EventsAfter(after, 0).has_value()
                                                         : c.store->LogsAfter(after, 0).has_value();
    if (!held) {
      return refuse(404, name,
                    "no " + std::string(name == std::string("after_event") ? "event" : "delivery") + " '" +
                        after + "' is held (never here, or dropped by retention)");
    }
  }
  const std::string request = Param(c.params, "after_request");
  if (!request.empty()) {
    const std::optional<std::size_t> n = ParseWholeNumber(request, std::size_t{1} << 62);
    if (!n) return refuse(400, "after_request", "not a journal sequence number");
    if (!c.engine.journal().RecordsAfter(c.store->id(), *n, 0)) {
      return refuse(404, "after_request", "no request " + request + " of this store is in the journal");
    }
  }
  return std::nullopt;
}

HttpResponse StreamRoute(RouteContext& c) {
  if (std::optional<HttpResponse> refused = CheckStreamCursors(c)) return *refused;
  std::shared_ptr<void> place = c.engine.streams().Enter();
  if (!place) {
    return NoRoomForAStream(c.engine);
  }
  // Cursors: what the caller has already (from the admin lists); by default, from now on.
  std::shared_ptr<Store> store = c.store;
  struct Cursors {
    std::string event, log;
    std::uint64_t request = 0;
    std::uint64_t certify = 0;  // CertifyRuns' version
  };
  auto cursors = std::make_shared<Cursors>();
  CertifyRuns& certify = c.engine.certify_runs();
  cursors->certify = certify.Version();  // runs' changes from now on
  cursors->event = Param(c.params, "after_event");
  cursors->log = Param(c.params, "after_log");
  if (cursors->event.empty()) {
    auto newest = store->EventsPage(0, 1);
    cursors->event = newest.items.empty() ? "" : newest.items[0]->id;
  }
  if (cursors->log.empty()) {
    auto newest = store->LogsPage("", "", 0, 1);
    cursors->log = newest.items.empty() ? "" : newest.items[0].id;
  }
  Journal& journal = c.engine.journal();
  {
    const std::string after = Param(c.params, "after_request");
    if (!after.empty()) {
      cursors->request = std::stoull(after);  // checked: held by the journal
    } else {
      const std::size_t total = journal.RecordsPage(store->id(), 0, 0).total;
      auto last = journal.RecordsPage(store->id(), total == 0 ? 0 : total - 1, 1);
      cursors->request = last.records.empty() ? 0 : last.records.back().sequence;
    }
  }
  StreamGate& gate = c.engine.streams();
  auto beat = std::make_shared<std::int64_t>(0);
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.stream = [place, store, cursors, &gate, &journal, &certify, beat](const HttpResponse::Write& write) {
    if (!gate.open()) return false;
    // Taken before the reads: a change made while they run ends the wait below at once.
    const std::uint64_t seen = store->changes().version();
    std::string out;
    if (*beat == 0) out += "retry: 1000\n\n";
    // After the cursor; from the first when the store had none at the start; from the
    // newest when the cursor has been dropped by retention meanwhile.
    std::vector<std::shared_ptr<const EventRecord>> events;
    if (cursors->event.empty()) {
      auto oldest = store->EventsPage(0, 100);  // newest first: the oldest 100 first, the rest next time
      events.assign(oldest.items.rbegin(), oldest.items.rend());
    } else if (auto after = store->EventsAfter(cursors->event, 100)) {
      events = std::move(after->items);
    } else {
      auto newest = store->EventsPage(0, 1);
      if (!newest.items.empty()) cursors->event = newest.items[0]->id;
    }
    for (const auto& e : events) {
      out += SseFrame("event", e->id, ToTriggeredEvent(*e).ToJson());
      cursors->event = e->id;
    }
    std::vector<IntegrationLog> logs;
    if (cursors->log.empty()) {
      auto oldest = store->LogsPage("", "", 0, 100);
      logs.assign(oldest.items.rbegin(), oldest.items.rend());
    } else if (auto after = store->LogsAfter(cursors->log, 100)) {
      logs = std::move(after->items);
    } else {
      auto newest = store->LogsPage("", "", 0, 1);
      if (!newest.items.empty()) cursors->log = newest.items[0].id;
    }
    for (const IntegrationLog& log : logs) {
      out += SseFrame("log", log.id, LogWithEvent(log));
      cursors->log = log.id;
    }
    if (auto records = journal.RecordsAfter(store->id(), cursors->request, 100)) {
      for (const RequestRecord& record : records->records) {
        out += SseFrame("request", std::to_string(record.sequence), ToJson(record));
        cursors->request = record.sequence;
      }
    }
    for (const nlohmann::json& run : certify.ChangedSince(store->id(), &cursors->certify)) {
      out += SseFrame("certify", run.value("id", ""), run);
    }
    const std::int64_t now = NowMillis();
    if (out.empty() && now - *beat >= 15000) out = ": keep-alive\n\n";
    if (!out.empty()) {
      *beat = now;
      if (!write(out)) return false;
    } else if (!write("")) {
      return false;  // the peer went away: its place is given back now, not at the next keep-alive
    }
    // Until the store announces a change (an event, an attempt, a journal entry: the router
    // announces those, and Stop announces the gate's closing), or the peer check is due.
    store->changes().WaitUntil(seen, std::chrono::steady_clock::now() + kPeerCheck);
    return gate.open();
  };
  return r;
}

HttpResponse WaitRoute(RouteContext& c) {
  long timeout_ms = 10000, count = 1;
  if (auto error = ParseCount(c.params, "timeout_ms", kMaxWaitMs, &timeout_ms)) return *error;
  const std::string event_type = Param(c.params, "event_type");
  const std::string queue = Param(c.params, "sqs_queue");
  const std::string destination = Param(c.params, "stomp_destination");
  const std::string story_run = Param(c.params, "story_run");
  const bool deliveries = c.params.count("deliveries") > 0;
  const int conditions =
      deliveries + !event_type.empty() + !queue.empty() + !destination.empty() + !story_run.empty();
  if (conditions != 1) {
    return ErrorResponse(400, StatusTitle(400),
                         "Name one condition: deliveries=N (with after=<delivery id>), event_type=KEY, "
                         "sqs_queue=NAME (with messages=N), stomp_destination=DEST (with messages=N) or "
                         "story_run=ID (until it is no longer running)");
  }
  if (!story_run.empty() && !c.engine.events().stories().Run(c.store, story_run)) {
    return ErrorResponse(404, StatusTitle(404),
                         "story_run: no story run " + story_run.substr(0, 64) + " in this store",
                         "story_run");
  }
  if (deliveries) {
    if (auto error = ParseCount(c.params, "deliveries", 100000, &count)) return *error;
  } else if (auto error = ParseCount(c.params, "messages", 100000, &count)) {
    return *error;
  }
  if (!event_type.empty() && !c.engine.spec().LookupEvent(event_type)) {
    return ErrorResponse(400, StatusTitle(400),
                         "event_type: '" + event_type.substr(0, 128) +
                             "' is not an observable event (GET /__admin/catalog lists them)",
                         "event_type");
  }
  const std::string after = Param(c.params, "after");
  const std::string after_event = Param(c.params, "after_event");
  // after_event= (empty): the first such event of the store, oldest first.
  const bool from_start = c.params.count("after_event") > 0 && after_event.empty();
  if ((!after_event.empty() || from_start) && event_type.empty()) {
    return ErrorResponse(400, StatusTitle(400), "after_event goes with event_type=KEY", "after_event");
  }
  if (!after_event.empty() && !c.store->EventsAfter(after_event, 0)) {
    return ErrorResponse(400, StatusTitle(400),
                         "after_event: no event " + after_event.substr(0, 64) + " in this store",
                         "after_event");
  }
  if (deliveries && !after.empty() && !c.store->LogsAfter(after, 0)) {
    return ErrorResponse(400, StatusTitle(400),
                         "after: no delivery " + after.substr(0, 64) + " in this store", "after");
  }
  if (!queue.empty() && !c.engine.sqs())
    return ErrorResponse(400, StatusTitle(400), "This server runs no embedded SQS endpoint", "sqs_queue");
  if (!destination.empty() && !c.engine.stomp())
    return ErrorResponse(400, StatusTitle(400), "This server runs no embedded STOMP broker",
                         "stomp_destination");
  std::shared_ptr<void> place = c.engine.streams().Enter();
  if (!place) {
    return NoRoomForAStream(c.engine);
  }
  const std::size_t wanted = static_cast<std::size_t>(count);
  // Whether enough has arrived: a count, cheap to take again and again. What arrived is
  // built once, for the answer (a store may hold 100,000 deliveries).
  const auto enough = [&]() -> bool {
    if (deliveries) {
      if (after.empty()) return c.store->LogsPage("", "", 0, 0).total >= wanted;
      auto page = c.store->LogsAfter(after, 0);
      return page && page->total >= wanted;
    }
    if (!event_type.empty() || !story_run.empty()) return false;  // `arrived` looks
    std::size_t total = 0;
    if (!queue.empty()) {
      c.engine.sqs()->MessagesPage(queue, 0, 0, &total);
    } else {
      c.engine.stomp()->MessagesPage(destination, 0, 0, &total);
    }
    return total >= wanted;
  };
  const auto arrived = [&](json* out) -> bool {
    if (deliveries) {
      json logs = json::array();
      std::size_t n = 0;
      if (after.empty()) {  // since the start: the newest N
        auto page = c.store->LogsPage("", "", 0, wanted);
        for (const IntegrationLog& log : page.items) logs.push_back(LogWithEvent(log));
        n = page.total;
      } else if (auto page = c.store->LogsAfter(after, wanted)) {
        for (const IntegrationLog& log : page->items) logs.push_back(LogWithEvent(log));
        n = page->total;
      }
      *out = {{"deliveries", std::move(logs)}, {"total", n}};
      return n >= wanted;
    }
    if (!story_run.empty()) {
      std::optional<StoryRun> run = c.engine.events().stories().Run(c.store, story_run);
      *out = {{"run", run ? run->ToJson() : json(nullptr)}};
      return !run || run->state != "running";  // forgotten by a reset: it runs no more
    }
    if (!event_type.empty()) {
      // With after_event: the first such event after it, oldest first (after_event= empty:
      // from the first); without: the newest.
      auto page = after_event.empty() ? c.store->EventsPage(0, 1000)
                                      : c.store->EventsAfter(after_event, 1000)
                                            .value_or(PageOf<std::shared_ptr<const EventRecord>>{});
      if (from_start) std::reverse(page.items.begin(), page.items.end());
      const bool in_order = from_start || !after_event.empty();
      for (const auto& e : page.items) {
        if (e->type != event_type) continue;
        bool pending = false;
        for (const EventJob& job : e->jobs) {
          bool succeeded = false;
          if (!c.store->JobEnded(job.job_id, &succeeded)) {
            pending = true;
          } else if (succeeded) {
            *out = {{"event", ToTriggeredEvent(*e).ToJson()}};
            return true;
          }
        }
        // In order: the next event waits for the one before it (deliveries run at once, so a
        // later one may end first); one that can no longer be delivered is passed over.
        if (in_order && pending) break;
      }
      *out = {{"event", nullptr}};
      return false;
    }
    std::size_t total = 0;
    json messages = json::array();
    if (!queue.empty()) {
      for (const SqsQueuedMessage& m : c.engine.sqs()->MessagesPage(queue, 0, wanted, &total))
        messages.push_back({{"message_id", m.message_id}, {"body", m.body}});
    } else {
      for (const StompMessage& m : c.engine.stomp()->MessagesPage(destination, 0, wanted, &total))
        messages.push_back({{"message_id", m.message_id}, {"body", m.body}});
    }
    *out = {{"messages", std::move(messages)}, {"total", total}};
    return total >= wanted;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  json found;
  while (true) {
    // Taken before the condition is read: a change meanwhile ends the wait below at once.
    const std::uint64_t seen = c.store->changes().version();
    if ((enough() || !event_type.empty() || !story_run.empty()) && arrived(&found)) {
      return JsonResponse(200, {{"data", std::move(found)}});
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    // A caller that went away gives its place back at the next peer check, not at its timeout.
    if (c.request.peer_connected && !c.request.peer_connected()) {
      return ErrorResponse(499, "Client Closed Request", "The caller went away");
    }
    if (!c.engine.streams().open()) return ErrorResponse(503, StatusTitle(503), "The server is stopping");
    // Woken by what the condition reads: the store's changes, or the queue's or the
    // destination's arrivals; at the latest at the peer check or the caller's deadline.
    const auto until = std::min(deadline, now + kPeerCheck);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    if (!queue.empty()) {
      (void)c.engine.sqs()->WaitForMessages(queue, wanted, left);
    } else if (!destination.empty()) {
      (void)c.engine.stomp()->WaitForMessages(destination, wanted, left);
    } else {
      c.store->changes().WaitUntil(seen, until);
    }
  }
  arrived(&found);
  json arrived_json = std::move(found);
  json body = {{"errors",
                {{{"status", 408},
                  {"title", StatusTitle(408)},
                  {"detail", "The condition did not hold within " + std::to_string(timeout_ms) + " ms"}}}},
               {"data", std::move(arrived_json)}};
  return JsonResponse(408, body);
}

}  // namespace epmock::internal
