// StartThread: how epmock starts every thread of its own. An exception that escapes the
// thread's body would call std::terminate and take the user's test process with it; here it
// is caught, reported on stderr with the thread's name, and the thread ends.
//
//   worker_ = StartThread("delivery worker", [this] { WorkerLoop(); });
#ifndef EPMOCK_COMMON_THREAD_H_
#define EPMOCK_COMMON_THREAD_H_

#include <functional>
#include <thread>
#include <utility>
#include <vector>

namespace epmock::internal {

std::thread StartThread(const char* what, std::function<void()> body);

// Threads to join at the end of a scope. Declared before a MutexLock, it joins them after the
// lock is released (locals end in reverse order): no thread is joined under a lock, since a
// thread about to end may still take it.
//
//   JoinOnExit ended;
//   MutexLock lock(&mu_);
//   ... ended.Add(std::move(finished_thread));
class JoinOnExit {
 public:
  JoinOnExit() = default;
  JoinOnExit(const JoinOnExit&) = delete;
  JoinOnExit& operator=(const JoinOnExit&) = delete;
  ~JoinOnExit() {
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  void Add(std::thread thread) { threads_.push_back(std::move(thread)); }

 private:
  std::vector<std::thread> threads_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_THREAD_H_
