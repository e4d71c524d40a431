#include "harness/yaml_util.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace fanlab::harness {

namespace json = boost::json;

namespace {

bool IsNullText(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}
bool IsTrue(const std::string& s) {
  return s == "true" || s == "True" || s == "TRUE";
}
bool IsFalse(const std::string& s) {
  return s == "false" || s == "False" || s == "FALSE";
}

std::optional<int64_t> ParseInteger(const std::string& s) {
  int64_t v = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (begin != end && *begin == '+') ++begin;
  auto [p, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || p != end || begin == end) return std::nullopt;
  return v;
}

std::optional<double> ParseNumber(const std::string& s) {
  double v = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (begin != end && *begin == '+') ++begin;
  auto [p, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || p != end || begin == end || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

bool Quoted(const YAML::Node& node) { return node.Tag() == "!"; }

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // A plain number: seconds.
  // Longer than this is surely a mistake (and would overflow).
  constexpr int64_t kMaxSeconds = int64_t{100} * 366 * 24 * 3600;
  if (auto seconds = ParseNumber(std::string(text))) {
    if (*seconds < 0 || *seconds > double(kMaxSeconds)) return std::nullopt;
    return std::chrono::duration_cast<Duration>(
        std::chrono::duration<double>(*seconds));
  }
  Duration total{0};
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return std::nullopt;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data() + start, text.data() + i, n);
    if (ec != std::errc() || n > kMaxSeconds * 1000) return std::nullopt;
    size_t unit_start = i;
    while (i < text.size() && ((text[i] >= 'a' && text[i] <= 'z'))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    // The term in milliseconds, checked before it can overflow.
    int64_t unit_ms = unit == "ms"  ? 1
                      : unit == "s" ? 1000
                      : unit == "m" ? 60000
                      : unit == "h" ? 3600000
                      : unit == "d" ? 86400000
                                    : 0;
    if (unit_ms == 0) return std::nullopt;
    if (n > kMaxSeconds * 1000 / unit_ms) return std::nullopt;
    total += std::chrono::duration_cast<Duration>(
        std::chrono::milliseconds(n * unit_ms));
    if (total > std::chrono::seconds(kMaxSeconds)) return std::nullopt;
  }
  return total;
}

std::string FormatDuration(Duration d) {
  using namespace std::chrono;
  int64_t ms = duration_cast<milliseconds>(d).count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  const std::pair<int64_t, const char*> units[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
  for (auto [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

std::optional<Duration> DurationOf(const YAML::Node& node) {
  if (!node || !node.IsScalar()) return std::nullopt;
  return ParseDuration(node.Scalar());
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

json::value YamlToJson(const YAML::Node& node) {
  if (!node) return nullptr;
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json::object out;
      for (const auto& kv : node) {
        out[kv.first.Scalar()] = YamlToJson(kv.second);
      }
      return out;
    }
    case YAML::NodeType::Sequence: {
      json::array out;
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      std::string_view type = ScalarType(node);
      const std::string& s = node.Scalar();
      if (type == "null") return nullptr;
      if (type == "boolean") return IsTrue(s);
      if (type == "integer") return *ParseInteger(s);
      if (type == "number") return *ParseNumber(s);
      return json::string(s);
    }
    default:
      return nullptr;
  }
}

}  // namespace fanlab::harness
