// Status and StatusOr: how a fallible epmock call reports failure without throwing.
//
//   epmock::Status s = server.Start();
//   if (!s.ok()) std::cerr << s.message() << "\n";
//   if (s.code() == epmock::StatusCode::kUnavailable) ...  // e.g. the port is taken
//
//   epmock::StatusOr<std::shared_ptr<const epmock::Spec>> spec = epmock::Spec::Load({});
//   if (!spec.ok()) return spec.status();
//
// A status carries a code, so callers (and the HTTP edge, which maps codes to statuses in
// one place) never tell errors apart by their message text. It prints as
// "INVALID_ARGUMENT: the message" (operator<<, ToString), and so does a failed assertion
// on it in GoogleTest (epmock/testing/status_matchers.h has IsOk and StatusIs).
//
// StatusOr's value(), operator* and operator-> on an error throw epmock::BadStatusOrAccess
// (a std::logic_error whose what() is the status), as absl::StatusOr's value() does with
// exceptions on: a missed check is a clear failure, never undefined behaviour. Inside a
// request the HTTP edge answers it with a 500.
#ifndef EPMOCK_STATUS_H_
#define EPMOCK_STATUS_H_

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>

namespace epmock {

// The kinds of failure, after absl::StatusCode (a subset: the ones epmock has).
enum class StatusCode {
  kOk = 0,
  kUnknown,             // an error made with the deprecated Status::Error
  kInvalidArgument,     // the caller's input is wrong (HTTP 422 or 400)
  kNotFound,            // what the caller named does not exist (404)
  kAlreadyExists,       // (409)
  kFailedPrecondition,  // the system is not in a state to do it: not started, started twice (409)
  kResourceExhausted,   // a limit was reached (429, or 422 where the platform says so)
  kUnavailable,         // a port, a peer or a file could not be reached (503)
  kInternal,            // a bug or a broken build: the embedded schemas do not load (500)
  kPermissionDenied,    // the caller may not do it (403)
  kDeadlineExceeded,    // what was waited for had not come within the caller's bound (408)
};

// "INVALID_ARGUMENT", ...
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) { return Status(StatusCode::kNotFound, std::move(message)); }
  static Status AlreadyExists(std::string message) {
    return Status(StatusCode::kAlreadyExists, std::move(message));
  }
  static Status FailedPrecondition(std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(message));
  }
  static Status ResourceExhausted(std::string message) {
    return Status(StatusCode::kResourceExhausted, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status DeadlineExceeded(std::string message) {
    return Status(StatusCode::kDeadlineExceeded, std::move(message));
  }
  static Status Internal(std::string message) { return Status(StatusCode::kInternal, std::move(message)); }
  static Status PermissionDenied(std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }
  // Deprecated in 0.2.0: say what kind of error it is with one of the functions above.
  [[deprecated(
      "use Status::InvalidArgument, NotFound, FailedPrecondition, Unavailable, Internal, ...")]] static Status
  Error(std::string message) {
    return Status(StatusCode::kUnknown, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // Empty when ok().
  const std::string& message() const { return message_; }

  // The same code with context in front: "loading overlay.json: " + message().
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + message_);
  }

  // "OK", or the code's name and the message: "NOT_FOUND: no integration 42".
  std::string ToString() const { return ok() ? "OK" : std::string(StatusCodeName(code_)) + ": " + message_; }

  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline std::ostream& operator<<(std::ostream& os, const Status& status) { return os << status.ToString(); }

// Thrown by StatusOr's accessors when it holds no value.
class BadStatusOrAccess : public std::logic_error {
 public:
  explicit BadStatusOrAccess(Status status)
      : std::logic_error("StatusOr has no value: " + status.ToString()), status_(std::move(status)) {}
  const Status& status() const { return status_; }

 private:
  Status status_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // Must not be ok(): an OK status without a value is made an internal error.
  StatusOr(Status status)  // NOLINT: implicit by design
      : status_(status.ok() ? Status::Internal("StatusOr made from an OK status without a value")
                            : std::move(status)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // Throw BadStatusOrAccess when !ok().
  const T& value() const& { return Checked(); }
  T& value() & { return const_cast<T&>(Checked()); }
  T&& value() && { return std::move(const_cast<T&>(Checked())); }
  const T& operator*() const& { return Checked(); }
  T& operator*() & { return const_cast<T&>(Checked()); }
  T&& operator*() && { return std::move(const_cast<T&>(Checked())); }
  const T* operator->() const { return &Checked(); }
  T* operator->() { return &const_cast<T&>(Checked()); }

 private:
  const T& Checked() const {
    if (!value_) throw BadStatusOrAccess(status_);
    return *value_;
  }

  std::optional<T> value_;
  Status status_;
};

}  // namespace epmock

#endif  // EPMOCK_STATUS_H_
