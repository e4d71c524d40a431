#include "emulator/api/protocol_rest_json.h"

#include <boost/json.hpp>

#include "emulator/api/json_fields.h"
#include "emulator/api/protocol_rest.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/route_service.h"

namespace fanlab::api {

namespace json = boost::json;

namespace {

// The error's name and message, from the JSON protocol's error body.
std::pair<std::string, std::string> NameAndMessage(const ApiResponse& r) {
  std::string name, message;
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const json::object& o = v.get_object();
    if (auto* t = o.if_contains("__type"); t && t->is_string()) {
      name = t->get_string();
    }
    if (auto* m = o.if_contains("message"); m && m->is_string()) {
      message = m->get_string();
    }
  }
  if (size_t hash = name.rfind('#'); hash != std::string::npos) {
    name.erase(0, hash + 1);
  }
  if (name.empty()) name = r.code.name();
  return {name, message};
}

}  // namespace

Result<RestCall> RestJsonRequest(const ServiceModel& model,
                                 const services::HttpRequest& request) {
  QueryParams query = services::ParseQuery(request.query);
  auto match = MatchOperation(model, request.method, request.path, query);
  if (!match.ok()) return match.status();
  const Operation& op = *match->operation;
  json::object out;
  if (op.input != nullptr) {
    const Shape& in = *op.input;
    const Member* payload =
        in.payload.empty() ? nullptr : in.FindMember(in.payload);
    if (payload != nullptr && payload->ref.shape->type != "structure") {
      if (!request.body.empty()) {
        out[payload->name] = json::string(request.body);
      }
    } else if (!request.body.empty()) {
      json::value body;
      if (Status s = ParseJsonBody(request.body, body); !s.ok()) return s;
      if (payload != nullptr) {
        out[payload->name] = std::move(body);
      } else {
        for (auto& [k, v] : body.get_object()) {
          const Member* m = in.FindMember(k);
          // Members the model does not know stay (fanlab's Mode, ...).
          if (m == nullptr || m->ref.location.empty()) out[k] = std::move(v);
        }
      }
    }
    if (Status s = ReadLocated(in, *match, query, request.headers, out);
        !s.ok()) {
      return s;
    }
  }
  return RestCall{&op, json::serialize(out)};
}

services::HttpResponse RestJsonResponse(const Operation& operation,
                                        const ApiResponse& response) {
  if (!response.ok) return RestJsonError(response);
  services::HttpResponse out;
  out.status = operation.response_code;
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  json::object body =
      !ec && v.is_object() ? std::move(v.get_object()) : json::object();
  if (operation.output == nullptr) {
    if (out.status != 204) {
      out.headers.push_back({"Content-Type", "application/json"});
      out.body = "{}";
    }
    return out;
  }
  const Shape& shape = *operation.output;
  WriteLocated(shape, body, out);
  const Member* payload =
      shape.payload.empty() ? nullptr : shape.FindMember(shape.payload);
  if (payload != nullptr) {
    auto it = body.find(payload->name);
    if (it != body.end() && it->value().is_string()) {
      out.body = it->value().get_string();
    } else if (it != body.end()) {
      out.body = json::serialize(it->value());
    }
    out.headers.push_back({"Content-Type", "application/json"});
    return out;
  }
  // Only the shape's own body members: the handler's extras stay home.
  json::object kept;
  for (const Member& m : shape.members) {
    if (!m.ref.location.empty()) continue;
    if (auto it = body.find(m.name); it != body.end()) {
      kept[m.name] = std::move(it->value());
    }
  }
  out.headers.push_back({"Content-Type", "application/json"});
  out.body = json::serialize(kept);
  return out;
}

services::HttpResponse RestJsonError(const ApiResponse& response) {
  auto [name, message] = NameAndMessage(response);
  services::HttpResponse out;
  out.status = response.http_status;
  out.headers.push_back({"Content-Type", "application/json"});
  out.headers.push_back({"x-amzn-ErrorType", name});
  JsonWriter w;
  w.BeginObject()
      .Key("Type")
      .String(response.code.sender_fault() ? "User" : "Service")
      .Key("message")
      .String(message)
      .EndObject();
  out.body = w.Take();
  return out;
}

}  // namespace fanlab::api
