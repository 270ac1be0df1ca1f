#include "support/child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

extern char** environ;

namespace epmock::testing_support {

Child::Child(std::vector<std::string> args) {
  args.insert(args.begin(), EPMOCK_CLI_PATH);
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, err[0]);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  out_ = out[0];
  err_ = err[0];
}

Child::~Child() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(out_);
  close(err_);
}

std::string Child::ReadLine(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (stdout_.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[512];
    const ssize_t n = read(out_, buf, sizeof buf);
    if (n <= 0) break;
    stdout_.append(buf, static_cast<std::size_t>(n));
  }
  const auto nl = stdout_.find('\n');
  return nl == std::string::npos ? "" : stdout_.substr(0, nl);
}

int Child::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // Keep the pipes drained, or a child with much to say blocks and never exits.
    Drain(out_, &stdout_);
    Drain(err_, &stderr_);
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      Drain(out_, &stdout_);
      Drain(err_, &stderr_);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    // Until either pipe has more to read, or a little while for the exit itself.
    pollfd p[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    poll(p, 2, 10);
  }
  return -1;
}

std::string Child::Stdout() {
  Drain(out_, &stdout_);
  return stdout_;
}

std::string Child::Stderr() {
  Drain(err_, &stderr_);
  return stderr_;
}

void Child::Drain(int fd, std::string* into) {
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (poll(&p, 1, 0) > 0) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    into->append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace epmock::testing_support
