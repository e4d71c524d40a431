// The REST-JSON protocol (Lambda): the operation is named by method and
// path (protocol_rest.h), members come from the URI, the query string, the
// headers and a JSON body; answers put members in headers, the status code
// and a JSON body.
//
// Payloads: when the input or output shape names a payload member, the
// body is that member alone. A blob or string payload is the raw body,
// kept as text in the JSON shape (Invoke's Payload is the function's
// event and answer as they are); a structure payload is a JSON body.
//
// Errors: the HTTP status of the error, the header x-amzn-ErrorType: NAME,
// and Lambda's JSON error body {"Type":"User","message":"..."} ("Service"
// for the engine's own faults).
//
// Thread safety: free functions on values.
#ifndef FANLAB_EMULATOR_API_PROTOCOL_REST_JSON_H_
#define FANLAB_EMULATOR_API_PROTOCOL_REST_JSON_H_

#include <string>

#include "emulator/api/dispatcher.h"
#include "emulator/api/service_model.h"
#include "emulator/core/status.h"
#include "emulator/services/http_poster.h"

namespace fanlab::api {

// The operation and the JSON shape of its input.
struct RestCall {
  const Operation* operation = nullptr;
  std::string json;
};

// Reads `request`. A body that is not a JSON object (when one is
// expected) or a located value of the wrong type is a
// SerializationException; no operation at that method and path is
// UnknownOperationException.
Result<RestCall> RestJsonRequest(const ServiceModel& model,
                                 const services::HttpRequest& request);

// The HTTP answer for `response` to `operation` (its error answer when
// !response.ok).
services::HttpResponse RestJsonResponse(const Operation& operation,
                                        const ApiResponse& response);

// The error answer for `response` (REQUIRES: !response.ok).
services::HttpResponse RestJsonError(const ApiResponse& response);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_PROTOCOL_REST_JSON_H_
