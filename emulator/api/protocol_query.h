// The AWS query protocol (SNS; SQS for clients older than its JSON
// protocol): a form-encoded POST (or a GET's query string) naming
// Action and Version, answered in XML.
//
// Request: "Action=CreateQueue&Version=2012-11-05&QueueName=q&
// Attribute.1.Name=DelaySeconds&Attribute.1.Value=5". Members are named by
// their wire names (model_xml.h); a list is NAME.member.N (flattened:
// NAME.N, NAME being the list member's locationName when it has one), a
// map NAME.entry.N.key / .value (flattened: NAME.N.key, with the key and
// value locationNames: SQS's Attribute.N.Name / .Value), a structure
// NAME.Member. Indexes start at 1 and run without gaps (reading stops at
// the first missing one). Booleans are true/false; blobs stay base64, as
// in the JSON shapes.
//
// Answer: <OpResponse xmlns=NS><OpResult>members</OpResult>
// <ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata>
// </OpResponse>. Errors: <ErrorResponse xmlns=NS><Error><Type>Sender
// </Type><Code>..</Code><Message>..</Message></Error><RequestId>ID
// </RequestId></ErrorResponse>, the code being the model's query code for
// the error (SQS's AWS.SimpleQueueService.NonExistentQueue, SNS's
// NotFound, ...).
//
// Limits: kMaxFormBytes of form, kMaxFormParams parameters.
//
// Thread safety: free functions on values.
#ifndef FANLAB_EMULATOR_API_PROTOCOL_QUERY_H_
#define FANLAB_EMULATOR_API_PROTOCOL_QUERY_H_

#include <map>
#include <string>
#include <string_view>

#include "emulator/api/dispatcher.h"
#include "emulator/api/service_model.h"
#include "emulator/core/status.h"

namespace fanlab::api {

inline constexpr size_t kMaxFormBytes = 2 * 1024 * 1024;
inline constexpr size_t kMaxFormParams = 10000;

using FormParams = std::map<std::string, std::string, std::less<>>;

// "a=1&b=x+y%21" -> {a: 1, b: "x y!"} ('+' is a space, as in
// application/x-www-form-urlencoded). A name given twice, or a form over
// the limits, is a SerializationException.
Result<FormParams> ParseForm(std::string_view form);

// The JSON shape of `operation`'s input, read from `params` (Action and
// Version are not members: they are skipped). A value that does not read
// as its member's type is a SerializationException naming the parameter
// ("Attribute.1.Value").
Result<std::string> QueryToJson(const Operation& operation,
                                const FormParams& params);

// The XML answer for a successful `response` (a JSON shape of
// `operation`'s output).
std::string QueryResponse(const ServiceModel& model, const Operation& operation,
                          std::string_view json_body,
                          std::string_view request_id);

// The XML error answer for `response` (REQUIRES: !response.ok).
std::string QueryError(const ServiceModel& model, const ApiResponse& response,
                       std::string_view request_id);

// The query error code of `response` by `model` (see above).
std::string QueryErrorCode(const ServiceModel& model,
                           const ApiResponse& response);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_PROTOCOL_QUERY_H_
