// SNS's errors (topics): the shape names of its JSON form, and the codes
// of its query protocol (<Code>NotFound</Code>). The batch errors are
// SQS's, spelled with an Exception suffix.
//
// Thread safety: constants.
#ifndef FANLAB_EMULATOR_SERVICES_SNS_ERRORS_H_
#define FANLAB_EMULATOR_SERVICES_SNS_ERRORS_H_

#include "emulator/core/status.h"

namespace fanlab::sns {

inline constexpr ErrorKind kNotFoundException("sns", "NotFoundException", 404,
                                              "NotFound");
inline constexpr ErrorKind kInvalidParameterException(
    "sns", "InvalidParameterException", 400, "InvalidParameter");
inline constexpr ErrorKind kEmptyBatchRequestException(
    "sns", "EmptyBatchRequestException", 400, "EmptyBatchRequest");
inline constexpr ErrorKind kTooManyEntriesInBatchRequestException(
    "sns", "TooManyEntriesInBatchRequestException", 400,
    "TooManyEntriesInBatchRequest");
inline constexpr ErrorKind kBatchEntryIdsNotDistinctException(
    "sns", "BatchEntryIdsNotDistinctException", 400,
    "BatchEntryIdsNotDistinct");
inline constexpr ErrorKind kBatchRequestTooLongException(
    "sns", "BatchRequestTooLongException", 400, "BatchRequestTooLong");
inline constexpr ErrorKind kInvalidBatchEntryIdException(
    "sns", "InvalidBatchEntryIdException", 400, "InvalidBatchEntryId");

// Every error above (the registry in api/error_registry.cc reads it).
inline constexpr const ErrorKind* kErrors[] = {
    &kNotFoundException,
    &kInvalidParameterException,
    &kEmptyBatchRequestException,
    &kTooManyEntriesInBatchRequestException,
    &kBatchEntryIdsNotDistinctException,
    &kBatchRequestTooLongException,
    &kInvalidBatchEntryIdException,
};

}  // namespace fanlab::sns

#endif  // FANLAB_EMULATOR_SERVICES_SNS_ERRORS_H_
