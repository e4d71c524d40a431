#include "emulator/core/status.h"

namespace fanlab {

std::string_view ErrorName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "";
    case ErrorCode::kQueueDoesNotExist:
      return "QueueDoesNotExist";
    case ErrorCode::kQueueNameExists:
      return "QueueNameExists";
    case ErrorCode::kQueueDeletedRecently:
      return "QueueDeletedRecently";
    case ErrorCode::kPurgeQueueInProgress:
      return "PurgeQueueInProgress";
    case ErrorCode::kReceiptHandleIsInvalid:
      return "ReceiptHandleIsInvalid";
    case ErrorCode::kInvalidParameterValue:
      return "InvalidParameterValue";
    case ErrorCode::kInvalidAttributeName:
      return "InvalidAttributeName";
    case ErrorCode::kInvalidAttributeValue:
      return "InvalidAttributeValue";
    case ErrorCode::kMissingParameter:
      return "MissingParameter";
    case ErrorCode::kInvalidMessageContents:
      return "InvalidMessageContents";
    case ErrorCode::kMessageNotInflight:
      return "MessageNotInflight";
    case ErrorCode::kOverLimit:
      return "OverLimit";
    case ErrorCode::kBatchEntryIdsNotDistinct:
      return "BatchEntryIdsNotDistinct";
    case ErrorCode::kTooManyEntriesInBatchRequest:
      return "TooManyEntriesInBatchRequest";
    case ErrorCode::kEmptyBatchRequest:
      return "EmptyBatchRequest";
    case ErrorCode::kInvalidBatchEntryId:
      return "InvalidBatchEntryId";
    case ErrorCode::kBatchRequestTooLong:
      return "BatchRequestTooLong";
    case ErrorCode::kInvalidIdFormat:
      return "InvalidIdFormat";
    case ErrorCode::kUnsupportedOperation:
      return "UnsupportedOperation";
    case ErrorCode::kInvalidAction:
      return "InvalidAction";
    case ErrorCode::kResourceNotFoundException:
      return "ResourceNotFoundException";
    case ErrorCode::kResourceConflictException:
      return "ResourceConflictException";
    case ErrorCode::kInvalidParameterValueException:
      return "InvalidParameterValueException";
    case ErrorCode::kTooManyRequestsException:
      return "TooManyRequestsException";
    case ErrorCode::kRequestTooLargeException:
      return "RequestTooLargeException";
    case ErrorCode::kRequestEntityTooLargeException:
      return "RequestEntityTooLargeException";
    case ErrorCode::kNoSuchBucket:
      return "NoSuchBucket";
    case ErrorCode::kNoSuchKey:
      return "NoSuchKey";
    case ErrorCode::kBucketAlreadyOwnedByYou:
      return "BucketAlreadyOwnedByYou";
    case ErrorCode::kBucketNotEmpty:
      return "BucketNotEmpty";
    case ErrorCode::kInvalidBucketName:
      return "InvalidBucketName";
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kKeyTooLongError:
      return "KeyTooLongError";
    case ErrorCode::kEntityTooLarge:
      return "EntityTooLarge";
    case ErrorCode::kConditionalCheckFailedException:
      return "ConditionalCheckFailedException";
    case ErrorCode::kValidationException:
      return "ValidationException";
    case ErrorCode::kResourceInUseException:
      return "ResourceInUseException";
    case ErrorCode::kNotFoundException:
      return "NotFoundException";
    case ErrorCode::kInvalidParameterException:
      return "InvalidParameterException";
    case ErrorCode::kInvalidRange:
      return "InvalidRange";
    case ErrorCode::kMetadataTooLarge:
      return "MetadataTooLarge";
    case ErrorCode::kNoSuchUpload:
      return "NoSuchUpload";
    case ErrorCode::kInvalidPart:
      return "InvalidPart";
    case ErrorCode::kInvalidPartOrder:
      return "InvalidPartOrder";
    case ErrorCode::kEntityTooSmall:
      return "EntityTooSmall";
    case ErrorCode::kInvalidRequest:
      return "InvalidRequest";
    case ErrorCode::kInvalidDigest:
      return "InvalidDigest";
    case ErrorCode::kBadDigest:
      return "BadDigest";
    case ErrorCode::kIncompleteBody:
      return "IncompleteBody";
    case ErrorCode::kPreconditionFailed:
      return "PreconditionFailed";
    case ErrorCode::kNotModified:
      return "NotModified";
    case ErrorCode::kNotImplemented:
      return "NotImplemented";
    case ErrorCode::kMalformedXML:
      return "MalformedXML";
    case ErrorCode::kLimitExceededException:
      return "LimitExceededException";
    case ErrorCode::kSerializationException:
      return "SerializationException";
    case ErrorCode::kUnknownOperationException:
      return "UnknownOperationException";
    case ErrorCode::kInternalError:
      return "InternalError";
  }
  return "InternalError";
}

ErrorCode ErrorCodeFromName(std::string_view name) {
  for (int i = 1; i <= static_cast<int>(ErrorCode::kInternalError); ++i) {
    auto code = static_cast<ErrorCode>(i);
    if (ErrorName(code) == name) return code;
  }
  // SNS's spelling of SQS's batch errors: "EmptyBatchRequestException".
  if (name.ends_with("Exception") && name.size() > 9) {
    return ErrorCodeFromName(name.substr(0, name.size() - 9));
  }
  return ErrorCode::kOk;
}

std::string_view WireCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kQueueDoesNotExist:
      return "AWS.SimpleQueueService.NonExistentQueue";
    case ErrorCode::kQueueNameExists:
      return "QueueAlreadyExists";
    case ErrorCode::kQueueDeletedRecently:
      return "AWS.SimpleQueueService.QueueDeletedRecently";
    case ErrorCode::kPurgeQueueInProgress:
      return "AWS.SimpleQueueService.PurgeQueueInProgress";
    case ErrorCode::kMessageNotInflight:
      return "AWS.SimpleQueueService.MessageNotInflight";
    case ErrorCode::kBatchEntryIdsNotDistinct:
      return "AWS.SimpleQueueService.BatchEntryIdsNotDistinct";
    case ErrorCode::kTooManyEntriesInBatchRequest:
      return "AWS.SimpleQueueService.TooManyEntriesInBatchRequest";
    case ErrorCode::kEmptyBatchRequest:
      return "AWS.SimpleQueueService.EmptyBatchRequest";
    case ErrorCode::kInvalidBatchEntryId:
      return "AWS.SimpleQueueService.InvalidBatchEntryId";
    case ErrorCode::kBatchRequestTooLong:
      return "AWS.SimpleQueueService.BatchRequestTooLong";
    case ErrorCode::kUnsupportedOperation:
      return "AWS.SimpleQueueService.UnsupportedOperation";
    default:
      return ErrorName(code);
  }
}

bool IsSenderFault(ErrorCode code) { return code != ErrorCode::kInternalError; }

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(name());
  out += ": ";
  out += message_;
  return out;
}

}  // namespace fanlab
