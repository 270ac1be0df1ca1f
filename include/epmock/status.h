// Status and StatusOr: how a fallible epmock call reports failure without throwing.
//
//   epmock::Status s = server.Start();
//   if (!s.ok()) std::cerr << s.message() << "\n";
//
//   epmock::StatusOr<std::shared_ptr<const epmock::Spec>> spec = epmock::Spec::Load({});
//   if (!spec.ok()) return spec.status();
#ifndef EPMOCK_STATUS_H_
#define EPMOCK_STATUS_H_

#include <optional>
#include <string>
#include <utility>

namespace epmock {

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_.has_value(); }
  // Empty when ok().
  const std::string& message() const;

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {}  // NOLINT: must not be ok()

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace epmock

#endif  // EPMOCK_STATUS_H_
