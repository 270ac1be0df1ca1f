// WorkerProcess: the consumer certify starts itself (--run "COMMAND"): `/bin/sh -c COMMAND`
// in a process group of its own, with the endpoint's addresses in its environment and its
// output kept in a file, stopped with the group when certify ends.
#ifndef EPMOCK_CERTIFY_WORKER_PROCESS_H_
#define EPMOCK_CERTIFY_WORKER_PROCESS_H_

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "epmock/status.h"

namespace epmock::certify_internal {

class WorkerProcess {
 public:
  WorkerProcess() = default;
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;
  ~WorkerProcess() { Stop(); }

  // Starts `command` with this process's environment and `env` over it.
  Status Start(const std::string& command, const std::map<std::string, std::string>& env);
  bool started() const { return pid_ > 0; }
  // "exited with 3", "killed by signal 9" once it has ended; nothing while it runs.
  std::optional<std::string> Ended();
  // The last `max` bytes it wrote to stdout and stderr.
  std::string OutputTail(std::size_t max) const;
  // SIGTERM to its group, SIGKILL after 5 s if it is still there; forgets its output.
  // Idempotent.
  void Stop();

 private:
  pid_t pid_ = -1;
  std::optional<std::string> ended_;
  std::string output_path_;
};

}  // namespace epmock::certify_internal

#endif  // EPMOCK_CERTIFY_WORKER_PROCESS_H_
