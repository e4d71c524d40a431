// The service models: each served action's request and response shapes as
// AWS specifies them (botocore's service-2.json, trimmed to the actions
// fanlab serves by scripts/trim-models.py into emulator/api/models/, and
// embedded in the binary). The protocol codecs (protocol_*.h) read them to
// convert between a wire format and the JSON shapes the handlers take and
// return; nothing else in the emulator spells a wire name.
//
// The models are parsed once, on first use, and never change after:
// ServiceModel::Get hands out references that live as long as the process.
//
// Thread safety: Get is safe from any thread (a function-local static); a
// model is immutable.
#ifndef FANLAB_EMULATOR_API_SERVICE_MODEL_H_
#define FANLAB_EMULATOR_API_SERVICE_MODEL_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanlab::api {

struct Shape;

// A reference to a shape from a member, a list's member or a map's key or
// value, with the wire details the reference adds.
struct ShapeRef {
  const Shape* shape = nullptr;
  // "" (the body), "uri", "querystring", "header", "headers" (a map of
  // prefixed headers), "statusCode".
  std::string location;
  std::string location_name;  // the wire name, when not the member's
  bool flattened = false;     // a list or map without its wrapper element
  bool xml_attribute = false;
  std::string timestamp_format;  // "iso8601", "rfc822", "unixTimestamp"
};

struct Member {
  std::string name;  // as in the JSON shape
  ShapeRef ref;
  bool required = false;  // listed in its structure's "required"
  // The name on a query or XML wire: locationName, else the member name.
  const std::string& WireName() const {
    return ref.location_name.empty() ? name : ref.location_name;
  }
};

struct Shape {
  std::string name;
  // "structure", "list", "map", "string", "integer", "long", "boolean",
  // "blob", "timestamp", "double", "float".
  std::string type;
  std::vector<Member> members;  // structure, in the model's order
  ShapeRef member;              // list
  ShapeRef key, value;          // map
  bool flattened = false;
  std::string location_name;  // an XML root's element name
  std::string payload;        // structure: the member that is the body
  std::string timestamp_format;
  std::string xml_namespace;  // an XML root's xmlns
  // error shapes: the query/XML error code and HTTP status, when the model
  // gives them ("AWS.SimpleQueueService.NonExistentQueue", 400).
  std::string error_code;
  int error_status = 0;

  const Member* FindMember(std::string_view name) const;
};

struct Operation {
  std::string name;
  std::string method;       // "POST", "GET", ...
  std::string request_uri;  // "/2015-03-31/functions/{FunctionName}"
  int response_code = 200;
  const Shape* input = nullptr;   // nullptr: no members
  const Shape* output = nullptr;  // nullptr: no members
  std::string result_wrapper;     // query: "CreateQueueResult"
  std::vector<const Shape*> errors;
};

class ServiceModel {
 public:
  // The embedded model `name`: "sqs" (JSON), "sqs-query", "sns",
  // "lambda", "s3", "dynamodb", "events". REQUIRES: one of these (a
  // missing or malformed embedded model is a build error, and aborts).
  static const ServiceModel& Get(std::string_view name);

  // Parses a model in botocore's service-2.json form; nullptr, with the
  // reason in *error, when it is not one.
  static std::unique_ptr<ServiceModel> Parse(std::string_view text,
                                             std::string* error);

  const std::string& protocol() const { return protocol_; }
  const std::string& api_version() const { return api_version_; }
  const std::string& xml_namespace() const { return xml_namespace_; }
  const std::string& target_prefix() const { return target_prefix_; }
  // The JSON protocol's version, "1.0" or "1.1" ("" for other protocols).
  const std::string& json_version() const { return json_version_; }

  // nullptr when the model has no such operation / shape.
  const Operation* FindOperation(std::string_view name) const;
  const Shape* FindShape(std::string_view name) const;
  const std::map<std::string, Operation, std::less<>>& operations() const {
    return operations_;
  }

 private:
  std::string protocol_, api_version_, xml_namespace_, target_prefix_,
      json_version_;
  std::map<std::string, Shape, std::less<>> shapes_;
  std::map<std::string, Operation, std::less<>> operations_;
};

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_SERVICE_MODEL_H_
