// Result of a control-side operation: a code that maps one-to-one onto a
// gRPC status code in the control plane's adapter, and a message that names
// the field and the reason.
#pragma once

#include <string>
#include <utility>

namespace switchyard {

enum class StatusCode {
  kOk,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kUnavailable,
  kResourceExhausted,
  kAborted,     // a compare-and-swap lost: the state moved on; read it again
  kOutOfRange,  // a revision older than the history kept
  kInternal,
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool operator==(const Status&) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace switchyard
