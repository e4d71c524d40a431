// Expected failures as values. Every error fanlab reports carries the name
// its AWS counterpart uses (SQS's error shapes first), so that a transport
// can map a Status onto the wire without translation tables elsewhere.
//
// Thread safety: Status and Result are plain values.
#ifndef FANLAB_EMULATOR_CORE_STATUS_H_
#define FANLAB_EMULATOR_CORE_STATUS_H_

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fanlab {

// The error shapes of the SQS API (and, later, of the other services).
// ErrorName() gives the JSON protocol's shape name, WireCode() the legacy
// query protocol's code that HTTP adapters put in x-amzn-query-error.
enum class ErrorCode {
  kOk = 0,
  kQueueDoesNotExist,
  kQueueNameExists,
  kQueueDeletedRecently,
  kPurgeQueueInProgress,
  kReceiptHandleIsInvalid,
  kInvalidParameterValue,
  kInvalidAttributeName,
  kInvalidAttributeValue,
  kMissingParameter,
  kInvalidMessageContents,
  kMessageNotInflight,
  kOverLimit,
  kBatchEntryIdsNotDistinct,
  kTooManyEntriesInBatchRequest,
  kEmptyBatchRequest,
  kInvalidBatchEntryId,
  kBatchRequestTooLong,
  kInvalidIdFormat,
  kUnsupportedOperation,
  kInvalidAction,
  // Lambda's error shapes.
  kResourceNotFoundException,
  kResourceConflictException,
  kInvalidParameterValueException,
  kTooManyRequestsException,
  kRequestTooLargeException,
  kRequestEntityTooLargeException,  // a request body over the limit (413)
  // S3's (buckets).
  kNoSuchBucket,
  kNoSuchKey,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kInvalidBucketName,
  kInvalidArgument,
  kKeyTooLongError,
  kEntityTooLarge,
  kInvalidRange,
  kMetadataTooLarge,
  kNoSuchUpload,        // 404
  kInvalidPart,         // 400
  kInvalidPartOrder,    // 400
  kEntityTooSmall,      // 400
  kInvalidRequest,      // 400
  kInvalidDigest,       // 400
  kBadDigest,           // 400
  kIncompleteBody,      // 400
  kPreconditionFailed,  // 412
  kNotModified,         // 304: not an error on the wire, an empty answer
  kNotImplemented,      // 501
  kMalformedXML,        // 400
  // DynamoDB's (tables). EventBridge uses ValidationException and
  // ResourceNotFoundException too.
  kConditionalCheckFailedException,
  kValidationException,
  kResourceInUseException,
  kLimitExceededException,  // EventBridge
  // SNS's (topics).
  kNotFoundException,
  kInvalidParameterException,
  // Protocol-level faults (the request is not a well-formed call at all).
  kSerializationException,     // malformed JSON, a field of the wrong type
  kUnknownOperationException,  // no such action
  kInternalError,              // stays last: ErrorCodeFromName() walks up to it
};

// "QueueDoesNotExist", "InvalidParameterValue", ... ("" for kOk).
std::string_view ErrorName(ErrorCode code);
// The code whose ErrorName() is `name` (or `name` without an "Exception"
// suffix, SNS's spelling of the batch errors); kOk when there is none.
ErrorCode ErrorCodeFromName(std::string_view name);
// The query-protocol code that HTTP adapters put in x-amzn-query-error:
// "AWS.SimpleQueueService.NonExistentQueue" for kQueueDoesNotExist,
// "QueueAlreadyExists" for kQueueNameExists, the
// "AWS.SimpleQueueService.<Name>" form for the codes SQS spells that way
// (QueueDeletedRecently, PurgeQueueInProgress, MessageNotInflight, the batch
// errors, UnsupportedOperation), else the same as ErrorName().
std::string_view WireCode(ErrorCode code);
// True when the caller is at fault (HTTP 4xx, "Sender"); false for
// kInternalError.
bool IsSenderFault(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string_view name() const { return ErrorName(code_); }
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
