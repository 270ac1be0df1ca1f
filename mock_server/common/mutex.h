// Mutex, MutexLock and CondVar: epmock's own lock, annotated so that clang's thread-safety
// analysis checks every use (as LevelDB's port::Mutex and port::CondVar). libstdc++'s
// std::mutex carries no capability attributes, so annotations written against it check
// nothing; these wrap it and carry them.
//
//   class Counter {
//    public:
//     void Add() { MutexLock lock(&mu_); ++count_; }
//    private:
//     void AddLocked() EPMOCK_REQUIRES(mu_) { ++count_; }   // called with mu_ held
//     Mutex mu_;
//     int count_ EPMOCK_GUARDED_BY(mu_) = 0;
//   };
//
// A clang build compiles with -Wthread-safety -Werror=thread-safety (CMakeLists.txt): reading
// count_ without mu_, or calling AddLocked without it, does not compile. With another compiler
// the attributes are empty and the classes are the std ones underneath.
//
// Waits are written as loops (`while (!done_) cv_.Wait(&mu_);`), not with predicate lambdas:
// the analysis reads a lambda as a function of its own that holds no lock.
#ifndef EPMOCK_COMMON_MUTEX_H_
#define EPMOCK_COMMON_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define EPMOCK_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define EPMOCK_THREAD_ANNOTATION(x)
#endif

#define EPMOCK_CAPABILITY(x) EPMOCK_THREAD_ANNOTATION(capability(x))
#define EPMOCK_SCOPED_CAPABILITY EPMOCK_THREAD_ANNOTATION(scoped_lockable)
#define EPMOCK_GUARDED_BY(x) EPMOCK_THREAD_ANNOTATION(guarded_by(x))
#define EPMOCK_PT_GUARDED_BY(x) EPMOCK_THREAD_ANNOTATION(pt_guarded_by(x))
#define EPMOCK_ACQUIRED_BEFORE(...) EPMOCK_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define EPMOCK_ACQUIRED_AFTER(...) EPMOCK_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define EPMOCK_REQUIRES(...) EPMOCK_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EPMOCK_ACQUIRE(...) EPMOCK_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define EPMOCK_RELEASE(...) EPMOCK_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EPMOCK_EXCLUDES(...) EPMOCK_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define EPMOCK_ASSERT_CAPABILITY(x) EPMOCK_THREAD_ANNOTATION(assert_capability(x))
#define EPMOCK_NO_THREAD_SAFETY_ANALYSIS EPMOCK_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace epmock::internal {

class CondVar;

class EPMOCK_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() EPMOCK_ACQUIRE() { mu_.lock(); }
  void Unlock() EPMOCK_RELEASE() { mu_.unlock(); }
  // Tells the analysis the caller holds it (where it cannot see so, as in a callback).
  void AssertHeld() const EPMOCK_ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for its scope. Unlock() and Lock() let go of it and take it again inside the
// scope (around a call that must not run under it); the destructor lets go only if held.
class EPMOCK_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) EPMOCK_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() EPMOCK_RELEASE() {
    if (held_) mu_->Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() EPMOCK_RELEASE() {
    mu_->Unlock();
    held_ = false;
  }
  void Lock() EPMOCK_ACQUIRE() {
    mu_->Lock();
    held_ = true;
  }

 private:
  Mutex* const mu_;
  bool held_ = true;
};

// Holds two mutexes of the same kind for its scope, taken in address order: any two threads
// that take the same pair take it in one order (where std::scoped_lock would back off).
class EPMOCK_SCOPED_CAPABILITY TwoMutexLock {
 public:
  TwoMutexLock(Mutex* a, Mutex* b) EPMOCK_ACQUIRE(a, b) : first_(a < b ? a : b), second_(a < b ? b : a) {
    first_->Lock();
    if (second_ != first_) second_->Lock();
  }
  ~TwoMutexLock() EPMOCK_RELEASE() {
    if (second_ != first_) second_->Unlock();
    first_->Unlock();
  }
  TwoMutexLock(const TwoMutexLock&) = delete;
  TwoMutexLock& operator=(const TwoMutexLock&) = delete;

 private:
  Mutex* const first_;
  Mutex* const second_;
};

// A condition variable waited on with a Mutex held (std::condition_variable underneath).
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Lets go of `mu`, sleeps until signalled (or spuriously), takes `mu` again.
  void Wait(Mutex* mu) EPMOCK_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // The same, also waking at `deadline`; false once the deadline has passed.
  template <class Clock, class Duration>
  bool WaitUntil(Mutex* mu, const std::chrono::time_point<Clock, Duration>& deadline) EPMOCK_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool in_time = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return in_time;
  }
  template <class Rep, class Period>
  bool WaitFor(Mutex* mu, const std::chrono::duration<Rep, Period>& timeout) EPMOCK_REQUIRES(mu) {
    return WaitUntil(mu, std::chrono::steady_clock::now() + timeout);
  }

  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_MUTEX_H_
