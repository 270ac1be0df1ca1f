#include "http/net.h"

#include <arpa/inet.h>
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

namespace {

// The port and numeric address of a socket address.
bool Describe(const sockaddr_storage& address, int* port, std::string* host) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    *port = ntohs(in->sin_port);
    if (!inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) return false;
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    *port = ntohs(in6->sin6_port);
    if (!inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text)) return false;
  } else {
    return false;
  }
  *host = text;
  return true;
}

}  // namespace

bool ResetConnection(int port, const std::string& peer_addr, int peer_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return false;
  int target = -1;
  int family = AF_INET;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long number = std::strtol(entry->d_name, &end, 10);
    if (!end || *end != '\0' || number == dirfd(dir)) continue;
    const int fd = fcntl(static_cast<int>(number), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) continue;
    struct stat st;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    int local_port = -1, remote_port = -1;
    std::string local_host, remote_host;
    const bool match = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
                       getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
                       Describe(local, &local_port, &local_host) && local_port == port &&
                       getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0 &&
                       Describe(peer, &remote_port, &remote_host) && remote_port == peer_port &&
                       remote_host == peer_addr;
    if (match) {
      // Abortive close: the last reference going away sends RST, not FIN.
      linger abort{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
      target = static_cast<int>(number);
      family = local.ss_family;
    }
    close(fd);
    if (match) break;
  }
  closedir(dir);
  if (target < 0) return false;
  const int fresh = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fresh < 0) return false;
  // The number keeps naming an open descriptor (the serving worker still holds it), now a
  // fresh socket; the connection's last reference is gone, and with it the connection.
  const bool replaced = dup2(fresh, target) == target;
  close(fresh);
  return replaced;
}

}  // namespace epmock::internal
