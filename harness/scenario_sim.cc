#include "harness/scenario_sim.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "emulator/sim/seeded_faults.h"
#include "harness/invariants.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

using Fault = sim::FaultSpec;

std::vector<std::string> FaultKindNames() {
  std::vector<std::string> out;
  for (auto kind : sim::AllFaultKinds()) {
    out.emplace_back(sim::FaultKindName(kind));
  }
  return out;
}

bool IsPattern(const std::string& s) {
  return s.find_first_of("*?") != std::string::npos;
}

// What one fault's fields say together: each kind's own needs.
void CheckFault(Fault& f, const Site& site) {
  using Kind = Fault::Kind;
  const YAML::Node& n = site.node;
  auto error = [&](const char* field, std::string message) {
    site.Error(n[field] ? n[field] : n, site.path + "." + field,
               std::move(message));
  };
  if (f.label.empty()) f.label = site.path;
  const YAML::Node kind = n["fault"];
  if (!kind || !kind.IsScalar() || !sim::ParseFaultKind(kind.Scalar())) {
    return;  // the format check reported it
  }
  const bool at_call = !f.action.empty();
  switch (f.kind) {
    case Kind::kCrash:
    case Kind::kTimeout:
      if (!at_call && n["when"]) {
        error("when",
              "`when` needs an `action` (crash before or after that "
              "call); without one the invocation crashes as it starts");
      }
      break;
    case Kind::kError:
      if (f.error.empty()) {
        site.Error(n["fault"], site.path + ".error",
                   "an error fault needs `error`: the code the call gets "
                   "(ServiceUnavailable, InternalError, "
                   "ProvisionedThroughputExceededException, ...)");
      }
      break;
    case Kind::kDuplicate:
      if (at_call && f.action != "Invoke") {
        error("action",
              "a duplicate hits queue deliveries and topic notifications "
              "(no action; `resource` the queue or topic) or Event "
              "invocations (action: Invoke)");
      }
      break;
    case Kind::kVisibilityLapse:
      if (at_call) {
        error("action",
              "a visibility lapse hits queue deliveries: give the queue "
              "as `resource`, no action");
      }
      break;
    case Kind::kDown:
    case Kind::kSlow:
      if (at_call || !f.function.empty()) {
        error(at_call ? "action" : "function",
              std::string(sim::FaultKindName(f.kind)) +
                  " hits HTTP routes and sinks: give the sink's name or "
                  "the route's path (/orders/{id}) as `resource`, no " +
                  (at_call ? "action" : "function"));
      }
      if (f.kind == Kind::kSlow && !n["delay"]) {
        site.Error(n["fault"], site.path + ".delay", "slow needs `delay`");
      }
      break;
    case Kind::kDelay:
    case Kind::kReorder:
      if (!n["delay"]) {
        site.Error(n["fault"], site.path + ".delay",
                   std::string(sim::FaultKindName(f.kind)) + " needs `delay`");
      }
      break;
    case Kind::kDeleteQueue:
    case Kind::kThrottle:
      break;
  }
  if (n["when"] && f.kind != Kind::kCrash && f.kind != Kind::kTimeout) {
    error("when", "`when` is for crash and timeout faults");
  }
  // A plain name must be declared (a pattern may match functions made at
  // run time), once every function is known.
  if (!f.function.empty() && !IsPattern(f.function)) {
    auto& draft = site.Context<ScenarioDraft>();
    draft.checks.push_back([&draft, function = f.function, at = n["function"],
                            path = site.path + ".function",
                            file = site.file](Diagnostics& errors) {
      if (draft.functions.contains(function)) return;
      std::string best =
          Closest(function, {draft.functions.begin(), draft.functions.end()});
      errors.push_back(
          {file, MarkOf(at), path,
           "no function named \"" + function + "\" in resources.functions" +
               (best.empty() ? "" : " (did you mean \"" + best + "\"?)")});
    });
  }
}

// A parameter that names something: its text, "" unless a string.
std::string TextOf(const YAML::Node& n) {
  return ScalarType(n) == "string" ? n.Scalar() : "";
}

// One entry of `invariants`, into `out`: a name, or {name: {parameters}},
// each parameter one the built-in takes.
void BindInvariant(const YAML::Node& n, const Site& site,
                   std::vector<InvariantSpec>& out) {
  auto error = [&](const YAML::Node& at, std::string message) {
    site.Error(at, site.path, std::move(message));
  };
  std::vector<std::string> known;
  for (const auto& i : BuiltinInvariants()) known.push_back(i.name);
  InvariantSpec spec;
  spec.origin = Origin{MarkOf(n), site.path};
  YAML::Node name_node = n;
  // The parameters in file order (a key given twice: its last value).
  std::vector<std::pair<std::string, YAML::Node>> params;
  if (n.IsScalar()) {
    spec.name = n.Scalar();
  } else if (n.IsMap() && n.size() == 1) {
    auto kv = *n.begin();
    name_node = kv.first;
    spec.name = kv.first.Scalar();
    if (kv.second.IsMap()) {
      for (const auto& p : kv.second) {
        std::string key = p.first.Scalar();
        auto same = std::find_if(params.begin(), params.end(),
                                 [&](const auto& q) { return q.first == key; });
        if (same != params.end()) {
          same->second = p.second;
        } else {
          params.emplace_back(key, p.second);
        }
      }
    } else if (ScalarType(kv.second) != "null") {
      return error(kv.second, "the parameters of " + spec.name +
                                  " are an object ({queue: NAME, ...})");
    }
  } else {
    return error(
        n, "an invariant is a name (no-message-lost) or {name: {parameters}}");
  }
  const InvariantInfo* info = FindInvariant(spec.name);
  if (info == nullptr) {
    std::string best = Closest(spec.name, known);
    std::string all;
    for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
    return error(name_node,
                 "no invariant named \"" + spec.name + "\"" +
                     (best.empty() ? "; the built-in ones: " + all
                                   : " (did you mean \"" + best + "\"?)"));
  }
  bool ok = true;
  auto takes = [&](const std::string& key) {
    return std::find(info->parameters.begin(), info->parameters.end(), key) !=
           info->parameters.end();
  };
  std::set<std::string> given;
  bool bad_max = false;
  for (const auto& [key, value] : params) {
    if (key == "name" && ScalarType(value) == "string") {
      spec.label = value.Scalar();
      continue;
    }
    given.insert(key);
    std::optional<int64_t> max;
    if (key == "max") {
      max = ScalarType(value) == "integer" ? yaml::ParseInteger(value.Scalar())
                                           : std::nullopt;
      bad_max = !max || *max < 1;
    }
    if (!takes(key)) {
      std::string best = Closest(key, info->parameters);
      std::string all;
      for (const auto& p : info->parameters) {
        all += (all.empty() ? "" : ", ") + p;
      }
      error(name_node,
            spec.name + " has no parameter \"" + key + "\"" +
                (best.empty() ? "; it takes " + all + ", name"
                              : " (did you mean \"" + best + "\"?)"));
      ok = false;
    } else if (key == "queue") {
      spec.queue = TextOf(value);
    } else if (key == "function") {
      spec.function = TextOf(value);
    } else if (key == "service") {
      spec.events.service = TextOf(value);
    } else if (key == "kind") {
      spec.events.kind = TextOf(value);
    } else if (key == "resource") {
      spec.events.resource = TextOf(value);
    } else if (key == "where") {
      spec.events.where = YamlToJson(value);
    } else if (key == "by") {
      spec.by = TextOf(value);
    } else if (key == "max" && !bad_max) {
      spec.max = *max;
    }
  }
  for (const auto& r : info->required) {
    if (!given.contains(r)) {
      error(name_node, spec.name + " needs the parameter \"" + r + "\"");
      ok = false;
    }
  }
  if (bad_max) {
    error(name_node, spec.name + ": max is a whole number, at least 1");
    ok = false;
  }
  if (ok) out.push_back(std::move(spec));
}

}  // namespace

Field FaultsField() {
  auto fault = Then(
      Object(
          {
              {"fault", Enum(FaultKindNames(), "what happens"), true,
               Set([](Fault& f, std::string kind) {
                 f.kind = sim::ParseFaultKind(kind).value_or(f.kind);
               })},
              {"name", String("a label for the log"), false, To(&Fault::label)},
              {"function",
               String("the invocation (crash, timeout) or the function "
                      "making the call; a pattern (* and ?)"),
               false, To(&Fault::function)},
              {"action",
               String("the API call it hits (SendMessage, "
                      "DeleteMessageBatch, ...); a pattern"),
               false, To(&Fault::action)},
              {"resource",
               String("the queue, topic, table, bucket or function the call "
                      "or delivery names, the sink's name or the route's "
                      "path (down, slow); a pattern (doparallel-*)"),
               false, To(&Fault::resource)},
              {"when",
               Enum({"before", "after"},
                    "crash or time out before the call takes effect "
                    "(default) or after it"),
               false, Set([](Fault& f, std::string when) {
                 if (when == "after") f.when = Fault::When::kAfter;
               })},
              {"nth", Integer("fire on this match only (1 is the first)", 1),
               false, To(&Fault::nth)},
              {"probability",
               Number("fire on each match with this probability (0..1)"), false,
               Set([](Fault& f, double p, const Site& site) {
                 f.probability = p;
                 if (p < 0 || p > 1) site.Error("a number from 0 to 1");
               })},
              {"times", Integer("fire at most this many times", 1), false,
               To(&Fault::times)},
              {"error",
               String("the error code (ServiceUnavailable, "
                      "InternalError, ...)"),
               false, To(&Fault::error)},
              {"delay",
               DurationSpec("delay, slow: how long; reorder: the most; "
                            "visibility_lapse: when the message is visible "
                            "again (default at once)"),
               false, To(&Fault::delay)},
          },
          "a fault"),
      [](Fault& f, const Site& site) { CheckFault(f, site); });
  return {"faults",
          Array(fault, "faults to inject, each seeded by the run's seed"),
          false, Enter([](ScenarioDraft& d, const Site&) -> Fault& {
            return d.scenario.faults.emplace_back();
          })};
}

Field InvariantsField() {
  std::string names;
  for (const auto& i : BuiltinInvariants()) {
    names += (names.empty() ? "" : ", ") + i.name;
  }
  return {"invariants",
          Array(AnyJson("a built-in invariant's name (" + names +
                        "), or {name: {parameters}}"),
                "properties the whole run keeps"),
          false, Set([](ScenarioDraft& d, YAML::Node list, const Site& site) {
            size_t index = 0;
            for (const auto& n : list) {
              Site item{
                  n,           site.path + "[" + std::to_string(index++) + "]",
                  site.key,    site.file,
                  site.errors, site.context};
              BindInvariant(n, item, d.scenario.invariants);
            }
          })};
}

}  // namespace fanlab::harness
