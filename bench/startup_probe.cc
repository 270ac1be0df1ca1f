// startup_probe: how long a server takes from exec to its first answered request.
//
//   startup_probe URL -- COMMAND [ARGS...]
//
// Starts COMMAND, then sends GET URL every millisecond until any HTTP answer arrives, and
// prints the milliseconds from exec to that answer. Kills COMMAND (SIGTERM) afterwards.
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 4 || std::string(argv[2]) != "--") {
    std::fprintf(stderr, "usage: startup_probe URL -- COMMAND [ARGS...]\n");
    return 2;
  }
  std::string url = argv[1];
  auto scheme_end = url.find("://");
  auto path_start = url.find('/', scheme_end + 3);
  std::string origin = url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid;
  if (posix_spawnp(&pid, argv[3], &actions, nullptr, argv + 3, environ) != 0) {
    std::fprintf(stderr, "cannot start %s\n", argv[3]);
    return 1;
  }
  httplib::Client client(origin);
  client.set_connection_timeout(0, 200000);
  client.set_tcp_nodelay(true);
  double elapsed_ms = -1;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    auto res = client.Get(path, {{"Authorization", "Bearer probe"}});
    if (res) {
      elapsed_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  if (elapsed_ms < 0) {
    std::fprintf(stderr, "no answer within 60 s\n");
    return 1;
  }
  std::printf("%.1f\n", elapsed_ms);
  return 0;
}
