#include "harness/scenario_sim.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>

#include "emulator/sim/seeded_faults.h"
#include "harness/invariants.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

std::vector<std::string> FaultKindNames() {
  std::vector<std::string> out;
  for (auto kind : sim::AllFaultKinds()) {
    out.emplace_back(sim::FaultKindName(kind));
  }
  return out;
}

std::string Str(const YAML::Node& n) {
  return n && n.IsScalar() ? n.Scalar() : "";
}

bool IsPattern(const std::string& s) {
  return s.find_first_of("*?") != std::string::npos;
}

}  // namespace

SpecPtr FaultsSpec() {
  static const SpecPtr spec = Array(
      Object(
          {
              {"fault", Enum(FaultKindNames(), "what happens"), true},
              {"name", String("a label for the log")},
              {"function",
               String("the invocation (crash, timeout) or the function "
                      "making the call; a pattern (* and ?)")},
              {"action", String("the API call it hits (SendMessage, "
                                "DeleteMessageBatch, ...); a pattern")},
              {"resource",
               String("the queue, topic, table, bucket or function the call "
                      "or delivery names, the sink's name or the route's "
                      "path (down, slow); a pattern (doparallel-*)")},
              {"when", Enum({"before", "after"},
                            "crash or time out before the call takes effect "
                            "(default) or after it")},
              {"nth", Integer("fire on this match only (1 is the first)", 1)},
              {"probability",
               Number("fire on each match with this probability (0..1)")},
              {"times", Integer("fire at most this many times", 1)},
              {"error", String("the error code (ServiceUnavailable, "
                               "InternalError, ...)")},
              {"delay",
               DurationSpec("delay, slow: how long; reorder: the most; "
                            "visibility_lapse: when the message is visible "
                            "again (default at once)")},
          },
          "a fault"),
      "faults to inject, each seeded by the run's seed");
  return spec;
}

SpecPtr InvariantsSpec() {
  std::string names;
  for (const auto& i : BuiltinInvariants()) {
    names += (names.empty() ? "" : ", ") + i.name;
  }
  static const SpecPtr spec =
      Array(AnyJson("a built-in invariant's name (" + names +
                    "), or {name: {parameters}}"),
            "properties the whole run keeps");
  return spec;
}

void ReadFaults(const YAML::Node& list, const std::string& file,
                const DeclaredNames& names, std::vector<sim::FaultSpec>& out,
                Diagnostics& errors) {
  if (!list || !list.IsSequence()) return;
  size_t index = 0;
  for (const auto& n : list) {
    const std::string path = "faults[" + std::to_string(index++) + "]";
    if (!n.IsMap()) continue;  // the format check said so
    auto error = [&](const YAML::Node& at, const std::string& field,
                     std::string message) {
      errors.push_back({file, MarkOf(at ? at : n),
                        field.empty() ? path : path + "." + field,
                        std::move(message)});
    };
    auto kind = sim::ParseFaultKind(Str(n["fault"]));
    if (!kind) continue;  // reported by the format check
    using Kind = sim::FaultSpec::Kind;
    sim::FaultSpec f;
    f.kind = *kind;
    f.label = Str(n["name"]).empty() ? path : Str(n["name"]);
    f.function = Str(n["function"]);
    f.action = Str(n["action"]);
    f.resource = Str(n["resource"]);
    f.error = Str(n["error"]);
    if (Str(n["when"]) == "after") f.when = sim::FaultSpec::When::kAfter;
    if (n["nth"] && ScalarType(n["nth"]) == "integer") {
      f.nth = n["nth"].as<uint64_t>();
    }
    if (n["times"] && ScalarType(n["times"]) == "integer") {
      f.times = n["times"].as<uint64_t>();
    }
    if (n["probability"]) {
      json::value p = YamlToJson(n["probability"]);
      if (p.is_number()) f.probability = p.to_number<double>();
      if (!p.is_number() || f.probability < 0 || f.probability > 1) {
        error(n["probability"], "probability", "a number from 0 to 1");
      }
    }
    if (auto d = n["delay"] ? DurationOf(n["delay"]) : std::nullopt) {
      f.delay = *d;
    }
    const bool at_call = !f.action.empty();
    switch (f.kind) {
      case Kind::kCrash:
      case Kind::kTimeout:
        if (!at_call && n["when"]) {
          error(n["when"], "when",
                "`when` needs an `action` (crash before or after that "
                "call); without one the invocation crashes as it starts");
        }
        break;
      case Kind::kError:
        if (f.error.empty()) {
          error(n["fault"], "error",
                "an error fault needs `error`: the code the call gets "
                "(ServiceUnavailable, InternalError, "
                "ProvisionedThroughputExceededException, ...)");
        }
        break;
      case Kind::kDuplicate:
        if (at_call && f.action != "Invoke") {
          error(n["action"], "action",
                "a duplicate hits queue deliveries and topic notifications "
                "(no action; `resource` the queue or topic) or Event "
                "invocations (action: Invoke)");
        }
        break;
      case Kind::kVisibilityLapse:
        if (at_call) {
          error(n["action"], "action",
                "a visibility lapse hits queue deliveries: give the queue "
                "as `resource`, no action");
        }
        break;
      case Kind::kDown:
      case Kind::kSlow:
        if (at_call || !f.function.empty()) {
          error(at_call ? n["action"] : n["function"],
                at_call ? "action" : "function",
                std::string(sim::FaultKindName(f.kind)) +
                    " hits HTTP routes and sinks: give the sink's name or "
                    "the route's path (/orders/{id}) as `resource`, no " +
                    (at_call ? "action" : "function"));
        }
        if (f.kind == Kind::kSlow && !n["delay"]) {
          error(n["fault"], "delay", "slow needs `delay`");
        }
        break;
      case Kind::kDelay:
      case Kind::kReorder:
        if (!n["delay"]) {
          error(n["fault"], "delay",
                std::string(sim::FaultKindName(f.kind)) + " needs `delay`");
        }
        break;
      case Kind::kDeleteQueue:
        break;
      case Kind::kThrottle:
        break;
    }
    if (n["when"] && f.kind != Kind::kCrash && f.kind != Kind::kTimeout) {
      error(n["when"], "when", "`when` is for crash and timeout faults");
    }
    // A plain name must be declared (a pattern may match functions made
    // at run time).
    if (!f.function.empty() && !IsPattern(f.function) &&
        !names.functions.contains(f.function)) {
      std::string best =
          Closest(f.function, {names.functions.begin(), names.functions.end()});
      error(n["function"], "function",
            "no function named \"" + f.function + "\" in resources.functions" +
                (best.empty() ? "" : " (did you mean \"" + best + "\"?)"));
    }
    out.push_back(std::move(f));
  }
}

void ReadInvariants(const YAML::Node& list, const std::string& file,
                    std::vector<InvariantSpec>& out, Diagnostics& errors) {
  if (!list || !list.IsSequence()) return;
  std::vector<std::string> known;
  for (const auto& i : BuiltinInvariants()) known.push_back(i.name);
  size_t index = 0;
  for (const auto& n : list) {
    const std::string path = "invariants[" + std::to_string(index++) + "]";
    auto error = [&](const YAML::Node& at, std::string message) {
      errors.push_back({file, MarkOf(at), path, std::move(message)});
    };
    InvariantSpec spec;
    spec.origin = Origin{MarkOf(n), path};
    YAML::Node name_node = n;
    if (n.IsScalar()) {
      spec.name = n.Scalar();
    } else if (n.IsMap() && n.size() == 1) {
      auto kv = *n.begin();
      name_node = kv.first;
      spec.name = kv.first.Scalar();
      json::value params = YamlToJson(kv.second);
      if (params.is_object()) {
        spec.params = std::move(params.as_object());
      } else if (!params.is_null()) {
        error(kv.second, "the parameters of " + spec.name +
                             " are an object ({queue: NAME, ...})");
        continue;
      }
    } else {
      error(n,
            "an invariant is a name (no-message-lost) or {name: {parameters}}");
      continue;
    }
    const InvariantInfo* info = FindInvariant(spec.name);
    if (info == nullptr) {
      std::string best = Closest(spec.name, known);
      std::string all;
      for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
      error(name_node,
            "no invariant named \"" + spec.name + "\"" +
                (best.empty() ? "; the built-in ones: " + all
                              : " (did you mean \"" + best + "\"?)"));
      continue;
    }
    bool ok = true;
    if (const json::value* label = spec.params.if_contains("name");
        label != nullptr && label->is_string()) {
      spec.label = std::string(label->as_string());
      spec.params.erase("name");
    }
    for (const auto& kv : spec.params) {
      std::string key(kv.key());
      if (std::find(info->parameters.begin(), info->parameters.end(), key) ==
          info->parameters.end()) {
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
      }
    }
    for (const auto& r : info->required) {
      if (!spec.params.contains(r)) {
        error(name_node, spec.name + " needs the parameter \"" + r + "\"");
        ok = false;
      }
    }
    if (const json::value* max = spec.params.if_contains("max");
        max != nullptr && (!max->is_int64() || max->as_int64() < 1)) {
      error(name_node, spec.name + ": max is a whole number, at least 1");
      ok = false;
    }
    if (ok) out.push_back(std::move(spec));
  }
}

}  // namespace fanlab::harness
