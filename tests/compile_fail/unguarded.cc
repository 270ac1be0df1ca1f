// Must not compile with clang's thread-safety analysis (tests/CMakeLists.txt): each use below
// breaks a lock annotation of common/mutex.h, so the check in CI is known to bite. The test
// compiles it once per EPMOCK_CASE and passes only when the compiler refuses each.
#include "common/mutex.h"

namespace {

using epmock::internal::CondVar;
using epmock::internal::Mutex;
using epmock::internal::MutexLock;

class Counter {
 public:
  void Unlocked() {
#if EPMOCK_CASE == 1
    ++count_;  // writing a guarded member without its lock
#elif EPMOCK_CASE == 2
    AddLocked();  // calling a function that requires the lock without it
#elif EPMOCK_CASE == 3
    MutexLock lock(&mu_);
    lock.Unlock();
    ++count_;  // after letting go of it
#elif EPMOCK_CASE == 4
    MutexLock lock(&mu_);
    const auto read = [&] { return count_; };  // a lambda holds no lock
    (void)read();
#elif EPMOCK_CASE == 5
    cv_.Wait(&mu_);  // waiting without the lock
#endif
  }

 private:
  void AddLocked() EPMOCK_REQUIRES(mu_) { ++count_; }
  Mutex mu_;
  CondVar cv_;
  int count_ EPMOCK_GUARDED_BY(mu_) = 0;
};

}  // namespace

int main() {
  Counter counter;
  counter.Unlocked();
}
