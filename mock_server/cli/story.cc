// epmock story list|run|stop: the stories of a running epmock serve, through its admin API.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "http/client_pool.h"

namespace epmock::cli {

namespace {

struct StoryArgs {
  std::string name, run_id, server, client_id = "epmock-cli";
  std::uint64_t seed = 1;
  bool concurrent = false;
  long long max_jitter_ms = 200;
  std::string profile = "realistic";
  bool wait = false;
  int timeout_s = 60;
  long long count = 0;
  bool many = false;  // --count given: the runs print as a list
};

// The admin API's answer to one call, or the exit code of a failure already reported.
int Call(const StoryArgs& a, const std::string& method, const std::string& path, const nlohmann::json& body,
         std::initializer_list<int> expected, nlohmann::json* out) {
  std::unique_ptr<httplib::ClientImpl> client = internal::NewHttpClient(a.server);
  if (!client) {
    std::fprintf(stderr, "epmock story: --server must be an http(s) URL, not '%s'\n", a.server.c_str());
    return 2;
  }
  client->set_connection_timeout(5);
  client->set_read_timeout(90);  // a long poll lasts up to a minute
  StatusOr<std::string> token = TokenFor(*client, a.server, a.client_id);
  if (!token.ok()) {
    std::fprintf(stderr, "epmock story: %s\n", token.status().message().c_str());
    return 1;
  }
  const httplib::Headers auth = {{"Authorization", "Bearer " + *token}};
  auto res = method == "POST"     ? client->Post(path, auth, body.dump(), "application/json")
             : method == "DELETE" ? client->Delete(path, auth)
                                  : client->Get(path, auth);
  if (!res) {
    std::fprintf(stderr, "epmock story: no answer from %s\n", a.server.c_str());
    return 1;
  }
  if (std::find(expected.begin(), expected.end(), res->status) == expected.end()) {
    ShowRefusal("story", res->status, res->body);
    return 1;
  }
  *out = nlohmann::json::parse(res->body, nullptr, false);
  return 0;
}

int RunList(const StoryArgs& a) {
  nlohmann::json stories;
  if (int code = Call(a, "GET", "/__admin/stories", nullptr, {200}, &stories)) return code;
  for (const nlohmann::json& story : stories["data"]) {
    std::string steps;
    for (const nlohmann::json& step : story["steps"])
      steps += (steps.empty() ? "" : " -> ") + step.value("event", "");
    std::printf("%-24s %s\n%-24s %s\n", story.value("name", "").c_str(),
                story.value("description", "").c_str(), "", steps.c_str());
  }
  return 0;
}

// Waits for a run to be no longer running, or the deadline, by the server's long poll
// (GET /__admin/wait?story_run=ID: it answers when the run ends); false when the deadline
// passed. A long poll lasts at most a minute, so a longer --timeout-s asks again.
bool WaitForRun(const StoryArgs& a, std::chrono::steady_clock::time_point deadline, nlohmann::json* run,
                int* code) {
  const std::string id = run->value("id", "");
  while (run->value("state", "") == "running") {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      std::fprintf(stderr, "epmock story: %s still running after %d s\n", id.c_str(), a.timeout_s);
      return false;
    }
    const long long poll_ms = std::min<long long>(left.count(), 60000);
    nlohmann::json now;
    *code = Call(a, "GET", "/__admin/wait?story_run=" + id + "&timeout_ms=" + std::to_string(poll_ms),
                 nullptr, {200, 408}, &now);
    if (*code != 0) return false;
    if (now["data"].is_object() && now["data"]["run"].is_object()) *run = now["data"]["run"];
  }
  return true;
}

int RunStory(const StoryArgs& a) {
  nlohmann::json body = {{"seed", a.seed},
                         {"concurrent", a.concurrent},
                         {"max_jitter_ms", a.max_jitter_ms},
                         {"profile", a.profile}};
  if (a.many) body["count"] = a.count;
  nlohmann::json answer;
  if (int code = Call(a, "POST", "/__admin/stories/" + a.name, body, {202}, &answer)) return code;
  // One run prints as itself; --count N as a list of N.
  nlohmann::json runs = a.many ? answer["data"] : nlohmann::json::array({answer["data"]});
  bool ended = true;
  if (a.wait) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_s);
    for (nlohmann::json& run : runs) {
      int code = 0;
      if (!WaitForRun(a, deadline, &run, &code)) {
        if (code != 0) return code;
        ended = false;
        break;
      }
    }
  }
  std::printf("%s\n", (a.many ? runs : runs[0]).dump(2).c_str());
  if (!ended) return 1;
  for (const nlohmann::json& run : runs) {
    const std::string state = run.value("state", "");
    if (state != "running" && state != "delivered") return 1;
  }
  return 0;
}

// Stops a running run and prints it as it stands; the server's refusal (404 unknown, 409
// ended) is shown as it came.
int StopStory(const StoryArgs& a) {
  nlohmann::json answer;
  if (int code = Call(a, "DELETE", "/__admin/stories/runs/" + a.run_id, nullptr, {202}, &answer)) return code;
  std::printf("%s\n", answer["data"].dump(2).c_str());
  return 0;
}

}  // namespace

void AddStory(CLI::App& root, int* exit_code) {
  CLI::App* story = root.add_subcommand(
      "story", "list, run or stop stories (whole flows as events) on a running epmock serve");
  story->require_subcommand(1);
  auto a = std::make_shared<StoryArgs>();
  CLI::App* list = story->add_subcommand("list", "the built-in and loaded stories, with their steps");
  CLI::App* run = story->add_subcommand("run", "run a story in a store and print the run as JSON");
  CLI::App* stop = story->add_subcommand("stop", "stop a running run of the store and print it as JSON");
  stop->footer("Exits 0 when the run was stopped, 1 when the store has no such run or it had ended.");
  run->footer(
      "Exits 0 when the run started (or, with --wait, was delivered: every event fired and every\n"
      "delivery ended), 1 otherwise. docs/STORIES.md describes the stories and the options.");
  for (CLI::App* cmd : {list, run, stop}) {
    cmd->add_option("--server", a->server,
                    "the epmock API, as its ready line prints it (http://127.0.0.1:8080)")
        ->required();
    cmd->add_option("--client-id", a->client_id, "whose store")->capture_default_str();
  }
  run->add_option("name", a->name, "the story, e.g. checkout")->required();
  stop->add_option("run", a->run_id, "the run's id, as run printed it (story-7)")->required();
  run->add_option("--seed", a->seed, "fixes the resources and the plan")->capture_default_str();
  run->add_flag("--concurrent", a->concurrent,
                "fire the steps as the platform may: at once, with seeded jitter");
  // Only the flags' syntax is checked here: the server says which values it takes.
  run->add_option("--max-jitter-ms", a->max_jitter_ms,
                  "with --concurrent: the most a step is held back (0 to 60000)")
      ->capture_default_str();
  run->add_option("--profile", a->profile,
                  "what each step sends: realistic, edge-cases or forward-compatible (as a batch's)")
      ->capture_default_str();
  CLI::Option* count = run->add_option(
      "--count", a->count, "run it N times at once (1 to 64; seeds --seed, --seed+1, ...); prints a list");
  run->add_flag("--wait", a->wait, "wait until the run is delivered (or failed)");
  run->add_option("--timeout-s", a->timeout_s, "with --wait: how long")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  list->callback([a, exit_code] { *exit_code = RunList(*a); });
  run->callback([a, exit_code, count] {
    a->many = count->count() > 0;
    *exit_code = RunStory(*a);
  });
  stop->callback([a, exit_code] { *exit_code = StopStory(*a); });
}

}  // namespace epmock::cli
