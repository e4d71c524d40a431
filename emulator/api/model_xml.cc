#include "emulator/api/model_xml.h"

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "emulator/api/json_fields.h"
#include "emulator/core/clock.h"

namespace fanlab::api {

namespace json = boost::json;

namespace {

bool IsNumber(const Shape& s) {
  return s.type == "integer" || s.type == "long" || s.type == "double" ||
         s.type == "float";
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Epoch seconds of "YYYY-MM-DDTHH:MM:SS[.fff]Z"; nullopt when not one.
std::optional<int64_t> ParseIso(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 ||
      std::sscanf(std::string(s.substr(0, 19)).c_str(),
                  "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) *
             86400 +
         h * 3600 + mi * 60 + sec;
}

void WriteValue(XmlWriter& w, std::string_view name, const json::value& v,
                const ShapeRef& ref);

void WriteList(XmlWriter& w, std::string_view name, const json::array& items,
               const ShapeRef& ref) {
  const Shape& list = *ref.shape;
  if (Flattened(ref)) {
    std::string_view item_name =
        list.member.location_name.empty() ? name : list.member.location_name;
    for (const auto& item : items) WriteValue(w, item_name, item, list.member);
    return;
  }
  std::string item_name =
      list.member.location_name.empty() ? "member" : list.member.location_name;
  w.Open(name);
  for (const auto& item : items) WriteValue(w, item_name, item, list.member);
  w.Close(name);
}

void WriteMap(XmlWriter& w, std::string_view name, const json::object& map,
              const ShapeRef& ref) {
  const Shape& m = *ref.shape;
  std::string key_name =
      m.key.location_name.empty() ? "key" : m.key.location_name;
  std::string value_name =
      m.value.location_name.empty() ? "value" : m.value.location_name;
  bool flat = Flattened(ref);
  if (!flat) w.Open(name);
  for (const auto& [k, v] : map) {
    w.Open(flat ? name : "entry");
    w.Element(key_name, k);
    WriteValue(w, value_name, v, m.value);
    w.Close(flat ? name : "entry");
  }
  if (!flat) w.Close(name);
}

void WriteValue(XmlWriter& w, std::string_view name, const json::value& v,
                const ShapeRef& ref) {
  const Shape& s = *ref.shape;
  if (s.type == "structure") {
    if (!v.is_object()) return;
    w.Open(name);
    WriteXmlMembers(w, v.get_object(), s);
    w.Close(name);
  } else if (s.type == "list") {
    if (v.is_array()) WriteList(w, name, v.get_array(), ref);
  } else if (s.type == "map") {
    if (v.is_object()) WriteMap(w, name, v.get_object(), ref);
  } else if (!v.is_null() && !v.is_object() && !v.is_array()) {
    w.Element(name, ScalarText(v, s));
  }
}

}  // namespace

std::string_view WireName(const Member& member) {
  if (!member.ref.location_name.empty()) return member.ref.location_name;
  if (member.ref.shape != nullptr && !member.ref.shape->location_name.empty()) {
    return member.ref.shape->location_name;
  }
  return member.name;
}

bool Flattened(const ShapeRef& ref) {
  return ref.flattened || (ref.shape != nullptr && ref.shape->flattened);
}

std::string ScalarText(const json::value& v, const Shape& shape) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  if (shape.type == "timestamp" && v.is_number()) {
    auto ms = static_cast<int64_t>(v.to_number<double>() * 1000);
    return FormatIso8601(FromEpochMillis(ms));
  }
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) return json::serialize(v);
  return "";
}

std::optional<json::value> ScalarFromText(std::string_view text,
                                          const Shape& shape) {
  if (shape.type == "boolean") {
    if (text == "true") return json::value(true);
    if (text == "false") return json::value(false);
    return std::nullopt;
  }
  if (shape.type == "integer" || shape.type == "long") {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return std::nullopt;
    }
    return json::value(n);
  }
  if (shape.type == "double" || shape.type == "float") {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_number()) return std::nullopt;
    return v;
  }
  return json::value(json::string(text));
}

void WriteXmlMembers(XmlWriter& w, const json::object& object,
                     const Shape& shape) {
  for (const Member& m : shape.members) {
    if (!m.ref.location.empty() || m.ref.xml_attribute) continue;
    auto it = object.find(m.name);
    if (it == object.end() || it->value().is_null()) continue;
    WriteValue(w, WireName(m), it->value(), m.ref);
  }
}

namespace {

Result<json::value> NodeToJson(const XmlNode& node, const ShapeRef& ref,
                               const std::string& path);

Result<json::value> StructToJson(const XmlNode& node, const Shape& shape,
                                 const std::string& path) {
  json::object out;
  for (const Member& m : shape.members) {
    if (!m.ref.location.empty()) continue;
    std::string at = path.empty() ? m.name : path + "." + m.name;
    const Shape& ms = *m.ref.shape;
    if (ms.type == "list" && Flattened(m.ref)) {
      std::string_view item = ms.member.location_name.empty()
                                  ? WireName(m)
                                  : std::string_view(ms.member.location_name);
      json::array items;
      for (const XmlNode& c : node.children) {
        if (c.name != item) continue;
        auto v = NodeToJson(c, ms.member, at);
        if (!v.ok()) return v.status();
        items.push_back(std::move(*v));
      }
      if (!items.empty()) out[m.name] = std::move(items);
      continue;
    }
    const XmlNode* child = node.Child(WireName(m));
    if (child == nullptr) continue;
    auto v = NodeToJson(*child, m.ref, at);
    if (!v.ok()) return v.status();
    out[m.name] = std::move(*v);
  }
  return json::value(std::move(out));
}

Result<json::value> NodeToJson(const XmlNode& node, const ShapeRef& ref,
                               const std::string& path) {
  const Shape& s = *ref.shape;
  if (s.type == "structure") return StructToJson(node, s, path);
  if (s.type == "list") {
    std::string item =
        s.member.location_name.empty() ? "member" : s.member.location_name;
    json::array items;
    for (const XmlNode& c : node.children) {
      if (c.name != item) continue;
      auto v = NodeToJson(c, s.member,
                          path + "[" + std::to_string(items.size()) + "]");
      if (!v.ok()) return v.status();
      items.push_back(std::move(*v));
    }
    return json::value(std::move(items));
  }
  if (s.type == "map") {
    std::string key_name =
        s.key.location_name.empty() ? "key" : s.key.location_name;
    std::string value_name =
        s.value.location_name.empty() ? "value" : s.value.location_name;
    json::object map;
    for (const XmlNode& entry : node.children) {
      const XmlNode* k = entry.Child(key_name);
      const XmlNode* v = entry.Child(value_name);
      if (k == nullptr || v == nullptr) continue;
      auto value = NodeToJson(*v, s.value, path + "." + k->text);
      if (!value.ok()) return value.status();
      map[k->text] = std::move(*value);
    }
    return json::value(std::move(map));
  }
  std::optional<json::value> v = ScalarFromText(node.text, s);
  if (!v) {
    return SerializationError("Field " + path + " must be " +
                              (IsNumber(s) ? "a number" : "true or false") +
                              ", not '" + node.text.substr(0, 64) + "'.");
  }
  return std::move(*v);
}

}  // namespace

Result<json::value> XmlToJson(const XmlNode& node, const Shape& shape) {
  return StructToJson(node, shape, "");
}

std::string HttpDate(const json::value& timestamp) {
  std::optional<int64_t> secs;
  if (timestamp.is_string()) {
    secs = ParseIso(timestamp.get_string());
  } else if (timestamp.is_number()) {
    secs = static_cast<int64_t>(timestamp.to_number<double>());
  }
  if (!secs) return "";
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun",
                                          "Mon", "Tue", "Wed"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  int64_t days = *secs >= 0 ? *secs / 86400 : (*secs - 86399) / 86400;
  int64_t rest = *secs - days * 86400;
  // Civil date from days (the inverse of DaysFromCivil).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char out[96];
  std::snprintf(out, sizeof out, "%s, %02u %s %04lld %02lld:%02lld:%02lld GMT",
                kDays[((days % 7) + 7) % 7], d, kMonths[m - 1],
                static_cast<long long>(y), static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60),
                static_cast<long long>(rest % 60));
  return out;
}

}  // namespace fanlab::api
