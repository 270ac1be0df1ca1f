#include <pthread.h>
#include <signal.h>

#include "cli/commands.h"

namespace epmock::cli {

StopSignals::StopSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void StopSignals::Wait() {
  int received = 0;
  sigwait(&signals_, &received);
}

}  // namespace epmock::cli
