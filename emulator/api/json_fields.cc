#include "emulator/api/json_fields.h"

#include <boost/json/parse.hpp>
#include <limits>

#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"

namespace fanlab::api {

namespace json = boost::json;

Status SerializationError(std::string message) {
  return Status(common::kSerializationException, std::move(message));
}

std::optional<int64_t> JsonInteger(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() &&
      v.get_uint64() <= uint64_t{std::numeric_limits<int64_t>::max()}) {
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    // Range first: converting an out-of-range double is undefined.
    double d = v.get_double();
    if (d >= -0x1p63 && d < 0x1p63 && d == double(int64_t(d))) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

Status ParseJsonBody(std::string_view body, json::value& out) {
  if (body.empty()) {
    out = json::object(out.storage());
    return Status::Ok();
  }
  json::parse_options options;
  options.max_depth = kMaxBodyDepth;
  boost::system::error_code ec;
  // Parsed with out's storage, so that the assignment moves the tree
  // rather than copying it.
  out = json::parse(body, ec, out.storage(), options);
  if (ec) {
    return SerializationError(
        "The request body is not valid JSON: " + ec.message() + ".");
  }
  if (!out.is_object()) {
    return SerializationError("The request body must be a JSON object.");
  }
  return Status::Ok();
}

FieldReader::FieldReader(const json::object& object, MissingField missing,
                         Status& status, std::string prefix)
    : object_(&object),
      missing_(missing),
      status_(&status),
      prefix_(std::move(prefix)) {}

void FieldReader::Fail(Status s) {
  if (status_->ok()) *status_ = std::move(s);
}

void FieldReader::Fail(std::string_view key, std::string_view expected) {
  Fail(SerializationError("Field " + Path(key) + " must be " +
                          std::string(expected) + "."));
}

void FieldReader::Missing(std::string_view key, std::string_view name) {
  Fail(missing_(name.empty() ? Path(key) : name));
}

const json::value* FieldReader::Get(std::string_view key) const {
  auto it = object_->find(key);
  if (it == object_->end() || it->value().is_null()) return nullptr;
  return &it->value();
}

const json::value* FieldReader::Present(std::string_view key) const {
  return ok() ? Get(key) : nullptr;
}

void FieldReader::Read(std::string_view key, std::string& out) {
  std::optional<std::string> read;
  Read(key, read);
  if (read) out = std::move(*read);
}

void FieldReader::Read(std::string_view key, std::optional<std::string>& out) {
  const json::value* v = Present(key);
  if (v == nullptr) return;
  if (!v->is_string()) return Fail(key, "a string");
  out.emplace(v->get_string());
}

void FieldReader::Read(std::string_view key, bool& out) {
  const json::value* v = Present(key);
  if (v == nullptr) return;
  if (!v->is_bool()) return Fail(key, "a boolean");
  out = v->get_bool();
}

void FieldReader::Read(std::string_view key, int64_t& out) {
  std::optional<int64_t> read;
  Read(key, read);
  if (read) out = *read;
}

void FieldReader::Read(std::string_view key, std::optional<int64_t>& out) {
  const json::value* v = Present(key);
  if (v == nullptr) return;
  std::optional<int64_t> i = JsonInteger(*v);
  if (!i) return Fail(key, "an integer");
  out = i;
}

void FieldReader::Read(std::string_view key, std::vector<std::string>& out) {
  const json::value* v = Present(key);
  if (v == nullptr) return;
  if (!v->is_array()) return Fail(key, "a list of strings");
  const json::array& list = v->get_array();
  std::vector<std::string> read;
  read.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) {
      return Fail(std::string(key) + "[" + std::to_string(i) + "]", "a string");
    }
    read.emplace_back(list[i].get_string());
  }
  out = std::move(read);
}

void FieldReader::Read(std::string_view key,
                       std::vector<std::pair<std::string, std::string>>& out) {
  std::vector<std::pair<std::string, std::string>> read;
  if (ReadStringMap(key, [&read](std::string_view k, std::string_view v) {
        read.emplace_back(k, v);
      })) {
    out = std::move(read);
  }
}

bool FieldReader::ReadStringMap(
    std::string_view key,
    const std::function<void(std::string_view, std::string_view)>& add) {
  const json::value* v = Present(key);
  if (v == nullptr) return false;
  if (!v->is_object()) {
    Fail(key, "a map of strings");
    return false;
  }
  for (const auto& [name, item] : v->get_object()) {
    if (!item.is_string()) {
      Fail(std::string(key) + "." + std::string(name), "a string");
      return false;
    }
    add(name, item.get_string());
  }
  return true;
}

void FieldReader::ReadBase64(std::string_view key,
                             std::optional<std::string>& bytes) {
  std::optional<std::string> text;
  Read(key, text);
  if (!text) return;
  std::optional<std::string> decoded = Base64Decode(*text);
  if (!decoded) return Fail(key, "base64-encoded bytes");
  bytes = std::move(decoded);
}

std::optional<FieldReader> FieldReader::Object(std::string_view key) {
  const json::value* v = Present(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) {
    Fail(key, "an object");
    return std::nullopt;
  }
  return Nested(v->get_object(), key);
}

}  // namespace fanlab::api
