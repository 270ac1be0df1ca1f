// Socket helpers for the servers epmock runs on httplib.
#ifndef EPMOCK_HTTP_NET_H_
#define EPMOCK_HTTP_NET_H_

namespace epmock::internal {

// httplib's workers wait out the keep-alive timeout on idle connections before they notice
// the server stopping, and httplib offers no handle on accepted sockets. So that a stop is
// prompt, this shuts down every connected socket of the process whose local port is `port`:
// a waiting worker then reads end-of-stream and finishes at once. Call it after
// httplib::Server::stop(), before joining the server's thread.
void ShutdownAcceptedConnections(int port);

}  // namespace epmock::internal

#endif  // EPMOCK_HTTP_NET_H_
