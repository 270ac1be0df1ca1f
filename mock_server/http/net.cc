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

namespace {

// Calls `visit(number, pinned)` for each open socket descriptor of the process. Other threads
// open and close descriptors meanwhile, so the number may stop naming the socket it named a
// moment ago: `pinned` is a duplicate that holds one open socket for the visit, whatever
// happens to the number. Stops when `visit` returns true.
template <typename Visit>
void ForEachSocket(Visit visit) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long number = std::strtol(entry->d_name, &end, 10);
    if (!end || *end != '\0' || number == dirfd(dir)) continue;
    const int pinned = fcntl(static_cast<int>(number), F_DUPFD_CLOEXEC, 0);
    if (pinned < 0) continue;
    struct stat st;
    const bool stop =
        fstat(pinned, &st) == 0 && S_ISSOCK(st.st_mode) && visit(static_cast<int>(number), pinned);
    close(pinned);
    if (stop) break;
  }
  closedir(dir);
}

int LocalPort(int fd) {
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return -1;
  if (local.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  if (local.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
  return -1;
}

}  // namespace

void ShutdownAcceptedConnections(int port) {
  ForEachSocket([port](int, int fd) {
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    // The listening socket has no peer; accepted connections do.
    if (LocalPort(fd) == port && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0) {
      shutdown(fd, SHUT_RDWR);
    }
    return false;
  });
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
  int target = -1;
  int family = AF_INET;
  ForEachSocket([&](int number, int fd) {
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    int remote_port = -1;
    std::string remote_host;
    if (LocalPort(fd) != port || getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
        !Describe(peer, &remote_port, &remote_host) || remote_port != peer_port || remote_host != peer_addr) {
      return false;
    }
    // Abortive close: the last reference going away sends RST, not FIN.
    linger abort{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    target = number;
    family = peer.ss_family;
    return true;
  });
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
