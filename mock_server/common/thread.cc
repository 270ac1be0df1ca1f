#include "common/thread.h"

#include <cstdio>
#include <exception>

namespace epmock::internal {

std::thread StartThread(const char* what, std::function<void()> body) {
  return std::thread([what, body = std::move(body)] {
    try {
      body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "epmock: the %s thread failed and stopped: %s\n", what, e.what());
    } catch (...) {
      std::fprintf(stderr, "epmock: the %s thread failed and stopped\n", what);
    }
  });
}

}  // namespace epmock::internal
