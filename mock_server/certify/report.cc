// CertifyReport's renderings: a terminal summary, JUnit XML, JSON and one self-contained HTML
// page (no external assets: it is attached to CI runs and opened from disk).
#include <cctype>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/xml.h"
#include "epmock/certify.h"

namespace epmock {

namespace certify_report {
namespace {

using nlohmann::json;

std::string Seconds(double s) {
  char out[32];
  std::snprintf(out, sizeof out, "%.3f", s);
  return out;
}

// The groups in the order the run makes them, each check once.
std::vector<std::string> GroupsOf(const CertifyReport& report) {
  std::vector<std::string> groups;
  for (const CertifyCheck& c : report.checks) {
    bool known = false;
    for (const std::string& g : groups) known = known || g == c.group;
    if (!known) groups.push_back(c.group);
  }
  return groups;
}

// "PASS", "FAIL", "INCONCLUSIVE": the verdict's name, shouted in the terminal and the page.
std::string Mark(CheckVerdict v) {
  std::string mark = VerdictName(v);
  for (char& c : mark) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return mark;
}

std::string Verdict(const CertifyReport& r) {
  const int failed = r.Count(CheckVerdict::kFail);
  const int inconclusive = r.Count(CheckVerdict::kInconclusive);
  std::string line = failed ? "NOT CERTIFIED" : inconclusive ? "INCONCLUSIVE" : "CERTIFIED";
  line += ": " + std::to_string(r.Count(CheckVerdict::kPass)) + " passed, " + std::to_string(failed) +
          " failed, " + std::to_string(inconclusive) + " inconclusive, of " +
          std::to_string(r.checks.size()) + " checks";
  return line;
}

// HTML text: & < > " ' escaped (XmlEscape does the same five).
std::string H(const std::string& text) { return internal::XmlEscape(text); }

}  // namespace
}  // namespace certify_report

const char* VerdictName(CheckVerdict verdict) {
  switch (verdict) {
    case CheckVerdict::kPass:
      return "pass";
    case CheckVerdict::kFail:
      return "fail";
    case CheckVerdict::kInconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

int CertifyReport::Count(CheckVerdict verdict) const {
  int n = 0;
  for (const CertifyCheck& c : checks) n += c.verdict == verdict;
  return n;
}

int CertifyReport::ExitCode(bool allow_inconclusive) const {
  if (Count(CheckVerdict::kFail) > 0) return 1;
  if (Count(CheckVerdict::kInconclusive) > 0 && !allow_inconclusive) return 3;
  return 0;
}

nlohmann::json CertifyReport::ToJson() const {
  using nlohmann::json;
  json checks_json = json::array();
  for (const CertifyCheck& c : checks) {
    json exchanges = json::array();
    for (const CertifyExchange& e : c.exchanges) {
      exchanges.push_back({{"event_id", e.event_id},
                           {"event_type", e.event_type},
                           {"attempt", e.attempt},
                           {"label", e.label},
                           {"request", e.request},
                           {"status", e.status ? json(*e.status) : json(nullptr)},
                           {"answer", e.answer},
                           {"latency_ms", e.latency_ms},
                           {"error", e.error.empty() ? json(nullptr) : json(e.error)}});
    }
    checks_json.push_back({{"group", c.group},
                           {"name", c.name},
                           {"verdict", VerdictName(c.verdict)},
                           {"reason", c.reason},
                           {"notes", c.notes},
                           {"exchanges", exchanges}});
  }
  return {{"kind", kind},
          {"target", target},
          {"store_id", store_id},
          {"org_id", org_id.empty() ? json(nullptr) : json(org_id)},
          {"verdict", Count(CheckVerdict::kFail)           ? "fail"
                      : Count(CheckVerdict::kInconclusive) ? "inconclusive"
                                                           : "pass"},
          {"passed", Count(CheckVerdict::kPass)},
          {"failed", Count(CheckVerdict::kFail)},
          {"inconclusive", Count(CheckVerdict::kInconclusive)},
          {"real_seconds", real_seconds},
          {"virtual_seconds", virtual_seconds},
          {"burst_latency_ms",
           burst_p50_ms ? json{{"p50", *burst_p50_ms}, {"p99", *burst_p99_ms}} : json(nullptr)},
          {"checks", checks_json}};
}

std::string CertifyReport::ToText() const {
  using namespace certify_report;
  std::string out = "epmock certify " + kind + " " + target + " (store_id " + store_id +
                    (org_id.empty() ? std::string() : ", org_id " + org_id) + ")\n";
  for (const std::string& group : GroupsOf(*this)) {
    out += "\n" + group + "\n";
    for (const CertifyCheck& c : checks) {
      if (c.group != group) continue;
      char mark[16];
      std::snprintf(mark, sizeof mark, "  %-13s", Mark(c.verdict).c_str());
      out += mark + c.name + ": " + c.reason + "\n";
      for (const std::string& note : c.notes) {
        if (c.verdict != CheckVerdict::kPass || note.rfind("latency", 0) == 0 ||
            note.rfind("answered", 0) == 0) {
          out += "                 " + note + "\n";
        }
      }
    }
  }
  out += "\n" + Verdict(*this) + " in " + Seconds(real_seconds) + " s (" + Seconds(virtual_seconds) +
         " s on the virtual clock)\n";
  return out;
}

std::string CertifyReport::ToJunit() const {
  using namespace certify_report;
  using internal::XmlEscape;
  std::string cases;
  for (const CertifyCheck& c : checks) {
    cases += "    <testcase classname=\"epmock.certify." + XmlEscape(c.group) + "\" name=\"" +
             XmlEscape(c.name) + "\">\n";
    if (c.verdict == CheckVerdict::kFail) {
      cases +=
          "      <failure message=\"" + XmlEscape(c.reason) + "\">" + XmlEscape(c.reason) + "</failure>\n";
    } else if (c.verdict == CheckVerdict::kInconclusive) {
      cases += "      <skipped message=\"inconclusive: " + XmlEscape(c.reason) + "\"/>\n";
    }
    std::string out;
    for (const std::string& note : c.notes) out += note + "\n";
    if (!out.empty()) cases += "      <system-out>" + XmlEscape(out) + "</system-out>\n";
    cases += "    </testcase>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"epmock certify " +
         XmlEscape(kind) + "\" tests=\"" + std::to_string(checks.size()) + "\" failures=\"" +
         std::to_string(Count(CheckVerdict::kFail)) + "\" skipped=\"" +
         std::to_string(Count(CheckVerdict::kInconclusive)) + "\" time=\"" + Seconds(real_seconds) + "\">\n" +
         cases + "  </testsuite>\n</testsuites>\n";
}

std::string CertifyReport::ToHtml() const {
  using namespace certify_report;
  std::string body;
  for (const std::string& group : GroupsOf(*this)) {
    body += "<h2>" + H(group) + "</h2>\n";
    for (const CertifyCheck& c : checks) {
      if (c.group != group) continue;
      body += std::string("<details class=\"") + VerdictName(c.verdict) + "\"" +
              (c.verdict == CheckVerdict::kFail ? " open" : "") + "><summary><span class=\"mark\">" +
              Mark(c.verdict) + "</span> <strong>" + H(c.name) + "</strong>: " + H(c.reason) + "</summary>\n";
      if (!c.notes.empty()) {
        body += "<ul>";
        for (const std::string& n : c.notes) body += "<li>" + H(n) + "</li>";
        body += "</ul>\n";
      }
      if (!c.exchanges.empty()) {
        body +=
            "<table><thead><tr><th scope=\"col\">what</th><th scope=\"col\">event</th><th "
            "scope=\"col\">attempt</th><th scope=\"col\">answer</th><th "
            "scope=\"col\">ms</th></tr></thead><tbody>\n";
        for (const CertifyExchange& e : c.exchanges) {
          char ms[32];
          std::snprintf(ms, sizeof ms, "%.1f", e.latency_ms);
          body += "<tr><td>" + H(e.label) + "</td><td><details><summary>" + H(e.event_type) + " " +
                  H(e.event_id) + "</summary><pre>" + H(e.request) + "</pre></details></td><td>" +
                  std::to_string(e.attempt) + "</td><td>" +
                  (e.status          ? std::to_string(*e.status)
                   : e.error.empty() ? std::string()
                                     : H("no answer: " + e.error)) +
                  (e.answer.empty() ? "" : "<pre>" + H(e.answer) + "</pre>") + "</td><td>" + ms +
                  "</td></tr>\n";
        }
        body += "</tbody></table>\n";
      }
      body += "</details>\n";
    }
  }
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>epmock certify: " +
         H(target) +
         "</title><style>"
         "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1b1f24}"
         "h1{font-size:1.3rem;overflow-wrap:anywhere}h2{font-size:1.1rem;margin-top:1.5rem}"
         "details{border:1px solid #d0d7de;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}"
         "details.fail{border-left:6px solid #b42318}details.pass{border-left:6px solid #1a7f37}"
         "details.inconclusive{border-left:6px solid #9a6700}.mark{font-weight:700}"
         ".fail .mark{color:#b42318}.pass .mark{color:#1a7f37}.inconclusive .mark{color:#7d5400}"
         "table{border-collapse:collapse;width:100%;display:block;overflow-x:auto}"
         "th,td{border-bottom:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}"
         "pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:16rem;overflow:auto;background:#f6f8fa;"
         "padding:.4rem}.verdict{font-size:1.1rem;font-weight:700}"
         "</style></head><body><main><h1>epmock certify " +
         H(kind) + " " + H(target) + "</h1><p>store_id " + H(store_id) + "</p><p class=\"verdict\">" +
         H(Verdict(*this)) + "</p><p>" + Seconds(real_seconds) + " s of real time, " +
         Seconds(virtual_seconds) + " s on the virtual clock.</p>\n" + body + "</main></body></html>\n";
}

}  // namespace epmock
