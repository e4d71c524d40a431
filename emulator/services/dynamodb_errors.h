// DynamoDB's errors (tables). DynamoDB answers every client error with
// HTTP 400; the JSON body's `__type` tells them apart.
//
// Thread safety: constants.
#ifndef FANLAB_EMULATOR_SERVICES_DYNAMODB_ERRORS_H_
#define FANLAB_EMULATOR_SERVICES_DYNAMODB_ERRORS_H_

#include "emulator/core/status.h"

namespace fanlab::dynamodb {

inline constexpr ErrorKind kValidationException("dynamodb",
                                                "ValidationException", 400);
inline constexpr ErrorKind kResourceNotFoundException(
    "dynamodb", "ResourceNotFoundException", 400);
inline constexpr ErrorKind kResourceInUseException("dynamodb",
                                                   "ResourceInUseException",
                                                   400);
inline constexpr ErrorKind kConditionalCheckFailedException(
    "dynamodb", "ConditionalCheckFailedException", 400);

// Every error above (the registry in api/error_registry.cc reads it).
inline constexpr const ErrorKind* kErrors[] = {
    &kValidationException,
    &kResourceNotFoundException,
    &kResourceInUseException,
    &kConditionalCheckFailedException,
};

}  // namespace fanlab::dynamodb

#endif  // FANLAB_EMULATOR_SERVICES_DYNAMODB_ERRORS_H_
