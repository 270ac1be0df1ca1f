// Socket helpers for the servers epmock runs on httplib.
#ifndef EPMOCK_HTTP_NET_H_
#define EPMOCK_HTTP_NET_H_

#include <string>

namespace epmock::internal {

// httplib's workers wait out the keep-alive timeout on idle connections before they notice
// the server stopping, and httplib offers no handle on accepted sockets. So that a stop is
// prompt, this shuts down every connected socket of the process whose local port is `port`:
// a waiting worker then reads end-of-stream and finishes at once. Call it after
// httplib::Server::stop(), before joining the server's thread.
void ShutdownAcceptedConnections(int port);

// Resets the accepted connection whose local port is `port` and whose peer is
// peer_addr:peer_port, as a crashed or overloaded server would: the peer gets a TCP RST and
// no byte of an answer. Called by the worker serving that connection (which keeps its
// descriptor open meanwhile): the descriptor is pointed at a fresh, unconnected socket, so
// httplib's later write fails and its close releases that one. False when no such
// connection is found.
bool ResetConnection(int port, const std::string& peer_addr, int peer_port);

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_NET_H_
