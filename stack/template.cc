// Reading a template: the YAML (or JSON) tree is walked once for the
// parameters and conditions, the resources are put in dependency order
// (Ref, Fn::GetAtt, Fn::Sub, DependsOn), then each is evaluated and turned
// into its actions in that order, so a Ref or Fn::GetAtt reads the values
// of a resource already done. Every problem becomes a Diagnostic; none
// stops the others from being found.
#include "stack/template.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "emulator/core/arn.h"
#include "emulator/core/base64.h"
#include "yaml/scalar.h"

namespace fanlab::stack {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// AWS::NoValue: removes the property or list element it stands for.
constexpr std::string_view kNoValue = "\x01NoValue";
bool IsNoValue(const json::value& v) {
  return v.is_string() && v.as_string() == kNoValue;
}

// The api id every route is served under (RouteServiceOptions::api_id).
constexpr const char* kApiId = "fanlab000";

// A node that is not there (a default YAML::Node is a null that is).
YAML::Node Absent() { return YAML::Node(YAML::NodeType::Undefined); }

Mark MarkOf(const YAML::Node& n) {
  if (!n) return {};
  YAML::Mark m = n.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

// "Ref", "Fn::GetAtt", "Condition" for a node tagged !Ref, !GetAtt,
// !Condition; "" for any other node.
std::string TagFunction(const YAML::Node& n) {
  const std::string& tag = n.Tag();
  if (tag.size() < 2 || tag[0] != '!' || tag[1] == '!') return "";
  std::string name = tag.substr(1);
  if (name == "Ref" || name == "Condition") return name;
  return "Fn::" + name;
}

// A value as the text CloudFormation makes of it in a string context.
std::optional<std::string> TextOf(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) {
    std::string s = json::serialize(v);
    return s;
  }
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return std::nullopt;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The properties of one resource (or event), evaluated, with the nodes
// they came from for error positions. Each property a reader uses is
// marked; what is left over is reported as unsupported.
struct Props {
  json::object values;
  std::map<std::string, YAML::Node> nodes;
  std::set<std::string> used;
  YAML::Node node;   // the Properties map (or the resource)
  std::string path;  // "Resources.Jobs.Properties"

  const json::value* Get(const std::string& key) {
    used.insert(key);
    const json::value* v = values.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }
  YAML::Node NodeOf(const std::string& key) const {
    auto it = nodes.find(key);
    return it == nodes.end() ? node : it->second;
  }
  std::string PathOf(const std::string& key) const { return path + "." + key; }
};

struct Resource {
  std::string id;
  std::string type;
  YAML::Node node;
  std::set<std::string> deps;  // other resources it refers to
  bool active = true;          // its Condition holds
  bool done = false;           // evaluated: ref and attrs are set
  json::value ref;             // its Ref; null when it has none
  std::map<std::string, json::value> attrs;
};

class Loader {
 public:
  Loader(std::string file, const TemplateOptions& options, Diagnostics& errors)
      : file_(std::move(file)), options_(options), errors_(errors) {
    fs::path dir = fs::path(file_).parent_path();
    dir_ = dir.empty() ? fs::current_path() : fs::absolute(dir);
  }

  Stack Read(const YAML::Node& root) {
    stack_.file = file_;
    stack_.stack_name = options_.stack_name;
    if (!root.IsMap()) {
      Error(root, "", "a template is a map with a Resources section");
      return std::move(stack_);
    }
    static const std::set<std::string> kTopLevel = {"AWSTemplateFormatVersion",
                                                    "Transform",
                                                    "Description",
                                                    "Metadata",
                                                    "Parameters",
                                                    "Mappings",
                                                    "Conditions",
                                                    "Globals",
                                                    "Resources",
                                                    "Outputs"};
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (kTopLevel.count(key) == 0) {
        Unsupported(kv.first, key, "the section \"" + key + "\"");
      }
    }
    if (const YAML::Node t = root["Transform"]) {
      std::vector<YAML::Node> transforms;
      if (t.IsSequence()) {
        for (const auto& x : t) transforms.push_back(x);
      } else {
        transforms.push_back(t);
      }
      for (const auto& x : transforms) {
        if (!x.IsScalar() || x.Scalar() != "AWS::Serverless-2016-10-31") {
          Unsupported(x, "Transform",
                      "the transform " + (x.IsScalar() ? x.Scalar() : "") +
                          " (only AWS::Serverless-2016-10-31)");
        }
      }
    }
    // (A YAML::Node assigned to rebinds only when empty: these are.)
    if (root["Mappings"]) mappings_ = root["Mappings"];
    ReadParameters(root["Parameters"]);
    if (root["Conditions"]) conditions_node_ = root["Conditions"];
    if (conditions_node_ && conditions_node_.IsMap()) {
      for (const auto& kv : conditions_node_)
        Condition(kv.first.Scalar(), kv.first);
    }
    ReadGlobals(root["Globals"]);
    const YAML::Node resources = root["Resources"];
    if (!resources || !resources.IsMap() || resources.size() == 0) {
      Error(resources ? resources : root, "Resources",
            "a template declares at least one resource in a Resources map");
      return std::move(stack_);
    }
    CollectResources(resources);
    AddImplicitResources();
    for (const std::string& id : Order()) Create(resources_.at(id));
    // Each bucket's notification rules, gathered from its own
    // NotificationConfiguration and the S3 events naming it, in one call
    // once every function, queue and topic exists.
    for (auto& [bucket, n] : notifications_) {
      stack_.calls.push_back(
          {"PutBucketNotificationConfiguration",
           {{"Bucket", bucket}, {"NotificationConfiguration", n.config}},
           n.mark,
           n.path});
    }
    ReadOutputs(root["Outputs"]);
    return std::move(stack_);
  }

 private:
  // --- Diagnostics ---------------------------------------------------------
  void Error(const YAML::Node& at, const std::string& path, std::string msg) {
    errors_.push_back({file_, MarkOf(at), path, std::move(msg)});
  }
  void Note(const YAML::Node& at, const std::string& path, std::string msg) {
    stack_.warnings.push_back({file_, MarkOf(at), path, std::move(msg)});
  }
  // What fanlab cannot honour: an error, or a warning (left out) with
  // allow_unknown.
  void Unsupported(const YAML::Node& at, const std::string& path,
                   const std::string& what) {
    if (options_.allow_unknown) {
      Note(at, path, what + " is not supported by fanlab; left out");
    } else {
      Error(at, path,
            what +
                " is not supported by fanlab (--allow-unknown leaves it "
                "out with a warning)");
    }
  }

  // --- Evaluation ------------------------------------------------------------
  json::value Eval(const YAML::Node& n, const std::string& path,
                   bool ignore_tag = false) {
    if (!n) return nullptr;
    if (depth_ >= kMaxDepth) {
      Error(n, path, "nested more than " + std::to_string(kMaxDepth) + " deep");
      return nullptr;
    }
    ++depth_;
    json::value out = EvalNode(n, path, ignore_tag);
    --depth_;
    return out;
  }

  json::value EvalNode(const YAML::Node& n, const std::string& path,
                       bool ignore_tag) {
    if (!ignore_tag) {
      if (std::string fn = TagFunction(n); !fn.empty()) {
        return Intrinsic(fn, n, true, path);
      }
    }
    if (n.IsMap()) {
      if (n.size() == 1) {
        const auto kv = *n.begin();
        const std::string key = kv.first.Scalar();
        if (key == "Ref" || key.starts_with("Fn::")) {
          return Intrinsic(key, kv.second, false, path + "." + key);
        }
      }
      json::object out;
      for (const auto& kv : n) {
        const std::string key = kv.first.Scalar();
        json::value v = Eval(kv.second, path + "." + key);
        if (!IsNoValue(v)) out[key] = std::move(v);
      }
      return out;
    }
    if (n.IsSequence()) {
      json::array out;
      size_t i = 0;
      for (const auto& item : n) {
        json::value v = Eval(item, path + "[" + std::to_string(i++) + "]");
        if (!IsNoValue(v)) out.push_back(std::move(v));
      }
      return out;
    }
    if (n.IsScalar()) return yaml::ScalarValue(n);
    return nullptr;
  }

  // The arguments of an intrinsic: the node itself for the tag form (its
  // tag dropped), else the value under the Fn:: key.
  std::vector<YAML::Node> Args(const YAML::Node& arg) {
    std::vector<YAML::Node> out;
    if (arg.IsSequence()) {
      for (const auto& a : arg) out.push_back(a);
    }
    return out;
  }

  std::string StringArg(const YAML::Node& n, const std::string& path,
                        bool tagged, const std::string& fn) {
    json::value v = Eval(n, path, tagged);
    auto text = TextOf(v);
    if (!text) {
      Error(n, path, fn + " takes a string here");
      return "";
    }
    return *text;
  }

  json::value Intrinsic(const std::string& fn, const YAML::Node& arg,
                        bool tagged, const std::string& path) {
    if (fn == "Ref") {
      if (!arg.IsScalar()) {
        Error(arg, path, "Ref takes the name of a parameter or resource");
        return nullptr;
      }
      return RefValue(arg.Scalar(), arg, path);
    }
    if (fn == "Fn::GetAtt") {
      std::string id, attribute;
      if (arg.IsScalar()) {
        const std::string& s = arg.Scalar();
        size_t dot = s.find('.');
        id = s.substr(0, dot);
        attribute = dot == std::string::npos ? "" : s.substr(dot + 1);
      } else if (arg.IsSequence() && arg.size() == 2 && arg[0].IsScalar()) {
        id = arg[0].Scalar();
        attribute = StringArg(arg[1], path + "[1]", false, fn);
      }
      if (id.empty() || attribute.empty()) {
        Error(arg, path,
              "Fn::GetAtt takes LogicalId.Attribute or [LogicalId, "
              "Attribute]");
        return nullptr;
      }
      return GetAtt(id, attribute, arg, path);
    }
    if (fn == "Fn::Sub") {
      if (arg.IsScalar()) return json::string(Sub(arg.Scalar(), {}, arg, path));
      auto a = Args(arg);
      if (a.size() != 2 || !a[0].IsScalar() || !a[1].IsMap()) {
        Error(arg, path, "Fn::Sub takes a string or [string, {Name: value}]");
        return nullptr;
      }
      std::map<std::string, std::string> vars;
      for (const auto& kv : a[1]) {
        const std::string name = kv.first.Scalar();
        vars[name] = StringArg(kv.second, path + "[1]." + name, false, fn);
      }
      return json::string(Sub(a[0].Scalar(), vars, a[0], path + "[0]"));
    }
    if (fn == "Fn::Join") {
      auto a = Args(arg);
      if (a.size() != 2) {
        Error(arg, path, "Fn::Join takes [delimiter, [values]]");
        return nullptr;
      }
      std::string delimiter = StringArg(a[0], path + "[0]", false, fn);
      json::value list = Eval(a[1], path + "[1]");
      if (!list.is_array()) {
        Error(a[1], path + "[1]", "Fn::Join joins a list");
        return nullptr;
      }
      std::string out;
      bool first = true;
      for (const auto& v : list.as_array()) {
        auto text = TextOf(v);
        if (!text) {
          Error(a[1], path + "[1]", "Fn::Join joins strings");
          return nullptr;
        }
        out += (first ? "" : delimiter) + *text;
        first = false;
      }
      return json::string(out);
    }
    if (fn == "Fn::If") {
      auto a = Args(arg);
      if (a.size() != 3 || !a[0].IsScalar()) {
        Error(arg, path, "Fn::If takes [condition, value if true, if false]");
        return nullptr;
      }
      bool holds = Condition(a[0].Scalar(), a[0], path + "[0]");
      return holds ? Eval(a[1], path + "[1]") : Eval(a[2], path + "[2]");
    }
    if (fn == "Fn::Select") {
      auto a = Args(arg);
      if (a.size() != 2) {
        Error(arg, path, "Fn::Select takes [index, [values]]");
        return nullptr;
      }
      json::value index = Eval(a[0], path + "[0]");
      if (index.is_string()) {
        if (auto i = yaml::ParseInteger(std::string(index.as_string())))
          index = *i;
      }
      json::value list = Eval(a[1], path + "[1]");
      if (!index.is_int64() || !list.is_array()) {
        Error(arg, path, "Fn::Select takes [index, [values]]");
        return nullptr;
      }
      int64_t i = index.as_int64();
      if (i < 0 || static_cast<size_t>(i) >= list.as_array().size()) {
        Error(a[0], path + "[0]",
              "index " + std::to_string(i) + " is outside a list of " +
                  std::to_string(list.as_array().size()));
        return nullptr;
      }
      return list.as_array()[static_cast<size_t>(i)];
    }
    if (fn == "Fn::Split") {
      auto a = Args(arg);
      if (a.size() != 2) {
        Error(arg, path, "Fn::Split takes [delimiter, string]");
        return nullptr;
      }
      std::string delimiter = StringArg(a[0], path + "[0]", false, fn);
      std::string text = StringArg(a[1], path + "[1]", false, fn);
      if (delimiter.empty()) {
        Error(a[0], path + "[0]", "Fn::Split needs a delimiter");
        return nullptr;
      }
      json::array out;
      for (size_t at = 0;;) {
        size_t next = text.find(delimiter, at);
        out.push_back(json::string(text.substr(at, next - at)));
        if (next == std::string::npos) break;
        at = next + delimiter.size();
      }
      return out;
    }
    if (fn == "Fn::FindInMap") {
      auto a = Args(arg);
      if (a.size() != 3) {
        Error(arg, path, "Fn::FindInMap takes [map, key, key]");
        return nullptr;
      }
      std::string keys[3];
      for (size_t i = 0; i < 3; ++i) {
        keys[i] =
            StringArg(a[i], path + "[" + std::to_string(i) + "]", false, fn);
      }
      const YAML::Node& maps = mappings_;
      const YAML::Node top = maps && maps.IsMap() ? maps[keys[0]] : Absent();
      const YAML::Node second = top && top.IsMap() ? top[keys[1]] : Absent();
      const YAML::Node at =
          second && second.IsMap() ? second[keys[2]] : Absent();
      if (!at) {
        Error(arg, path,
              "no Mappings." + keys[0] + "." + keys[1] + "." + keys[2]);
        return nullptr;
      }
      return Eval(at, "Mappings." + keys[0] + "." + keys[1] + "." + keys[2]);
    }
    if (fn == "Fn::Base64") {
      return json::string(Base64Encode(StringArg(arg, path, tagged, fn)));
    }
    if (fn == "Fn::Equals" || fn == "Fn::And" || fn == "Fn::Or" ||
        fn == "Fn::Not" || fn == "Condition") {
      return Truth(fn, arg, tagged, path);
    }
    Unsupported(arg, path, "the intrinsic function " + fn);
    return nullptr;
  }

  // Fn::Equals, Fn::And, Fn::Or, Fn::Not and Condition, as a boolean.
  bool Truth(const std::string& fn, const YAML::Node& arg, bool tagged,
             const std::string& path) {
    if (fn == "Condition") {
      if (!arg.IsScalar()) {
        Error(arg, path, "Condition takes a condition's name");
        return false;
      }
      return Condition(arg.Scalar(), arg);
    }
    auto a = Args(arg);
    if (fn == "Fn::Equals") {
      if (a.size() != 2) {
        Error(arg, path, "Fn::Equals takes [value, value]");
        return false;
      }
      json::value x = Eval(a[0], path + "[0]");
      json::value y = Eval(a[1], path + "[1]");
      auto tx = TextOf(x), ty = TextOf(y);
      if (tx && ty) return *tx == *ty;
      return x == y;
    }
    if (fn == "Fn::Not" && a.size() != 1) {
      Error(arg, path, "Fn::Not takes [condition]");
      return false;
    }
    if ((fn == "Fn::And" || fn == "Fn::Or") &&
        (a.size() < 2 || a.size() > 10)) {
      Error(arg, path, fn + " takes 2 to 10 conditions");
      return false;
    }
    std::vector<bool> values;
    for (size_t i = 0; i < a.size(); ++i) {
      values.push_back(BoolOf(a[i], path + "[" + std::to_string(i) + "]"));
    }
    (void)tagged;
    if (fn == "Fn::Not") return !values[0];
    if (fn == "Fn::And") {
      return std::all_of(values.begin(), values.end(),
                         [](bool b) { return b; });
    }
    return std::any_of(values.begin(), values.end(), [](bool b) { return b; });
  }

  bool BoolOf(const YAML::Node& n, const std::string& path) {
    if (n.IsMap() && n.size() == 1 &&
        n.begin()->first.Scalar() == "Condition") {
      return Truth("Condition", n.begin()->second, false, path + ".Condition");
    }
    json::value v = Eval(n, path);
    if (v.is_bool()) return v.as_bool();
    if (v.is_string() &&
        (v.as_string() == "true" || v.as_string() == "false")) {
      return v.as_string() == "true";
    }
    Error(n, path,
          "a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
          "{Condition: Name}");
    return false;
  }

  bool Condition(const std::string& name, const YAML::Node& at,
                 const std::string& path = "") {
    if (auto it = condition_values_.find(name); it != condition_values_.end()) {
      return it->second;
    }
    YAML::Node def = conditions_node_ && conditions_node_.IsMap()
                         ? conditions_node_[name]
                         : Absent();
    if (!def) {
      Error(at, path, "no condition named \"" + name + "\" in Conditions");
      condition_values_[name] = false;
      return false;
    }
    if (!conditions_busy_.insert(name).second) {
      Error(def, "Conditions." + name,
            "the condition \"" + name + "\" refers to itself");
      return false;
    }
    bool value = BoolOf(def, "Conditions." + name);
    conditions_busy_.erase(name);
    condition_values_[name] = value;
    return value;
  }

  // IAM is global: its ARNs name no region.
  std::string IamArn(const std::string& role) const {
    return "arn:" + options_.account.partition +
           ":iam::" + options_.account.id + ":role/" + role;
  }

  std::string StackId() const {
    return MakeArn(options_.account, "cloudformation",
                   "stack/" + options_.stack_name +
                       "/00000000-0000-0000-0000-000000000000");
  }

  std::optional<json::value> Pseudo(const std::string& name) const {
    const Account& a = options_.account;
    if (name == "AWS::Region") return json::string(a.region);
    if (name == "AWS::AccountId") return json::string(a.id);
    if (name == "AWS::Partition") return json::string(a.partition);
    if (name == "AWS::StackName") return json::string(options_.stack_name);
    if (name == "AWS::StackId") return json::string(StackId());
    if (name == "AWS::URLSuffix") return json::string("amazonaws.com");
    if (name == "AWS::NoValue") return json::string(kNoValue);
    if (name == "AWS::NotificationARNs") return json::array();
    return std::nullopt;
  }

  json::value RefValue(const std::string& name, const YAML::Node& at,
                       const std::string& path) {
    if (auto p = Pseudo(name)) return *p;
    if (auto it = parameters_.find(name); it != parameters_.end()) {
      return it->second;
    }
    if (name == "ServerlessRestApi" || name == "ServerlessHttpApi") {
      return json::string(kApiId);
    }
    Resource* r = Find(name, at, path);
    if (r == nullptr) return nullptr;
    if (r->ref.is_null()) {
      Unsupported(at, path, "Ref of a " + r->type);
      return nullptr;
    }
    return r->ref;
  }

  json::value GetAtt(const std::string& id, const std::string& attribute,
                     const YAML::Node& at, const std::string& path) {
    Resource* r = Find(id, at, path);
    if (r == nullptr) return nullptr;
    if (auto it = r->attrs.find(attribute); it != r->attrs.end()) {
      return it->second;
    }
    if (attribute == "StreamArn") {
      Unsupported(at, path, "DynamoDB streams (" + id + ".StreamArn)");
      return nullptr;
    }
    std::string known;
    for (const auto& [k, v] : r->attrs)
      known += (known.empty() ? "" : ", ") + k;
    Unsupported(at, path,
                "the attribute " + id + "." + attribute + " of a " + r->type +
                    (known.empty() ? "" : " (fanlab has " + known + ")"));
    return nullptr;
  }

  // The resource `id`, done; null (and an error) when there is none or it
  // is left out by its condition.
  Resource* Find(const std::string& id, const YAML::Node& at,
                 const std::string& path) {
    auto it = resources_.find(id);
    if (it == resources_.end()) {
      Error(at, path,
            "\"" + id +
                "\" is neither a parameter nor a resource of this "
                "template");
      return nullptr;
    }
    Resource& r = it->second;
    if (!r.active) {
      Error(at, path,
            "\"" + id +
                "\" is left out by its condition; guard this use "
                "with Fn::If on the same condition");
      return nullptr;
    }
    if (!r.done) return nullptr;  // its own error (a cycle) is reported
    return &r;
  }

  // ${Name}, ${Resource.Attribute}, ${AWS::Region}; ${!Literal} is
  // "${Literal}".
  std::string Sub(const std::string& text,
                  const std::map<std::string, std::string>& vars,
                  const YAML::Node& at, const std::string& path) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
      size_t open = text.find("${", i);
      if (open == std::string::npos) {
        out += text.substr(i);
        break;
      }
      out += text.substr(i, open - i);
      size_t close = text.find('}', open);
      if (close == std::string::npos) {
        Error(at, path, "Fn::Sub: unterminated ${ in \"" + text + "\"");
        return out;
      }
      std::string name = text.substr(open + 2, close - open - 2);
      i = close + 1;
      if (name.starts_with("!")) {
        out += "${" + name.substr(1) + "}";
        continue;
      }
      if (auto v = vars.find(name); v != vars.end()) {
        out += v->second;
        continue;
      }
      json::value value;
      size_t dot = name.find('.');
      if (dot != std::string::npos && !name.starts_with("AWS::")) {
        value = GetAtt(name.substr(0, dot), name.substr(dot + 1), at, path);
      } else {
        value = RefValue(name, at, path);
      }
      if (auto t = TextOf(value)) {
        out += *t;
      } else if (value.is_array()) {
        Error(at, path, "Fn::Sub: ${" + name + "} is a list, not a string");
      }
    }
    return out;
  }

  // --- Dependencies ---------------------------------------------------------
  // The names `n` refers to (Ref, Fn::GetAtt, Fn::Sub, DependsOn).
  void Refs(const YAML::Node& n, std::set<std::string>& out) {
    if (!n) return;
    std::string fn = TagFunction(n);
    auto add_sub = [&](const std::string& text) {
      for (size_t at = text.find("${"); at != std::string::npos;
           at = text.find("${", at + 2)) {
        size_t end = text.find('}', at);
        if (end == std::string::npos) break;
        std::string name = text.substr(at + 2, end - at - 2);
        if (name.starts_with("!")) continue;
        out.insert(name.substr(0, name.find('.')));
      }
    };
    auto add_getatt = [&](const YAML::Node& a) {
      if (a.IsScalar()) out.insert(a.Scalar().substr(0, a.Scalar().find('.')));
      if (a.IsSequence() && a.size() > 0 && a[0].IsScalar()) {
        out.insert(a[0].Scalar());
      }
    };
    if (fn == "Ref" && n.IsScalar()) out.insert(n.Scalar());
    if (fn == "Fn::GetAtt") add_getatt(n);
    if (fn == "Fn::Sub") {
      if (n.IsScalar()) add_sub(n.Scalar());
      if (n.IsSequence() && n.size() > 0 && n[0].IsScalar()) {
        add_sub(n[0].Scalar());
      }
    }
    if (n.IsMap()) {
      for (const auto& kv : n) {
        const std::string key = kv.first.Scalar();
        if (key == "Ref" && kv.second.IsScalar())
          out.insert(kv.second.Scalar());
        if (key == "Fn::GetAtt") add_getatt(kv.second);
        if (key == "Fn::Sub") {
          if (kv.second.IsScalar()) add_sub(kv.second.Scalar());
          if (kv.second.IsSequence() && kv.second.size() > 0 &&
              kv.second[0].IsScalar()) {
            add_sub(kv.second[0].Scalar());
          }
        }
        Refs(kv.second, out);
      }
    } else if (n.IsSequence()) {
      for (const auto& item : n) Refs(item, out);
    }
  }

  void CollectResources(const YAML::Node& resources) {
    static const std::set<std::string> kResourceKeys = {
        "Type",          "Properties",
        "DependsOn",     "Condition",
        "Metadata",      "DeletionPolicy",
        "UpdatePolicy",  "UpdateReplacePolicy",
        "CreationPolicy"};
    for (const auto& kv : resources) {
      const std::string id = kv.first.Scalar();
      const std::string path = "Resources." + id;
      Resource r;
      r.id = id;
      r.node = kv.second;
      if (!kv.second.IsMap() || !kv.second["Type"] ||
          !kv.second["Type"].IsScalar()) {
        Error(kv.second, path, "a resource is a map with a Type");
        continue;
      }
      r.type = kv.second["Type"].Scalar();
      for (const auto& p : kv.second) {
        const std::string key = p.first.Scalar();
        if (kResourceKeys.count(key) == 0) {
          Error(p.first, path + "." + key,
                "unknown resource attribute \"" + key + "\"");
        }
      }
      if (const YAML::Node c = kv.second["Condition"]; c && c.IsScalar()) {
        r.active = Condition(c.Scalar(), c);
      }
      order_.push_back(id);
      resources_.emplace(id, std::move(r));
    }
    for (auto& [id, r] : resources_) {
      std::set<std::string> refs;
      Refs(r.node["Properties"], refs);
      // Globals apply to these types: what they refer to comes first too.
      const char* section = r.type == "AWS::Serverless::Function"  ? "Function"
                            : r.type == "AWS::Serverless::Api"     ? "Api"
                            : r.type == "AWS::Serverless::HttpApi" ? "HttpApi"
                            : r.type == "AWS::Serverless::SimpleTable"
                                ? "SimpleTable"
                                : nullptr;
      if (section != nullptr) {
        if (auto g = globals_.find(section); g != globals_.end()) {
          Refs(g->second, refs);
        }
      }
      for (const auto& name : refs) {
        if (name != id && resources_.count(name) > 0) r.deps.insert(name);
        if (name == id) {
          Error(r.node, "Resources." + id, "\"" + id + "\" refers to itself");
        }
      }
      if (const YAML::Node d = r.node["DependsOn"]) {
        std::vector<YAML::Node> list;
        if (d.IsSequence()) {
          for (const auto& x : d) list.push_back(x);
        } else {
          list.push_back(d);
        }
        for (const auto& x : list) {
          if (!x.IsScalar() || resources_.count(x.Scalar()) == 0) {
            Error(x, "Resources." + id + ".DependsOn",
                  "DependsOn names no resource of this template" +
                      (x.IsScalar() ? ": \"" + x.Scalar() + "\"" : ""));
          } else {
            r.deps.insert(x.Scalar());
          }
        }
      }
    }
  }

  // The resources SAM generates and templates refer to: a function's
  // role (FunctionIdRole) unless the template declares one by that id.
  // IAM is not emulated: they only answer Ref and Fn::GetAtt Arn.
  void AddImplicitResources() {
    std::vector<std::string> roles;
    for (const auto& [id, r] : resources_) {
      if (r.type == "AWS::Serverless::Function" &&
          resources_.count(id + "Role") == 0) {
        roles.push_back(id + "Role");
      }
    }
    for (const std::string& id : roles) {
      Resource role;
      role.id = id;
      role.type = "AWS::IAM::Role";
      role.done = true;
      role.ref = json::string(id);
      role.attrs["Arn"] = json::string(IamArn(id));
      resources_.emplace(id, std::move(role));
    }
  }

  // The resources in dependency order: each time, the first in file order
  // whose dependencies are all placed. What is left in a cycle is reported.
  std::vector<std::string> Order() {
    std::vector<std::string> out;
    std::set<std::string> placed;
    std::vector<std::string> left = order_;
    while (!left.empty()) {
      auto ready = std::find_if(left.begin(), left.end(), [&](const auto& id) {
        for (const auto& d : resources_.at(id).deps) {
          if (placed.count(d) == 0) return false;
        }
        return true;
      });
      if (ready == left.end()) {
        for (const auto& id : left) {
          const Resource& r = resources_.at(id);
          std::string through;
          for (const auto& d : r.deps) {
            if (placed.count(d) == 0)
              through += (through.empty() ? "" : ", ") + d;
          }
          Error(r.node, "Resources." + id,
                "circular dependency: \"" + id + "\" needs " + through +
                    ", which need it in turn");
        }
        break;
      }
      placed.insert(*ready);
      out.push_back(*ready);
      left.erase(ready);
    }
    return out;
  }

  // --- Parameters, Globals, Outputs ----------------------------------------
  void ReadParameters(const YAML::Node& params) {
    std::set<std::string> declared;
    if (params && params.IsMap()) {
      for (const auto& kv : params) {
        const std::string name = kv.first.Scalar();
        const std::string path = "Parameters." + name;
        declared.insert(name);
        const YAML::Node p = kv.second;
        if (!p.IsMap()) {
          Error(p, path, "a parameter is a map with a Type");
          continue;
        }
        std::string type =
            p["Type"] && p["Type"].IsScalar() ? p["Type"].Scalar() : "";
        if (type != "String" && type != "Number" &&
            type != "CommaDelimitedList" && type != "List<Number>" &&
            type != "List<String>") {
          Unsupported(p["Type"] ? p["Type"] : p, path + ".Type",
                      "the parameter type \"" + type + "\"");
          continue;
        }
        std::optional<std::string> value;
        const bool overridden = options_.parameters.count(name) > 0;
        const YAML::Node at = !overridden && p["Default"] ? p["Default"] : p;
        if (overridden) {
          value = options_.parameters.at(name);
        } else if (p["Default"] && p["Default"].IsScalar()) {
          value = p["Default"].Scalar();
        } else if (p["Default"] && p["Default"].IsSequence()) {
          std::string joined;
          for (const auto& x : p["Default"]) {
            joined += (joined.empty() ? "" : ",") + x.Scalar();
          }
          value = joined;
        }
        if (!value) {
          Error(p, path,
                "the parameter \"" + name +
                    "\" has no Default: give it with --parameter-overrides " +
                    name + "=VALUE");
          continue;
        }
        if (const YAML::Node allowed = p["AllowedValues"];
            allowed && allowed.IsSequence()) {
          bool ok = false;
          std::string list;
          for (const auto& x : allowed) {
            ok = ok || x.Scalar() == *value;
            list += (list.empty() ? "" : ", ") + x.Scalar();
          }
          if (!ok) {
            Error(at, path,
                  "\"" + *value + "\" is not one of the AllowedValues (" +
                      list + ")");
          }
        }
        if (type == "Number" && !yaml::ParseNumber(*value)) {
          Error(at, path, "\"" + *value + "\" is not a Number");
        }
        if (type == "String" || type == "Number") {
          parameters_[name] = json::string(*value);
        } else {
          json::array list;
          std::istringstream in(*value);
          for (std::string item; std::getline(in, item, ',');) {
            list.push_back(json::string(item));
          }
          parameters_[name] = std::move(list);
        }
      }
    }
    for (const auto& [name, value] : options_.parameters) {
      if (declared.count(name) == 0) {
        Error(params ? params : YAML::Node(), "Parameters",
              "--parameter-overrides gives \"" + name +
                  "\", which the template does not declare");
      }
    }
  }

  void ReadGlobals(const YAML::Node& globals) {
    if (!globals) return;
    if (!globals.IsMap()) {
      Error(globals, "Globals", "Globals is a map of sections");
      return;
    }
    for (const auto& kv : globals) {
      const std::string section = kv.first.Scalar();
      if (section != "Function" && section != "Api" && section != "HttpApi" &&
          section != "SimpleTable") {
        Unsupported(kv.first, "Globals." + section,
                    "the Globals section \"" + section + "\"");
        continue;
      }
      globals_[section] = kv.second;
    }
  }

  void ReadOutputs(const YAML::Node& outputs) {
    if (!outputs || !outputs.IsMap()) return;
    for (const auto& kv : outputs) {
      const std::string name = kv.first.Scalar();
      const std::string path = "Outputs." + name;
      const YAML::Node o = kv.second;
      if (!o.IsMap() || !o["Value"]) {
        Error(o, path, "an output is a map with a Value");
        continue;
      }
      if (const YAML::Node c = o["Condition"]; c && c.IsScalar()) {
        if (!Condition(c.Scalar(), c)) continue;
      }
      json::value v = Eval(o["Value"], path + ".Value");
      if (auto t = TextOf(v)) {
        stack_.outputs.emplace_back(name, *t);
      } else if (v.is_array()) {
        std::string joined;
        for (const auto& x : v.as_array()) {
          joined += (joined.empty() ? "" : ",") + TextOf(x).value_or("");
        }
        stack_.outputs.emplace_back(name, joined);
      }
    }
  }

  // The Properties of `r`, evaluated, with Globals' section under them.
  Props PropertiesOf(const Resource& r, const char* globals_section) {
    Props p;
    p.path = "Resources." + r.id + ".Properties";
    p.node = r.node["Properties"] ? r.node["Properties"] : r.node;
    if (globals_section != nullptr) {
      if (auto g = globals_.find(globals_section);
          g != globals_.end() && g->second.IsMap()) {
        for (const auto& kv : g->second) {
          const std::string key = kv.first.Scalar();
          json::value v = Eval(
              kv.second, std::string("Globals.") + globals_section + "." + key);
          if (IsNoValue(v)) continue;
          p.values[key] = std::move(v);
          p.nodes[key] = kv.first;
        }
      }
    }
    const YAML::Node props = r.node["Properties"];
    if (props && !props.IsMap()) {
      Error(props, p.path, "Properties is a map");
      return p;
    }
    if (!props) return p;
    for (const auto& kv : props) {
      const std::string key = kv.first.Scalar();
      json::value v = Eval(kv.second, p.PathOf(key));
      if (IsNoValue(v)) continue;
      // Environment.Variables from Globals merge with the function's own.
      if (key == "Environment" && v.is_object() &&
          p.values.contains("Environment") &&
          p.values["Environment"].is_object()) {
        json::object merged = p.values["Environment"].as_object();
        for (auto& [k, x] : v.as_object()) {
          if (k == "Variables" && x.is_object() &&
              merged.contains("Variables") && merged["Variables"].is_object()) {
            for (auto& [name, value] : x.as_object()) {
              merged["Variables"].as_object()[name] = value;
            }
          } else {
            merged[k] = x;
          }
        }
        v = std::move(merged);
      }
      p.values[key] = std::move(v);
      p.nodes[key] = kv.first;
    }
    return p;
  }

  // Properties of `p` no reader used: unsupported, except those in
  // `ignored` (a note each: they have no effect in fanlab).
  void Leftovers(Props& p, const std::string& type,
                 const std::set<std::string>& ignored = {}) {
    for (const auto& [key, value] : p.values) {
      if (p.used.count(std::string(key)) > 0) continue;
      const std::string k(key);
      if (ignored.count(k) > 0 || k == "Tags" || k == "Description") {
        if (k != "Tags" && k != "Description") {
          Note(p.NodeOf(k), p.PathOf(k),
               k + " has no effect in fanlab; accepted and ignored");
        }
        continue;
      }
      Unsupported(p.NodeOf(k), p.PathOf(k),
                  "the property " + k + " of " + type);
    }
  }

  // A property as a string (numbers and booleans as their text); "" when
  // absent, and an error when it is not a scalar.
  std::string Text(Props& p, const std::string& key) {
    const json::value* v = p.Get(key);
    if (v == nullptr) return "";
    auto t = TextOf(*v);
    if (!t) {
      Error(p.NodeOf(key), p.PathOf(key), key + " is a string");
      return "";
    }
    return *t;
  }
  std::optional<int64_t> Integer(Props& p, const std::string& key) {
    const json::value* v = p.Get(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_string()) {
      if (auto i = yaml::ParseInteger(std::string(v->as_string()))) return *i;
    }
    Error(p.NodeOf(key), p.PathOf(key), key + " is an integer");
    return std::nullopt;
  }
  std::optional<bool> Boolean(Props& p, const std::string& key) {
    const json::value* v = p.Get(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_bool()) return v->as_bool();
    if (v->is_string() &&
        (v->as_string() == "true" || v->as_string() == "false")) {
      return v->as_string() == "true";
    }
    Error(p.NodeOf(key), p.PathOf(key), key + " is true or false");
    return std::nullopt;
  }
  // A map of strings (Variables, Attributes).
  json::object StringMap(const json::value& v, const YAML::Node& at,
                         const std::string& path) {
    json::object out;
    if (!v.is_object()) {
      Error(at, path, "a map of strings");
      return out;
    }
    for (const auto& [k, x] : v.as_object()) {
      auto t = TextOf(x);
      if (!t) {
        Error(at, path + "." + std::string(k), "a string");
        continue;
      }
      out[k] = *t;
    }
    return out;
  }

  void Call(std::string action, json::object body, const Resource& r,
            std::string path = "") {
    stack_.calls.push_back({std::move(action), std::move(body), MarkOf(r.node),
                            path.empty() ? "Resources." + r.id : path});
  }
  void Listed(const Resource& r, std::string name, std::string arn,
              std::string url = "", std::string type = "") {
    stack_.resources.push_back({r.id, type.empty() ? r.type : type,
                                std::move(name), std::move(arn),
                                std::move(url)});
  }

  // --- Resources
  // ---------------------------------------------------------------
  void Create(Resource& r) {
    if (!r.active) {
      r.done = true;
      return;
    }
    const std::string& t = r.type;
    if (t == "AWS::SQS::Queue") {
      Queue(r);
    } else if (t == "AWS::SNS::Topic") {
      Topic(r);
    } else if (t == "AWS::SNS::Subscription") {
      Subscription(r);
    } else if (t == "AWS::S3::Bucket") {
      Bucket(r);
    } else if (t == "AWS::DynamoDB::Table") {
      Table(r);
    } else if (t == "AWS::Serverless::SimpleTable") {
      SimpleTable(r);
    } else if (t == "AWS::Events::Rule") {
      Rule(r);
    } else if (t == "AWS::Serverless::Function") {
      Function(r, true);
    } else if (t == "AWS::Lambda::Function") {
      Function(r, false);
    } else if (t == "AWS::Lambda::EventSourceMapping") {
      Mapping(r);
    } else if (t == "AWS::Lambda::EventInvokeConfig") {
      InvokeConfig(r);
    } else if (t == "AWS::Serverless::Api" || t == "AWS::Serverless::HttpApi") {
      Api(r);
    } else if (t.starts_with("AWS::IAM::") || t == "AWS::Lambda::Permission" ||
               t == "AWS::SQS::QueuePolicy" || t == "AWS::SNS::TopicPolicy" ||
               t == "AWS::S3::BucketPolicy") {
      Note(r.node["Type"], "Resources." + r.id + ".Type",
           t + ": fanlab does not check permissions; accepted and ignored");
      r.ref = json::string(r.id);
      r.attrs["Arn"] = json::string(IamArn(r.id));
    } else if (t == "AWS::Logs::LogGroup" || t == "AWS::CloudWatch::Alarm" ||
               t == "AWS::ResourceGroups::Group" ||
               t == "AWS::ApplicationInsights::Application") {
      // Monitoring: nothing a function or a message would notice.
      Note(r.node["Type"], "Resources." + r.id + ".Type",
           t + ": monitoring has no effect in fanlab; accepted and ignored");
      r.ref = json::string(r.id);
    } else {
      Unsupported(r.node["Type"], "Resources." + r.id + ".Type",
                  "the resource type " + t);
    }
    r.done = true;
  }

  void Queue(Resource& r) {
    Props p = PropertiesOf(r, nullptr);
    std::string name = Text(p, "QueueName");
    bool fifo = Boolean(p, "FifoQueue").value_or(false);
    if (name.empty()) name = r.id + (fifo ? ".fifo" : "");
    json::object attributes;
    for (const char* key :
         {"DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
          "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout",
          "ContentBasedDeduplication", "DeduplicationScope",
          "FifoThroughputLimit", "KmsMasterKeyId",
          "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"}) {
      if (p.values.contains(key)) {
        std::string v = Text(p, key);
        if (!v.empty()) attributes[key] = v;
      }
    }
    if (fifo) attributes["FifoQueue"] = "true";
    for (const char* key : {"RedrivePolicy", "RedriveAllowPolicy"}) {
      if (const json::value* v = p.Get(key)) {
        attributes[key] =
            v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
      }
    }
    Leftovers(p, r.type);
    json::object body{{"QueueName", name}};
    if (!attributes.empty()) body["Attributes"] = std::move(attributes);
    Call("CreateQueue", std::move(body), r);
    std::string arn = QueueArn(options_.account, name);
    std::string url = "${queue_url:" + name + "}";
    r.ref = json::string(url);
    r.attrs["Arn"] = json::string(arn);
    r.attrs["QueueUrl"] = json::string(url);
    r.attrs["QueueName"] = json::string(name);
    stack_.names["queue"].push_back(name);
    Listed(r, name, arn, url);
  }

  void Topic(Resource& r) {
    Props p = PropertiesOf(r, nullptr);
    std::string name = Text(p, "TopicName");
    if (name.empty()) name = r.id;
    json::object body{{"Name", name}};
    json::object attributes;
    if (std::string d = Text(p, "DisplayName"); !d.empty()) {
      attributes["DisplayName"] = d;
    }
    if (auto fifo = Boolean(p, "FifoTopic"); fifo && *fifo) {
      attributes["FifoTopic"] = "true";
    }
    if (!attributes.empty()) body["Attributes"] = std::move(attributes);
    Call("CreateTopic", std::move(body), r);
    std::string arn = TopicArn(options_.account, name);
    if (const json::value* subs = p.Get("Subscription")) {
      if (!subs->is_array()) {
        Error(p.NodeOf("Subscription"), p.PathOf("Subscription"),
              "Subscription is a list of {Protocol, Endpoint}");
      } else {
        size_t i = 0;
        for (const auto& s : subs->as_array()) {
          const json::object* o = s.if_object();
          std::string path =
              p.PathOf("Subscription") + "[" + std::to_string(i++) + "]";
          if (o == nullptr || !o->contains("Protocol") ||
              !o->contains("Endpoint")) {
            Error(p.NodeOf("Subscription"), path,
                  "a subscription is {Protocol, Endpoint}");
            continue;
          }
          Call("Subscribe",
               {{"TopicArn", arn},
                {"Protocol", TextOf(o->at("Protocol")).value_or("")},
                {"Endpoint", TextOf(o->at("Endpoint")).value_or("")}},
               r, p.PathOf("Subscription"));
        }
      }
    }
    Leftovers(p, r.type, {"KmsMasterKeyId"});
    r.ref = json::string(arn);
    r.attrs["TopicArn"] = json::string(arn);
    r.attrs["TopicName"] = json::string(name);
    stack_.names["topic"].push_back(name);
    Listed(r, name, arn);
  }

  void Subscription(Resource& r) {
    Props p = PropertiesOf(r, nullptr);
    json::object body{{"TopicArn", Text(p, "TopicArn")},
                      {"Protocol", Text(p, "Protocol")},
                      {"Endpoint", Text(p, "Endpoint")}};
    json::object attributes;
    if (auto raw = Boolean(p, "RawMessageDelivery")) {
      attributes["RawMessageDelivery"] = *raw ? "true" : "false";
    }
    if (const json::value* f = p.Get("FilterPolicy")) {
      attributes["FilterPolicy"] =
          f->is_string() ? std::string(f->as_string()) : json::serialize(*f);
    }
    if (std::string scope = Text(p, "FilterPolicyScope"); !scope.empty()) {
      attributes["FilterPolicyScope"] = scope;
    }
    if (!attributes.empty()) body["Attributes"] = std::move(attributes);
    p.used.insert("Region");
    Leftovers(p, r.type);
    Call("Subscribe", std::move(body), r);
  }

  void Bucket(Resource& r) {
    Props p = PropertiesOf(r, nullptr);
    std::string name = Text(p, "BucketName");
    if (name.empty()) name = Lower(r.id);
    if (const json::value* n = p.Get("NotificationConfiguration")) {
      BucketNotifications(name, *n, p.NodeOf("NotificationConfiguration"),
                          p.PathOf("NotificationConfiguration"));
    }
    Leftovers(p, r.type,
              {"BucketEncryption", "PublicAccessBlockConfiguration",
               "OwnershipControls", "AccessControl"});
    Call("CreateBucket", {{"Bucket", name}}, r);
    std::string arn = "arn:" + options_.account.partition + ":s3:::" + name;
    r.ref = json::string(name);
    r.attrs["Arn"] = json::string(arn);
    r.attrs["DomainName"] = json::string(name + ".s3.amazonaws.com");
    r.attrs["RegionalDomainName"] = json::string(
        name + ".s3." + options_.account.region + ".amazonaws.com");
    stack_.names["bucket"].push_back(name);
    Listed(r, name, arn);
  }

  void TableDone(Resource& r, const std::string& name) {
    std::string arn = MakeArn(options_.account, "dynamodb", "table/" + name);
    r.ref = json::string(name);
    r.attrs["Arn"] = json::string(arn);
    stack_.names["table"].push_back(name);
    Listed(r, name, arn);
  }

  void Table(Resource& r) {
    Props p = PropertiesOf(r, nullptr);
    std::string name = Text(p, "TableName");
    if (name.empty()) name = r.id;
    json::object body{{"TableName", name}};
    for (const char* key : {"AttributeDefinitions", "KeySchema", "BillingMode",
                            "ProvisionedThroughput"}) {
      if (const json::value* v = p.Get(key)) body[key] = *v;
    }
    if (!body.contains("BillingMode")) {
      body["BillingMode"] = body.contains("ProvisionedThroughput")
                                ? "PROVISIONED"
                                : "PAY_PER_REQUEST";
    }
    if (const json::value* s = p.Get("StreamSpecification")) {
      Unsupported(p.NodeOf("StreamSpecification"),
                  p.PathOf("StreamSpecification"), "DynamoDB streams");
      (void)s;
    }
    Leftovers(p, r.type,
              {"PointInTimeRecoverySpecification", "SSESpecification",
               "DeletionProtectionEnabled", "TableClass",
               "ContributorInsightsSpecification"});
    Call("CreateTable", std::move(body), r);
    TableDone(r, name);
  }

  void SimpleTable(Resource& r) {
    Props p = PropertiesOf(r, "SimpleTable");
    std::string name = Text(p, "TableName");
    if (name.empty()) name = r.id;
    std::string key = "id", type = "S";
    if (const json::value* pk = p.Get("PrimaryKey")) {
      const json::object* o = pk->if_object();
      if (o != nullptr && o->contains("Name")) {
        key = TextOf(o->at("Name")).value_or("id");
      }
      if (o != nullptr && o->contains("Type")) {
        std::string t = TextOf(o->at("Type")).value_or("");
        type = t == "String"   ? "S"
               : t == "Number" ? "N"
               : t == "Binary" ? "B"
                               : "";
        if (type.empty()) {
          Error(p.NodeOf("PrimaryKey"), p.PathOf("PrimaryKey.Type"),
                "a PrimaryKey Type is String, Number or Binary");
          type = "S";
        }
      }
    }
    json::object body{
        {"TableName", name},
        {"AttributeDefinitions",
         json::array{
             json::object{{"AttributeName", key}, {"AttributeType", type}}}},
        {"KeySchema", json::array{json::object{{"AttributeName", key},
                                               {"KeyType", "HASH"}}}},
        {"BillingMode", "PAY_PER_REQUEST"}};
    if (const json::value* pt = p.Get("ProvisionedThroughput")) {
      body["BillingMode"] = "PROVISIONED";
      body["ProvisionedThroughput"] = *pt;
    }
    Leftovers(p, r.type, {"SSESpecification"});
    Call("CreateTable", std::move(body), r);
    TableDone(r, name);
  }

  // A rule's targets as PutTargets takes them.
  json::array Targets(Props& p) {
    json::array out;
    const json::value* v = p.Get("Targets");
    if (v == nullptr) return out;
    if (!v->is_array()) {
      Error(p.NodeOf("Targets"), p.PathOf("Targets"), "Targets is a list");
      return out;
    }
    size_t i = 0;
    for (const auto& t : v->as_array()) {
      std::string path = p.PathOf("Targets") + "[" + std::to_string(i++) + "]";
      const json::object* o = t.if_object();
      if (o == nullptr) {
        Error(p.NodeOf("Targets"), path, "a target is {Id, Arn}");
        continue;
      }
      json::object target;
      for (const auto& [k, x] : *o) {
        if (k == "Id" || k == "Arn" || k == "Input" || k == "InputPath" ||
            k == "SqsParameters") {
          target[k] = x;
        } else if (k == "RoleArn") {
          Note(p.NodeOf("Targets"), path + ".RoleArn",
               "RoleArn has no effect in fanlab; accepted and ignored");
        } else {
          Unsupported(p.NodeOf("Targets"), path + "." + std::string(k),
                      "the target property " + std::string(k));
        }
      }
      out.push_back(std::move(target));
    }
    return out;
  }

  void Rule(Resource& r) {
    Props p = PropertiesOf(r, nullptr);
    std::string name = Text(p, "Name");
    if (name.empty()) name = r.id;
    json::object rule{{"Name", name}};
    if (std::string e = Text(p, "ScheduleExpression"); !e.empty()) {
      rule["ScheduleExpression"] = e;
    }
    if (std::string s = Text(p, "State"); !s.empty()) rule["State"] = s;
    if (std::string d = Text(p, "Description"); !d.empty()) {
      rule["Description"] = d;
    }
    if (p.values.contains("EventPattern")) {
      p.used.insert("EventPattern");
      Unsupported(p.NodeOf("EventPattern"), p.PathOf("EventPattern"),
                  "EventPattern (fanlab's rules are schedules)");
    }
    if (std::string bus = Text(p, "EventBusName");
        !bus.empty() && bus != "default") {
      Unsupported(p.NodeOf("EventBusName"), p.PathOf("EventBusName"),
                  "an event bus other than \"default\"");
    }
    if (!rule.contains("ScheduleExpression") &&
        !p.values.contains("EventPattern")) {
      Error(p.node, p.path, "a rule needs a ScheduleExpression");
    }
    json::array targets = Targets(p);
    p.used.insert("RoleArn");
    Leftovers(p, r.type);
    Call("PutRule", std::move(rule), r);
    if (!targets.empty()) {
      Call("PutTargets", {{"Rule", name}, {"Targets", std::move(targets)}}, r,
           p.PathOf("Targets"));
    }
    std::string arn = MakeArn(options_.account, "events", "rule/" + name);
    r.ref = json::string(name);
    r.attrs["Arn"] = json::string(arn);
    stack_.names["rule"].push_back(name);
    Listed(r, name, arn);
  }

  // Code from a local path: a folder (Code.Directory) or a .zip
  // (Code.ZipFile).
  std::optional<json::object> LocalCode(const std::string& where,
                                        const YAML::Node& at,
                                        const std::string& path) {
    fs::path code = fs::absolute(dir_ / where).lexically_normal();
    if (!code.has_filename() && code != code.root_path()) {
      code = code.parent_path();
    }
    std::error_code ec;
    if (fs::is_directory(code, ec)) {
      return json::object{{"Directory", code.string()}};
    }
    if (!fs::exists(code, ec)) {
      Error(at, path, "no folder or .zip at " + code.string());
      return std::nullopt;
    }
    if (code.extension() != ".zip" || !fs::is_regular_file(code, ec)) {
      Error(at, path, code.string() + " is neither a folder nor a .zip file");
      return std::nullopt;
    }
    std::ifstream in(code, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) {
      Error(at, path, "cannot read " + code.string());
      return std::nullopt;
    }
    return json::object{{"ZipFile", Base64Encode(bytes.str())}};
  }

  void Function(Resource& r, bool serverless) {
    Props p = PropertiesOf(r, serverless ? "Function" : nullptr);
    std::string name = Text(p, "FunctionName");
    if (name.empty()) name = r.id;
    const std::string arn = FunctionArn(options_.account, name);
    json::object body{{"FunctionName", name}, {"Mode", "warm"}};
    std::string runtime = Text(p, "Runtime");
    if (runtime.empty()) {
      Error(p.node, p.path,
            "a function needs a Runtime (python3.x, nodejs*, provided.*)");
    }
    body["Runtime"] = runtime;
    if (std::string h = Text(p, "Handler"); !h.empty()) body["Handler"] = h;
    if (std::string pt = Text(p, "PackageType"); !pt.empty() && pt != "Zip") {
      Unsupported(p.NodeOf("PackageType"), p.PathOf("PackageType"),
                  "PackageType " + pt + " (container images)");
    }
    if (serverless) {
      if (const json::value* code = p.Get("CodeUri")) {
        if (code->is_string()) {
          if (auto c = LocalCode(std::string(code->as_string()),
                                 p.NodeOf("CodeUri"), p.PathOf("CodeUri"))) {
            body["Code"] = std::move(*c);
          }
        } else {
          Unsupported(p.NodeOf("CodeUri"), p.PathOf("CodeUri"),
                      "CodeUri in S3 (give a local folder or .zip)");
        }
      } else if (p.values.contains("InlineCode")) {
        p.used.insert("InlineCode");
        Unsupported(p.NodeOf("InlineCode"), p.PathOf("InlineCode"),
                    "InlineCode (give CodeUri, a folder or .zip)");
      } else {
        Error(p.node, p.path,
              "a function needs its CodeUri (a folder or a .zip)");
      }
    } else if (const json::value* code = p.Get("Code")) {
      if (code->is_string()) {
        if (auto c = LocalCode(std::string(code->as_string()), p.NodeOf("Code"),
                               p.PathOf("Code"))) {
          body["Code"] = std::move(*c);
        }
      } else if (const json::object* o = code->if_object();
                 o != nullptr && o->contains("S3Bucket")) {
        // From fanlab's own S3, as Lambda reads it.
        json::object c;
        for (const char* key : {"S3Bucket", "S3Key", "S3ObjectVersion"}) {
          if (o->contains(key)) c[key] = o->at(key);
        }
        body["Code"] = std::move(c);
      } else {
        Unsupported(p.NodeOf("Code"), p.PathOf("Code"),
                    "Code.ZipFile inline source (give a folder or .zip path, "
                    "or S3Bucket/S3Key)");
      }
    } else {
      Error(p.node, p.path, "a function needs its Code");
    }
    if (auto t = Integer(p, "Timeout")) body["Timeout"] = *t;
    if (auto m = Integer(p, "MemorySize")) body["MemorySize"] = *m;
    if (const json::value* env = p.Get("Environment")) {
      const json::object* o = env->if_object();
      if (o != nullptr && o->contains("Variables")) {
        body["Environment"] = json::object{
            {"Variables", StringMap(o->at("Variables"), p.NodeOf("Environment"),
                                    p.PathOf("Environment.Variables"))}};
      } else if (o == nullptr || !o->empty()) {
        Error(p.NodeOf("Environment"), p.PathOf("Environment"),
              "Environment is {Variables: {NAME: value}}");
      }
    }
    // SAM's DeadLetterQueue {Type: SQS | SNS, TargetArn} and
    // CloudFormation's DeadLetterConfig {TargetArn}: Lambda's
    // DeadLetterConfig.
    const char* dlq_key = serverless ? "DeadLetterQueue" : "DeadLetterConfig";
    if (const json::value* dlq = p.Get(dlq_key)) {
      const json::object* o = dlq->if_object();
      std::optional<std::string> target;
      if (o != nullptr && o->contains("TargetArn")) {
        target = TextOf(o->at("TargetArn"));
      }
      std::string type = o != nullptr && o->contains("Type")
                             ? TextOf(o->at("Type")).value_or("")
                             : std::string(serverless ? "" : "SQS");
      if (!target || (type != "SQS" && type != "SNS") ||
          o->size() != (serverless ? 2u : 1u)) {
        Error(p.NodeOf(dlq_key), p.PathOf(dlq_key),
              serverless ? "DeadLetterQueue is {Type: SQS | SNS, TargetArn}"
                         : "DeadLetterConfig is {TargetArn}");
      } else {
        body["DeadLetterConfig"] = json::object{{"TargetArn", *target}};
      }
    }
    Call("CreateFunction", std::move(body), r);
    if (auto reserved = Integer(p, "ReservedConcurrentExecutions")) {
      Call(
          "PutFunctionConcurrency",
          {{"FunctionName", name}, {"ReservedConcurrentExecutions", *reserved}},
          r, p.PathOf("ReservedConcurrentExecutions"));
    }
    r.ref = json::string(name);
    r.attrs["Arn"] = json::string(arn);
    stack_.names["function"].push_back(name);
    Listed(r, name, arn);
    if (serverless) {
      if (const json::value* config = p.Get("EventInvokeConfig")) {
        EventInvokeConfig(name, *config, p.NodeOf("EventInvokeConfig"),
                          p.PathOf("EventInvokeConfig"), r);
      }
      if (const json::value* events = p.Get("Events")) {
        Events(r, name, arn, *events, p.NodeOf("Events"), p.PathOf("Events"));
      }
    }
    Leftovers(
        p, r.type,
        {"Role", "Policies", "PermissionsBoundary", "Tracing", "TracingConfig",
         "Architectures", "AutoPublishAlias", "VpcConfig", "KmsKeyArn",
         "LoggingConfig", "RuntimeManagementConfig", "EphemeralStorage",
         "SnapStart", "ProvisionedConcurrencyConfig"});
  }

  void EventInvokeConfig(const std::string& function, const json::value& v,
                         const YAML::Node& at, const std::string& path,
                         const Resource& r) {
    const json::object* o = v.if_object();
    if (o == nullptr) {
      Error(at, path, "EventInvokeConfig is a map");
      return;
    }
    json::object config{{"FunctionName", function}};
    for (const auto& [k, x] : *o) {
      const std::string key(k);
      if (key == "MaximumEventAgeInSeconds" || key == "MaximumRetryAttempts") {
        json::value n = x;
        if (n.is_string()) {
          if (auto i = yaml::ParseInteger(std::string(n.as_string()))) n = *i;
        }
        config[key] = n;
      } else if (key == "DestinationConfig" && x.is_object()) {
        json::object destinations;
        for (const auto& [which, d] : x.as_object()) {
          const json::object* dest = d.if_object();
          if ((which != "OnSuccess" && which != "OnFailure") ||
              dest == nullptr || !dest->contains("Destination")) {
            Error(at, path + ".DestinationConfig." + std::string(which),
                  "a destination is OnSuccess or OnFailure: {Type, "
                  "Destination}");
            continue;
          }
          destinations[which] =
              json::object{{"Destination", dest->at("Destination")}};
        }
        config["DestinationConfig"] = std::move(destinations);
      } else if (key == "Qualifier") {
        if (TextOf(x).value_or("") != "$LATEST") {
          Unsupported(at, path + ".Qualifier",
                      "a Qualifier other than $LATEST (fanlab has no versions "
                      "or aliases)");
        }
      } else if (key != "FunctionName") {
        Unsupported(at, path + "." + key,
                    "the EventInvokeConfig property " + key);
      }
    }
    Call("PutFunctionEventInvokeConfig", std::move(config), r, path);
  }

  void InvokeConfig(Resource& r) {
    Props p = PropertiesOf(r, nullptr);
    std::string function = Text(p, "FunctionName");
    json::object all;
    for (const auto& [k, v] : p.values) {
      p.used.insert(std::string(k));
      all[k] = v;
    }
    EventInvokeConfig(function, all, p.node, p.path, r);
  }

  void Mapping(Resource& r) {
    Props p = PropertiesOf(r, nullptr);
    json::object body{{"EventSourceArn", Text(p, "EventSourceArn")},
                      {"FunctionName", Text(p, "FunctionName")}};
    MappingFields(p, body);
    Leftovers(p, r.type);
    Call("CreateEventSourceMapping", std::move(body), r);
    Listed(r, "", "", "", r.type);
  }

  void MappingFields(Props& p, json::object& body) {
    if (auto b = Integer(p, "BatchSize")) body["BatchSize"] = *b;
    if (auto w = Integer(p, "MaximumBatchingWindowInSeconds")) {
      body["MaximumBatchingWindowInSeconds"] = *w;
    }
    if (auto e = Boolean(p, "Enabled")) body["Enabled"] = *e;
    if (const json::value* s = p.Get("ScalingConfig"))
      body["ScalingConfig"] = *s;
    if (const json::value* t = p.Get("FunctionResponseTypes")) {
      body["FunctionResponseTypes"] = *t;
    }
  }

  void Api(Resource& r) {
    bool http = r.type == "AWS::Serverless::HttpApi";
    Props p = PropertiesOf(r, http ? "HttpApi" : "Api");
    p.used.insert("Name");
    p.used.insert("StageName");
    Leftovers(
        p, r.type,
        {"Cors", "CorsConfiguration", "EndpointConfiguration", "OpenApiVersion",
         "MethodSettings", "TracingEnabled", "AccessLogSettings",
         "AccessLogSetting", "CacheClusterEnabled", "MinimumCompressionSize",
         "BinaryMediaTypes", "FailOnWarnings", "DisableExecuteApiEndpoint",
         "DefaultRouteSettings", "StageVariables", "Variables"});
    r.ref = json::string(kApiId);
    r.attrs["RootResourceId"] = json::string("root");
    Listed(r, kApiId, "", "${http}");
  }

  // --- S3 notifications
  // -------------------------------------------------------
  struct Notifications {
    json::object config;  // S3's NotificationConfiguration (API shape)
    Mark mark;
    std::string path;
  };

  // {S3Key: {Rules: [{Name, Value}]}} as the API's {Key: {FilterRules}}.
  std::optional<json::object> S3Filter(const json::value& v,
                                       const YAML::Node& at,
                                       const std::string& path) {
    const json::object* o = v.if_object();
    const json::value* key = o == nullptr ? nullptr : o->if_contains("S3Key");
    const json::object* k = key == nullptr ? nullptr : key->if_object();
    const json::value* rules = k == nullptr ? nullptr : k->if_contains("Rules");
    if (rules == nullptr || !rules->is_array() || o->size() != 1) {
      Error(at, path, "a Filter is {S3Key: {Rules: [{Name, Value}]}}");
      return std::nullopt;
    }
    json::array out;
    for (const auto& rule : rules->as_array()) {
      const json::object* r = rule.if_object();
      std::optional<std::string> name, value;
      if (r != nullptr && r->contains("Name") && r->contains("Value")) {
        name = TextOf(r->at("Name"));
        value = TextOf(r->at("Value"));
      }
      std::string lower = name.value_or("");
      for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      if (!value || (lower != "prefix" && lower != "suffix")) {
        Error(at, path + ".S3Key.Rules",
              "a rule is {Name: prefix | suffix, Value: text}");
        return std::nullopt;
      }
      out.push_back(json::object{{"Name", lower}, {"Value", *value}});
    }
    return json::object{{"Key", json::object{{"FilterRules", std::move(out)}}}};
  }

  // Adds one rule to `bucket`'s configuration: `list` is
  // LambdaFunctionConfigurations, QueueConfigurations or
  // TopicConfigurations, `arn_key` its ARN member.
  void AddNotification(const std::string& bucket, const std::string& id,
                       const char* list, const char* arn_key,
                       const std::string& arn, json::array events,
                       const json::value* filter, const YAML::Node& at,
                       const std::string& path) {
    json::object rule{{arn_key, arn}, {"Events", std::move(events)}};
    if (!id.empty()) rule["Id"] = id;
    if (filter != nullptr) {
      auto f = S3Filter(*filter, at, path + ".Filter");
      if (!f) return;
      rule["Filter"] = std::move(*f);
    }
    auto [it, fresh] = notifications_.try_emplace(bucket);
    if (fresh) {
      it->second.mark = MarkOf(at);
      it->second.path = path;
    }
    json::value& l = it->second.config[list];
    if (!l.is_array()) l = json::array{};
    l.as_array().push_back(std::move(rule));
  }

  // AWS::S3::Bucket's NotificationConfiguration.
  void BucketNotifications(const std::string& bucket, const json::value& v,
                           const YAML::Node& at, const std::string& path) {
    const json::object* o = v.if_object();
    if (o == nullptr) {
      Error(at, path, "NotificationConfiguration is a map");
      return;
    }
    struct Kind {
      const char* cfn;
      const char* target;
      const char* list;
      const char* arn_key;
    };
    static constexpr Kind kKinds[] = {
        {"LambdaConfigurations", "Function", "LambdaFunctionConfigurations",
         "LambdaFunctionArn"},
        {"QueueConfigurations", "Queue", "QueueConfigurations", "QueueArn"},
        {"TopicConfigurations", "Topic", "TopicConfigurations", "TopicArn"},
    };
    for (const auto& [key, list] : *o) {
      const Kind* kind = nullptr;
      for (const Kind& k : kKinds) {
        if (key == k.cfn) kind = &k;
      }
      if (kind == nullptr) {
        Unsupported(at, path + "." + std::string(key),
                    "the notification configuration " + std::string(key));
        continue;
      }
      if (!list.is_array()) {
        Error(at, path + "." + std::string(key), "a list of configurations");
        continue;
      }
      size_t i = 0;
      for (const auto& c : list.as_array()) {
        std::string at_path =
            path + "." + std::string(key) + "[" + std::to_string(i++) + "]";
        const json::object* co = c.if_object();
        std::optional<std::string> event, target;
        if (co != nullptr && co->contains("Event") &&
            co->contains(kind->target)) {
          event = TextOf(co->at("Event"));
          target = TextOf(co->at(kind->target));
        }
        if (!event || !target) {
          Error(at, at_path,
                std::string("a configuration is {Event, ") + kind->target +
                    ", Filter}");
          continue;
        }
        for (const auto& [ck, ignored] : *co) {
          if (ck != "Event" && ck != kind->target && ck != "Filter") {
            Unsupported(at, at_path + "." + std::string(ck),
                        "the property " + std::string(ck));
          }
        }
        AddNotification(bucket, "", kind->list, kind->arn_key, *target,
                        json::array{json::string(*event)},
                        co->if_contains("Filter"), at, at_path);
      }
    }
  }

  // --- A SAM function's Events
  // -------------------------------------------------
  void Events(const Resource& r, const std::string& function,
              const std::string& arn, const json::value& events,
              const YAML::Node& events_key, const std::string& events_path) {
    const YAML::Node properties = r.node["Properties"];
    const YAML::Node nodes =
        properties && properties.IsMap() ? properties["Events"] : Absent();
    if (!events.is_object()) {
      Error(events_key, events_path, "Events is a map of named events");
      return;
    }
    for (const auto& [key, value] : events.as_object()) {
      const std::string event(key);
      const std::string path = events_path + "." + event;
      const YAML::Node e =
          nodes && nodes.IsMap() && nodes[event] ? nodes[event] : events_key;
      const json::object* o = value.if_object();
      const json::value* type_value =
          o == nullptr ? nullptr : o->if_contains("Type");
      if (type_value == nullptr || !type_value->is_string()) {
        Error(e, path, "an event is {Type, Properties}");
        continue;
      }
      const std::string type(type_value->as_string());
      const YAML::Node type_node = e.IsMap() && e["Type"] ? e["Type"] : e;
      Props p;
      p.path = path + ".Properties";
      p.node = e.IsMap() && e["Properties"] ? e["Properties"] : e;
      if (const json::value* props = o->if_contains("Properties");
          props != nullptr && props->is_object()) {
        p.values = props->as_object();
        if (p.node.IsMap()) {
          for (const auto& pk : p.node) p.nodes[pk.first.Scalar()] = pk.first;
        }
      }
      for (const auto& [k, v] : *o) {
        if (k != "Type" && k != "Properties") {
          Unsupported(e, path + "." + std::string(k),
                      "the event key " + std::string(k));
        }
      }
      const std::string what = "an event of Type " + type;
      if ((type == "SQS" && !p.values.contains("Queue")) ||
          (type == "SNS" && !p.values.contains("Topic"))) {
        Error(p.node, p.path,
              what + " needs its " + (type == "SQS" ? "Queue" : "Topic"));
        continue;
      }
      if (type == "SQS") {
        json::object body{{"EventSourceArn", Text(p, "Queue")},
                          {"FunctionName", function}};
        MappingFields(p, body);
        Leftovers(p, what);
        Call("CreateEventSourceMapping", std::move(body), r, path);
      } else if (type == "Api" || type == "HttpApi") {
        Route(r, function, type, p, path, e);
      } else if (type == "Schedule" || type == "ScheduleV2") {
        Schedule(r, function, arn, event, type, p, path);
      } else if (type == "SNS") {
        json::object body{{"TopicArn", Text(p, "Topic")},
                          {"Protocol", "lambda"},
                          {"Endpoint", arn}};
        json::object attributes;
        if (const json::value* f = p.Get("FilterPolicy")) {
          attributes["FilterPolicy"] = f->is_string()
                                           ? std::string(f->as_string())
                                           : json::serialize(*f);
        }
        if (std::string s = Text(p, "FilterPolicyScope"); !s.empty()) {
          attributes["FilterPolicyScope"] = s;
        }
        if (!attributes.empty()) body["Attributes"] = std::move(attributes);
        p.used.insert("Region");
        Leftovers(p, what);
        Call("Subscribe", std::move(body), r, path);
      } else if (type == "S3") {
        std::string bucket = Text(p, "Bucket");
        const json::value* names = p.Get("Events");
        json::array list;
        if (names != nullptr && names->is_string()) {
          list.push_back(*names);
        } else if (names != nullptr && names->is_array()) {
          list = names->as_array();
        }
        if (bucket.empty() || list.empty()) {
          Error(p.node, p.path,
                what + " needs its Bucket and Events (a string or a list)");
          continue;
        }
        AddNotification(bucket, r.id + event, "LambdaFunctionConfigurations",
                        "LambdaFunctionArn", arn, std::move(list),
                        p.Get("Filter"), p.NodeOf("Events"), path);
        Leftovers(p, what);
      } else {
        Unsupported(type_node, path + ".Type", what);
      }
    }
  }

  void Route(const Resource& r, const std::string& function,
             const std::string& type, Props& p, const std::string& path,
             const YAML::Node& e) {
    const std::string what = "an event of Type " + type;
    std::string method = Text(p, "Method");
    std::string route_path = Text(p, "Path");
    for (char& c : method) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    if (method.empty() || route_path.empty()) {
      Error(e, path, what + " needs a Path and a Method");
      return;
    }
    p.used.insert(type == "Api" ? "RestApiId" : "ApiId");
    std::string format;
    if (type == "HttpApi") {
      // An HttpApi event's payload format defaults to 2.0, as SAM's does.
      format = Text(p, "PayloadFormatVersion");
      if (format.empty()) format = "2.0";
      if (format != "1.0" && format != "2.0") {
        Error(p.NodeOf("PayloadFormatVersion"),
              p.PathOf("PayloadFormatVersion"),
              "PayloadFormatVersion is \"1.0\" or \"2.0\"");
        return;
      }
      p.used.insert("TimeoutInMillis");
    }
    if (const json::value* auth = p.Get("Auth")) {
      const json::object* o = auth->if_object();
      bool none = o != nullptr &&
                  TextOf(o->contains("Authorizer") ? o->at("Authorizer")
                                                   : json::value("NONE"))
                          .value_or("") == "NONE" &&
                  !o->contains("ApiKeyRequired");
      if (!none) {
        Unsupported(p.NodeOf("Auth"), p.PathOf("Auth"),
                    "Auth on a route (authorizers, API keys)");
      }
    }
    p.used.insert("RequestParameters");
    p.used.insert("RequestModel");
    Leftovers(p, what);
    json::object body{
        {"Method", method}, {"Path", route_path}, {"FunctionName", function}};
    if (!format.empty()) body["PayloadFormatVersion"] = format;
    Call("CreateRoute", std::move(body), r, path);
    Listed(r, function, "", method + " ${http}" + route_path,
           "route (" + type + ")");
  }

  void Schedule(const Resource& r, const std::string& function,
                const std::string& arn, const std::string& event,
                const std::string& type, Props& p, const std::string& path) {
    const std::string what = "an event of Type " + type;
    std::string expression =
        Text(p, type == "Schedule" ? "Schedule" : "ScheduleExpression");
    if (expression.empty()) {
      Error(p.node, path,
            what + " needs its " +
                (type == "Schedule" ? "Schedule" : "ScheduleExpression"));
      return;
    }
    std::string name = Text(p, "Name");
    if (name.empty()) name = r.id + event;
    json::object rule{{"Name", name}, {"ScheduleExpression", expression}};
    if (auto enabled = Boolean(p, "Enabled")) {
      rule["State"] = *enabled ? "ENABLED" : "DISABLED";
    }
    if (std::string state = Text(p, "State"); !state.empty()) {
      rule["State"] = state;
    }
    if (std::string d = Text(p, "Description"); !d.empty()) {
      rule["Description"] = d;
    }
    if (std::string tz = Text(p, "ScheduleExpressionTimezone");
        !tz.empty() && tz != "UTC" && tz != "Etc/UTC") {
      Unsupported(p.NodeOf("ScheduleExpressionTimezone"),
                  p.PathOf("ScheduleExpressionTimezone"),
                  "a time zone other than UTC");
    }
    json::object target{{"Id", r.id + event + "Target"}, {"Arn", arn}};
    if (const json::value* input = p.Get("Input")) {
      target["Input"] = input->is_string() ? std::string(input->as_string())
                                           : json::serialize(*input);
    }
    Leftovers(p, what,
              {"FlexibleTimeWindow", "RoleArn", "GroupName",
               "PermissionsBoundary", "OmitName"});
    Call("PutRule", std::move(rule), r, path);
    Call("PutTargets",
         {{"Rule", name}, {"Targets", json::array{std::move(target)}}}, r,
         path);
    (void)function;
    stack_.names["rule"].push_back(name);
    Listed(r, name, MakeArn(options_.account, "events", "rule/" + name), "",
           "rule (" + type + ")");
  }

  std::string file_;
  fs::path dir_;
  const TemplateOptions& options_;
  Diagnostics& errors_;
  Stack stack_;
  int depth_ = 0;
  YAML::Node mappings_;
  YAML::Node conditions_node_;
  std::map<std::string, bool> condition_values_;
  std::set<std::string> conditions_busy_;
  std::map<std::string, json::value> parameters_;
  std::map<std::string, YAML::Node> globals_;
  std::map<std::string, Resource> resources_;
  std::vector<std::string> order_;                      // file order
  std::map<std::string, Notifications> notifications_;  // by bucket name
};

}  // namespace

StackResult ParseTemplate(const std::string& text, const std::string& file,
                          const TemplateOptions& options) {
  StackResult result;
  if (text.size() > kMaxTemplateBytes) {
    result.errors.push_back({file,
                             {},
                             "",
                             "the template is larger than " +
                                 std::to_string(kMaxTemplateBytes) + " bytes"});
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    result.errors.push_back(
        {file, {e.mark.line + 1, e.mark.column + 1}, "", e.msg});
    return result;
  }
  Loader loader(file, options, result.errors);
  Stack stack = loader.Read(root);
  // Globals are evaluated once per resource they apply to: the same
  // mistake is reported once.
  auto dedupe = [](Diagnostics& list) {
    Diagnostics out;
    for (auto& d : list) {
      bool seen = std::any_of(out.begin(), out.end(), [&](const auto& o) {
        return o.mark.line == d.mark.line && o.mark.column == d.mark.column &&
               o.path == d.path && o.message == d.message;
      });
      if (!seen) out.push_back(std::move(d));
    }
    list = std::move(out);
  };
  dedupe(result.errors);
  dedupe(stack.warnings);
  if (result.errors.empty()) result.stack = std::move(stack);
  return result;
}

StackResult LoadTemplate(const std::string& path,
                         const TemplateOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    StackResult result;
    result.errors.push_back({path, {}, "", "cannot read the template"});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseTemplate(text.str(), path, options);
}

std::optional<std::map<std::string, std::string>> ParseParameterOverrides(
    const std::vector<std::string>& words, std::string* error) {
  std::map<std::string, std::string> out;
  for (const std::string& word : words) {
    std::istringstream in(word);
    for (std::string item; in >> item;) {
      if (item.starts_with("ParameterKey=")) {
        size_t comma = item.find(",ParameterValue=");
        if (comma == std::string::npos) {
          if (error) *error = "\"" + item + "\" has no ,ParameterValue=";
          return std::nullopt;
        }
        out[item.substr(13, comma - 13)] = item.substr(comma + 16);
        continue;
      }
      size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        if (error) *error = "\"" + item + "\" is not KEY=VALUE";
        return std::nullopt;
      }
      out[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }
  return out;
}

}  // namespace fanlab::stack
