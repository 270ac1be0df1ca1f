// Child: a process of the test's (the epmock CLI by default) with its stdout and stderr
// captured, for tests that run `epmock` as a user does.
//
//   Child trigger({"trigger", "order.paid", "--server", server.Url()});
//   EXPECT_EQ(trigger.Wait(std::chrono::seconds(10)), 0);
//   EXPECT_THAT(trigger.Stdout(), HasSubstr("order.paid"));
#ifndef EPMOCK_TESTS_SUPPORT_CHILD_H_
#define EPMOCK_TESTS_SUPPORT_CHILD_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace epmock::testing_support {

class Child {
 public:
  // Runs EPMOCK_CLI_PATH with `args`.
  explicit Child(std::vector<std::string> args);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Reads stdout until a full line arrives or the timeout passes; "" then.
  std::string ReadLine(std::chrono::milliseconds timeout);
  // Waits for the exit status (-1 on timeout, 128+N when killed by signal N).
  int Wait(std::chrono::milliseconds timeout);
  std::string Stdout();
  std::string Stderr();
  pid_t pid() const { return pid_; }

 private:
  static void Drain(int fd, std::string* into);
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool exited_ = false;
  std::string stdout_, stderr_;
};

}  // namespace epmock::testing_support

#endif  // EPMOCK_TESTS_SUPPORT_CHILD_H_
