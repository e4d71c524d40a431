// The scenario file format, declared once (harness/schema.h): what the
// loader validates and what `fanlab schema` prints. docs/scenarios.md
// explains each part with examples.
#include "harness/scenario_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/core/arn.h"
#include "emulator/core/ascii.h"
#include "emulator/core/base64.h"
#include "emulator/core/utf8.h"
#include "emulator/services/schedule_expression.h"
#include "harness/json_match.h"
#include "harness/scenario_sim.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using QueueCreate = ScenarioDraft::QueueCreate;
using FunctionCreate = ScenarioDraft::FunctionCreate;
using StepDraft = ScenarioDraft::StepDraft;
using DurationEntry = ScenarioDraft::DurationEntry;

// Scenarios run on the engine's default account (EngineOptions::account).
std::string QueueArn(const std::string& name) {
  return fanlab::QueueArn(Account{}, name);
}
std::string TopicArn(const std::string& name) {
  return fanlab::TopicArn(Account{}, name);
}
std::string FunctionArn(const std::string& name) {
  return fanlab::FunctionArn(Account{}, name);
}

ScenarioDraft& Of(const Site& site) { return site.Context<ScenarioDraft>(); }

std::string Text(const json::object& body, const char* key) {
  const json::value* v = body.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

int64_t Seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

json::object StringObject(const ScalarMap& map) {
  json::object out;
  for (const auto& [k, v] : map) out[k] = v;
  return out;
}

// A body whose keys come in this order once set (unset ones stay null
// until FillUnset, or ScenarioDraft::DropUnset).
json::object Keys(const std::vector<const char*>& keys) {
  json::object out;
  for (const char* k : keys) out[k] = nullptr;
  return out;
}
// `key` of the calls in `section` that do not have it yet (the calls a
// bucket's, table's or topic's elements made before its name was bound).
void FillUnset(std::deque<ActionCall>& section, const char* key,
               const json::value& value) {
  for (ActionCall& c : section) {
    if (json::value* v = c.body.if_contains(key);
        v != nullptr && v->is_null()) {
      *v = value;
    }
  }
}

json::object& BodyOf(ActionCall& c) { return c.body; }
json::object& BodyOf(Step& st) { return st.call.body; }

// A name declared here: kept in `names` (given twice, an error) and set
// as `key` of the body.
template <class T>
Bind Declares(std::set<std::string> ScenarioDraft::*names, const char* key) {
  return Set([names, key](T& t, std::string name, const Site& at) {
    Of(at).Declare(Of(at).*names, name, at);
    BodyOf(t)[key] = name;
  });
}

// A name declared anywhere in the scenario (checked once all are known):
// set as `key` of the body, through `as` (QueueArn, ...) if given.
template <class T>
Bind Refers(std::set<std::string> ScenarioDraft::*names, const char* kind,
            const char* key, std::string (*as)(const std::string&) = nullptr) {
  return Set([names, kind, key, as](T& t, std::string name, const Site& at) {
    Of(at).Refer(at, Of(at).*names, kind);
    BodyOf(t)[key] = as != nullptr ? as(name) : name;
  });
}

// Sets the JSON key `key` of the call's body to the value.
template <class V>
Bind Key(const char* key) {
  return Set([key](ActionCall& c, V v) { c.body[key] = v; });
}

// A command's words; its program found as FindFunctionProgram says.
void BindCommand(FunctionCreate& f, const std::vector<std::string>& words,
                 const Site& at) {
  json::array command;
  for (const auto& w : words) command.push_back(json::string(w));
  if (command.empty()) {
    at.Error("the command is empty");
  } else {
    std::vector<std::string> searched;
    std::string program =
        FindFunctionProgram(std::string(command[0].as_string()),
                            Of(at).base_dir, Of(at).options, &searched);
    if (program.empty()) {
      std::string where;
      for (const auto& p : searched) where += (where.empty() ? "" : ", ") + p;
      at.Error("cannot find the program \"" +
               std::string(command[0].as_string()) + "\" (looked in " + where +
               "); build it or give its path");
    } else {
      command[0] = json::string(program);
    }
  }
  f.command = std::move(command);
}

// A function run by a Lambda runtime: Runtime, Handler, and its code
// (Code.ZipFile, the zip's bytes in base64, or Code.Directory, a folder's
// absolute path).
void RuntimeCode(const FunctionCreate& f, const Site& at, json::object& body) {
  const YAML::Node& n = at.node;
  body["Runtime"] = f.runtime;
  const bool language =
      f.runtime.starts_with("python") || f.runtime.starts_with("nodejs");
  if (n["handler"]) {
    const size_t dot = f.handler.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == f.handler.size()) {
      at.Error(n["handler"], at.path + ".handler",
               "a handler is module.function (app.handler), not \"" +
                   f.handler + "\"");
    }
    body["Handler"] = f.handler;
  } else if (language) {
    at.Error("missing required key \"handler\": a " + f.runtime +
             " function names its module.function (app.handler)");
  }
  if (n["working_dir"]) {
    at.Error(n["working_dir"], at.path + ".working_dir",
             "working_dir is for a command; a function with a runtime runs "
             "in its code folder");
  }
  if (!n["code"]) {
    return at.Error(
        "missing required key \"code\": a function with a runtime "
        "needs its code (a folder or a .zip)");
  }
  auto error = [&](std::string message) {
    at.Error(n["code"], at.path + ".code", std::move(message));
  };
  fs::path code =
      fs::absolute(fs::path(Of(at).base_dir) / f.code).lexically_normal();
  if (!code.has_filename() && code != code.root_path()) {
    code = code.parent_path();  // "code/" names the folder "code"
  }
  std::error_code ec;
  if (fs::is_directory(code, ec)) {
    body["Code"] = json::object{{"Directory", code.string()}};
    return;
  }
  if (!fs::exists(code, ec)) {
    return error("no folder or .zip at " + code.string());
  }
  if (code.extension() != ".zip" || !fs::is_regular_file(code, ec)) {
    return error(code.string() + " is neither a folder nor a .zip file");
  }
  std::ifstream in(code, std::ios::binary);
  if (!in) return error("cannot read " + code.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  body["Code"] = json::object{{"ZipFile", Base64Encode(bytes.str())}};
}

// A function's calls: CreateFunction, then PutFunctionConcurrency and
// PutFunctionEventInvokeConfig when it sets them; its virtual duration.
void FinishFunction(FunctionCreate& f, const Site& at) {
  ScenarioDraft& d = Of(at);
  const YAML::Node& n = at.node;
  json::object body{{"FunctionName", f.name}};
  if (n["runtime"]) {
    RuntimeCode(f, at, body);
  } else {
    json::object code{{"Command", f.command}};
    if (n["working_dir"]) {
      code["WorkingDirectory"] =
          (fs::path(d.base_dir) / f.working_dir).lexically_normal().string();
    }
    body["Code"] = std::move(code);
    for (const char* key : {"handler", "code"}) {
      if (n[key]) {
        at.Error(n[key], at.path + "." + key,
                 std::string(key) +
                     " is for a function with a runtime; a "
                     "command is a program of its own");
      }
    }
  }
  body["Mode"] = f.mode == "cold" ? "cold" : "warm";
  if (f.timeout) body["Timeout"] = Seconds(*f.timeout);
  if (f.memory) body["MemorySize"] = *f.memory;
  if (f.environment) {
    body["Environment"] = json::object{{"Variables", *f.environment}};
  }
  d.functions_setup.push_back({"CreateFunction", std::move(body), f.origin});
  d.SetVirtualDuration(f.name, f.duration, at);
  if (f.reserved_concurrency) {
    d.functions_setup.push_back(
        {"PutFunctionConcurrency",
         {{"FunctionName", f.name},
          {"ReservedConcurrentExecutions", *f.reserved_concurrency}},
         f.reserved_concurrency_origin});
  }
  if (n["retries"] || n["max_event_age"] || n["on_success"] ||
      n["on_failure"]) {
    json::object config{{"FunctionName", f.name}};
    if (f.retries) config["MaximumRetryAttempts"] = *f.retries;
    if (f.max_event_age) {
      config["MaximumEventAgeInSeconds"] = Seconds(*f.max_event_age);
    }
    json::object destinations;
    for (const char* key : {"OnSuccess", "OnFailure"}) {
      if (f.destinations.contains(key)) {
        destinations[key] = f.destinations[key];
      }
    }
    if (!destinations.empty()) {
      config["DestinationConfig"] = std::move(destinations);
    }
    d.functions_setup.push_back(
        {"PutFunctionEventInvokeConfig", std::move(config), f.origin});
  }
}

// A table's key schema, from hash_key, range_key and attribute_types.
void FinishTable(ActionCall& c, const Site& at) {
  const YAML::Node& n = at.node;
  json::object types;
  if (n["attribute_types"] && n["attribute_types"].IsMap()) {
    types = StringObject(ValueOf<ScalarMap>(n["attribute_types"]));
  }
  json::array definitions, schema;
  for (const char* role : {"hash_key", "range_key"}) {
    std::string key = n[role] && n[role].IsScalar() ? n[role].Scalar() : "";
    if (key.empty()) continue;
    std::string type =
        types.contains(key) ? std::string(types.at(key).as_string()) : "S";
    definitions.push_back(
        json::object{{"AttributeName", key}, {"AttributeType", type}});
    schema.push_back(json::object{
        {"AttributeName", key},
        {"KeyType", std::string(role) == "hash_key" ? "HASH" : "RANGE"}});
  }
  c.body["AttributeDefinitions"] = std::move(definitions);
  c.body["KeySchema"] = std::move(schema);
  c.body["BillingMode"] = "PAY_PER_REQUEST";
  FillUnset(Of(at).tables_setup, "TableName", c.body["TableName"]);
}

// A subscription's endpoint: a queue's or function's name becomes its ARN.
void FinishSubscription(ActionCall& c, const Site& at) {
  ScenarioDraft& d = Of(at);
  const YAML::Node endpoint_node = at.node["endpoint"];
  const std::string protocol = Text(c.body, "Protocol");
  std::string endpoint =
      endpoint_node && endpoint_node.IsScalar() ? endpoint_node.Scalar() : "";
  Site endpoint_site{endpoint_node, at.path + ".endpoint",
                     at.key,        at.file,
                     at.errors,     at.context};
  if (protocol == "sqs" && !endpoint.starts_with("arn:")) {
    d.Refer(endpoint_site, d.queues, "queue");
    endpoint = QueueArn(endpoint);
  } else if (protocol == "lambda" && !endpoint.starts_with("arn:")) {
    d.Refer(endpoint_site, d.functions, "function");
    endpoint = FunctionArn(endpoint);
  }
  d.CheckPlaceholders(endpoint_node, endpoint_site.path);
  c.body["Endpoint"] = endpoint;
  json::object& attributes = c.body["Attributes"].as_object();
  ScenarioDraft::DropUnset(attributes);
  if (attributes.empty()) c.body.erase("Attributes");
}

// The same for a timeline step's call.
template <class V>
Bind StepKey(const char* key) {
  return Set([key](Step& st, V v) { st.call.body[key] = v; });
}

// `key` of `body`, unless it is set already.
void Default(json::object& body, const char* key, const std::string& value) {
  if (json::value& v = body[key]; v.is_null()) v = value;
}

// MessageAttributes, as SQS and SNS take them.
Bind MessageAttributesKey() {
  return Set([](Step& st, YAML::Node attributes) {
    st.call.body["MessageAttributes"] =
        ScenarioDraft::MessageAttributes(attributes);
  });
}

// A step's stimulus: the kind of step, the action it calls and its body's
// keys in order.
Bind Stimulus(Step::Kind kind, const char* action,
              std::vector<const char*> keys) {
  return Enter([kind, action, keys](StepDraft& st, const Site&) -> Step& {
    st.stimulus = true;
    st.step.kind = kind;
    st.step.call.action = action;
    st.step.call.body = Keys(keys);
    return st.step;
  });
}

// An HTTP request's body (body, json or file), its method by default GET,
// or POST with a body, and a JSON body's Content-Type.
void FinishHttp(Step& st, const Site& at) {
  const YAML::Node& h = at.node;
  st.http.body = Of(at).Content(at);
  bool has_body = h["body"] || h["json"] || h["file"];
  if (st.http.method.empty() || !h["method"]) {
    st.http.method = has_body ? "POST" : "GET";
  }
  bool has_type = false;
  for (const auto& [name, value] : st.http.headers) {
    has_type = has_type || EqualsIgnoringAsciiCase(name, "Content-Type");
  }
  const YAML::Node file = h["file"];
  if ((h["json"] ||
       (file && file.IsScalar() && file.Scalar().ends_with(".json"))) &&
      !has_type) {
    st.http.headers["Content-Type"] = "application/json";
  }
  if (h["api_key"] && h["api_key"].IsScalar()) {
    st.http.headers["x-api-key"] = h["api_key"].Scalar();
  }
  st.label = st.http.method + " " + st.http.path;
}

void ReplaceIn(json::value& v, const std::string& i) {
  if (v.is_string()) {
    std::string s(v.as_string());
    for (size_t at = s.find("${i}"); at != std::string::npos;
         at = s.find("${i}", at + i.size())) {
      s.replace(at, 4, i);
    }
    v = json::string(s);
  } else if (v.is_object()) {
    for (auto& kv : v.as_object()) ReplaceIn(kv.value(), i);
  } else if (v.is_array()) {
    for (auto& item : v.as_array()) ReplaceIn(item, i);
  }
}

// ${i} in a repeated step's run `k`.
void ReplaceIndex(Step& step, int64_t k) {
  std::string i = std::to_string(k);
  json::value body = std::move(step.call.body);
  ReplaceIn(body, i);
  step.call.body = std::move(body.as_object());
  auto replace = [&](std::string& s) {
    json::value text = json::string(s);
    ReplaceIn(text, i);
    s = std::string(text.as_string());
  };
  replace(step.http.path);
  replace(step.http.body);
  replace(step.label);
  for (auto& [name, value] : step.http.headers) replace(value);
}

// A step's id (each run of a repeated one has its own), its time on the
// timeline, and its runs.
void FinishStep(StepDraft& st, const Site& at) {
  ScenarioDraft& d = Of(at);
  const YAML::Node& n = at.node;
  Step& step = st.step;
  if (!step.id.empty()) {
    const std::string& id = step.id;
    if (d.step_ids.count(id) > 0 || d.step_ids.count(id + "#0") > 0 ||
        d.advance_ids.count(id) > 0) {
      at.Error(n["id"], at.path + ".id",
               "step id \"" + id + "\" is used twice");
    } else if (st.advance) {
      d.advance_ids.insert(id);
    } else if (st.repeat) {
      for (int64_t k = 0; k < *st.repeat; ++k) {
        d.step_ids.insert(id + "#" + std::to_string(k));
      }
    } else {
      d.step_ids.insert(id);
    }
  } else {
    step.id = at.path;
  }
  if (n["at"] && n["after"]) {
    at.Error("give either \"at\" or \"after\", not both");
  }
  if (st.at) {
    if (*st.at < d.cursor) {
      at.Error(n["at"], at.path + ".at",
               "at " + FormatDuration(*st.at) +
                   " is before the previous step (" + FormatDuration(d.cursor) +
                   "): keep the timeline in order");
    }
    d.cursor = *st.at;
  } else if (st.after) {
    d.cursor += *st.after;
  }
  if (st.advance) {
    step.kind = Step::Kind::kAdvance;
    step.label = "advance " + FormatDuration(*st.advance);
    d.cursor += *st.advance;
    step.at = d.cursor;
    d.scenario.timeline.push_back(std::move(step));
    return;
  }
  d.CheckPlaceholders(n, at.path);
  if (!st.stimulus) return;  // the format check reported it
  step.call.origin = step.origin;
  ScenarioDraft::DropUnset(step.call.body);
  Duration every = st.every.value_or(Duration(0));
  for (int64_t k = 0; k < st.repeat.value_or(1); ++k) {
    Step copy = step;
    copy.at = d.cursor;
    if (st.repeat) {
      ReplaceIndex(copy, k);
      copy.id += "#" + std::to_string(k);
    }
    d.scenario.timeline.push_back(std::move(copy));
    if (k + 1 < st.repeat.value_or(1)) d.cursor += every;
  }
}

// A `response` expectation's step: one with an answer, once every step
// is known.
void CheckResponseStep(const Site& at) {
  ScenarioDraft& d = Of(at);
  d.checks.push_back([&d, step = at.node.Scalar(), node = at.node,
                      path = at.path](Diagnostics& errors) {
    if (step.empty() || d.step_ids.count(step) > 0) return;
    errors.push_back(
        {d.file, MarkOf(node), path,
         d.advance_ids.count(step) > 0
             ? "step \"" + step + "\" is an advance: it has no answer"
         : d.step_ids.count(step + "#0") > 0
             ? "step \"" + step + "\" repeats: name one of its runs, \"" +
                   step + "#0\", \"" + step + "#1\", ..."
             : "no timeline step has id \"" + step + "\"" +
                   ScenarioDraft::DidYouMean(step, d.step_ids)});
  });
}

// "invocations worker success": an expectation's label when it has no
// name: the kind, then the values of function, queue, name, table,
// bucket, sink, kind, step and outcome it has, in that order. `name` is a
// collection's own (given, but empty) or a queue's.
std::string Summary(const Expectation& e,
                    const std::optional<std::string>& name) {
  std::string out(e.kind());
  auto add = [&out](const std::optional<std::string>& v) {
    if (v) out += " " + *v;
  };
  auto given = [](const std::string& v) {
    return v.empty() ? std::nullopt : std::optional<std::string>(v);
  };
  using E = Expectation;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, E::Invocations>) {
          add(given(x.function));
          add(name);
          add(given(x.outcome));
        } else if constexpr (std::is_same_v<T, E::Queue>) {
          add(x.name);
        } else if constexpr (std::is_same_v<T, E::Response>) {
          add(x.step);
        } else if constexpr (std::is_same_v<T, E::Order>) {
          // Its selectors name no one thing.
        } else {
          if constexpr (std::is_same_v<T, E::Messages>) add(x.queue);
          add(name);
          if constexpr (std::is_same_v<T, E::Items>) add(x.table);
          if constexpr (std::is_same_v<T, E::Objects>) add(x.bucket);
          if constexpr (std::is_same_v<T, E::Requests>) add(x.sink);
          if constexpr (std::is_same_v<T, E::Events>) add(x.kind);
        }
      },
      e.check);
  return out;
}

// An expectation of kind K (Expectation::Invocations, ...): where its
// fields bind.
template <class K>
Bind ExpectationKind() {
  return Enter([](Expectation& e, const Site& at) -> K& {
    e.origin = Origin{MarkOf(at.node), at.path};
    return e.check.emplace<K>();
  });
}

// The fields every collection kind shares, into its CollectionChecks
// (T::checks).
template <class T>
std::vector<Field> CollectionFields(std::vector<Field> fields) {
  using Order = CollectionChecks::Order;
  std::vector<Field> common = {
      {"name", String("a label for reports")},
      {"where", AnyJson("keep only the documents this pattern matches"), false,
       Set([](T& t, json::value pattern) { t.checks.where = pattern; })},
      {"select",
       String("a path into each document ($.Json.result.*, $.Body, ...); the "
              "checks below then apply to the selected values"),
       false, Set([](T& t, std::string select, const Site& at) {
         if (auto parsed = JsonSelect(json::value(), select); !parsed.ok()) {
           at.Error(parsed.status().message() +
                    " (write $.Json.result.*, $.Body, $['a b'][0], ...)");
         }
         t.checks.select = select;
       })},
      {"count", Integer("exactly this many values", 0), false,
       Set([](T& t, int64_t n) { t.checks.count = n; })},
      {"at_least", Integer("at least this many values", 0), false,
       Set([](T& t, int64_t n) { t.checks.at_least = n; })},
      {"at_most", Integer("at most this many values", 0), false,
       Set([](T& t, int64_t n) { t.checks.at_most = n; })},
      {"match", AnyJson("every value matches this pattern"), false,
       Set([](T& t, json::value pattern) { t.checks.match = pattern; })},
      {"contains", AnyJson("some value matches this pattern"), false,
       Set([](T& t, json::value pattern) { t.checks.contains = pattern; })},
      {"none", AnyJson("no value matches this pattern"), false,
       Set([](T& t, json::value pattern) { t.checks.none = pattern; })},
      {"values", Array(AnyJson(), "the values, in order, exactly"), false,
       Set([](T& t, json::value patterns) {
         t.checks.values = std::move(patterns.as_array());
       })},
      {"distinct", Integer("this many distinct values", 0), false,
       Set([](T& t, int64_t n) { t.checks.distinct = n; })},
      {"ordered",
       Enum({"ascending", "descending"},
            "the values are sorted so (numbers or strings)"),
       false, Set([](T& t, std::string order) {
         t.checks.ordered =
             order == "ascending" ? Order::kAscending : Order::kDescending;
       })},
      {"between",
       Array(DurationSpec(),
             "keep only the documents whose time is in [from, to]"),
       false, Set([](T& t, YAML::Node window) {
         // A list of another length keeps every document.
         if (window.size() == 2) {
           t.checks.between = {ValueOf<Duration>(window[0]),
                               ValueOf<Duration>(window[1])};
         }
       })},
      {"before", DurationSpec("every document's time is at most this"), false,
       Set([](T& t, Duration d) { t.checks.before = d; })},
      {"after", DurationSpec("every document's time is at least this"), false,
       Set([](T& t, Duration d) { t.checks.after = d; })},
  };
  fields.insert(fields.end(), common.begin(), common.end());
  return fields;
}

SpecPtr Body(std::vector<Field> fields, std::string description) {
  fields.push_back({"body", String("the body, as text")});
  fields.push_back({"json", AnyJson("the body, as JSON (serialized)")});
  fields.push_back({"file", String("the body: this file's content (a path "
                                   "relative to the scenario)")});
  return Object(std::move(fields), std::move(description));
}

SpecPtr Attributes() {
  return MapOf(Scalar(),
               "message attributes, name: value (String type; "
               "numbers become Number)");
}

SpecPtr EventSelectorSpec() {
  return Object(
      {
          {"service",
           String("sqs, lambda, s3, dynamodb, sns, events, http or harness"),
           false, Set([](EventSelector& s, std::string v) { s.service = v; })},
          {"kind", String("MessageSent, Invocation, ObjectPut, ..."), false,
           Set([](EventSelector& s, std::string v) { s.kind = v; })},
          {"resource", String("the queue, function, bucket, ... name"), false,
           Set([](EventSelector& s, std::string v) { s.resource = v; })},
          {"where", AnyJson("a pattern the event must match"), false,
           Set([](EventSelector& s, json::value w) {
             s.where = std::move(w);
           })},
      },
      "events of one kind");
}

}  // namespace

const std::vector<std::string>& LambdaRuntimes() {
  static const std::vector<std::string> runtimes = {
      "provided.al2023", "provided.al2", "python3.9",  "python3.10",
      "python3.11",      "python3.12",   "python3.13", "nodejs18.x",
      "nodejs20.x",      "nodejs22.x"};
  return runtimes;
}

SpecPtr ScenarioSpec() {
  static const SpecPtr spec = [] {
    auto queue = Then(
        Object(
            {
                {"name", String("the queue name (.fifo for a FIFO queue)"),
                 true,
                 Set([](QueueCreate& q, std::string name, const Site& at) {
                   Of(at).Declare(Of(at).queues, name, at);
                   q.call.body["QueueName"] = name;
                 })},
                {"attributes",
                 MapOf(Scalar(),
                       "SQS attributes: "
                       "VisibilityTimeout, DelaySeconds, "
                       "ContentBasedDeduplication, ..."),
                 false, Set([](QueueCreate& q, ScalarMap attributes) {
                   for (auto& [k, v] : attributes) q.attributes[k] = v;
                 })},
                {"dead_letter",
                 Object({{"queue", String("the dead-letter queue's name"), true,
                          Set([](QueueCreate& q, std::string name,
                                 const Site& at) {
                            Of(at).Refer(at, Of(at).queues, "queue");
                            q.dead_letter = name;
                          })},
                         {"max_receive_count", Integer("", 1, 1000), true,
                          To(&QueueCreate::max_receive_count)}},
                        "the RedrivePolicy"),
                 false, Enter([](QueueCreate& q, const Site&) -> QueueCreate& {
                   return q;
                 })},
            },
            "a queue"),
        [](QueueCreate& q, const Site&) {
          std::string name = Text(q.call.body, "QueueName");
          if (name.ends_with(".fifo") && !q.attributes.contains("FifoQueue")) {
            q.attributes["FifoQueue"] = "true";
          }
          if (!q.dead_letter.empty()) {
            json::object policy{
                {"deadLetterTargetArn", QueueArn(q.dead_letter)},
                {"maxReceiveCount", q.max_receive_count}};
            q.attributes["RedrivePolicy"] = json::serialize(policy);
          }
          if (!q.attributes.empty()) q.call.body["Attributes"] = q.attributes;
        });
    auto function = Then(
        Object(
            {
                {"name", String("the function name"), true,
                 Set([](FunctionCreate& f, std::string name, const Site& at) {
                   Of(at).Declare(Of(at).functions, name, at);
                   f.name = name;
                 })},
                {"command",
                 StringOrList("the program and its arguments; a bare program "
                              "name is a function fanlab builds "
                              "(fanlab-doparallel), a path is relative to "
                              "the scenario file"),
                 false,
                 Set([](FunctionCreate& f, std::vector<std::string> command,
                        const Site& at) { BindCommand(f, command, at); })},
                {"runtime",
                 Enum(LambdaRuntimes(),
                      "a Lambda runtime, instead of a command: the function "
                      "is its code, run by that runtime through the Runtime "
                      "API"),
                 false, To(&FunctionCreate::runtime)},
                {"handler",
                 String("module.function (app.handler); required for python "
                        "and node runtimes, passed as _HANDLER to provided "
                        "ones"),
                 false, To(&FunctionCreate::handler)},
                {"code",
                 String("with a runtime: a folder or a .zip, relative to "
                        "the scenario file"),
                 false, To(&FunctionCreate::code)},
                {"working_dir",
                 String("for a command, relative to the scenario file"), false,
                 To(&FunctionCreate::working_dir)},
                {"timeout", DurationSpec("1s..900s, default 3s"), false,
                 Set([](FunctionCreate& f, Duration t, const Site& at) {
                   if (t < std::chrono::seconds(1) ||
                       t > std::chrono::seconds(900)) {
                     at.Error("a timeout is between 1s and 900s, not " +
                              FormatDuration(t));
                   }
                   f.timeout = t;
                 })},
                {"memory", Integer("MB", 128, 10240), false,
                 Set([](FunctionCreate& f, int64_t mb) { f.memory = mb; })},
                {"mode",
                 Enum({"warm", "cold"},
                      "warm (default): environments are reused; cold: a "
                      "process per invocation"),
                 false, To(&FunctionCreate::mode)},
                {"environment", MapOf(Scalar(), "environment variables"), false,
                 Set([](FunctionCreate& f, YAML::Node env, const Site& at) {
                   Of(at).CheckPlaceholders(env, at.path);
                   f.environment = StringObject(ValueOf<ScalarMap>(env));
                 })},
                {"reserved_concurrency", Integer("", 0), false,
                 Set([](FunctionCreate& f, int64_t r, const Site& at) {
                   f.reserved_concurrency = r;
                   f.reserved_concurrency_origin =
                       Origin{MarkOf(at.node), at.path};
                 })},
                {"duration",
                 DurationSpec("deterministic runs: the virtual time each "
                              "invocation takes (default 0)"),
                 false, Set([](FunctionCreate& f, Duration d) {
                   f.duration.min = d;
                 })},
                {"duration_max",
                 DurationSpec("deterministic runs: each invocation draws its "
                              "virtual time from [duration, duration_max], "
                              "seeded"),
                 false, Set([](FunctionCreate& f, Duration d) {
                   f.duration.max = d;
                 })},
                {"retries",
                 Integer("Event invocations' MaximumRetryAttempts", 0, 2),
                 false,
                 Set([](FunctionCreate& f, int64_t r) { f.retries = r; })},
                {"max_event_age", DurationSpec("60s..6h"), false,
                 Set([](FunctionCreate& f, Duration a, const Site& at) {
                   if (a < std::chrono::seconds(60) ||
                       a > std::chrono::hours(6)) {
                     at.Error("max_event_age is between 60s and 6h, not " +
                              FormatDuration(a));
                   }
                   f.max_event_age = a;
                 })},
                {"on_success",
                 String("destination: queue:NAME, topic:NAME or an ARN"), false,
                 Set([](FunctionCreate& f, std::string d, const Site& at) {
                   f.destinations["OnSuccess"] =
                       json::object{{"Destination", Of(at).Destination(d, at)}};
                 })},
                {"on_failure",
                 String("destination: queue:NAME, topic:NAME or an ARN"), false,
                 Set([](FunctionCreate& f, std::string d, const Site& at) {
                   f.destinations["OnFailure"] =
                       json::object{{"Destination", Of(at).Destination(d, at)}};
                 })},
            },
            "a function", {"command", "runtime"}),
        [](FunctionCreate& f, const Site& at) { FinishFunction(f, at); });
    auto mapping = Object(
        {
            {"queue", String("the source queue"), true,
             Refers<ActionCall>(&ScenarioDraft::queues, "queue",
                                "EventSourceArn", QueueArn)},
            {"function", String("the function"), true,
             Refers<ActionCall>(&ScenarioDraft::functions, "function",
                                "FunctionName")},
            {"batch_size", Integer("", 1, 10000), false,
             Key<int64_t>("BatchSize")},
            {"batching_window", DurationSpec("0s..300s"), false,
             Set([](ActionCall& c, Duration w, const Site& at) {
               if (w > std::chrono::seconds(300)) {
                 at.Error("batching_window is at most 300s, not " +
                          FormatDuration(w));
               }
               c.body["MaximumBatchingWindowInSeconds"] = Seconds(w);
             })},
            {"maximum_concurrency", Integer("", 2, 1000), false,
             Set([](ActionCall& c, int64_t n) {
               c.body["ScalingConfig"] =
                   json::object{{"MaximumConcurrency", n}};
             })},
            {"report_batch_item_failures", Boolean(), false,
             Set([](ActionCall& c, bool report) {
               if (report) {
                 c.body["FunctionResponseTypes"] =
                     json::array{"ReportBatchItemFailures"};
               }
             })},
            {"enabled", Boolean(), false, Key<bool>("Enabled")},
        },
        "an event source mapping");
    auto object = Object(
        {
            {"key", String(), true, Key<std::string>("Key")},
            {"body", String("the content, as text")},
            {"json", AnyJson("the content, as JSON")},
            {"file", String("the content of this file (relative path)")},
            {"content_type", String(), false, Key<std::string>("ContentType")},
        },
        "an object", {"body", "json", "file"});
    object = Then(object, [](ActionCall& c, const Site& at) {
      c.body["Body"] = Base64Encode(Of(at).Content(at));
      if (c.body["ContentType"].is_null() && at.node["json"]) {
        c.body["ContentType"] = "application/json";
      }
    });
    auto bucket = Then(
        Object({{"name", String(), true,
                 Declares<ActionCall>(&ScenarioDraft::buckets, "Bucket")},
                {"objects", Array(object, "initial objects"), false,
                 Enter([](ActionCall&, const Site& at) -> ActionCall& {
                   ActionCall& put =
                       Of(at).Call(Of(at).buckets_setup, "PutObject", at);
                   put.body = Keys({"Bucket", "Key", "Body", "ContentType"});
                   return put;
                 })}},
               "a bucket"),
        [](ActionCall& c, const Site& at) {
          FillUnset(Of(at).buckets_setup, "Bucket", c.body["Bucket"]);
        });
    auto table = Then(
        Object(
            {
                {"name", String(), true,
                 Declares<ActionCall>(&ScenarioDraft::tables, "TableName")},
                {"hash_key", String("the partition key attribute"), true},
                {"range_key", String("the sort key attribute")},
                {"attribute_types", MapOf(Enum({"S", "N", "B"}),
                                          "key attribute types (default S)")},
                {"items", Array(AnyJson(), "initial items, as plain JSON"),
                 false, Set([](ActionCall&, YAML::Node items, const Site& at) {
                   size_t j = 0;
                   for (const auto& item : items) {
                     std::string path =
                         at.path + "[" + std::to_string(j++) + "]";
                     if (!item.IsMap()) {
                       at.Error(item, path,
                                "an item is an object of attributes");
                       continue;
                     }
                     Site item_site{item,    path,      at.key,
                                    at.file, at.errors, at.context};
                     ActionCall& put =
                         Of(at).Call(Of(at).tables_setup, "PutItem", item_site);
                     put.body = {{"TableName", nullptr},
                                 {"Item", ScenarioDraft::ToAttributeValues(
                                              YamlToJson(item))}};
                   }
                 })},
            },
            "a table"),
        [](ActionCall& c, const Site& at) { FinishTable(c, at); });
    auto subscription = Then(
        Object(
            {
                {"protocol",
                 Enum({"sqs", "lambda", "email", "email-json", "http"}), true,
                 Key<std::string>("Protocol")},
                {"endpoint",
                 String("a queue or function name (or ARN), an address, a URL"),
                 true},
                {"raw", Boolean("RawMessageDelivery"), false,
                 Set([](ActionCall& c, bool raw) {
                   c.body["Attributes"].as_object()["RawMessageDelivery"] =
                       raw ? "true" : "false";
                 })},
                {"filter_policy", AnyJson("FilterPolicy"), false,
                 Set([](ActionCall& c, json::value policy) {
                   c.body["Attributes"].as_object()["FilterPolicy"] =
                       json::serialize(policy);
                 })},
                {"filter_policy_scope",
                 Enum({"MessageAttributes", "MessageBody"}), false,
                 Set([](ActionCall& c, std::string scope) {
                   c.body["Attributes"].as_object()["FilterPolicyScope"] =
                       scope;
                 })},
            },
            "a subscription"),
        [](ActionCall& c, const Site& at) { FinishSubscription(c, at); });
    auto topic = Then(
        Object({{"name", String(), true,
                 Set([](ActionCall& c, std::string name, const Site& at) {
                   Of(at).Declare(Of(at).topics, name, at);
                   if (name.ends_with(".fifo")) {
                     at.Error(
                         "FIFO topics are not emulated (a standard topic can "
                         "deliver to FIFO queues)");
                   }
                   c.body["Name"] = name;
                 })},
                {"subscriptions", Array(subscription), false,
                 Enter([](ActionCall&, const Site& at) -> ActionCall& {
                   ActionCall& sub =
                       Of(at).Call(Of(at).topics_setup, "Subscribe", at);
                   sub.body = Keys({"TopicArn", "Protocol", "Endpoint"});
                   sub.body["Attributes"] =
                       Keys({"RawMessageDelivery", "FilterPolicy",
                             "FilterPolicyScope"});
                   return sub;
                 })}},
               "a topic"),
        [](ActionCall& c, const Site& at) {
          FillUnset(Of(at).topics_setup, "TopicArn",
                    json::string(TopicArn(Text(c.body, "Name"))));
        });
    auto target = Object(
        {
            {"function", String("a function to invoke (Event)"), false,
             Set([](json::object& t, std::string name, const Site& at) {
               Of(at).Refer(at, Of(at).functions, "function");
               t["Arn"] = FunctionArn(name);
             })},
            {"queue", String("a queue to send to"), false,
             Set([](json::object& t, std::string name, const Site& at) {
               Of(at).Refer(at, Of(at).queues, "queue");
               t["Arn"] = QueueArn(name);
             })},
            {"input", AnyJson("the event instead of the Scheduled Event"),
             false, Set([](json::object& t, json::value input) {
               t["Input"] = json::serialize(input);
             })},
            {"group", String("MessageGroupId, for a FIFO queue"), false,
             Set([](json::object& t, std::string group) {
               t["SqsParameters"] = json::object{{"MessageGroupId", group}};
             })},
        },
        "a target", {"function", "queue"});
    auto schedule = Then(
        Object(
            {
                {"name", String(), true, Key<std::string>("Name")},
                {"expression", String("rate(5 minutes) or cron(0/1 * * * ? *)"),
                 true,
                 Set([](ActionCall& c, std::string expression, const Site& at) {
                   if (!expression.empty()) {
                     auto parsed =
                         services::ScheduleExpression::Parse(expression);
                     if (!parsed.ok()) at.Error(parsed.status().message());
                   }
                   c.body["ScheduleExpression"] = expression;
                 })},
                {"enabled", Boolean(), false,
                 Set([](ActionCall& c, bool enabled) {
                   c.body["State"] = enabled ? "ENABLED" : "DISABLED";
                 })},
                {"description", String(), false,
                 Key<std::string>("Description")},
                {"expect_failure",
                 String("why the scenario is expected to fail: it shows a "
                        "weak spot; it passes when an expectation or "
                        "invariant breaks, and fails when everything holds")},
                {"targets", Array(target), true,
                 Enter([](ActionCall&, const Site& at) -> json::object& {
                   auto& targets = Of(at).schedule_targets;
                   json::object& t =
                       targets
                           .emplace_back(
                               Keys({"Id", "Arn", "Input", "SqsParameters"}))
                           .as_object();
                   t["Id"] = "target-" + std::to_string(targets.size() - 1);
                   return t;
                 })},
            },
            "a schedule rule"),
        [](ActionCall& rule, const Site& at) {
          ScenarioDraft& d = Of(at);
          for (auto& t : d.schedule_targets)
            ScenarioDraft::DropUnset(t.as_object());
          const YAML::Node list = at.node["targets"];
          Site targets{list,      at.path + ".targets",
                       at.key,    at.file,
                       at.errors, at.context};
          ActionCall& put = d.Call(d.schedules_setup, "PutTargets", targets);
          put.body = {{"Rule", rule.body["Name"]},
                      {"Targets", std::move(d.schedule_targets)}};
          d.schedule_targets = {};
        });
    auto route = Object(
        {
            {"method", String("GET, POST, ... or ANY"), true,
             Key<std::string>("Method")},
            {"path", String("/user/{username}/schedules"), true,
             Key<std::string>("Path")},
            {"function", String(), true,
             Refers<ActionCall>(&ScenarioDraft::functions, "function",
                                "FunctionName")},
            {"api_key", String("require this x-api-key"), false,
             Set([](ActionCall& c, std::string key) {
               c.body["ApiKeyRequired"] = true;
               c.body["ApiKeys"] = json::array{json::string(key)};
             })},
        },
        "an HTTP route");
    auto sink = Object(
        {
            {"name", String(), true,
             Declares<ActionCall>(&ScenarioDraft::sinks, "Name")},
            {"status", Integer("the answer's status", 200, 599), false,
             Key<int64_t>("StatusCode")},
            {"body", String("the answer's body"), false,
             Key<std::string>("Body")},
            {"headers", MapOf(Scalar()), false,
             Set([](ActionCall& c, ScalarMap headers) {
               c.body["Headers"] = StringObject(headers);
             })},
        },
        "an HTTP sink that records what it is sent");
    // Each resource list: where each element's call (or draft) goes, with
    // its body's keys in the order the calls have always had them.
    auto calls = [](std::deque<ActionCall> ScenarioDraft::*section,
                    const char* action, std::vector<const char*> keys) {
      return Enter([section, action, keys](ScenarioDraft& d,
                                           const Site& at) -> ActionCall& {
        ActionCall& c = d.Call(d.*section, action, at);
        c.body = Keys(keys);
        return c;
      });
    };
    auto resources = Object(
        {
            {"queues", Array(queue), false,
             Enter([](ScenarioDraft& d, const Site& at) -> QueueCreate& {
               QueueCreate& q = d.queue_creates.emplace_back();
               q.call = {"CreateQueue", {}, Origin{MarkOf(at.node), at.path}};
               q.call.body["QueueName"] = "";
               return q;
             })},
            {"functions", Array(function), false,
             Enter([](ScenarioDraft& d, const Site& at) -> FunctionCreate& {
               FunctionCreate& f = d.function_creates.emplace_back();
               f.origin = Origin{MarkOf(at.node), at.path};
               return f;
             })},
            {"mappings", Array(mapping), false,
             calls(&ScenarioDraft::mappings_setup, "CreateEventSourceMapping",
                   {"EventSourceArn", "FunctionName", "BatchSize",
                    "MaximumBatchingWindowInSeconds", "ScalingConfig",
                    "FunctionResponseTypes", "Enabled"})},
            {"buckets", Array(bucket), false,
             calls(&ScenarioDraft::buckets_setup, "CreateBucket", {"Bucket"})},
            {"tables", Array(table), false,
             calls(&ScenarioDraft::tables_setup, "CreateTable", {"TableName"})},
            {"topics", Array(topic), false,
             calls(&ScenarioDraft::topics_setup, "CreateTopic", {"Name"})},
            {"schedules", Array(schedule), false,
             calls(&ScenarioDraft::schedules_setup, "PutRule",
                   {"Name", "ScheduleExpression", "State", "Description"})},
            {"routes", Array(route), false,
             calls(&ScenarioDraft::routes_setup, "CreateRoute",
                   {"Method", "Path", "FunctionName", "ApiKeyRequired",
                    "ApiKeys"})},
            {"sinks", Array(sink), false,
             calls(&ScenarioDraft::sinks_setup, "CreateSink",
                   {"Name", "StatusCode", "Body", "Headers"})},
        },
        "what the emulator holds before the timeline starts");

    auto step = Then(
        Object(
            {
                {"at",
                 DurationSpec("virtual time from the start (default: the "
                              "previous step's)"),
                 false, Set([](StepDraft& st, Duration d) { st.at = d; })},
                {"after", DurationSpec("virtual time after the previous step"),
                 false, Set([](StepDraft& st, Duration d) { st.after = d; })},
                {"id", String("names the step for `response` expectations"),
                 false,
                 Set([](StepDraft& st, std::string id) { st.step.id = id; })},
                {"repeat",
                 Integer("run the step this many times (${i})", 1, 100000),
                 false, Set([](StepDraft& st, int64_t n) { st.repeat = n; })},
                {"every", DurationSpec("between repeats (default 0)"), false,
                 Set([](StepDraft& st, Duration d) { st.every = d; })},
                {"http",
                 Then(
                     Body(
                         {{"method", String("default GET, or POST with a body"),
                           false, Set([](Step& st, std::string method) {
                             st.http.method = method;
                           })},
                          {"path", String("the path and query"), true,
                           Set([](Step& st, std::string path, const Site& at) {
                             if (!path.starts_with("/")) {
                               at.Error("a path starts with /");
                             }
                             st.http.path = path;
                           })},
                          {"headers", MapOf(Scalar()), false,
                           Set([](Step& st, ScalarMap headers) {
                             for (auto& [k, v] : headers) {
                               st.http.headers[k] = v;
                             }
                           })},
                          {"api_key", String("sent as x-api-key")}},
                         "an HTTP request to the front"),
                     [](Step& st, const Site& at) { FinishHttp(st, at); }),
                 false, Stimulus(Step::Kind::kHttp, "", {})},
                {"invoke",
                 Then(Object(
                          {{"function", String(), true,
                            Set([](Step& st, std::string name, const Site& at) {
                              Of(at).Refer(at, Of(at).functions, "function");
                              st.call.body["FunctionName"] = name;
                              st.label = "invoke " + name;
                            })},
                           {"payload", AnyJson("the event"), false,
                            Set([](Step& st, json::value payload) {
                              st.call.body["Payload"] =
                                  json::serialize(payload);
                            })},
                           {"type", Enum({"RequestResponse", "Event"}), false,
                            StepKey<std::string>("InvocationType")}},
                          "an invocation"),
                      [](Step& st, const Site&) {
                        Default(st.call.body, "InvocationType",
                                "RequestResponse");
                        Default(st.call.body, "Payload", "{}");
                      }),
                 false,
                 Stimulus(Step::Kind::kAction, "Invoke",
                          {"FunctionName", "InvocationType", "Payload"})},
                {"send",
                 Then(
                     Body({{"queue", String(), true,
                            Set([](Step& st, std::string name, const Site& at) {
                              Of(at).Refer(at, Of(at).queues, "queue");
                              st.call.body["QueueUrl"] =
                                  "${queue_url:" + name + "}";
                              st.label = "send to " + name;
                            })},
                           {"attributes", Attributes(), false,
                            MessageAttributesKey()},
                           {"group", String("MessageGroupId"), false,
                            StepKey<std::string>("MessageGroupId")},
                           {"dedup", String("MessageDeduplicationId"), false,
                            StepKey<std::string>("MessageDeduplicationId")},
                           {"delay", DurationSpec("DelaySeconds"), false,
                            Set([](Step& st, Duration d) {
                              st.call.body["DelaySeconds"] = Seconds(d);
                            })}},
                          "SendMessage"),
                     [](Step& st, const Site& at) {
                       st.call.body["MessageBody"] = Of(at).Content(at);
                     }),
                 false,
                 Stimulus(Step::Kind::kAction, "SendMessage",
                          {"QueueUrl", "MessageBody", "MessageAttributes",
                           "MessageGroupId", "MessageDeduplicationId",
                           "DelaySeconds"})},
                {"publish",
                 Then(Object(
                          {{"topic", String(), true,
                            Set([](Step& st, std::string name, const Site& at) {
                              Of(at).Refer(at, Of(at).topics, "topic");
                              st.call.body["TopicArn"] = TopicArn(name);
                              st.label = "publish to " + name;
                            })},
                           // `json` wins over `message`, in any order.
                           {"message", String(), false,
                            Set([](Step& st, std::string message) {
                              Default(st.call.body, "Message", message);
                            })},
                           {"json", AnyJson("the message, as JSON"), false,
                            Set([](Step& st, json::value message) {
                              st.call.body["Message"] =
                                  json::serialize(message);
                            })},
                           {"subject", String(), false,
                            StepKey<std::string>("Subject")},
                           {"attributes", Attributes(), false,
                            MessageAttributesKey()}},
                          "Publish"),
                      [](Step& st, const Site&) {
                        Default(st.call.body, "Message", "");
                      }),
                 false,
                 Stimulus(
                     Step::Kind::kAction, "Publish",
                     {"TopicArn", "Message", "Subject", "MessageAttributes"})},
                {"put_object",
                 Then(Object(
                          {{"bucket", String(), true,
                            Refers<Step>(&ScenarioDraft::buckets, "bucket",
                                         "Bucket")},
                           {"key", String(), true, StepKey<std::string>("Key")},
                           {"body", String()},
                           {"json", AnyJson()},
                           {"file", String()},
                           {"content_type", String(), false,
                            StepKey<std::string>("ContentType")}},
                          "PutObject"),
                      [](Step& st, const Site& at) {
                        json::object& body = st.call.body;
                        body["Body"] = Base64Encode(Of(at).Content(at));
                        if (at.node["json"]) {
                          Default(body, "ContentType", "application/json");
                        }
                        st.label = "put " + Text(body, "Bucket") + "/" +
                                   Text(body, "Key");
                      }),
                 false,
                 Stimulus(Step::Kind::kAction, "PutObject",
                          {"Bucket", "Key", "Body", "ContentType"})},
                {"put_item",
                 Object({{"table", String(), true,
                          Set([](Step& st, std::string name, const Site& at) {
                            Of(at).Refer(at, Of(at).tables, "table");
                            st.call.body["TableName"] = name;
                            st.label = "put item in " + name;
                          })},
                         {"item", AnyJson("plain JSON"), true,
                          Set([](Step& st, json::value item, const Site& at) {
                            if (!item.is_object()) {
                              return at.Error(
                                  "an item is an object of attributes");
                            }
                            st.call.body["Item"] =
                                ScenarioDraft::ToAttributeValues(item);
                          })}},
                        "PutItem"),
                 false,
                 Stimulus(Step::Kind::kAction, "PutItem",
                          {"TableName", "Item"})},
                {"call",
                 Object({{"action", String("any action name"), true,
                          Set([](Step& st, std::string action) {
                            st.call.action = action;
                            st.label = "call " + action;
                          })},
                         {"body", AnyJson("its request"), false,
                          Set([](Step& st, json::value body, const Site& at) {
                            if (!body.is_object()) {
                              return at.Error("a request body is an object");
                            }
                            st.call.body = std::move(body.as_object());
                          })}},
                        "any emulator action"),
                 false, Stimulus(Step::Kind::kAction, "", {})},
                {"advance", DurationSpec("let this much virtual time pass"),
                 false, Set([](StepDraft& st, Duration d) { st.advance = d; })},
            },
            "a stimulus",
            {"http", "invoke", "send", "publish", "put_object", "put_item",
             "call", "advance"}),
        [](StepDraft& st, const Site& at) { FinishStep(st, at); });

    // Each kind of expectation binds into its own struct of Expectation
    // (harness/scenario.h); its fields check what they name.
    using E = Expectation;
    auto refer = []<class K>(std::string K::*member,
                             std::set<std::string> ScenarioDraft::*names,
                             const char* what) {
      return Set([member, names, what](K& k, std::string name, const Site& at) {
        Of(at).Refer(at, Of(at).*names, what);
        k.*member = name;
      });
    };
    auto expectation = Then(
        Object(
            {
                {"invocations",
                 Object(CollectionFields<E::Invocations>(
                            {{"function", String(), false,
                              refer(&E::Invocations::function,
                                    &ScenarioDraft::functions, "function")},
                             {"outcome",
                              Enum({"success", "error", "timeout", "throttle"}),
                              false, To(&E::Invocations::outcome)},
                             {"error_type", String(), false,
                              Set([](E::Invocations& x, std::string type) {
                                x.error_type = type;
                              })}}),
                        "finished invocations"),
                 false, ExpectationKind<E::Invocations>()},
                {"messages",
                 Object(
                     CollectionFields<E::Messages>(
                         {{"queue", String(), true,
                           refer(&E::Messages::queue, &ScenarioDraft::queues,
                                 "queue")},
                          {"state", Enum({"visible", "in_flight", "delayed"}),
                           false, To(&E::Messages::state)}}),
                     "the messages a queue holds at the end"),
                 false, ExpectationKind<E::Messages>()},
                {"queue",
                 Object(
                     {{"name", String(), true,
                       refer(&E::Queue::name, &ScenarioDraft::queues, "queue")},
                      {"exists", Boolean(), false, To(&E::Queue::exists)},
                      {"visible", Integer("", 0), false,
                       Set([](E::Queue& q, int64_t n) { q.visible = n; })},
                      {"in_flight", Integer("", 0), false,
                       Set([](E::Queue& q, int64_t n) { q.in_flight = n; })},
                      {"delayed", Integer("", 0), false,
                       Set([](E::Queue& q, int64_t n) { q.delayed = n; })}},
                     "a queue's depths at the end"),
                 false, ExpectationKind<E::Queue>()},
                {"items",
                 Object(CollectionFields<E::Items>(
                            {{"table", String(), true,
                              refer(&E::Items::table, &ScenarioDraft::tables,
                                    "table")}}),
                        "a table's items at the end, as plain JSON"),
                 false, ExpectationKind<E::Items>()},
                {"objects",
                 Object(CollectionFields<E::Objects>(
                            {{"bucket", String(), true,
                              refer(&E::Objects::bucket,
                                    &ScenarioDraft::buckets, "bucket")},
                             {"prefix", String(), false,
                              To(&E::Objects::prefix)}}),
                        "a bucket's objects at the end"),
                 false, ExpectationKind<E::Objects>()},
                {"emails",
                 Object(CollectionFields<E::Emails>(
                            {{"to", String(), false, To(&E::Emails::to)}}),
                        "the email outbox"),
                 false, ExpectationKind<E::Emails>()},
                {"requests",
                 Object(CollectionFields<E::Requests>(
                            {{"sink", String(), true,
                              refer(&E::Requests::sink, &ScenarioDraft::sinks,
                                    "sink")}}),
                        "what a sink received"),
                 false, ExpectationKind<E::Requests>()},
                {"events",
                 Object(CollectionFields<E::Events>(
                            {{"service", String(), false,
                              Set([](E::Events& x, std::string v) {
                                x.service = v;
                              })},
                             {"kind", String(), false,
                              Set([](E::Events& x, std::string v) {
                                x.kind = v;
                              })},
                             {"resource", String(), false,
                              Set([](E::Events& x, std::string v) {
                                x.resource = v;
                              })}}),
                        "the event log"),
                 false, ExpectationKind<E::Events>()},
                {"order",
                 Then(Array(EventSelectorSpec(),
                            "every event of each selector comes before "
                            "every event of the next"),
                      [](Expectation& e, const Site& at) {
                        e.origin = Origin{MarkOf(at.node), at.path};
                        if (!std::holds_alternative<E::Order>(e.check)) {
                          e.check.emplace<E::Order>();
                        }
                        if (std::get<E::Order>(e.check).selectors.size() < 2) {
                          at.Error(
                              "an order needs at least two event selectors");
                        }
                      }),
                 false,
                 Enter([](Expectation& e, const Site&) -> EventSelector& {
                   if (!std::holds_alternative<E::Order>(e.check)) {
                     e.check.emplace<E::Order>();
                   }
                   return std::get<E::Order>(e.check).selectors.emplace_back();
                 })},
                {"response",
                 Object(
                     {{"step", String("the step's id"), true,
                       Set([](E::Response& x, std::string id, const Site& at) {
                         CheckResponseStep(at);
                         x.step = id;
                       })},
                      {"status", Integer("the HTTP status"), false,
                       Set([](E::Response& x, int64_t s) { x.status = s; })},
                      {"ok", Boolean("an action succeeded (or failed)"), false,
                       Set([](E::Response& x, bool ok) { x.ok = ok; })},
                      {"error", String("the error type (QueueDoesNotExist)"),
                       false, Set([](E::Response& x, std::string error) {
                         x.error = error;
                       })},
                      {"json", AnyJson("a pattern the body matches"), false,
                       Set([](E::Response& x, json::value pattern) {
                         x.json = std::move(pattern);
                       })},
                      {"body", String("the body, exactly"), false,
                       Set([](E::Response& x, std::string body) {
                         x.body = body;
                       })}},
                     "the answer to a timeline step"),
                 false, ExpectationKind<E::Response>()},
                {"name", String("a label for reports"), false,
                 To(&Expectation::label)},
            },
            "an expectation",
            {"invocations", "messages", "queue", "items", "objects", "emails",
             "requests", "events", "order", "response"}),
        [](Expectation& e, const Site& at) {
          // A collection's own `name` labels it when the expectation's
          // does not (a queue's names the queue).
          const YAML::Node v = at.node[std::string(e.kind())];
          std::optional<std::string> name;
          if (e.kind() != "queue" && v && v.IsMap() && v["name"] &&
              v["name"].IsScalar()) {
            name = v["name"].Scalar();
          }
          if (e.label.empty() && name) e.label = *name;
          if (e.label.empty()) e.label = Summary(e, name);
        });

    auto run = Then(
        Object(
            {
                {"until", Enum({"quiescent"}, "the default")},
                {"for",
                 DurationSpec("run at least this much virtual time from the "
                              "start, then until quiescent"),
                 false, Set([](RunSpec& r, Duration d) { r.duration = d; })},
                {"settle",
                 DurationSpec("quiet time that counts as quiescent "
                              "(default 1s)"),
                 false, To(&RunSpec::settle)},
                {"max",
                 DurationSpec("virtual time allowed to reach quiescence "
                              "(default 24h)"),
                 false, To(&RunSpec::max_virtual)},
                {"wall_timeout",
                 DurationSpec("real time allowed for the run (default 60s)"),
                 false, Set([](RunSpec& r, Duration d) {
                   r.wall_timeout =
                       std::chrono::duration_cast<std::chrono::milliseconds>(d);
                 })},
                {"deterministic",
                 Boolean("false: follow real time inside handlers, as "
                         "--real-time does (default true)"),
                 false, To(&RunSpec::deterministic)},
            },
            "how long to run after the last step"),
        [](RunSpec&, const Site& site) {
          if (site.node["until"] && site.node["for"]) {
            site.Error("give either \"until: quiescent\" or \"for\", not both");
          }
        });

    return Object(
        {
            {"name", String("defaults to the file's name"), false,
             Set([](ScenarioDraft& d, std::string name, const Site& site) {
               // A name goes into reports, event logs and file names:
               // text only.
               if (!IsValidUtf8(name)) {
                 site.Error("the name is not valid UTF-8");
               } else if (std::any_of(name.begin(), name.end(), [](char c) {
                            return static_cast<unsigned char>(c) < 0x20 ||
                                   c == 0x7f;
                          })) {
                 site.Error(
                     "the name holds a control character (NUL, a newline, "
                     "...)");
               }
               d.scenario.name = name;
             })},
            {"description", String(), false,
             Set([](ScenarioDraft& d, std::string v) {
               d.scenario.description = v;
             })},
            {"expect_failure",
             String("why the scenario is expected to fail: it shows a "
                    "weak spot; it passes when an expectation or invariant "
                    "breaks, and fails when everything holds"),
             false, Set([](ScenarioDraft& d, std::string v) {
               d.scenario.expect_failure = v;
             })},
            {"seed", Integer("the seed of ids and request ids", 0), false,
             Set([](ScenarioDraft& d, uint64_t seed) {
               d.scenario.seed = seed;
             })},
            {"clock", Enum({"virtual", "real"}, "default virtual"), false,
             Set([](ScenarioDraft& d, std::string clock) {
               d.scenario.virtual_clock = clock != "real";
             })},
            {"stack",
             String("a SAM or CloudFormation template whose "
                    "resources are created before the others "
                    "(docs/templates.md)"),
             false,
             Set([](ScenarioDraft& d, YAML::Node stack) { d.stack = stack; })},
            {"parameters", MapOf(Scalar(), "the template's parameter values"),
             false, Set([](ScenarioDraft& d, YAML::Node parameters) {
               d.parameters = parameters;
             })},
            {"resources", resources, false,
             Enter([](ScenarioDraft& d, const Site&) -> ScenarioDraft& {
               return d;
             })},
            {"durations",
             MapOf(Object({{"duration",
                            DurationSpec("the virtual time each invocation "
                                         "takes"),
                            false, Set([](DurationEntry& e, Duration t) {
                              e.duration.min = t;
                            })},
                           {"duration_max",
                            DurationSpec("each invocation draws its virtual "
                                         "time from [duration, "
                                         "duration_max], seeded"),
                            false, Set([](DurationEntry& e, Duration t) {
                              e.duration.max = t;
                            })}}),
                   "deterministic runs: the virtual time of the functions "
                   "named (a template's, or declared ones), by function "
                   "name"),
             false,
             Enter([](ScenarioDraft& d, const Site& at) -> DurationEntry& {
               return d.duration_entries.emplace_back(
                   DurationEntry{at.key, at.node, at.path, {}});
             })},
            {"timeline", Array(step), false,
             Enter([](ScenarioDraft& d, const Site& at) -> StepDraft& {
               StepDraft& st = d.steps.emplace_back();
               st.step.origin = Origin{MarkOf(at.node), at.path};
               return st;
             })},
            {"run", run, false,
             Enter([](ScenarioDraft& d, const Site&) -> RunSpec& {
               return d.scenario.run;
             })},
            {"expect", Array(expectation), false,
             Enter([](ScenarioDraft& d, const Site&) -> Expectation& {
               return d.scenario.expect.emplace_back();
             })},
            FaultsField(),
            InvariantsField(),
        },
        "a fanlab scenario");
  }();
  return spec;
}

std::optional<Expectation> ParseExpectation(const std::string& text,
                                            Diagnostics& errors) {
  const std::string file = "expectation";
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Mark mark{e.mark.is_null() ? 0 : e.mark.line + 1,
              e.mark.is_null() ? 0 : e.mark.column + 1};
    errors.push_back({file, mark, "", "not valid YAML: " + e.msg});
    return std::nullopt;
  }
  static const Spec* const spec = [] {
    for (const Field& f : ScenarioSpec()->fields) {
      if (f.name == "expect") return f.spec->items.get();
    }
    return static_cast<const Spec*>(nullptr);
  }();
  // The checks that need every name are left in the draft, never run.
  static const LoadOptions options;
  ScenarioDraft draft(file, ".", options);
  Expectation e;
  const size_t before = errors.size();
  BindNode(node, *spec, &e, &draft, file, errors);
  if (errors.size() != before) return std::nullopt;
  return e;
}

}  // namespace fanlab::harness
