// Lambda's errors, with the HTTP statuses its REST-JSON protocol answers
// them with (x-amzn-ErrorType carries the name). fanlab's own HTTP routes
// and sinks word their errors the same way.
//
// Thread safety: constants.
#ifndef FANLAB_EMULATOR_COMPUTE_LAMBDA_ERRORS_H_
#define FANLAB_EMULATOR_COMPUTE_LAMBDA_ERRORS_H_

#include "emulator/core/status.h"

namespace fanlab::lambda {

inline constexpr ErrorKind kResourceNotFoundException(
    "lambda", "ResourceNotFoundException", 404);
inline constexpr ErrorKind kResourceConflictException(
    "lambda", "ResourceConflictException", 409);
inline constexpr ErrorKind kInvalidParameterValueException(
    "lambda", "InvalidParameterValueException", 400);
inline constexpr ErrorKind kTooManyRequestsException("lambda",
                                                     "TooManyRequestsException",
                                                     429);
// An invocation payload over the limit.
inline constexpr ErrorKind kRequestTooLargeException("lambda",
                                                     "RequestTooLargeException",
                                                     413);
// A request body over the limit (a code package, or any body the HTTP
// server refuses to read).
inline constexpr ErrorKind kRequestEntityTooLargeException(
    "lambda", "RequestEntityTooLargeException", 413);

// Every error above (the registry in api/error_registry.cc reads it).
inline constexpr const ErrorKind* kErrors[] = {
    &kResourceNotFoundException,      &kResourceConflictException,
    &kInvalidParameterValueException, &kTooManyRequestsException,
    &kRequestTooLargeException,       &kRequestEntityTooLargeException,
};

}  // namespace fanlab::lambda

#endif  // FANLAB_EMULATOR_COMPUTE_LAMBDA_ERRORS_H_
