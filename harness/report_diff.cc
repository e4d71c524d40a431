#include "harness/report_diff.h"

#include <boost/json.hpp>
#include <cctype>
#include <optional>

#include "harness/json_match.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

std::string Member(const std::string& path, std::string_view key) {
  bool plain =
      !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]));
  for (char c : key) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  }
  if (plain) return path + "." + std::string(key);
  return path + "[" + json::serialize(json::string(key)) + "]";
}

std::string Element(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void Diff(const json::value& expected, const json::value& found, bool exact,
          const std::string& path, std::vector<JsonDiff>& out) {
  using Kind = JsonDiff::Kind;
  if (expected.is_object()) {
    const json::object& want = expected.as_object();
    // {"json": P} against a string: the string's JSON against P.
    if (!exact && want.size() == 1 && want.contains("json") &&
        found.is_string()) {
      boost::system::error_code ec;
      json::value parsed = json::parse(found.as_string(), ec);
      if (ec) {
        out.push_back({path, Kind::kChanged});
      } else {
        std::vector<JsonDiff> inner;
        Diff(want.at("json"), parsed, exact, path, inner);
        // Inside a string, only the string as a whole can be marked.
        if (!inner.empty()) out.push_back({path, Kind::kChanged});
      }
      return;
    }
    if (!found.is_object()) {
      out.push_back({path, Kind::kChanged});
      return;
    }
    const json::object& have = found.as_object();
    for (const auto& [key, value] : want) {
      const json::value* f = have.if_contains(key);
      if (f == nullptr) {
        out.push_back({Member(path, key), Kind::kMissing});
      } else {
        Diff(value, *f, exact, Member(path, key), out);
      }
    }
    if (exact) {
      for (const auto& [key, value] : have) {
        if (!want.contains(key))
          out.push_back({Member(path, key), Kind::kExtra});
      }
    }
    return;
  }
  if (expected.is_array()) {
    if (!found.is_array()) {
      out.push_back({path, Kind::kChanged});
      return;
    }
    const json::array& want = expected.as_array();
    const json::array& have = found.as_array();
    size_t common = std::min(want.size(), have.size());
    for (size_t i = 0; i < common; ++i) {
      Diff(want[i], have[i], exact, Element(path, i), out);
    }
    for (size_t i = common; i < want.size(); ++i) {
      out.push_back({Element(path, i), Kind::kMissing});
    }
    for (size_t i = common; i < have.size(); ++i) {
      out.push_back({Element(path, i), Kind::kExtra});
    }
    return;
  }
  if (exact ? expected != found : !JsonMatches(expected, found)) {
    out.push_back({path, Kind::kChanged});
  }
}

// The largest n <= want such that s[..n] ends on a character boundary.
size_t Boundary(std::string_view s, size_t want) {
  size_t n = std::min(want, s.size());
  while (n > 0 && n < s.size() &&
         (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) {
    --n;
  }
  return n;
}

// A long string cut to about `max` bytes: around `at` (its first
// difference) when given, else its start and end.
std::string CutString(std::string_view s, size_t max, size_t at) {
  if (s.size() <= max) return json::serialize(json::string(s));
  std::string out;
  if (at == std::string_view::npos) {
    size_t head = Boundary(s, max / 2);
    size_t tail = Boundary(s, s.size() - (max - max / 2));
    out = std::string(s.substr(0, head)) + "…" + std::string(s.substr(tail));
  } else {
    size_t from = Boundary(s, at > max / 2 ? at - max / 2 : 0);
    size_t to = Boundary(s, from + max);
    out = (from > 0 ? "…" : "") + std::string(s.substr(from, to - from)) +
          (to < s.size() ? "…" : "");
  }
  return json::serialize(json::string(out)) + " (" + std::to_string(s.size()) +
         " bytes)";
}

struct Renderer {
  const std::vector<JsonDiff>& diffs;
  bool expected_side;
  const JsonDiffStyle& style;
  std::vector<std::string> lines;

  const JsonDiff* At(const std::string& path) const {
    for (const auto& d : diffs) {
      if (d.path == path) return &d;
    }
    return nullptr;
  }
  bool Under(const std::string& path) const {
    for (const auto& d : diffs) {
      if (d.path.starts_with(path) &&
          (d.path.size() == path.size() || d.path[path.size()] == '.' ||
           d.path[path.size()] == '[')) {
        return true;
      }
    }
    return false;
  }

  std::string Gutter(const std::string& path) const {
    const JsonDiff* d = At(path);
    if (d == nullptr) return "  ";
    switch (d->kind) {
      case JsonDiff::Kind::kChanged:
        return "~ ";
      case JsonDiff::Kind::kMissing:
        return expected_side ? "- " : "  ";
      case JsonDiff::Kind::kExtra:
        return expected_side ? "  " : "+ ";
    }
    return "  ";
  }

  void Emit(const std::string& path, int depth, const std::string& text) {
    std::string gutter = Gutter(path);
    std::string line = gutter + std::string(size_t(depth) * 2, ' ') + text;
    if (style.color && gutter != "  ") {
      line = std::string(expected_side ? "\x1b[32m" : "\x1b[31m") + line +
             "\x1b[0m";
    }
    lines.push_back(std::move(line));
  }

  void Value(const json::value& v, const json::value* other,
             const std::string& path, int depth, const std::string& prefix,
             const std::string& comma) {
    if (v.is_object() && !v.as_object().empty()) {
      Emit(path, depth, prefix + "{");
      const json::object& o = v.as_object();
      const json::object* oo = other != nullptr && other->is_object()
                                   ? &other->as_object()
                                   : nullptr;
      size_t n = 0;
      for (const auto& [key, value] : o) {
        const json::value* ov = oo != nullptr ? oo->if_contains(key) : nullptr;
        Value(value, ov, Member(path, key), depth + 1,
              json::serialize(json::string(key)) + ": ",
              ++n < o.size() ? "," : "");
      }
      Emit(path, depth, "}" + comma);
      return;
    }
    if (v.is_array() && !v.as_array().empty()) {
      Emit(path, depth, prefix + "[");
      const json::array& a = v.as_array();
      const json::array* oa =
          other != nullptr && other->is_array() ? &other->as_array() : nullptr;
      size_t skipped = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        std::string at = Element(path, i);
        if (i >= style.max_items && !Under(at)) {
          ++skipped;
          continue;
        }
        if (skipped > 0) {
          // Under a path no difference names: never marked.
          Emit(path + "[]", depth + 1,
               "... " + std::to_string(skipped) + " more");
          skipped = 0;
        }
        Value(a[i], oa != nullptr && i < oa->size() ? &(*oa)[i] : nullptr, at,
              depth + 1, "", i + 1 < a.size() ? "," : "");
      }
      if (skipped > 0) {
        Emit(path + "[]", depth + 1,
             "... " + std::to_string(skipped) + " more");
      }
      Emit(path, depth, "]" + comma);
      return;
    }
    if (v.is_string()) {
      std::string_view s = v.as_string();
      size_t at = std::string_view::npos;
      if (At(path) != nullptr && other != nullptr && other->is_string()) {
        std::string_view o = other->as_string();
        at = 0;
        while (at < s.size() && at < o.size() && s[at] == o[at]) ++at;
      }
      Emit(path, depth, prefix + CutString(s, style.max_string, at) + comma);
      return;
    }
    Emit(path, depth, prefix + json::serialize(v) + comma);
  }
};

std::string KindWord(JsonDiff::Kind k) {
  switch (k) {
    case JsonDiff::Kind::kChanged:
      return "";
    case JsonDiff::Kind::kMissing:
      return " (missing)";
    case JsonDiff::Kind::kExtra:
      return " (extra)";
  }
  return "";
}

}  // namespace

std::vector<JsonDiff> DiffJson(const json::value& expected,
                               const json::value& found, bool exact) {
  std::vector<JsonDiff> out;
  Diff(expected, found, exact, "$", out);
  return out;
}

std::vector<std::string> RenderJsonLines(const json::value& v,
                                         const std::vector<JsonDiff>& diffs,
                                         bool expected_side,
                                         const json::value* other,
                                         const JsonDiffStyle& style) {
  Renderer r{diffs, expected_side, style, {}};
  r.Value(v, other, "$", 0, "", "");
  return std::move(r.lines);
}

std::vector<std::string> RenderExpectedFound(const std::string& expected_text,
                                             const std::string& expected_json,
                                             const std::string& found_text,
                                             const std::string& found_json,
                                             bool compare,
                                             const JsonDiffStyle& style) {
  boost::system::error_code ec;
  std::optional<json::value> want, have;
  if (!expected_json.empty()) {
    json::value v = json::parse(expected_json, ec);
    if (!ec) want = std::move(v);
  }
  if (!found_json.empty()) {
    json::value v = json::parse(found_json, ec);
    if (!ec) have = std::move(v);
  }
  std::vector<JsonDiff> diffs;
  if (compare && want && have) diffs = DiffJson(*want, *have);
  // The JSON starts under the text after "expected: " (10 columns), its
  // 2-column gutter in front.
  const std::string indent(8, ' ');
  std::vector<std::string> out;
  auto side = [&](const char* label, const std::string& text,
                  const std::optional<json::value>& v,
                  const std::optional<json::value>& other, bool expected) {
    out.push_back(label + text + (v && !text.empty() ? ":" : ""));
    if (!v) return;
    for (auto& line : RenderJsonLines(*v, diffs, expected,
                                      other ? &*other : nullptr, style)) {
      out.push_back(indent + line);
    }
  };
  side("expected: ", expected_text, want, have, true);
  side("found:    ", found_text, have, want, false);
  if (!diffs.empty()) {
    std::string at = "differs at: ";
    for (size_t i = 0; i < diffs.size() && i < 8; ++i) {
      at += (i > 0 ? ", " : "") + diffs[i].path + KindWord(diffs[i].kind);
    }
    if (diffs.size() > 8) {
      at += " and " + std::to_string(diffs.size() - 8) + " more";
    }
    out.push_back(at);
  }
  return out;
}

}  // namespace fanlab::harness
