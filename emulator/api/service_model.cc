#include "emulator/api/service_model.h"

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

namespace fanlab::api {

// Defined in the generated embedded_models.cc.
std::string_view EmbeddedModel(std::string_view name);

namespace {

namespace json = boost::json;

std::string Text(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

bool Flag(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().get_bool();
}

const json::object* Object(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object()
                                                  : nullptr;
}

}  // namespace

const Member* Shape::FindMember(std::string_view member_name) const {
  for (const Member& m : members) {
    if (m.name == member_name) return &m;
  }
  return nullptr;
}

const Operation* ServiceModel::FindOperation(std::string_view name) const {
  auto it = operations_.find(name);
  return it == operations_.end() ? nullptr : &it->second;
}

const Shape* ServiceModel::FindShape(std::string_view name) const {
  auto it = shapes_.find(name);
  return it == shapes_.end() ? nullptr : &it->second;
}

std::unique_ptr<ServiceModel> ServiceModel::Parse(std::string_view text,
                                                  std::string* error) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) {
    *error = "not a JSON object";
    return nullptr;
  }
  const json::object& root = doc.get_object();
  const json::object* metadata = Object(root, "metadata");
  const json::object* shapes = Object(root, "shapes");
  const json::object* operations = Object(root, "operations");
  if (metadata == nullptr || shapes == nullptr || operations == nullptr) {
    *error = "no metadata, shapes or operations";
    return nullptr;
  }
  auto model = std::make_unique<ServiceModel>();
  model->protocol_ = Text(*metadata, "protocol");
  model->api_version_ = Text(*metadata, "apiVersion");
  model->xml_namespace_ = Text(*metadata, "xmlNamespace");
  model->target_prefix_ = Text(*metadata, "targetPrefix");
  model->json_version_ = Text(*metadata, "jsonVersion");
  // Two passes: every shape exists before references point at them.
  for (const auto& [name, v] : *shapes) {
    Shape& s = model->shapes_[std::string(name)];
    s.name = name;
  }
  bool ok = true;
  auto ref = [&](const json::object& o) {
    ShapeRef r;
    r.shape = model->FindShape(Text(o, "shape"));
    if (r.shape == nullptr) {
      *error = "a reference to unknown shape '" + Text(o, "shape") + "'";
      ok = false;
    }
    r.location = Text(o, "location");
    r.location_name = Text(o, "locationName");
    r.flattened = Flag(o, "flattened");
    r.xml_attribute = Flag(o, "xmlAttribute");
    r.timestamp_format = Text(o, "timestampFormat");
    return r;
  };
  for (const auto& [name, v] : *shapes) {
    if (!v.is_object()) {
      *error = "shape '" + std::string(name) + "' is not an object";
      return nullptr;
    }
    const json::object& o = v.get_object();
    Shape& s = model->shapes_.find(std::string_view(name))->second;
    s.type = Text(o, "type");
    s.flattened = Flag(o, "flattened");
    s.location_name = Text(o, "locationName");
    s.payload = Text(o, "payload");
    s.timestamp_format = Text(o, "timestampFormat");
    if (const json::object* ns = Object(o, "xmlNamespace")) {
      s.xml_namespace = Text(*ns, "uri");
    }
    if (const json::object* e = Object(o, "error")) {
      s.error_code = Text(*e, "code");
      if (auto it = e->find("httpStatusCode");
          it != e->end() && it->value().is_int64()) {
        s.error_status = static_cast<int>(it->value().get_int64());
      }
    }
    if (const json::object* members = Object(o, "members")) {
      for (const auto& [m, mv] : *members) {
        if (!mv.is_object()) continue;
        s.members.push_back(
            Member{std::string(m), ref(mv.get_object()), false});
      }
      if (auto it = o.find("required");
          it != o.end() && it->value().is_array()) {
        for (const json::value& r : it->value().get_array()) {
          for (Member& member : s.members) {
            if (r.is_string() && member.name == r.get_string()) {
              member.required = true;
            }
          }
        }
      }
    }
    if (const json::object* m = Object(o, "member")) s.member = ref(*m);
    if (const json::object* k = Object(o, "key")) s.key = ref(*k);
    if (const json::object* val = Object(o, "value")) s.value = ref(*val);
  }
  for (const auto& [name, v] : *operations) {
    if (!v.is_object()) continue;
    const json::object& o = v.get_object();
    Operation& op = model->operations_[std::string(name)];
    op.name = name;
    if (const json::object* http = Object(o, "http")) {
      op.method = Text(*http, "method");
      op.request_uri = Text(*http, "requestUri");
      if (auto it = http->find("responseCode");
          it != http->end() && it->value().is_int64()) {
        op.response_code = static_cast<int>(it->value().get_int64());
      }
    }
    if (const json::object* in = Object(o, "input")) {
      op.input = model->FindShape(Text(*in, "shape"));
    }
    if (const json::object* out = Object(o, "output")) {
      op.output = model->FindShape(Text(*out, "shape"));
      op.result_wrapper = Text(*out, "resultWrapper");
    }
    if (auto it = o.find("errors"); it != o.end() && it->value().is_array()) {
      for (const auto& e : it->value().get_array()) {
        if (!e.is_string()) continue;
        if (const Shape* s = model->FindShape(e.get_string())) {
          op.errors.push_back(s);
        }
      }
    }
  }
  if (!ok) return nullptr;
  return model;
}

const ServiceModel& ServiceModel::Get(std::string_view name) {
  static const auto* models = [] {
    auto* out =
        new std::map<std::string, std::unique_ptr<ServiceModel>, std::less<>>;
    for (const char* n :
         {"sqs", "sqs-query", "sns", "lambda", "s3", "dynamodb", "events"}) {
      std::string error;
      auto model = Parse(EmbeddedModel(n), &error);
      if (model == nullptr) {
        std::fprintf(stderr, "fanlab: embedded model %s: %s\n", n,
                     error.c_str());
        std::abort();
      }
      (*out)[n] = std::move(model);
    }
    return out;
  }();
  auto it = models->find(name);
  if (it == models->end()) {
    std::fprintf(stderr, "fanlab: no embedded model '%.*s'\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return *it->second;
}

}  // namespace fanlab::api
