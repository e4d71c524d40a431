// Expected failures as values. Every error fanlab reports carries the
// ErrorKind its AWS counterpart uses, declared by the service that reports
// it, so that a transport maps a Status onto the wire from the kind alone.
//
// Thread safety: Status and Result are plain values.
#ifndef FANLAB_EMULATOR_CORE_STATUS_H_
#define FANLAB_EMULATOR_CORE_STATUS_H_

#include <cassert>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fanlab {

// What one error is on the wire. Each service declares its own errors, as
// `inline constexpr ErrorKind` constants in its own header beside it
// (queue/sqs_errors.h, compute/lambda_errors.h, services/s3_errors.h, ...;
// the errors every service shares are in core/common_errors.h), and the
// protocol codecs read everything they write from the kind: no table of
// names elsewhere. A kind is identified by its address, so it can be
// neither copied nor moved.
struct ErrorKind {
  // `owner`: the declaring service's short name ("sqs", "lambda", "s3",
  // "dynamodb", "sns", "events"; "" for the shared ones). `shape`: the
  // error shape's name (JSON `__type` without its namespace, REST-XML's
  // Code). `status`: the HTTP status the declaring service answers it
  // with. `code`: the query protocol's code (x-amzn-query-error, <Code>)
  // when it differs from the shape's name. `caller_at_fault`: the caller
  // is to blame ("Sender", "User"), not the service ("Receiver",
  // "Service").
  constexpr ErrorKind(std::string_view owner, std::string_view shape,
                      int status, std::string_view code = {},
                      bool caller_at_fault = true)
      : service(owner),
        name(shape),
        query_code(code.empty() ? shape : code),
        http_status(status),
        sender_fault(caller_at_fault) {}
  ErrorKind(const ErrorKind&) = delete;
  ErrorKind& operator=(const ErrorKind&) = delete;

  std::string_view service;
  std::string_view name;        // "QueueDoesNotExist"
  std::string_view query_code;  // "AWS.SimpleQueueService.NonExistentQueue"
  int http_status;
  bool sender_fault;
};

// Which error a Status carries: a handle on an ErrorKind, or none (OK).
// Cheap to copy; equal when it names the same kind. Every ErrorKind
// converts to it, so `status.code() == sqs::kQueueDoesNotExist` reads as
// it should.
class ErrorCode {
 public:
  static const ErrorCode kOk;  // no error

  constexpr ErrorCode() = default;
  constexpr ErrorCode(const ErrorKind& kind)  // NOLINT: implicit by design
      : kind_(&kind) {}

  bool ok() const { return kind_ == nullptr; }
  // The kind; nullptr for kOk.
  const ErrorKind* kind() const { return kind_; }
  // The kind's fields; for kOk: "", "", 200 and false.
  std::string_view name() const { return kind_ ? kind_->name : ""; }
  std::string_view query_code() const { return kind_ ? kind_->query_code : ""; }
  int http_status() const { return kind_ ? kind_->http_status : 200; }
  bool sender_fault() const { return kind_ && kind_->sender_fault; }

  friend bool operator==(const ErrorCode&, const ErrorCode&) = default;

 private:
  const ErrorKind* kind_ = nullptr;
};
inline constexpr ErrorCode ErrorCode::kOk{};

// Test output: the name, "OK" for kOk.
std::ostream& operator<<(std::ostream& out, ErrorCode code);
std::ostream& operator<<(std::ostream& out, const ErrorKind& kind);

// Shorthands: code.name(), code.query_code(), code.sender_fault().
inline std::string_view ErrorName(ErrorCode code) { return code.name(); }
inline std::string_view WireCode(ErrorCode code) { return code.query_code(); }
inline bool IsSenderFault(ErrorCode code) { return code.sender_fault(); }

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_.ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string_view name() const { return code_.name(); }
  // "QueueDoesNotExist: The specified queue does not exist."
  std::string ToString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
// REQUIRES: a Result built from a Status is built from a non-OK one.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_STATUS_H_
