#include "emulator/api/protocol_rest_xml.h"

#include <boost/json.hpp>

#include "emulator/api/json_fields.h"
#include "emulator/api/model_xml.h"
#include "emulator/api/protocol_rest.h"
#include "emulator/api/xml.h"
#include "emulator/core/base64.h"
#include "emulator/services/route_service.h"

namespace fanlab::api {

namespace json = boost::json;

namespace {

// S3's root elements, which botocore's models leave out.
std::string RootName(const Operation& op) {
  if (op.name == "ListObjectsV2" || op.name == "ListObjects") {
    return "ListBucketResult";
  }
  if (op.name == "ListBuckets") return "ListAllMyBucketsResult";
  if (op.output != nullptr && !op.output->location_name.empty()) {
    return op.output->location_name;
  }
  return op.name + "Result";
}

std::string Text(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

}  // namespace

Result<RestCall> RestXmlRequest(const ServiceModel& model,
                                const services::HttpRequest& request,
                                std::string_view bucket) {
  QueryParams query = services::ParseQuery(request.query);
  std::string path = request.path;
  if (!bucket.empty()) path = "/" + std::string(bucket) + path;
  auto match = MatchOperation(model, request.method, path, query);
  if (!match.ok()) return match.status();
  const Operation& op = *match->operation;
  json::object out;
  if (op.input != nullptr) {
    const Shape& in = *op.input;
    const Member* payload =
        in.payload.empty() ? nullptr : in.FindMember(in.payload);
    if (payload != nullptr && payload->ref.shape->type != "structure") {
      // Blobs are base64 in the JSON shapes.
      out[payload->name] = json::string(payload->ref.shape->type == "blob"
                                            ? Base64Encode(request.body)
                                            : request.body);
    } else if (!request.body.empty()) {
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
    if (Status s = ReadLocated(in, *match, query, request.headers, out);
        !s.ok()) {
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
  bool any = false;
  for (const Member& m : shape.members) {
    if (m.ref.location.empty() && body.contains(m.name)) any = true;
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
  if (response.code == ErrorCode::kSerializationException) {
    code = message.find("XML") != std::string::npos ? "MalformedXML"
                                                    : "InvalidArgument";
    out.status = 400;
  } else if (response.code == ErrorCode::kUnknownOperationException) {
    code = "MethodNotAllowed";
    out.status = 405;
  }
  if (code.empty()) code = ErrorName(response.code);
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
