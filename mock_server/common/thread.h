// StartThread: how epmock starts every thread of its own. An exception that escapes the
// thread's body would call std::terminate and take the user's test process with it; here it
// is caught, reported on stderr with the thread's name, and the thread ends.
//
//   worker_ = StartThread("delivery worker", [this] { WorkerLoop(); });
#ifndef EPMOCK_COMMON_THREAD_H_
#define EPMOCK_COMMON_THREAD_H_

#include <functional>
#include <thread>

namespace epmock::internal {

std::thread StartThread(const char* what, std::function<void()> body);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_THREAD_H_
