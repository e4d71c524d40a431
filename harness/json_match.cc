#include "harness/json_match.h"

#include <boost/json.hpp>
#include <charconv>

#include "emulator/services/s3_errors.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

bool IsNumber(const json::value& v) { return v.is_number(); }

double AsDouble(const json::value& v) {
  if (v.is_int64()) return double(v.as_int64());
  if (v.is_uint64()) return double(v.as_uint64());
  return v.as_double();
}

bool NumbersEqual(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) return AsDouble(a) == AsDouble(b);
  if (a.is_int64() && b.is_int64()) return a.as_int64() == b.as_int64();
  if (a.is_uint64() && b.is_uint64()) return a.as_uint64() == b.as_uint64();
  // One signed, one unsigned.
  const json::value& s = a.is_int64() ? a : b;
  const json::value& u = a.is_int64() ? b : a;
  return s.as_int64() >= 0 && uint64_t(s.as_int64()) == u.as_uint64();
}

struct PathStep {
  enum Kind { kMember, kIndex, kAll } kind;
  std::string name;  // kMember
  size_t index = 0;  // kIndex
};

Result<std::vector<PathStep>> ParsePath(std::string_view path) {
  auto bad = [&](std::string why) {
    return Status(s3::kInvalidArgument,
                  "bad selector \"" + std::string(path) + "\": " + why);
  };
  if (path.empty() || path[0] != '$') return bad("selectors start with $");
  std::vector<PathStep> steps;
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      size_t start = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      std::string name(path.substr(start, i - start));
      if (name.empty()) return bad("an empty name after '.'");
      if (name == "*") {
        steps.push_back({PathStep::kAll, "", 0});
      } else {
        steps.push_back({PathStep::kMember, name, 0});
      }
    } else if (path[i] == '[') {
      size_t end = path.find(']', i);
      if (end == std::string_view::npos) return bad("a '[' is not closed");
      std::string_view inside = path.substr(i + 1, end - i - 1);
      i = end + 1;
      if (inside == "*") {
        steps.push_back({PathStep::kAll, "", 0});
      } else if (inside.size() >= 2 &&
                 (inside.front() == '\'' || inside.front() == '"') &&
                 inside.back() == inside.front()) {
        steps.push_back({PathStep::kMember,
                         std::string(inside.substr(1, inside.size() - 2)), 0});
      } else {
        size_t index = 0;
        auto [p, ec] = std::from_chars(inside.data(),
                                       inside.data() + inside.size(), index);
        if (ec != std::errc() || p != inside.data() + inside.size()) {
          return bad("[" + std::string(inside) +
                     "] is not an index, * or a quoted name");
        }
        steps.push_back({PathStep::kIndex, "", index});
      }
    } else {
      return bad("expected '.' or '[' at position " + std::to_string(i));
    }
  }
  return steps;
}

}  // namespace

bool JsonMatches(const json::value& pattern, const json::value& value) {
  if (pattern.is_object()) {
    // {"json": P} against a string: JSON carried as text (a Lambda
    // Payload, an SNS envelope's Message), parsed and matched against P.
    if (value.is_string() && pattern.as_object().size() == 1) {
      if (const json::value* inner = pattern.as_object().if_contains("json")) {
        boost::system::error_code ec;
        json::value parsed = json::parse(value.as_string(), ec);
        return !ec && JsonMatches(*inner, parsed);
      }
    }
    if (!value.is_object()) return false;
    const json::object& v = value.as_object();
    for (const auto& kv : pattern.as_object()) {
      auto it = v.find(kv.key());
      if (it == v.end() || !JsonMatches(kv.value(), it->value())) return false;
    }
    return true;
  }
  if (pattern.is_array()) {
    if (!value.is_array()) return false;
    const json::array& p = pattern.as_array();
    const json::array& v = value.as_array();
    if (p.size() != v.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (!JsonMatches(p[i], v[i])) return false;
    }
    return true;
  }
  if (IsNumber(pattern) && IsNumber(value)) {
    return NumbersEqual(pattern, value);
  }
  return pattern == value;
}

Result<std::vector<json::value>> JsonSelect(const json::value& root,
                                            std::string_view path) {
  auto steps = ParsePath(path);
  if (!steps.ok()) return steps.status();
  std::vector<json::value> current{root};
  for (const PathStep& step : *steps) {
    std::vector<json::value> next;
    for (const json::value& v : current) {
      switch (step.kind) {
        case PathStep::kAll:
          if (v.is_object()) {
            for (const auto& kv : v.as_object()) next.push_back(kv.value());
          } else if (v.is_array()) {
            for (const auto& e : v.as_array()) next.push_back(e);
          }
          break;
        case PathStep::kIndex:
          if (v.is_array() && step.index < v.as_array().size()) {
            next.push_back(v.as_array()[step.index]);
          }
          break;
        case PathStep::kMember:
          if (v.is_object()) {
            if (const json::value* m = v.as_object().if_contains(step.name)) {
              next.push_back(*m);
            }
          } else if (v.is_array()) {
            size_t index = 0;
            auto [p, ec] = std::from_chars(
                step.name.data(), step.name.data() + step.name.size(), index);
            if (ec == std::errc() && p == step.name.data() + step.name.size() &&
                index < v.as_array().size()) {
              next.push_back(v.as_array()[index]);
            }
          }
          break;
      }
    }
    current = std::move(next);
  }
  return current;
}

std::string CutUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max > 3 ? max - 3 : 0;
  // Back up over continuation bytes (10xxxxxx) to a character's start.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return std::string(s.substr(0, cut)) + "...";
}

std::string JsonShort(const json::value& v, size_t max) {
  return CutUtf8(json::serialize(v), max);
}

}  // namespace fanlab::harness
