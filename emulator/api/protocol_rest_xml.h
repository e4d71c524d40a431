// The REST-XML protocol (S3): the operation is named by method and path
// (protocol_rest.h), path style ("/BUCKET/KEY") or virtual-hosted (the
// bucket from the Host, the path being the key); members come from the
// URI, the query string, the headers (x-amz-meta-* into Metadata) and the
// body; answers put members in headers (times as HTTP dates: ETag,
// Last-Modified, Content-Type, Content-Range, x-amz-meta-*...) and an XML
// body or a raw payload.
//
// Payloads: a blob payload (PutObject's and GetObject's Body) is the raw
// body, kept base64 in the JSON shape, as the S3 handlers take and give
// it; a structure payload (CreateBucketConfiguration) is an XML body read
// by the model (model_xml.h). Without a payload, an answer's body members
// form an XML document whose root is S3's (ListBucketResult,
// ListAllMyBucketsResult, else the output shape's locationName, else
// OPERATIONResult), with the service's xmlns (empty when the answer holds
// none of them); an output with no body member has an empty body.
//
// Errors: S3's XML, <Error><Code>NoSuchKey</Code><Message>..</Message>
// <Key>..</Key> (or <BucketName>) <RequestId>..</RequestId></Error>, with
// the error's HTTP status; an answer to HEAD has no body.
//
// Thread safety: free functions on values.
#ifndef FANLAB_EMULATOR_API_PROTOCOL_REST_XML_H_
#define FANLAB_EMULATOR_API_PROTOCOL_REST_XML_H_

#include <string>
#include <string_view>

#include "emulator/api/dispatcher.h"
#include "emulator/api/protocol_rest_json.h"
#include "emulator/api/service_model.h"
#include "emulator/core/status.h"
#include "emulator/services/http_poster.h"

namespace fanlab::api {

// Reads `request`; `bucket` is the virtual host's bucket ("" for path
// style). A malformed XML body or a located value of the wrong type is a
// SerializationException; no operation at that method and path is
// UnknownOperationException.
Result<RestCall> RestXmlRequest(const ServiceModel& model,
                                const services::HttpRequest& request,
                                std::string_view bucket);

// The HTTP answer for `response` to `operation` (its error answer when
// !response.ok).
services::HttpResponse RestXmlResponse(const ServiceModel& model,
                                       const Operation& operation,
                                       const ApiResponse& response,
                                       const std::string& json_request,
                                       std::string_view request_id);

// The error answer for `response` (REQUIRES: !response.ok), naming the
// bucket and key of `json_request` (the call's JSON shape) when it has
// them; bodiless for a HEAD `method`.
services::HttpResponse RestXmlError(const ApiResponse& response,
                                    std::string_view method,
                                    const std::string& json_request,
                                    std::string_view request_id);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_PROTOCOL_REST_XML_H_
