#include "yaml/scalar.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <string>

namespace fanlab::yaml {

namespace {

bool IsNullText(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}
bool IsTrue(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE";
}
bool IsFalse(std::string_view s) {
  return s == "false" || s == "False" || s == "FALSE";
}

// A quoted scalar: yaml-cpp tags it "!" (a plain one is "?").
bool Quoted(const YAML::Node& node) { return node.Tag() == "!"; }

// `text` without a leading '+', which std::from_chars does not take.
std::string_view Unsigned(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  return text;
}

}  // namespace

std::optional<int64_t> ParseInteger(std::string_view text) {
  text = Unsigned(text);
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty()) return std::nullopt;
  return v;
}

std::optional<double> ParseNumber(std::string_view text) {
  text = Unsigned(text);
  double v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::string_view ScalarType(const YAML::Node& node) {
  if (!node || node.IsNull()) return "null";
  if (!node.IsScalar()) return node.IsMap() ? "object" : "array";
  if (Quoted(node)) return "string";
  const std::string& s = node.Scalar();
  if (IsNullText(s)) return "null";
  if (IsTrue(s) || IsFalse(s)) return "boolean";
  if (ParseInteger(s)) return "integer";
  if (ParseNumber(s)) return "number";
  return "string";
}

boost::json::value ScalarValue(const YAML::Node& node) {
  std::string_view type = ScalarType(node);
  if (type == "boolean") return IsTrue(node.Scalar());
  if (type == "integer") return *ParseInteger(node.Scalar());
  if (type == "number") return *ParseNumber(node.Scalar());
  if (type == "string") return boost::json::string(node.Scalar());
  return nullptr;
}

}  // namespace fanlab::yaml
