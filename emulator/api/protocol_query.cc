#include "emulator/api/protocol_query.h"

#include <boost/json.hpp>

#include "emulator/api/json_fields.h"
#include "emulator/api/model_xml.h"
#include "emulator/api/xml.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/route_service.h"

namespace fanlab::api {

namespace json = boost::json;

namespace {

// How deep members may nest (the served models stay under 6).
constexpr int kMaxQueryDepth = 16;

bool HasPrefix(const FormParams& params, const std::string& prefix) {
  auto it = params.lower_bound(prefix);
  return it != params.end() && it->first.starts_with(prefix);
}

// True when `key` is given, or anything nested under it.
bool Present(const FormParams& params, const std::string& key) {
  return params.contains(key) || HasPrefix(params, key + ".");
}

class Reader {
 public:
  explicit Reader(const FormParams& params) : params_(params) {}

  Result<json::value> Structure(const Shape& shape, const std::string& prefix,
                                int depth) {
    if (depth > kMaxQueryDepth) {
      return SerializationError("Parameter " + prefix + " nests too deep.");
    }
    json::object out;
    for (const Member& m : shape.members) {
      std::string key = prefix.empty()
                            ? std::string(WireName(m))
                            : prefix + "." + std::string(WireName(m));
      if (m.ref.shape->type == "list" && Flattened(m.ref) &&
          !m.ref.shape->member.location_name.empty()) {
        // A flattened list is named by its member's locationName.
        key = (prefix.empty() ? "" : prefix + ".") +
              m.ref.shape->member.location_name;
      }
      if (!Present(params_, key)) continue;
      auto v = Value(m.ref, key, depth + 1);
      if (!v.ok()) return v.status();
      out[m.name] = std::move(*v);
    }
    return json::value(std::move(out));
  }

 private:
  Result<json::value> Value(const ShapeRef& ref, const std::string& key,
                            int depth) {
    const Shape& s = *ref.shape;
    if (s.type == "structure") return Structure(s, key, depth);
    if (s.type == "list") {
      json::array items;
      std::string base = Flattened(ref) ? key
                                        : key + "." +
                                              (s.member.location_name.empty()
                                                   ? "member"
                                                   : s.member.location_name);
      for (size_t i = 1;; ++i) {
        std::string at = base + "." + std::to_string(i);
        if (!Present(params_, at)) break;
        auto v = Value(s.member, at, depth + 1);
        if (!v.ok()) return v.status();
        items.push_back(std::move(*v));
      }
      return json::value(std::move(items));
    }
    if (s.type == "map") {
      json::object map;
      std::string base = Flattened(ref) ? key : key + ".entry";
      std::string key_name =
          s.key.location_name.empty() ? "key" : s.key.location_name;
      std::string value_name =
          s.value.location_name.empty() ? "value" : s.value.location_name;
      for (size_t i = 1;; ++i) {
        std::string at = base + "." + std::to_string(i);
        if (!Present(params_, at)) break;
        auto k = params_.find(at + "." + key_name);
        if (k == params_.end()) {
          return SerializationError("Parameter " + at + "." + key_name +
                                    " is missing.");
        }
        std::string value_key = at + "." + value_name;
        if (!Present(params_, value_key)) continue;
        auto v = Value(s.value, value_key, depth + 1);
        if (!v.ok()) return v.status();
        map[k->second] = std::move(*v);
      }
      return json::value(std::move(map));
    }
    auto it = params_.find(key);
    if (it == params_.end()) {
      return SerializationError("Parameter " + key + " must be a value.");
    }
    std::optional<json::value> v = ScalarFromText(it->second, s);
    if (!v) {
      return SerializationError(
          "Parameter " + key + " must be " +
          (s.type == "boolean" ? "true or false" : "a number") + ", not '" +
          it->second.substr(0, 64) + "'.");
    }
    return std::move(*v);
  }

  const FormParams& params_;
};

std::string ErrorShapeName(const ApiResponse& response) {
  std::string name;
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  if (!ec && v.is_object()) {
    if (auto* t = v.get_object().if_contains("__type"); t && t->is_string()) {
      name = t->get_string();
    }
  }
  if (size_t hash = name.rfind('#'); hash != std::string::npos) {
    name.erase(0, hash + 1);
  }
  if (name.empty()) name = std::string(response.code.name());
  return name;
}

std::string ErrorMessage(const ApiResponse& response) {
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  if (!ec && v.is_object()) {
    for (const char* key : {"message", "Message"}) {
      if (auto* m = v.get_object().if_contains(key); m && m->is_string()) {
        return std::string(m->get_string());
      }
    }
  }
  return "";
}

}  // namespace

Result<FormParams> ParseForm(std::string_view form) {
  if (form.size() > kMaxFormBytes) {
    return SerializationError("The form body is larger than " +
                              std::to_string(kMaxFormBytes) + " bytes.");
  }
  FormParams out;
  while (!form.empty()) {
    size_t amp = form.find('&');
    std::string_view piece = form.substr(0, amp);
    form = amp == std::string_view::npos ? "" : form.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    auto decode = [](std::string_view s) {
      std::string plus(s);
      for (char& c : plus) {
        if (c == '+') c = ' ';
      }
      return services::PercentDecode(plus);
    };
    std::string key = decode(piece.substr(0, eq));
    std::string value =
        eq == std::string_view::npos ? "" : decode(piece.substr(eq + 1));
    if (out.size() >= kMaxFormParams) {
      return SerializationError("The form has more than " +
                                std::to_string(kMaxFormParams) +
                                " parameters.");
    }
    if (!out.emplace(key, std::move(value)).second) {
      return SerializationError("Parameter " + key + " is given twice.");
    }
  }
  return out;
}

Result<std::string> QueryToJson(const Operation& operation,
                                const FormParams& params) {
  if (operation.input == nullptr) return std::string("{}");
  Reader reader(params);
  auto v = reader.Structure(*operation.input, "", 0);
  if (!v.ok()) return v.status();
  return json::serialize(*v);
}

std::string QueryResponse(const ServiceModel& model, const Operation& operation,
                          std::string_view json_body,
                          std::string_view request_id) {
  XmlWriter w;
  std::string root = operation.name + "Response";
  w.Open(root, model.xml_namespace());
  if (operation.output != nullptr) {
    std::string result = operation.result_wrapper.empty()
                             ? operation.name + "Result"
                             : operation.result_wrapper;
    w.Open(result);
    boost::system::error_code ec;
    json::value v = json::parse(json_body, ec);
    if (!ec && v.is_object()) {
      WriteXmlMembers(w, v.get_object(), *operation.output);
    }
    w.Close(result);
  }
  w.Open("ResponseMetadata").Element("RequestId", request_id);
  w.Close("ResponseMetadata").Close(root);
  return w.Take();
}

std::string QueryErrorCode(const ServiceModel& model,
                           const ApiResponse& response) {
  if (response.code == common::kSerializationException) {
    return "MalformedQueryString";
  }
  if (response.code == common::kUnknownOperationException) {
    return "InvalidAction";
  }
  std::string name = ErrorShapeName(response);
  if (const Shape* s = model.FindShape(name); s && !s->error_code.empty()) {
    return s->error_code;
  }
  // SQS's JSON handlers know every query code (x-amzn-query-error).
  if (!response.query_error.empty()) {
    return response.query_error.substr(0, response.query_error.find(';'));
  }
  return name;
}

std::string QueryError(const ServiceModel& model, const ApiResponse& response,
                       std::string_view request_id) {
  XmlWriter w;
  w.Open("ErrorResponse", model.xml_namespace()).Open("Error");
  w.Element("Type", response.code.sender_fault() ? "Sender" : "Receiver");
  w.Element("Code", QueryErrorCode(model, response));
  w.Element("Message", ErrorMessage(response));
  w.Close("Error").Element("RequestId", request_id).Close("ErrorResponse");
  return w.Take();
}

}  // namespace fanlab::api
