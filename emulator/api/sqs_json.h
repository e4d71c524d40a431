// The SQS shapes on the wire: every request and response struct of
// queue/types.h to and from its AWS JSON 1.0 body, in both directions. The
// dispatcher reads requests and writes responses; the C++ client writes
// requests and reads responses. Each shape's field list is written once
// (sqs_json.cc), so the two ends cannot drift apart.
//
// Reading is strict about types and says where: a field of the wrong type
// is a SerializationException naming its path ("Entries[2].DelaySeconds");
// a body that is not JSON, or not an object, is one too. Unknown fields are
// ignored, as AWS does. An empty body reads as {}.
//
// Thread safety: free functions on values.
#ifndef FANLAB_EMULATOR_API_SQS_JSON_H_
#define FANLAB_EMULATOR_API_SQS_JSON_H_

#include <string>
#include <string_view>

#include "emulator/core/status.h"
#include "emulator/queue/types.h"

namespace fanlab::api {

// Defined for every request and response type of queue/types.h (Empty
// included), and nothing else.
template <typename Shape>
Result<Shape> ParseShape(std::string_view body);
template <typename Shape>
std::string WriteShape(const Shape& shape);

// The JSON protocol's error body for `status` (REQUIRES: !ok()):
// {"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"..."}.
std::string WriteError(const Status& status);
// The Status an error body stands for; a body that is not one is an
// InternalError saying so.
Status ParseError(std::string_view body);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_SQS_JSON_H_
