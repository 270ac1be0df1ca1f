// Regular expressions that no input can make recurse.
//
// libstdc++'s std::regex matches with a depth-first executor that recurses once per
// character a repetition consumes: "^[A-Z0-9-]*$" against a 100,000-character value
// overflows a thread's stack and kills the process. Compiled with libstdc++'s
// `__polynomial` flag, the same ECMAScript expression runs on its breadth-first executor,
// whose stack depth is bounded by the expression, never by the input; it cannot run
// back-references, so an expression that has one is refused when compiled.
//
//   std::regex re = CompileRegex("^[A-Z0-9-]*$");   // throws std::regex_error if refused
//   bool ok = std::regex_search(value, re);          // any length of value
#ifndef EPMOCK_COMMON_REGEX_H_
#define EPMOCK_COMMON_REGEX_H_

#include <cstddef>
#include <regex>
#include <string>

namespace epmock::internal {

// The longest expression a schema may carry: its automaton, not the input, bounds the stack.
inline constexpr std::size_t kMaxRegexLength = 1000;

// Compiles `pattern` (ECMAScript; a schema's own "pattern" goes to RE2: schema/patterns.h) for the
// breadth-first executor. Throws std::regex_error when it does not compile, is longer than kMaxRegexLength,
// or uses a back-reference.
std::regex CompileRegex(const std::string& pattern);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_REGEX_H_
