#include "harness/yaml_util.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <charconv>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "yaml/scalar.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

// A merge key: the plain scalar `<<`, or any scalar tagged !!merge.
bool IsMergeKey(const YAML::Node& key) {
  if (!key.IsScalar()) return false;
  return (key.Tag() == "?" && key.Scalar() == "<<") ||
         key.Tag() == "tag:yaml.org,2002:merge";
}

Mark MarkOfNode(const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.is_null()) return Mark{};
  return Mark{m.line + 1, m.column + 1};
}

// Resolves the merge keys under one root: remembers the collections it has
// been through (by identity; aliases share nodes) so each is done once.
class MergeResolver {
 public:
  explicit MergeResolver(Diagnostics& problems) : problems_(problems) {}

  void Resolve(YAML::Node node) {
    if (!node.IsMap() && !node.IsSequence()) return;
    if (!FirstVisit(node)) return;
    if (node.IsSequence()) {
      for (YAML::Node item : node) Resolve(item);
      return;
    }
    // The values first: a merged map has its own merges done by then.
    std::vector<std::pair<YAML::Node, YAML::Node>> entries;
    bool any_merge = false;
    for (auto kv : node) {
      entries.emplace_back(kv.first, kv.second);
      any_merge = any_merge || IsMergeKey(kv.first);
    }
    for (auto& [key, value] : entries) Resolve(value);
    if (any_merge) Merge(node, entries);
  }

 private:
  bool FirstVisit(const YAML::Node& node) {
    std::vector<YAML::Node>& same_place = seen_[node.Mark().pos];
    for (const YAML::Node& n : same_place) {
      if (n.is(node)) return false;
    }
    same_place.push_back(node);
    return true;
  }

  void Merge(YAML::Node map,
             const std::vector<std::pair<YAML::Node, YAML::Node>>& entries) {
    std::set<std::string> taken;  // scalar keys present so far
    for (const auto& [key, value] : entries) {
      if (!IsMergeKey(key) && key.IsScalar()) taken.insert(key.Scalar());
    }
    std::vector<std::pair<YAML::Node, YAML::Node>> merged;
    for (const auto& [key, value] : entries) {
      if (!IsMergeKey(key)) {
        merged.emplace_back(key, value);
        continue;
      }
      std::vector<YAML::Node> sources;
      bool ok = value.IsMap();
      if (ok) {
        sources.push_back(value);
      } else if (value.IsSequence()) {
        ok = true;
        for (YAML::Node item : value) {
          ok = ok && item.IsMap();
          sources.push_back(item);
        }
      }
      if (!ok) {
        problems_.push_back(
            {"", MarkOfNode(value), "",
             "`<<` (a YAML merge key) takes a map, an alias of one "
             "(`<<: *defaults`) or a list of them (`<<: [*a, *b]`)"});
        continue;
      }
      for (const YAML::Node& source : sources) {
        for (auto kv : source) {
          if (IsMergeKey(kv.first)) continue;  // a cycle's unresolved merge
          if (kv.first.IsScalar() && !taken.insert(kv.first.Scalar()).second) {
            continue;
          }
          merged.emplace_back(kv.first, kv.second);
        }
      }
    }
    // In place, so that the map keeps its own mark and aliases of it see
    // the merge too.
    for (const auto& [key, value] : entries) map.remove(key);
    for (const auto& [key, value] : merged) map.force_insert(key, value);
  }

  Diagnostics& problems_;
  std::unordered_map<int, std::vector<YAML::Node>> seen_;  // by pos
};

}  // namespace

Diagnostics ResolveMergeKeys(YAML::Node root) {
  Diagnostics problems;
  MergeResolver(problems).Resolve(root);
  return problems;
}

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // A plain number: seconds.
  // Longer than this is surely a mistake (and would overflow).
  constexpr int64_t kMaxSeconds = int64_t{100} * 366 * 24 * 3600;
  if (auto seconds = yaml::ParseNumber(text)) {
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
    case YAML::NodeType::Scalar:
      return yaml::ScalarValue(node);
    default:
      return nullptr;
  }
}

}  // namespace fanlab::harness
