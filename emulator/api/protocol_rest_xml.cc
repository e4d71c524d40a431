#include "emulator/api/protocol_rest_xml.h"

#include <boost/json.hpp>
#include <map>

#include "emulator/api/json_fields.h"
#include "emulator/api/model_xml.h"
#include "emulator/api/protocol_rest.h"
#include "emulator/api/xml.h"
#include "emulator/core/ascii.h"
#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"
#include "emulator/services/aws_chunked.h"
#include "emulator/services/bucket_checks.h"
#include "emulator/services/route_service.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::api {

namespace json = boost::json;

namespace {

// S3's root elements, which botocore's models leave out.
std::string RootName(const Operation& op) {
  if (op.name == "ListObjectsV2" || op.name == "ListObjects") {
    return "ListBucketResult";
  }
  if (op.name == "ListBuckets") return "ListAllMyBucketsResult";
  if (op.name == "CreateMultipartUpload") {
    return "InitiateMultipartUploadResult";
  }
  if (op.name == "DeleteObjects") return "DeleteResult";
  if (op.output != nullptr && !op.output->location_name.empty()) {
    return op.output->location_name;
  }
  return op.name + "Result";
}

std::string Text(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (item.starts_with(' ')) item.remove_prefix(1);
    while (item.ends_with(' ')) item.remove_suffix(1);
    if (EqualsIgnoringAsciiCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The list without `token` ("aws-chunked,gzip" -> "gzip").
std::string WithoutToken(std::string_view list, std::string_view token) {
  std::string out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (item.starts_with(' ')) item.remove_prefix(1);
    while (item.ends_with(' ')) item.remove_suffix(1);
    if (!item.empty() && !EqualsIgnoringAsciiCase(item, token)) {
      if (!out.empty()) out += ",";
      out += item;
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

// True when `request`'s body is aws-chunked: Content-Encoding names it, or
// x-amz-content-sha256 is one of the STREAMING-* values.
bool IsAwsChunked(const services::HttpRequest& request) {
  const std::string* encoding =
      services::FindHeader(request.headers, "Content-Encoding");
  if (encoding != nullptr && HasToken(*encoding, "aws-chunked")) return true;
  const std::string* sha =
      services::FindHeader(request.headers, "x-amz-content-sha256");
  return sha != nullptr && sha->starts_with("STREAMING-");
}

// Decodes an aws-chunked `request` body into `data`; its trailers join
// `headers` (where the model finds x-amz-checksum-*), and aws-chunked
// leaves Content-Encoding (it is transport, not the object's encoding).
Status DecodeChunked(const services::HttpRequest& request,
                     services::HttpHeaders& headers, std::string& data) {
  std::optional<uint64_t> decoded_length;
  if (const std::string* v = services::FindHeader(
          request.headers, "x-amz-decoded-content-length")) {
    uint64_t n = 0;
    bool digits = !v->empty() && v->size() <= 19;
    for (char c : *v) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!digits) {
      return Status(s3::kInvalidArgument,
                    "x-amz-decoded-content-length must be a number of bytes, "
                    "not '" +
                        v->substr(0, 64) + "'.");
    }
    decoded_length = n;
  }
  auto decoded = services::DecodeAwsChunked(request.body, decoded_length);
  if (!decoded.ok()) return decoded.status();
  data = std::move(decoded->data);
  for (auto& [name, value] : decoded->trailers) {
    if (services::FindHeader(headers, name) != nullptr) {
      return Status(s3::kInvalidRequest,
                    name + " was sent both as a header and as a trailer.");
    }
    headers.push_back({name, value});
  }
  for (auto it = headers.begin(); it != headers.end(); ++it) {
    if (!services::HeaderNameEquals(it->first, "Content-Encoding")) continue;
    std::string rest = WithoutToken(it->second, "aws-chunked");
    if (rest.empty()) {
      headers.erase(it);
    } else {
      it->second = std::move(rest);
    }
    break;
  }
  return Status();
}

// S3 requires an integrity header on DeleteObjects (Content-MD5 or an
// x-amz-checksum-<alg> of the XML body) and checks it.
Status CheckBodyIntegrity(const services::HttpRequest& request) {
  const std::string* md5 = services::FindHeader(request.headers, "Content-MD5");
  std::map<std::string, std::string> fields;
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (lower.starts_with("x-amz-checksum-")) fields[lower] = value;
  }
  auto checksum = services::FindChecksum(fields);
  if (!checksum.ok()) return checksum.status();
  if (md5 == nullptr && !checksum->has_value()) {
    return Status(s3::kInvalidRequest,
                  "Missing required header for this request: Content-MD5 "
                  "(or an x-amz-checksum-* header).");
  }
  if (md5 != nullptr) {
    if (Status s = services::CheckContentMd5(*md5, request.body); !s.ok()) {
      return s;
    }
  }
  if (checksum->has_value()) {
    return services::CheckChecksum(**checksum, request.body);
  }
  return Status();
}

}  // namespace

Result<RestCall> RestXmlRequest(const ServiceModel& model,
                                const services::HttpRequest& request,
                                std::string_view bucket) {
  QueryParams query = services::ParseQuery(request.query);
  std::string path = request.path;
  if (!bucket.empty()) path = "/" + std::string(bucket) + path;
  auto match =
      MatchOperation(model, request.method, path, query, request.headers);
  if (!match.ok()) return match.status();
  const Operation& op = *match->operation;
  json::object out;
  // The request's headers, with an aws-chunked body's trailers.
  services::HttpHeaders headers = request.headers;
  if (op.input != nullptr) {
    const Shape& in = *op.input;
    const Member* payload =
        in.payload.empty() ? nullptr : in.FindMember(in.payload);
    if (payload != nullptr && payload->ref.shape->type != "structure") {
      std::string_view body = request.body;
      std::string decoded;
      if (payload->ref.shape->type == "blob" && IsAwsChunked(request)) {
        if (Status s = DecodeChunked(request, headers, decoded); !s.ok()) {
          return s;
        }
        body = decoded;
      }
      // Blobs are base64 in the JSON shapes.
      out[payload->name] =
          json::string(payload->ref.shape->type == "blob" ? Base64Encode(body)
                                                          : std::string(body));
    } else if (!request.body.empty()) {
      if (op.name == "DeleteObjects") {
        if (Status s = CheckBodyIntegrity(request); !s.ok()) return s;
      }
      auto root = ParseXml(request.body);
      if (!root.ok()) return root.status();
      const Shape* shape = payload != nullptr ? payload->ref.shape : &in;
      auto v = XmlToJson(*root, *shape);
      if (!v.ok()) return v.status();
      if (payload != nullptr) {
        out[payload->name] = std::move(*v);
      } else {
        out = std::move(v->get_object());
      }
    }
    if (Status s = ReadLocated(in, *match, query, headers, out); !s.ok()) {
      return s;
    }
  }
  return RestCall{&op, json::serialize(out)};
}

services::HttpResponse RestXmlResponse(const ServiceModel& model,
                                       const Operation& operation,
                                       const ApiResponse& response,
                                       const std::string& json_request,
                                       std::string_view request_id) {
  if (!response.ok) {
    return RestXmlError(response, operation.method, json_request, request_id);
  }
  services::HttpResponse out;
  out.status = operation.response_code;
  out.headers.push_back({"x-amz-request-id", std::string(request_id)});
  if (operation.output == nullptr) return out;
  const Shape& shape = *operation.output;
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  json::object body =
      !ec && v.is_object() ? std::move(v.get_object()) : json::object();
  WriteLocated(shape, body, out);
  bool head = operation.method == "HEAD";
  if (!head) {
    // The server counts the body itself.
    std::erase_if(out.headers, [](const auto& h) {
      return services::HeaderNameEquals(h.first, "Content-Length");
    });
  }
  const Member* payload =
      shape.payload.empty() ? nullptr : shape.FindMember(shape.payload);
  if (payload != nullptr) {
    // A ranged read answers 206 Partial Content.
    if (operation.response_code == 200 && !head &&
        services::FindHeader(out.headers, "Content-Range") != nullptr) {
      out.status = 206;
    }
    auto it = body.find(payload->name);
    if (it == body.end()) return out;
    if (payload->ref.shape->type == "blob" && it->value().is_string()) {
      out.body = Base64Decode(it->value().get_string()).value_or("");
    } else if (it->value().is_string()) {
      out.body = it->value().get_string();
    } else if (it->value().is_object()) {
      XmlWriter w;
      std::string root(WireName(*payload));
      w.Open(root, model.xml_namespace());
      WriteXmlMembers(w, it->value().get_object(), *payload->ref.shape);
      w.Close(root);
      out.body = w.Take();
      out.headers.push_back({"Content-Type", "application/xml"});
    }
    return out;
  }
  // An output that declares body members always answers its document
  // (DeleteObjects in quiet mode: an empty <DeleteResult/>).
  bool any = false;
  for (const Member& m : shape.members) {
    if (m.ref.location.empty()) any = true;
  }
  if (!any || head) return out;
  XmlWriter w;
  std::string root = RootName(operation);
  w.Open(root, model.xml_namespace().empty()
                   ? "http://s3.amazonaws.com/doc/2006-03-01/"
                   : model.xml_namespace());
  WriteXmlMembers(w, body, shape);
  w.Close(root);
  out.body = w.Take();
  out.headers.push_back({"Content-Type", "application/xml"});
  return out;
}

services::HttpResponse RestXmlError(const ApiResponse& response,
                                    std::string_view method,
                                    const std::string& json_request,
                                    std::string_view request_id) {
  std::string code, message;
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  if (!ec && v.is_object()) {
    code = Text(v.get_object(), "__type");
    message = Text(v.get_object(), "message");
  }
  if (size_t hash = code.rfind('#'); hash != std::string::npos) {
    code.erase(0, hash + 1);
  }
  services::HttpResponse out;
  out.status = response.http_status;
  if (response.code == s3::kNotModified) {
    // Not an error on the wire: 304 with no body.
    out.status = 304;
    out.headers.push_back({"x-amz-request-id", std::string(request_id)});
    return out;
  }
  if (response.code == common::kSerializationException) {
    code = message.find("XML") != std::string::npos ? "MalformedXML"
                                                    : "InvalidArgument";
    out.status = 400;
  } else if (response.code == common::kUnknownOperationException) {
    code = "MethodNotAllowed";
    out.status = 405;
  }
  if (code.empty()) code = response.code.name();
  out.headers.push_back({"x-amz-request-id", std::string(request_id)});
  if (method == "HEAD") return out;
  json::value req = json::parse(json_request, ec);
  XmlWriter w;
  w.Open("Error").Element("Code", code).Element("Message", message);
  if (!ec && req.is_object()) {
    std::string key = Text(req.get_object(), "Key");
    std::string bucket = Text(req.get_object(), "Bucket");
    if (!key.empty()) {
      w.Element("Key", key);
    } else if (!bucket.empty()) {
      w.Element("BucketName", bucket);
    }
  }
  w.Element("RequestId", request_id).Close("Error");
  out.headers.push_back({"Content-Type", "application/xml"});
  out.body = w.Take();
  return out;
}

}  // namespace fanlab::api
