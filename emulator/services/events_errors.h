// EventBridge's errors (schedules). EventBridge answers every client error
// with HTTP 400; the JSON body's `__type` tells them apart.
//
// Thread safety: constants.
#ifndef FANLAB_EMULATOR_SERVICES_EVENTS_ERRORS_H_
#define FANLAB_EMULATOR_SERVICES_EVENTS_ERRORS_H_

#include "emulator/core/status.h"

namespace fanlab::events {

inline constexpr ErrorKind kValidationException("events", "ValidationException",
                                                400);
inline constexpr ErrorKind kResourceNotFoundException(
    "events", "ResourceNotFoundException", 400);
inline constexpr ErrorKind kLimitExceededException("events",
                                                   "LimitExceededException",
                                                   400);

// Every error above (the registry in api/error_registry.cc reads it).
inline constexpr const ErrorKind* kErrors[] = {
    &kValidationException,
    &kResourceNotFoundException,
    &kLimitExceededException,
};

}  // namespace fanlab::events

#endif  // FANLAB_EMULATOR_SERVICES_EVENTS_ERRORS_H_
