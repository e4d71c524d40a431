#include "harness/schema.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <sstream>

#include "harness/json_match.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

SpecPtr Make(Spec::Kind kind, std::string description) {
  auto s = std::make_shared<Spec>();
  s->kind = kind;
  s->description = std::move(description);
  return s;
}

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// A / an + what the node is, for "expected X, found Y".
std::string Found(const YAML::Node& node) {
  if (node.IsMap()) return "an object";
  if (node.IsSequence()) return "a list";
  std::string_view type = ScalarType(node);
  if (type == "null") return "nothing (null)";
  std::string value = CutUtf8(node.Scalar(), 40);
  return std::string(type == "integer" ? "an " : "a ") + std::string(type) +
         " (" + value + ")";
}

// The closest field name, for "did you mean".
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// A key given twice in one object (YAML parsers keep one of them, which
// one depending on how the value is read): an error at the second.
void DuplicateKeys(const YAML::Node& node, const std::string& path,
                   const std::string& file, Diagnostics& out) {
  std::vector<std::string> seen;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      out.push_back({file, MarkOf(kv.first), Child(path, key),
                     "the key \"" + key + "\" is given twice"});
    }
    seen.push_back(key);
  }
}

}  // namespace

SpecPtr String(std::string d) { return Make(Spec::Kind::kString, d); }
SpecPtr Integer(std::string d, std::optional<double> min,
                std::optional<double> max) {
  auto s = std::make_shared<Spec>(*Make(Spec::Kind::kInteger, d));
  s->minimum = min;
  s->maximum = max;
  return s;
}
SpecPtr Number(std::string d) { return Make(Spec::Kind::kNumber, d); }
SpecPtr Boolean(std::string d) { return Make(Spec::Kind::kBoolean, d); }
SpecPtr DurationSpec(std::string d) { return Make(Spec::Kind::kDuration, d); }
SpecPtr AnyJson(std::string d) { return Make(Spec::Kind::kJson, d); }
SpecPtr Scalar(std::string d) { return Make(Spec::Kind::kScalar, d); }
SpecPtr StringOrList(std::string d) {
  return Make(Spec::Kind::kStringOrList, d);
}
SpecPtr Enum(std::vector<std::string> values, std::string d) {
  auto s = std::make_shared<Spec>(*Make(Spec::Kind::kEnum, d));
  s->values = std::move(values);
  return s;
}
SpecPtr Array(SpecPtr items, std::string d) {
  auto s = std::make_shared<Spec>(*Make(Spec::Kind::kArray, d));
  s->items = std::move(items);
  return s;
}
SpecPtr MapOf(SpecPtr values, std::string d) {
  auto s = std::make_shared<Spec>(*Make(Spec::Kind::kMap, d));
  s->items = std::move(values);
  return s;
}
SpecPtr Object(std::vector<Field> fields, std::string d,
               std::vector<std::string> exactly_one_of) {
  auto s = std::make_shared<Spec>(*Make(Spec::Kind::kObject, d));
  // The binders' types must agree: one target for every field, a leaf's
  // value readable from its kind, an Enter's child what the nested
  // object binds into. A mistake here is the format's, found as it is
  // built (the first scenario loaded throws).
  for (const Field& f : fields) {
    if (!f.bind) continue;
    auto wrong = [&](const std::string& what) {
      throw std::logic_error("scenario format: field \"" + f.name +
                             "\": " + what);
    };
    if (s->target != typeid(void) && s->target != f.bind.target) {
      wrong("binds into another type than its siblings");
    }
    s->target = f.bind.target;
    const Spec* nested = f.spec.get();
    if (nested->kind == Spec::Kind::kArray ||
        nested->kind == Spec::Kind::kMap) {
      if (nested->items->kind == Spec::Kind::kObject)
        nested = nested->items.get();
    }
    if (f.bind.child != typeid(void)) {
      if (nested->kind != Spec::Kind::kObject) wrong("Enter on a leaf");
      if (nested->target != typeid(void) && nested->target != f.bind.child) {
        wrong("enters another type than its object binds into");
      }
    } else if (!Fits(f.spec->kind, f.bind.value)) {
      wrong("its value type does not fit its kind");
    }
  }
  s->fields = std::move(fields);
  s->exactly_one_of = std::move(exactly_one_of);
  return s;
}

bool Fits(Spec::Kind kind, std::type_index value) {
  if (value == typeid(json::value) || value == typeid(YAML::Node)) return true;
  switch (kind) {
    case Spec::Kind::kString:
    case Spec::Kind::kEnum:
    case Spec::Kind::kScalar:
      return value == typeid(std::string);
    case Spec::Kind::kInteger:
      return value == typeid(int64_t) || value == typeid(uint64_t) ||
             value == typeid(double);
    case Spec::Kind::kNumber:
      return value == typeid(double);
    case Spec::Kind::kBoolean:
      return value == typeid(bool);
    case Spec::Kind::kDuration:
      return value == typeid(Duration);
    case Spec::Kind::kStringOrList:
      return value == typeid(std::vector<std::string>);
    case Spec::Kind::kMap:
      return value == typeid(ScalarMap);
    case Spec::Kind::kJson:
    case Spec::Kind::kObject:
    case Spec::Kind::kArray:
      return false;
  }
  return false;
}

template <>
std::string ValueOf<std::string>(const YAML::Node& node) {
  return node.IsScalar() ? node.Scalar() : "";
}
template <>
int64_t ValueOf<int64_t>(const YAML::Node& node) {
  // As the check read it (decimal: "010" is 10, where yaml-cpp reads 8).
  return yaml::ParseInteger(node.Scalar()).value_or(0);
}
template <>
uint64_t ValueOf<uint64_t>(const YAML::Node& node) {
  return static_cast<uint64_t>(ValueOf<int64_t>(node));
}
template <>
double ValueOf<double>(const YAML::Node& node) {
  return YamlToJson(node).to_number<double>();
}
template <>
bool ValueOf<bool>(const YAML::Node& node) {
  return YamlToJson(node).as_bool();
}
template <>
Duration ValueOf<Duration>(const YAML::Node& node) {
  return DurationOf(node).value_or(Duration(0));
}
template <>
std::vector<std::string> ValueOf<std::vector<std::string>>(
    const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsSequence()) {
    for (const auto& item : node) out.push_back(item.Scalar());
  } else {
    std::istringstream words(node.Scalar());
    for (std::string w; words >> w;) out.push_back(w);
  }
  return out;
}
template <>
ScalarMap ValueOf<ScalarMap>(const YAML::Node& node) {
  ScalarMap out;
  for (const auto& kv : node) {
    if (kv.second.IsScalar()) {
      out.emplace_back(kv.first.Scalar(), kv.second.Scalar());
    }
  }
  return out;
}
template <>
json::value ValueOf<json::value>(const YAML::Node& node) {
  return YamlToJson(node);
}
template <>
YAML::Node ValueOf<YAML::Node>(const YAML::Node& node) {
  return node;
}

void Site::Error(const YAML::Node& at, const std::string& at_path,
                 std::string message) const {
  errors.push_back({file, MarkOf(at), at_path, std::move(message)});
}

Mark MarkOf(const YAML::Node& node) {
  if (!node) return {};
  YAML::Mark m = node.Mark();
  if (m.is_null()) return {};
  return Mark{m.line + 1, m.column + 1};
}

std::string Closest(const std::string& word,
                    const std::vector<std::string>& candidates) {
  // A third of the word's characters at most, and never all of them.
  std::string best;
  size_t best_distance = word.size() / 3 + 2;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance && d < word.size()) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

namespace {

// One walk: the checks, and (with a target) the binding.
struct Walker {
  const std::string& file;
  Diagnostics& out;
  void* context;

  void Walk(const YAML::Node& node, const Spec& spec, const std::string& path,
            void* target);
  // A field's value (or a list's element, or a map's entry) with its
  // binder: entered if it is an object, else bound once valid.
  void Value(const YAML::Node& node, const Spec& spec, const Bind& bind,
             const std::string& path, const YAML::Node& key, void* target) {
    if (target == nullptr || !bind) return Walk(node, spec, path, nullptr);
    Site site{node, path, key, file, out, context};
    if (bind.child != typeid(void) && spec.kind == Spec::Kind::kObject) {
      if (!node.IsMap()) return Walk(node, spec, path, nullptr);
      return Walk(node, spec, path, bind.call(target, site));
    }
    if (bind.child != typeid(void)) {
      // A list or map of objects: each element enters on its own.
      return Walk(node, spec, path, target, &bind);
    }
    size_t before = out.size();
    Walk(node, spec, path, nullptr);
    if (out.size() == before) bind.call(target, site);
  }
  void Walk(const YAML::Node& node, const Spec& spec, const std::string& path,
            void* target, const Bind* each);
};

void Walker::Walk(const YAML::Node& node, const Spec& spec,
                  const std::string& path, void* target) {
  Walk(node, spec, path, target, nullptr);
}

void Walker::Walk(const YAML::Node& node, const Spec& spec,
                  const std::string& path, void* target, const Bind* each) {
  auto error = [&](const YAML::Node& at, const std::string& at_path,
                   std::string message) {
    out.push_back({file, MarkOf(at), at_path, std::move(message)});
  };
  auto expect = [&](const std::string& what) {
    error(node, path, "expected " + what + ", found " + Found(node));
  };
  std::string_view type =
      node.IsScalar() || node.IsNull() ? ScalarType(node) : "";
  switch (spec.kind) {
    case Spec::Kind::kString:
      if (!node.IsScalar() || type == "null") return expect("a string");
      if (type != "string") {
        return error(node, path,
                     "expected a string, found " + Found(node) +
                         ": quote it (\"" + node.Scalar() + "\")");
      }
      return;
    case Spec::Kind::kScalar:
      if (!node.IsScalar() || type == "null") {
        return expect("a string, number or boolean");
      }
      return;
    case Spec::Kind::kStringOrList:
      if (node.IsSequence()) {
        size_t i = 0;
        for (const auto& item : node) {
          if (!item.IsScalar()) {
            error(item, path + "[" + std::to_string(i) + "]",
                  "expected a string, found " + Found(item));
          }
          ++i;
        }
        return;
      }
      if (!node.IsScalar() || type == "null") {
        return expect("a string or a list of strings");
      }
      return;
    case Spec::Kind::kInteger:
    case Spec::Kind::kNumber: {
      bool integer = spec.kind == Spec::Kind::kInteger;
      if (type != "integer" && (integer || type != "number")) {
        return expect(integer ? "an integer" : "a number");
      }
      double v = std::stod(node.Scalar());
      if ((spec.minimum && v < *spec.minimum) ||
          (spec.maximum && v > *spec.maximum)) {
        std::string range =
            spec.maximum
                ? "between " +
                      json::serialize(json::value(int64_t(*spec.minimum))) +
                      " and " +
                      json::serialize(json::value(int64_t(*spec.maximum)))
                : "at least " +
                      json::serialize(json::value(int64_t(*spec.minimum)));
        error(node, path, node.Scalar() + " is out of range: must be " + range);
      }
      return;
    }
    case Spec::Kind::kBoolean:
      if (type != "boolean") return expect("true or false");
      return;
    case Spec::Kind::kDuration:
      if (!node.IsScalar() || type == "null" || !DurationOf(node)) {
        if (node.IsScalar() && type != "null") {
          return error(node, path,
                       "bad duration \"" + node.Scalar() +
                           "\": use a number of seconds or units like "
                           "250ms, 30s, 5m, 2h, 1d, 1h30m");
        }
        return expect("a duration (30s, 5m, 1h30m, or seconds)");
      }
      return;
    case Spec::Kind::kJson:
      return;
    case Spec::Kind::kEnum:
      if (!node.IsScalar() || type == "null") {
        return expect("one of " + Join(spec.values));
      }
      for (const auto& v : spec.values) {
        if (v == node.Scalar()) return;
      }
      return error(
          node, path,
          "\"" + node.Scalar() + "\" is not one of " + Join(spec.values));
    case Spec::Kind::kArray: {
      if (!node.IsSequence()) return expect("a list");
      const size_t errors_before = out.size();
      size_t i = 0;
      for (const auto& item : node) {
        std::string item_path = path + "[" + std::to_string(i) + "]";
        if (each != nullptr) {
          Value(item, *spec.items, *each, item_path, YAML::Node(), target);
        } else {
          Walk(item, *spec.items, item_path, nullptr);
        }
        ++i;
      }
      if (each != nullptr && spec.finish && out.size() == errors_before) {
        spec.finish.call(target,
                         Site{node, path, YAML::Node(), file, out, context});
      }
      return;
    }
    case Spec::Kind::kMap:
      if (!node.IsMap()) return expect("an object");
      DuplicateKeys(node, path, file, out);
      for (const auto& kv : node) {
        std::string item_path = Child(path, kv.first.Scalar());
        if (each != nullptr) {
          Value(kv.second, *spec.items, *each, item_path, kv.first, target);
        } else {
          Walk(kv.second, *spec.items, item_path, nullptr);
        }
      }
      return;
    case Spec::Kind::kObject: {
      if (!node.IsMap()) return expect("an object");
      DuplicateKeys(node, path, file, out);
      std::vector<std::string> kinds;
      for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        const Field* field = nullptr;
        for (const auto& f : spec.fields) {
          if (f.name == key) field = &f;
        }
        if (field == nullptr) {
          std::string message = "unknown key \"" + key + "\"";
          std::string best;
          size_t best_distance = 3;
          for (const auto& f : spec.fields) {
            size_t d = EditDistance(key, f.name);
            if (d < best_distance) {
              best_distance = d;
              best = f.name;
            }
          }
          if (!best.empty()) {
            message += " (did you mean \"" + best + "\"?)";
          } else {
            std::vector<std::string> names;
            for (const auto& f : spec.fields) names.push_back(f.name);
            message += "; expected one of " + Join(names);
          }
          error(kv.first, Child(path, key), message);
          continue;
        }
        for (const auto& k : spec.exactly_one_of) {
          if (k == key) kinds.push_back(key);
        }
        Value(kv.second, *field->spec, field->bind, Child(path, key),
              YAML::Node(), target);
      }
      for (const auto& f : spec.fields) {
        if (f.required && !node[f.name]) {
          error(node, path, "missing required key \"" + f.name + "\"");
        }
      }
      if (!spec.exactly_one_of.empty() && kinds.size() != 1) {
        error(node, path,
              kinds.empty()
                  ? "needs one of " + Join(spec.exactly_one_of)
                  : "has both " + Join(kinds) + ": give exactly one of " +
                        Join(spec.exactly_one_of));
      }
      if (target != nullptr && spec.finish) {
        spec.finish.call(target,
                         Site{node, path, YAML::Node(), file, out, context});
      }
      return;
    }
  }
}

}  // namespace

void ValidateNode(const YAML::Node& node, const Spec& spec,
                  const std::string& path, const std::string& file,
                  Diagnostics& out) {
  Walker{file, out, nullptr}.Walk(node, spec, path, nullptr);
}

void BindNode(const YAML::Node& node, const Spec& spec, void* target,
              void* context, const std::string& file, Diagnostics& out) {
  Walker{file, out, context}.Walk(node, spec, "", target);
}

namespace {

json::object SchemaOf(const Spec& spec) {
  json::object s;
  if (!spec.description.empty()) s["description"] = spec.description;
  switch (spec.kind) {
    case Spec::Kind::kString:
      s["type"] = "string";
      break;
    case Spec::Kind::kScalar:
      s["type"] = json::array{"string", "number", "boolean"};
      break;
    case Spec::Kind::kStringOrList:
      s["oneOf"] = json::array{
          json::object{{"type", "string"}},
          json::object{{"type", "array"},
                       {"items", {{"type", json::array{"string", "number"}}}}}};
      break;
    case Spec::Kind::kInteger:
    case Spec::Kind::kNumber:
      s["type"] = spec.kind == Spec::Kind::kInteger ? "integer" : "number";
      if (spec.minimum) s["minimum"] = int64_t(*spec.minimum);
      if (spec.maximum) s["maximum"] = int64_t(*spec.maximum);
      break;
    case Spec::Kind::kBoolean:
      s["type"] = "boolean";
      break;
    case Spec::Kind::kDuration:
      s["oneOf"] = json::array{
          json::object{{"type", "number"}, {"minimum", 0}},
          json::object{
              {"type", "string"},
              {"pattern", "^([0-9]+(ms|s|m|h|d))+$|^[+]?[0-9]+([.][0-9]+)?$"}}};
      break;
    case Spec::Kind::kJson:
      break;
    case Spec::Kind::kEnum: {
      json::array values;
      for (const auto& v : spec.values) values.push_back(json::string(v));
      s["enum"] = std::move(values);
      break;
    }
    case Spec::Kind::kArray:
      s["type"] = "array";
      s["items"] = SchemaOf(*spec.items);
      break;
    case Spec::Kind::kMap:
      s["type"] = "object";
      s["additionalProperties"] = SchemaOf(*spec.items);
      break;
    case Spec::Kind::kObject: {
      s["type"] = "object";
      json::object properties;
      json::array required;
      for (const auto& f : spec.fields) {
        properties[f.name] = SchemaOf(*f.spec);
        if (f.required) required.push_back(json::string(f.name));
      }
      s["properties"] = std::move(properties);
      if (!required.empty()) s["required"] = std::move(required);
      s["additionalProperties"] = false;
      if (!spec.exactly_one_of.empty()) {
        json::array one_of;
        for (const auto& k : spec.exactly_one_of) {
          one_of.push_back(json::object{{"required", json::array{k.c_str()}}});
        }
        s["oneOf"] = std::move(one_of);
      }
      break;
    }
  }
  return s;
}

// Pretty JSON, two spaces, for a file people read and diff.
void Pretty(const json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(size_t(n) * 2, ' '); };
  if (v.is_object() && !v.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& kv : v.as_object()) {
      if (!first) out += ",\n";
      first = false;
      pad(indent + 1);
      out += json::serialize(json::value(kv.key())) + ": ";
      Pretty(kv.value(), out, indent + 1);
    }
    out += "\n";
    pad(indent);
    out += "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : v.as_array()) {
      if (!first) out += ",\n";
      first = false;
      pad(indent + 1);
      Pretty(item, out, indent + 1);
    }
    out += "\n";
    pad(indent);
    out += "]";
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

std::string ToJsonSchema(const Spec& spec, const std::string& id,
                         const std::string& title) {
  json::object root;
  // Draft-07: what editors' YAML and JSON extensions implement.
  root["$schema"] = "http://json-schema.org/draft-07/schema#";
  root["$id"] = id;
  root["title"] = title;
  for (auto& kv : SchemaOf(spec)) root[kv.key()] = kv.value();
  std::string out;
  Pretty(root, out, 0);
  return out + "\n";
}

}  // namespace fanlab::harness
