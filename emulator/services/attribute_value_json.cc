#include "emulator/services/attribute_value_json.h"

#include <boost/json.hpp>

#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"
#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

namespace json = boost::json;

// DynamoDB allows 32 levels of lists and maps, and each level costs JSON two
// (the AttributeValue object and its list or map): Boost.JSON's default
// limit of 32 would refuse valid items.
json::value ParseDeep(std::string_view text, boost::system::error_code& ec) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  return json::parse(text, ec, {}, options);
}

Status Serialization(std::string_view path, std::string_view what) {
  return Status(common::kSerializationException,
                std::string(path) + " must be " + std::string(what) + ".");
}

Status Validation(std::string message) {
  return Status(dynamodb::kValidationException, std::move(message));
}

Result<std::string> StringField(const json::value& v, std::string_view path) {
  if (!v.is_string()) return Serialization(path, "a string");
  return std::string(v.get_string());
}

Result<std::string> BinaryField(const json::value& v, std::string_view path) {
  if (!v.is_string()) return Serialization(path, "a base64 string");
  auto bytes = Base64Decode(v.get_string());
  if (!bytes) return Serialization(path, "valid base64");
  return std::move(*bytes);
}

Result<AttributeValue> Read(const json::value& v, const std::string& path,
                            int depth);

Result<AttributeValue> ReadSet(AttributeType type, const json::value& v,
                               const std::string& path) {
  if (!v.is_array()) return Serialization(path, "a list");
  std::vector<std::string> members;
  members.reserve(v.get_array().size());
  for (size_t i = 0; i < v.get_array().size(); ++i) {
    std::string at = path + "[" + std::to_string(i) + "]";
    auto m = type == AttributeType::kBS ? BinaryField(v.get_array()[i], at)
                                        : StringField(v.get_array()[i], at);
    if (!m.ok()) return m.status();
    members.push_back(std::move(m).value());
  }
  return AttributeValue::MakeSet(type, std::move(members));
}

Result<AttributeValue> ReadTyped(std::string_view type, const json::value& v,
                                 const std::string& path, int depth) {
  if (type == "S") {
    auto s = StringField(v, path);
    if (!s.ok()) return s.status();
    return AttributeValue::String(std::move(s).value());
  }
  if (type == "N") {
    auto s = StringField(v, path);
    if (!s.ok()) return s.status();
    return AttributeValue::NumberFrom(*s);
  }
  if (type == "B") {
    auto b = BinaryField(v, path);
    if (!b.ok()) return b.status();
    return AttributeValue::Binary(std::move(b).value());
  }
  if (type == "BOOL") {
    if (!v.is_bool()) return Serialization(path, "a boolean");
    return AttributeValue::Bool(v.get_bool());
  }
  if (type == "NULL") {
    if (!v.is_bool()) return Serialization(path, "a boolean");
    if (!v.get_bool()) {
      return Validation(
          "One or more parameter values were invalid: Null attribute value "
          "types must have the value of true");
    }
    return AttributeValue::Null();
  }
  if (type == "M") {
    if (!v.is_object()) return Serialization(path, "an object");
    if (depth >= kMaxNestingDepth) {
      return Validation("Nesting Levels have exceeded supported limits");
    }
    AttributeMap map;
    for (const auto& [k, e] : v.get_object()) {
      auto value = Read(e, path + "." + std::string(k), depth + 1);
      if (!value.ok()) return value.status();
      map.emplace(std::string(k), std::move(value).value());
    }
    return AttributeValue::Map(std::move(map));
  }
  if (type == "L") {
    if (!v.is_array()) return Serialization(path, "a list");
    if (depth >= kMaxNestingDepth) {
      return Validation("Nesting Levels have exceeded supported limits");
    }
    AttributeList list;
    list.reserve(v.get_array().size());
    for (size_t i = 0; i < v.get_array().size(); ++i) {
      auto value = Read(v.get_array()[i], path + "[" + std::to_string(i) + "]",
                        depth + 1);
      if (!value.ok()) return value.status();
      list.push_back(std::move(value).value());
    }
    return AttributeValue::List(std::move(list));
  }
  if (type == "SS") return ReadSet(AttributeType::kSS, v, path);
  if (type == "NS") return ReadSet(AttributeType::kNS, v, path);
  return ReadSet(AttributeType::kBS, v, path);
}

// `depth` counts the lists and maps around this value.
Result<AttributeValue> Read(const json::value& v, const std::string& path,
                            int depth) {
  if (!v.is_object()) return Serialization(path, "an AttributeValue object");
  const json::object& o = v.get_object();
  std::string_view type;
  const json::value* payload = nullptr;
  int types = 0;
  for (const auto& [k, e] : o) {
    if (e.is_null() || !AttributeTypeFromName(k)) continue;
    if (++types == 1) {
      type = k;
      payload = &e;
    }
  }
  if (types == 0) {
    return Validation(
        "Supplied AttributeValue is empty, must contain exactly one of the "
        "supported datatypes");
  }
  // Check the first member before counting, so a malformed member is
  // reported as such rather than hidden behind the count.
  auto value = ReadTyped(type, *payload, path + "." + std::string(type), depth);
  if (!value.ok()) return value;
  if (types > 1) {
    return Validation(
        "Supplied AttributeValue has more than one datatypes set, must "
        "contain exactly one of the supported datatypes");
  }
  return value;
}

}  // namespace

Result<AttributeValue> AttributeValueFromJson(const json::value& v,
                                              std::string_view path) {
  return Read(v, std::string(path), 0);
}

Result<Item> ItemFromJson(const json::value& v, std::string_view path) {
  if (!v.is_object()) return Serialization(path, "an object");
  Item item;
  for (const auto& [k, e] : v.get_object()) {
    auto value = Read(e, std::string(path) + "." + std::string(k), 0);
    if (!value.ok()) return value.status();
    item.emplace(std::string(k), std::move(value).value());
  }
  return item;
}

Result<Item> ParseItem(std::string_view text) {
  boost::system::error_code ec;
  json::value v = ParseDeep(text, ec);
  if (ec) {
    return Status(common::kSerializationException,
                  "The item is not valid JSON: " + ec.message() + ".");
  }
  return ItemFromJson(v, "Item");
}

Result<AttributeValue> ParseAttributeValue(std::string_view text) {
  boost::system::error_code ec;
  json::value v = ParseDeep(text, ec);
  if (ec) {
    return Status(common::kSerializationException,
                  "The value is not valid JSON: " + ec.message() + ".");
  }
  return AttributeValueFromJson(v, "Value");
}

void WriteAttributeValue(JsonWriter& w, const AttributeValue& value) {
  w.BeginObject().Key(AttributeTypeName(value.type()));
  switch (value.type()) {
    case AttributeType::kS:
    case AttributeType::kN:
      w.String(value.scalar());
      break;
    case AttributeType::kB:
      w.String(Base64Encode(value.scalar()));
      break;
    case AttributeType::kBool:
      w.Bool(value.boolean());
      break;
    case AttributeType::kNull:
      w.Bool(true);
      break;
    case AttributeType::kM:
      WriteItem(w, value.map());
      break;
    case AttributeType::kL:
      w.BeginArray();
      for (const auto& e : value.list()) WriteAttributeValue(w, e);
      w.EndArray();
      break;
    case AttributeType::kSS:
    case AttributeType::kNS:
      w.BeginArray();
      for (const auto& m : value.members()) w.String(m);
      w.EndArray();
      break;
    case AttributeType::kBS:
      w.BeginArray();
      for (const auto& m : value.members()) w.String(Base64Encode(m));
      w.EndArray();
      break;
  }
  w.EndObject();
}

void WriteItem(JsonWriter& w, const Item& item) {
  w.BeginObject();
  for (const auto& [name, value] : item) {
    w.Key(name);
    WriteAttributeValue(w, value);
  }
  w.EndObject();
}

std::string ToJson(const AttributeValue& value) {
  JsonWriter w;
  WriteAttributeValue(w, value);
  return w.Take();
}

std::string ToJson(const Item& item) {
  JsonWriter w;
  WriteItem(w, item);
  return w.Take();
}

}  // namespace fanlab::services
