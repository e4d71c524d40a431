// SQS's errors, as its JSON protocol names them (the `__type` shapes) and
// its query protocol codes them (x-amzn-query-error). SQS answers every
// client error with HTTP 400. fanlab's own parts that check a parameter
// outside any one AWS service (the launcher, the transports) use
// kInvalidParameterValue too.
//
// Thread safety: constants.
#ifndef FANLAB_EMULATOR_QUEUE_SQS_ERRORS_H_
#define FANLAB_EMULATOR_QUEUE_SQS_ERRORS_H_

#include "emulator/core/status.h"

namespace fanlab::sqs {

inline constexpr ErrorKind kQueueDoesNotExist(
    "sqs", "QueueDoesNotExist", 400, "AWS.SimpleQueueService.NonExistentQueue");
inline constexpr ErrorKind kQueueNameExists("sqs", "QueueNameExists", 400,
                                            "QueueAlreadyExists");
inline constexpr ErrorKind kQueueDeletedRecently(
    "sqs", "QueueDeletedRecently", 400,
    "AWS.SimpleQueueService.QueueDeletedRecently");
inline constexpr ErrorKind kPurgeQueueInProgress(
    "sqs", "PurgeQueueInProgress", 400,
    "AWS.SimpleQueueService.PurgeQueueInProgress");
inline constexpr ErrorKind kReceiptHandleIsInvalid("sqs",
                                                   "ReceiptHandleIsInvalid",
                                                   400);
inline constexpr ErrorKind kInvalidParameterValue("sqs",
                                                  "InvalidParameterValue", 400);
inline constexpr ErrorKind kInvalidAttributeName("sqs", "InvalidAttributeName",
                                                 400);
inline constexpr ErrorKind kInvalidAttributeValue("sqs",
                                                  "InvalidAttributeValue", 400);
inline constexpr ErrorKind kMissingParameter("sqs", "MissingParameter", 400);
inline constexpr ErrorKind kInvalidMessageContents("sqs",
                                                   "InvalidMessageContents",
                                                   400);
inline constexpr ErrorKind kMessageNotInflight(
    "sqs", "MessageNotInflight", 400,
    "AWS.SimpleQueueService.MessageNotInflight");
inline constexpr ErrorKind kOverLimit("sqs", "OverLimit", 400);
inline constexpr ErrorKind kBatchEntryIdsNotDistinct(
    "sqs", "BatchEntryIdsNotDistinct", 400,
    "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
inline constexpr ErrorKind kTooManyEntriesInBatchRequest(
    "sqs", "TooManyEntriesInBatchRequest", 400,
    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
inline constexpr ErrorKind kEmptyBatchRequest(
    "sqs", "EmptyBatchRequest", 400,
    "AWS.SimpleQueueService.EmptyBatchRequest");
inline constexpr ErrorKind kInvalidBatchEntryId(
    "sqs", "InvalidBatchEntryId", 400,
    "AWS.SimpleQueueService.InvalidBatchEntryId");
inline constexpr ErrorKind kBatchRequestTooLong(
    "sqs", "BatchRequestTooLong", 400,
    "AWS.SimpleQueueService.BatchRequestTooLong");
inline constexpr ErrorKind kInvalidIdFormat("sqs", "InvalidIdFormat", 400);
inline constexpr ErrorKind kUnsupportedOperation(
    "sqs", "UnsupportedOperation", 400,
    "AWS.SimpleQueueService.UnsupportedOperation");
inline constexpr ErrorKind kInvalidAction("sqs", "InvalidAction", 400);

// Every error above (the registry in api/error_registry.cc reads it).
inline constexpr const ErrorKind* kErrors[] = {
    &kQueueDoesNotExist,        &kQueueNameExists,
    &kQueueDeletedRecently,     &kPurgeQueueInProgress,
    &kReceiptHandleIsInvalid,   &kInvalidParameterValue,
    &kInvalidAttributeName,     &kInvalidAttributeValue,
    &kMissingParameter,         &kInvalidMessageContents,
    &kMessageNotInflight,       &kOverLimit,
    &kBatchEntryIdsNotDistinct, &kTooManyEntriesInBatchRequest,
    &kEmptyBatchRequest,        &kInvalidBatchEntryId,
    &kBatchRequestTooLong,      &kInvalidIdFormat,
    &kUnsupportedOperation,     &kInvalidAction,
};

}  // namespace fanlab::sqs

#endif  // FANLAB_EMULATOR_QUEUE_SQS_ERRORS_H_
