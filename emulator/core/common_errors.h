// The errors no one service owns: every AWS protocol answers a request
// that is not a well-formed call, an unknown operation and its own failure
// in these words, and any part of fanlab (a file store, a launcher, a
// client) may report InternalError.
//
// Thread safety: constants.
#ifndef FANLAB_EMULATOR_CORE_COMMON_ERRORS_H_
#define FANLAB_EMULATOR_CORE_COMMON_ERRORS_H_

#include "emulator/core/status.h"

namespace fanlab::common {

// Malformed JSON, a field of the wrong type (the JSON protocols'
// com.amazon.coral.service# shape; the query protocol's
// MalformedQueryString, REST-XML's MalformedXML or InvalidArgument).
inline constexpr ErrorKind kSerializationException("", "SerializationException",
                                                   400);
// No such action (query: InvalidAction; REST-XML: 405 MethodNotAllowed).
inline constexpr ErrorKind kUnknownOperationException(
    "", "UnknownOperationException", 400);
// The service failed, not the caller: 500, "Receiver".
inline constexpr ErrorKind kInternalError("", "InternalError", 500, {},
                                          /*sender_fault=*/false);

inline constexpr const ErrorKind* kErrors[] = {
    &kSerializationException,
    &kUnknownOperationException,
    &kInternalError,
};

}  // namespace fanlab::common

#endif  // FANLAB_EMULATOR_CORE_COMMON_ERRORS_H_
