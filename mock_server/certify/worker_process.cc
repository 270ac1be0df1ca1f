#include "certify/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

extern char** environ;

namespace epmock::certify_internal {

Status WorkerProcess::Start(const std::string& command, const std::map<std::string, std::string>& env) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/epmock-certify-run-XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  const int out = mkstemp(name.data());
  if (out < 0)
    return Status::Internal("--run: cannot make a file for the worker's output: " +
                            std::string(std::strerror(errno)));
  output_path_ = name.data();

  // The environment as given, with env over it: built before the spawn, as the child may
  // run nothing but exec.
  std::map<std::string, std::string> merged;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : env) merged[key] = value;
  std::vector<std::string> entries;
  for (const auto& [key, value] : merged) entries.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (std::string& e : entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", script = command;
  char* argv[] = {shell.data(), dash_c.data(), script.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, out, 2);
  posix_spawn_file_actions_addclose(&actions, out);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);  // a group of its own: Stop ends what it started too
  const int spawned = posix_spawn(&pid_, shell.c_str(), &actions, &attributes, argv, envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  close(out);
  if (spawned != 0) {
    pid_ = -1;
    return Status::Internal("--run: cannot start /bin/sh: " + std::string(std::strerror(spawned)));
  }
  return Status::Ok();
}

std::optional<std::string> WorkerProcess::Ended() {
  if (pid_ <= 0) return std::nullopt;
  if (!ended_) {
    // Looked at, not reaped: until Stop reaps it, its pid names its group, which nothing
    // else can then take.
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != pid_)
      return std::nullopt;
    ended_ = info.si_code == CLD_EXITED ? "exited with " + std::to_string(info.si_status)
                                        : "killed by signal " + std::to_string(info.si_status);
  }
  return ended_;
}

std::string WorkerProcess::OutputTail(std::size_t max) const {
  if (output_path_.empty()) return "";
  std::ifstream in(output_path_, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff from =
      size > static_cast<std::streamoff>(max) ? size - static_cast<std::streamoff>(max) : 0;
  in.seekg(from);
  std::string tail(static_cast<std::size_t>(size - from), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return tail;
}

void WorkerProcess::Stop() {
  if (pid_ > 0) {
    kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!Ended() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    kill(-pid_, SIGKILL);  // still there after 5 s, or what the shell left behind in its group
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (!output_path_.empty()) {
    std::remove(output_path_.c_str());
    output_path_.clear();
  }
}

}  // namespace epmock::certify_internal
