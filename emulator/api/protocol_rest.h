// What the two REST protocols (REST-JSON: Lambda; REST-XML: S3) share:
// finding the operation a request names by method and path, and moving
// the members the model locates in the URI, the query string and the
// headers between the HTTP message and the JSON shape.
//
// Routing: an operation matches when its method does and its requestUri
// template ("/2015-03-31/functions/{FunctionName}/invocations",
// "/{Bucket}/{Key+}", "/{Bucket}?list-type=2") does: literal segments
// equal, a {Label} one non-empty segment, a greedy {Label+} the rest of
// the path (slashes included), and each fixed query parameter of the
// template present (with its value, when it has one). A trailing '/' is
// ignored. Of several matches the one with the most fixed query
// parameters, then the most literal segments, wins. An operation whose
// input has a required member located in the query string or a header
// matches only when the request has it, and ranks as a fixed query
// parameter would (S3's PutObject, UploadPart and CopyObject share one
// method and path). Labels are percent-decoded.
//
// Locations (request side): "uri" (a label), "querystring" (a parameter;
// a list takes every occurrence), "header" (case-insensitive), "headers"
// (a map of every header starting with the prefix, keyed by the rest,
// lower-cased). Values convert by their shape: integers, booleans
// (true/false); strings and timestamps stay text. A value that does not
// convert is a SerializationException naming where it was.
//
// Limits: kMaxUriLabelBytes a label.
//
// Thread safety: free functions on values.
#ifndef FANLAB_EMULATOR_API_PROTOCOL_REST_H_
#define FANLAB_EMULATOR_API_PROTOCOL_REST_H_

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/api/service_model.h"
#include "emulator/core/status.h"
#include "emulator/services/http_poster.h"

namespace fanlab::api {

inline constexpr size_t kMaxUriLabelBytes = 4096;

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct RestMatch {
  const Operation* operation = nullptr;
  std::map<std::string, std::string, std::less<>> labels;  // decoded
};

// The operation of `model` that `method` on `path` (percent-encoded) with
// `query` and `headers` names. No match is UnknownOperationException
// naming the method and path.
Result<RestMatch> MatchOperation(const ServiceModel& model,
                                 std::string_view method, std::string_view path,
                                 const QueryParams& query,
                                 const services::HttpHeaders& headers = {});

// Adds to `out` the members of `input` located in the URI, query string
// or headers.
Status ReadLocated(const Shape& input, const RestMatch& match,
                   const QueryParams& query,
                   const services::HttpHeaders& headers,
                   boost::json::object& out);

// Moves out of `body` the members of `output` located in headers or the
// status code, into `response` (timestamps in headers as HTTP dates).
void WriteLocated(const Shape& output, boost::json::object& body,
                  services::HttpResponse& response);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_PROTOCOL_REST_H_
