#include "emulator/services/filter_policy.h"

#include <boost/json.hpp>
#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "emulator/core/ascii.h"
#include "emulator/services/sns_errors.h"

namespace fanlab::services {
namespace {

namespace json = boost::json;

constexpr size_t kMaxKeys = 5;            // SNS: attribute names per policy
constexpr size_t kMaxCombinations = 150;  // SNS: values, multiplied out

Status Invalid(std::string message) {
  return Status(sns::kInvalidParameterException,
                "Invalid parameter: FilterPolicy: " + std::move(message));
}

// One value a message offers for a key: a string, a number, or none
// (an attribute that cannot be compared, such as a Binary one).
struct Value {
  std::optional<std::string> text;
  std::optional<double> number;
};

struct Condition {
  enum class Kind {
    kEquals,  // text or number
    kPrefix,
    kSuffix,
    kEqualsIgnoreCase,
    kAnythingBut,  // none of `values`
    kAnythingButPrefix,
    kNumeric,
    kExists,
  };
  Kind kind = Kind::kEquals;
  std::optional<std::string> text;
  std::optional<double> number;
  std::vector<Value> values;                        // anything-but
  std::vector<std::pair<std::string, double>> ops;  // numeric
  bool exists = true;
};

std::optional<double> ToNumber(std::string_view s) {
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return d;
}

bool Equals(const Value& v, const std::optional<std::string>& text,
            const std::optional<double>& number) {
  if (text) return v.text && *v.text == *text;
  return number && v.number && *v.number == *number;
}

bool Compare(double v, std::string_view op, double bound) {
  if (op == "=") return v == bound;
  if (op == "<") return v < bound;
  if (op == "<=") return v <= bound;
  if (op == ">") return v > bound;
  return v >= bound;  // ">="
}

// True when `c` holds for a present value `v`.
bool Holds(const Condition& c, const Value& v) {
  switch (c.kind) {
    case Condition::Kind::kEquals:
      return Equals(v, c.text, c.number);
    case Condition::Kind::kPrefix:
      return v.text && v.text->starts_with(*c.text);
    case Condition::Kind::kSuffix:
      return v.text && v.text->ends_with(*c.text);
    case Condition::Kind::kEqualsIgnoreCase:
      return v.text && EqualsIgnoringAsciiCase(*v.text, *c.text);
    case Condition::Kind::kAnythingBut:
      for (const Value& no : c.values) {
        if (Equals(v, no.text, no.number)) return false;
      }
      return v.text.has_value() || v.number.has_value();
    case Condition::Kind::kAnythingButPrefix:
      return v.text && !v.text->starts_with(*c.text);
    case Condition::Kind::kNumeric:
      if (!v.number) return false;
      for (const auto& [op, bound] : c.ops) {
        if (!Compare(*v.number, op, bound)) return false;
      }
      return true;
    case Condition::Kind::kExists:
      return c.exists;
  }
  return false;
}

Result<Value> ScalarOf(const json::value& j, const std::string& where) {
  if (j.is_string()) return Value{std::string(j.get_string()), std::nullopt};
  if (j.is_number()) return Value{std::nullopt, j.to_number<double>()};
  return Invalid(where + ": expected a string or a number");
}

Result<Condition> ParseCondition(const json::value& j,
                                 const std::string& where) {
  Condition c;
  if (j.is_string() || j.is_number()) {
    auto v = ScalarOf(j, where);
    c.text = v->text;
    c.number = v->number;
    return c;
  }
  if (!j.is_object() || j.get_object().size() != 1) {
    return Invalid(where +
                   ": a condition is a string, a number or an object with "
                   "one of prefix, suffix, equals-ignore-case, anything-but, "
                   "numeric, exists");
  }
  const auto& [key, arg] = *j.get_object().begin();
  std::string at = where + "." + std::string(key);
  if (key == "prefix" || key == "suffix" || key == "equals-ignore-case") {
    if (!arg.is_string()) return Invalid(at + ": expected a string");
    c.kind = key == "prefix"   ? Condition::Kind::kPrefix
             : key == "suffix" ? Condition::Kind::kSuffix
                               : Condition::Kind::kEqualsIgnoreCase;
    c.text = std::string(arg.get_string());
    return c;
  }
  if (key == "exists") {
    if (!arg.is_bool()) return Invalid(at + ": expected true or false");
    c.kind = Condition::Kind::kExists;
    c.exists = arg.get_bool();
    return c;
  }
  if (key == "anything-but") {
    if (arg.is_object()) {
      const json::object& o = arg.get_object();
      const json::value* p = o.if_contains("prefix");
      if (o.size() != 1 || p == nullptr || !p->is_string()) {
        return Invalid(at + ": expected {\"prefix\": \"...\"}");
      }
      c.kind = Condition::Kind::kAnythingButPrefix;
      c.text = std::string(p->get_string());
      return c;
    }
    c.kind = Condition::Kind::kAnythingBut;
    if (arg.is_array()) {
      if (arg.get_array().empty()) return Invalid(at + ": an empty list");
      for (const json::value& e : arg.get_array()) {
        auto v = ScalarOf(e, at);
        if (!v.ok()) return v.status();
        c.values.push_back(*v);
      }
      return c;
    }
    auto v = ScalarOf(arg, at);
    if (!v.ok()) return v.status();
    c.values.push_back(*v);
    return c;
  }
  if (key == "numeric") {
    const json::array* a = arg.if_array();
    if (a == nullptr || (a->size() != 2 && a->size() != 4)) {
      return Invalid(at +
                     ": expected [op, number] or [op, number, op, number]");
    }
    c.kind = Condition::Kind::kNumeric;
    for (size_t i = 0; i < a->size(); i += 2) {
      const json::value& op = (*a)[i];
      const json::value& bound = (*a)[i + 1];
      std::string_view o;
      if (op.is_string()) o = op.get_string();
      bool valid = o == "=" || o == "<" || o == "<=" || o == ">" || o == ">=";
      if (!valid || !bound.is_number() || (o == "=" && a->size() == 4)) {
        return Invalid(at +
                       ": expected [op, number] or [op, number, op, "
                       "number] with op one of = < <= > >=");
      }
      c.ops.emplace_back(std::string(o), bound.to_number<double>());
    }
    return c;
  }
  return Invalid(at + ": unknown condition '" + std::string(key) + "'");
}

}  // namespace

// A key of the policy: conditions (a leaf) or, in the MessageBody scope, a
// nested object of keys.
struct FilterPolicy::Node {
  std::vector<Condition> conditions;
  std::map<std::string, Node, std::less<>> children;
  bool leaf() const { return children.empty(); }
};

namespace {

using Children = std::map<std::string, FilterPolicy::Node, std::less<>>;

}  // namespace

Result<FilterPolicy> FilterPolicy::Parse(std::string_view text, Scope scope) {
  boost::system::error_code ec;
  json::value policy = json::parse(text, ec);
  if (ec || !policy.is_object()) {
    return Invalid("the policy must be a JSON object");
  }
  if (policy.get_object().empty()) return Invalid("the policy is empty");
  size_t keys = 0, combinations = 1;
  // Builds `node` from `o`, counting leaf keys and value combinations.
  std::function<Status(const json::object&, Children&, const std::string&)>
      build = [&](const json::object& o, Children& node,
                  const std::string& where) {
        for (const auto& [k, v] : o) {
          std::string at =
              where.empty() ? std::string(k) : where + "." + std::string(k);
          FilterPolicy::Node child;
          if (v.is_object() && scope == Scope::kMessageBody) {
            if (v.get_object().empty()) return Invalid(at + ": empty object");
            if (Status s = build(v.get_object(), child.children, at); !s.ok()) {
              return s;
            }
          } else {
            if (!v.is_array() || v.get_array().empty()) {
              return Invalid(at + ": expected a non-empty list of conditions");
            }
            for (const json::value& c : v.get_array()) {
              auto parsed = ParseCondition(c, at);
              if (!parsed.ok()) return parsed.status();
              child.conditions.push_back(std::move(*parsed));
            }
            ++keys;
            combinations *= child.conditions.size();
          }
          node.emplace(std::string(k), std::move(child));
        }
        return Status::Ok();
      };
  auto root = std::make_shared<FilterPolicy::Node>();
  if (Status s = build(policy.get_object(), root->children, ""); !s.ok()) {
    return s;
  }
  if (keys > kMaxKeys) {
    return Invalid("a policy may name at most 5 keys, this one names " +
                   std::to_string(keys));
  }
  if (combinations > kMaxCombinations) {
    return Invalid("the policy has " + std::to_string(combinations) +
                   " combinations of values, more than 150");
  }
  return FilterPolicy(std::move(root), scope);
}

namespace {

// True when a key's conditions hold for `values` (empty: the key is
// missing, or holds nothing comparable, such as a Binary attribute).
bool KeyMatches(const std::vector<Condition>& conditions,
                const std::vector<Value>& values, bool present) {
  for (const Condition& c : conditions) {
    if (c.kind == Condition::Kind::kExists) {
      if (c.exists == present) return true;
      continue;
    }
    for (const Value& v : values) {
      if (Holds(c, v)) return true;
    }
  }
  return false;
}

// The comparable values of a JSON body value (an array's elements).
std::vector<Value> ValuesOf(const json::value& j) {
  std::vector<Value> out;
  auto add = [&out](const json::value& e) {
    if (e.is_string()) out.push_back({std::string(e.get_string()), {}});
    if (e.is_number()) out.push_back({{}, e.to_number<double>()});
  };
  if (j.is_array()) {
    for (const json::value& e : j.get_array()) add(e);
  } else {
    add(j);
  }
  return out;
}

bool BodyMatches(const Children& policy, const json::object* body) {
  for (const auto& [key, node] : policy) {
    const json::value* v = body != nullptr ? body->if_contains(key) : nullptr;
    if (!node.leaf()) {
      const json::object* nested =
          v != nullptr && v->is_object() ? &v->get_object() : nullptr;
      if (!BodyMatches(node.children, nested)) return false;
      continue;
    }
    bool present = v != nullptr && !v->is_null();
    if (!KeyMatches(node.conditions,
                    present ? ValuesOf(*v) : std::vector<Value>{}, present)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool FilterPolicy::Matches(const SnsMessageAttributes& attributes,
                           std::string_view message) const {
  if (scope_ == Scope::kMessageBody) {
    boost::system::error_code ec;
    json::value body = json::parse(message, ec);
    // A body that is not a JSON object matches no body policy.
    if (ec || !body.is_object()) return false;
    return BodyMatches(root_->children, &body.get_object());
  }
  for (const auto& [key, node] : root_->children) {
    auto it = attributes.find(key);
    std::vector<Value> values;
    if (it != attributes.end()) {
      const SnsMessageAttribute& a = it->second;
      if (a.data_type == "String.Array") {
        boost::system::error_code ec;
        json::value list = json::parse(a.string_value, ec);
        if (!ec) values = ValuesOf(list);
      } else if (a.data_type.starts_with("Number")) {
        values.push_back({std::nullopt, ToNumber(a.string_value)});
      } else if (a.data_type.starts_with("String")) {
        values.push_back({a.string_value, std::nullopt});
      }
    }
    if (!KeyMatches(node.conditions, values, it != attributes.end())) {
      return false;
    }
  }
  return true;
}

}  // namespace fanlab::services
