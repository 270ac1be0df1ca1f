#include "http/net.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace epmock::internal {

void ShutdownAcceptedConnections(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long number = std::strtol(entry->d_name, &end, 10);
    if (!end || *end != '\0' || number == dirfd(dir)) continue;
    // Other threads open and close descriptors meanwhile, so the number may stop naming the
    // socket it named a moment ago. A duplicate pins one open socket: every check below and
    // the shutdown act on that same socket, whatever happens to the number.
    const int fd = fcntl(static_cast<int>(number), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) continue;
    struct stat st;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    int local_port = -1;
    if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
      if (local.ss_family == AF_INET) local_port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
      if (local.ss_family == AF_INET6) local_port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
    }
    // The listening socket has no peer; accepted connections do.
    if (local_port == port && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0) {
      shutdown(fd, SHUT_RDWR);
    }
    close(fd);
  }
  closedir(dir);
}

}  // namespace epmock::internal
