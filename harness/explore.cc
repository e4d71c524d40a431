#include "harness/explore.h"

#include <yaml-cpp/yaml.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

// Exploration hunts broken expectations and invariants, also in a
// scenario that expects them to break (`expect_failure`, a weak spot shown
// on purpose): finding its failure is what exploring it is for.
bool Broke(const ScenarioResult& r) {
  return !r.passed() || r.failed_as_expected;
}

}  // namespace

std::string FailureSignature(const ScenarioResult& r) {
  if (!Broke(r)) return "";
  std::string out;
  if (r.status == ScenarioResult::Status::kError) out += "error\n";
  if (!r.failure.empty()) {
    // The run's own failure, without its numbers (times, counts vary as
    // steps go).
    out += "run: " + r.failure.substr(0, r.failure.find(" after ")) + "\n";
  }
  for (const ExpectationResult* e : r.Failures()) {
    out += e->kind + " " + e->label + "\n";
  }
  return out;
}

namespace {

// Every line of `original` is in `now`: the failure still happens
// (expectations about the steps dropped may fail too).
bool SameFailure(const std::string& original, const std::string& now) {
  if (now.empty()) return false;
  for (size_t at = 0; at < original.size();) {
    size_t end = original.find('\n', at);
    std::string line = original.substr(at, end - at + 1);
    if (now.find(line) == std::string::npos) return false;
    at = end + 1;
  }
  return true;
}

}  // namespace

std::string DescribeFault(const sim::FaultSpec& f) {
  std::string out = f.label + " (" + std::string(sim::FaultKindName(f.kind));
  if (!f.error.empty()) out += " " + f.error;
  if (!f.function.empty()) out += " " + f.function;
  if (!f.action.empty()) out += " at " + f.action;
  if (!f.resource.empty()) out += " on " + f.resource;
  if (f.when == sim::FaultSpec::When::kAfter) out += ", after";
  if (f.delay > Duration(0)) out += ", delay " + FormatDuration(f.delay);
  if (f.nth != 0) out += ", nth " + std::to_string(f.nth);
  if (f.probability < 1.0) {
    char p[32];
    std::snprintf(p, sizeof p, "%g", f.probability);
    out += std::string(", probability ") + p;
  }
  if (f.times != 0) out += ", times " + std::to_string(f.times);
  return out + ")";
}

namespace {

// The N of "name[N]..." (a place in a list of the file); nullopt when
// `path` does not start so.
std::optional<size_t> IndexIn(const std::string& path,
                              const std::string& name) {
  if (!path.starts_with(name + "[")) return std::nullopt;
  size_t at = name.size() + 1;
  size_t end = path.find(']', at);
  if (end == std::string::npos || end == at) return std::nullopt;
  size_t n = 0;
  for (size_t i = at; i < end; ++i) {
    if (path[i] < '0' || path[i] > '9') return std::nullopt;
    n = n * 10 + size_t(path[i] - '0');
  }
  return n;
}

// A duration as the scenario format reads it back exactly.
std::string DurationText(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d);
  if (Duration(ms) == d) {
    return ms.count() % 1000 == 0 ? std::to_string(ms.count() / 1000) + "s"
                                  : std::to_string(ms.count()) + "ms";
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.9f",
                std::chrono::duration<double>(d).count());
  return text;
}

// The step a `response` expectation names; "" for the other kinds.
std::string StepOf(const Expectation& x) {
  const auto* response = std::get_if<Expectation::Response>(&x.check);
  return response != nullptr ? response->step : "";
}

// The ids of the steps `text` takes a value from (${steps.ID...}).
void StepRefs(const std::string& text, std::set<std::string>& out) {
  for (size_t at = text.find("${steps."); at != std::string::npos;
       at = text.find("${steps.", at + 1)) {
    size_t begin = at + 8;
    size_t end = text.find_first_of(".}", begin);
    if (end != std::string::npos) out.insert(text.substr(begin, end - begin));
  }
}

// Cuts a failing run down: faults, then timeline entries (a repeated
// step's runs go together, as the file has them), then the faults' nth,
// probability and times lowered, then the entries once more when
// something was lowered. Every candidate is a scenario the shrunk YAML
// reads back as; it counts when its run fails the same way under the
// same seed.
class Shrinker {
 public:
  Shrinker(const Scenario& scenario, uint64_t seed, const ExploreOptions& o,
           ExploreResult& result)
      : scenario_(scenario),
        seed_(seed),
        options_(o),
        result_(result),
        signature_(FailureSignature(result.failure)),
        specs_(scenario.faults) {
    // Entries: the steps of one timeline entry of the file.
    std::map<std::string, size_t> by_path;
    for (size_t i = 0; i < scenario.timeline.size(); ++i) {
      const Step& step = scenario.timeline[i];
      const std::string& path = step.origin.path;
      auto it = path.empty() ? by_path.end() : by_path.find(path);
      if (it == by_path.end()) {
        if (!path.empty()) by_path[path] = entries_.size();
        entries_.push_back({});
        entries_.back().steps.push_back(i);
      } else {
        entries_[it->second].steps.push_back(i);
      }
    }
    for (Entry& e : entries_) {
      for (size_t i : e.steps) {
        const Step& step = scenario.timeline[i];
        e.ids.insert(step.id);
        StepRefs(json::serialize(step.call.body), e.refs);
        StepRefs(step.http.path, e.refs);
        StepRefs(step.http.body, e.refs);
        for (const auto& [name, value] : step.http.headers) {
          StepRefs(value, e.refs);
        }
      }
    }
    // Steps a failed expectation names (`step: ID`) stay: without them
    // it would fail for another reason.
    std::set<std::string> pinned;
    for (const ExpectationResult* e : result.failure.Failures()) {
      for (const Expectation& x : scenario.expect) {
        if (x.label != e->label || x.kind() != e->kind) continue;
        if (std::string step = StepOf(x); !step.empty()) pinned.insert(step);
      }
    }
    for (size_t i = 0; i < entries_.size(); ++i) {
      bool pin = false;
      for (const std::string& id : entries_[i].ids) pin |= pinned.count(id);
      entries_[i].pinned = pin;
      kept_entries_.push_back(i);
    }
    for (size_t i = 0; i < specs_.size(); ++i) kept_faults_.push_back(i);
  }

  void Shrink() {
    best_ = result_.failure;
    ShrinkFaults();
    ShrinkEntries();
    if (LowerFaults()) ShrinkEntries();
    std::vector<bool> keep = KeptExpectations(KeptIds(kept_entries_));
    for (size_t i = 0; i < keep.size(); ++i) {
      if (!keep[i]) {
        result_.removed.push_back("expectation " + scenario_.expect[i].label +
                                  " (about a step taken out)");
      }
    }
    result_.shrunk = Build(kept_entries_, kept_faults_, specs_);
    result_.shrunk_result = best_;
  }

  // The shrunk scenario as a file (see ExploreResult::shrunk_yaml).
  std::string Yaml(std::string& missing) const;

 private:
  struct Entry {
    std::vector<size_t> steps;  // into scenario_.timeline
    std::set<std::string> ids;
    std::set<std::string> refs;  // step ids its values come from
    bool pinned = false;
  };

  // The label a fault without a name of its own gets at place `at`.
  static std::string PlaceLabel(size_t at) {
    return "faults[" + std::to_string(at) + "]";
  }
  bool Unnamed(size_t original) const {
    return scenario_.faults[original].label == PlaceLabel(original);
  }

  // The step ids a candidate keeps.
  std::set<std::string> KeptIds(const std::vector<size_t>& entries) const {
    std::set<std::string> ids;
    for (size_t e : entries) {
      ids.insert(entries_[e].ids.begin(), entries_[e].ids.end());
    }
    return ids;
  }

  // Expectations stay unless they name a step taken out (they would no
  // longer load); a file's entry with several kinds goes as a whole.
  std::vector<bool> KeptExpectations(const std::set<std::string>& ids) const {
    std::vector<bool> keep(scenario_.expect.size(), true);
    std::set<std::string> dropped_paths;
    for (size_t i = 0; i < scenario_.expect.size(); ++i) {
      const Expectation& x = scenario_.expect[i];
      if (std::string step = StepOf(x); !step.empty() && ids.count(step) == 0) {
        keep[i] = false;
        if (auto n = IndexIn(x.origin.path, "expect")) {
          dropped_paths.insert("expect[" + std::to_string(*n) + "]");
        }
      }
    }
    for (size_t i = 0; i < scenario_.expect.size(); ++i) {
      const std::string& path = scenario_.expect[i].origin.path;
      if (auto n = IndexIn(path, "expect");
          n && dropped_paths.count("expect[" + std::to_string(*n) + "]")) {
        keep[i] = false;
      }
    }
    return keep;
  }

  Scenario Build(const std::vector<size_t>& entries,
                 const std::vector<size_t>& faults,
                 const std::vector<sim::FaultSpec>& specs) const {
    Scenario s = scenario_;
    std::set<size_t> chosen(entries.begin(), entries.end());
    s.timeline.clear();
    for (size_t e = 0; e < entries_.size(); ++e) {
      if (chosen.count(e) == 0) continue;
      for (size_t i : entries_[e].steps) {
        s.timeline.push_back(scenario_.timeline[i]);
      }
    }
    s.faults.clear();
    for (size_t i : faults) {
      s.faults.push_back(specs[i]);
      // As the file read back would label it.
      if (Unnamed(i)) s.faults.back().label = PlaceLabel(s.faults.size() - 1);
    }
    std::vector<bool> keep = KeptExpectations(KeptIds(entries));
    s.expect.clear();
    for (size_t i = 0; i < scenario_.expect.size(); ++i) {
      if (keep[i]) s.expect.push_back(scenario_.expect[i]);
    }
    s.seed = seed_;
    return s;
  }

  // Whether the candidate fails the same way (and then it is the best).
  bool Fails(const std::vector<size_t>& entries,
             const std::vector<size_t>& faults,
             const std::vector<sim::FaultSpec>& specs) {
    // A kept step taking a value from a step taken out would not load.
    std::set<std::string> ids = KeptIds(entries);
    std::set<std::string> all = KeptIds(AllEntries());
    for (size_t e : entries) {
      for (const std::string& ref : entries_[e].refs) {
        if (all.count(ref) != 0 && ids.count(ref) == 0) return false;
      }
    }
    ++result_.shrink_runs;
    Scenario candidate = Build(entries, faults, specs);
    ScenarioResult r = RunScenario(
        candidate, RunOptions{.seed = seed_, .real_time = options_.real_time});
    if (!SameFailure(signature_, FailureSignature(r))) return false;
    // Every fault kept fires: one that does not is not part of the story
    // (and without this, taking out the steps that make it fire can pass
    // for the same failure: "2 sent" fails as well with none sent).
    std::set<std::string> fired;
    for (const Event& e : r.events) {
      if (e.kind != "FaultFired" || !e.detail.is_object()) continue;
      if (const json::value* f = e.detail.as_object().if_contains("fault");
          f != nullptr && f->is_string()) {
        fired.insert(std::string(f->as_string()));
      }
    }
    for (const sim::FaultSpec& f : candidate.faults) {
      if (fired.count(f.label) == 0) return false;
    }
    best_ = std::move(r);
    return true;
  }
  std::vector<size_t> AllEntries() const {
    std::vector<size_t> all(entries_.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }

  void ShrinkFaults() {
    if (kept_faults_.empty()) return;
    std::function<bool(const std::vector<size_t>&)> fails =
        [&](const std::vector<size_t>& faults) {
          return Fails(kept_entries_, faults, specs_);
        };
    std::vector<size_t> kept = ShrinkList(kept_faults_, fails);
    std::set<size_t> left(kept.begin(), kept.end());
    for (size_t i : kept_faults_) {
      if (left.count(i) == 0) {
        result_.removed.push_back("fault " + DescribeFault(specs_[i]));
      }
    }
    kept_faults_ = std::move(kept);
  }

  void ShrinkEntries() {
    std::vector<size_t> free;
    for (size_t e : kept_entries_) {
      if (!entries_[e].pinned) free.push_back(e);
    }
    auto with_pinned = [&](const std::vector<size_t>& chosen) {
      std::set<size_t> c(chosen.begin(), chosen.end());
      std::vector<size_t> out;
      for (size_t e : kept_entries_) {
        if (entries_[e].pinned || c.count(e) != 0) out.push_back(e);
      }
      return out;
    };
    std::function<bool(const std::vector<size_t>&)> fails =
        [&](const std::vector<size_t>& chosen) {
          return Fails(with_pinned(chosen), kept_faults_, specs_);
        };
    std::vector<size_t> kept = with_pinned(ShrinkList(free, fails));
    std::set<size_t> left(kept.begin(), kept.end());
    for (size_t e : kept_entries_) {
      if (left.count(e) != 0) continue;
      const Step& first = scenario_.timeline[entries_[e].steps.front()];
      std::string what = "step " + first.id;
      if (entries_[e].steps.size() > 1) {
        what = "step " + first.id.substr(0, first.id.rfind('#')) + " (" +
               std::to_string(entries_[e].steps.size()) + " runs)";
      }
      result_.removed.push_back(what);
    }
    kept_entries_ = std::move(kept);
  }

  // The matches at which fault `original` fired in the best run so far.
  std::vector<uint64_t> FiredAt(size_t original) const {
    std::string label = specs_[original].label;
    if (Unnamed(original)) {
      for (size_t at = 0; at < kept_faults_.size(); ++at) {
        if (kept_faults_[at] == original) label = PlaceLabel(at);
      }
    }
    std::vector<uint64_t> out;
    for (const Event& e : best_.events) {
      if (e.kind != "FaultFired" || !e.detail.is_object()) continue;
      const json::object& d = e.detail.as_object();
      const json::value* f = d.if_contains("fault");
      const json::value* m = d.if_contains("match");
      if (f != nullptr && f->is_string() && f->as_string() == label &&
          m != nullptr && m->is_number()) {
        out.push_back(m->to_number<uint64_t>());
      }
    }
    return out;
  }

  // Tries `changed` in place of fault `original`; keeps it if the run
  // still fails the same way.
  bool TryFault(size_t original, const sim::FaultSpec& changed,
                const std::string& what) {
    std::vector<sim::FaultSpec> specs = specs_;
    specs[original] = changed;
    if (!Fails(kept_entries_, kept_faults_, specs)) return false;
    result_.lowered.push_back("fault " + changed.label + ": " + what);
    specs_ = std::move(specs);
    return true;
  }

  // Each fault made to fire less: a probability replaced by the one match
  // it fired at, an nth lowered, `times` brought to 1. A few runs a
  // fault at most.
  bool LowerFaults() {
    bool lowered = false;
    for (size_t i : kept_faults_) {
      sim::FaultSpec f = specs_[i];
      if (f.probability < 1.0 && f.nth == 0) {
        std::vector<uint64_t> fired = FiredAt(i);
        for (size_t k = 0; k < fired.size() && k < 2; ++k) {
          sim::FaultSpec c = f;
          c.probability = 1.0;
          c.nth = fired[k];
          char p[32];
          std::snprintf(p, sizeof p, "%g", f.probability);
          if (TryFault(i, c,
                       std::string("probability ") + p + " -> nth " +
                           std::to_string(fired[k]))) {
            lowered = true;
            break;
          }
        }
        f = specs_[i];
      }
      // nth: halved while it still fails, 1 tried first.
      std::set<uint64_t> tried;
      while (f.nth > 1) {
        bool better = false;
        for (uint64_t c : {uint64_t{1}, f.nth / 2}) {
          if (c < 1 || c >= f.nth || !tried.insert(c).second) continue;
          sim::FaultSpec n = f;
          n.nth = c;
          if (TryFault(i, n,
                       "nth " + std::to_string(f.nth) + " -> " +
                           std::to_string(c))) {
            f = specs_[i];
            better = lowered = true;
            break;
          }
        }
        if (!better) break;
      }
      if (f.nth == 0 && f.times != 1 && FiredAt(i).size() > 1) {
        sim::FaultSpec t = f;
        t.times = 1;
        if (TryFault(i, t,
                     "times " +
                         (f.times == 0 ? std::string("unlimited")
                                       : std::to_string(f.times)) +
                         " -> 1")) {
          lowered = true;
        }
      }
    }
    return lowered;
  }

  const Scenario& scenario_;
  const uint64_t seed_;
  const ExploreOptions& options_;
  ExploreResult& result_;
  const std::string signature_;
  std::vector<Entry> entries_;
  std::vector<sim::FaultSpec> specs_;  // by original place, as lowered
  std::vector<size_t> kept_entries_;
  std::vector<size_t> kept_faults_;
  ScenarioResult best_;  // the run of the smallest failing candidate
};

std::string Shrinker::Yaml(std::string& missing) const {
  if (scenario_.file.empty()) {
    missing = "a scenario built in C++ has no file to cut down";
    return "";
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(scenario_.file);
  } catch (const YAML::Exception& e) {
    missing = scenario_.file + " no longer reads: " + e.what();
    return "";
  }
  if (!root.IsMap()) {
    missing = scenario_.file + " is not a mapping";
    return "";
  }
  YAML::Node timeline = root["timeline"];
  YAML::Node steps(YAML::NodeType::Sequence);
  for (size_t e : kept_entries_) {
    const Step& first = scenario_.timeline[entries_[e].steps.front()];
    auto at = IndexIn(first.origin.path, "timeline");
    if (!at || !timeline.IsSequence() || *at >= timeline.size() ||
        !timeline[*at].IsMap()) {
      missing = "step " + first.id + " is not an entry of the file's timeline";
      return "";
    }
    YAML::Node n = YAML::Clone(timeline[*at]);
    // Absolute times: the steps taken out no longer move the cursor.
    Duration when = first.at;
    if (first.kind == Step::Kind::kAdvance) {
      when -= DurationOf(n["advance"]).value_or(Duration(0));
    }
    n.remove("after");
    n["at"] = DurationText(when);
    steps.push_back(n);
  }
  if (steps.size() > 0) {
    root["timeline"] = steps;
  } else {
    root.remove("timeline");
  }
  YAML::Node original_faults = root["faults"];
  if (!kept_faults_.empty() &&
      (!original_faults.IsSequence() ||
       original_faults.size() != scenario_.faults.size())) {
    missing = "the file's faults are not the scenario's";
    return "";
  }
  YAML::Node faults(YAML::NodeType::Sequence);
  for (size_t i : kept_faults_) {
    YAML::Node n = YAML::Clone(original_faults[i]);
    const sim::FaultSpec& was = scenario_.faults[i];
    const sim::FaultSpec& now = specs_[i];
    if (now.nth != was.nth) n["nth"] = now.nth;
    if (now.times != was.times) n["times"] = now.times;
    if (now.probability != was.probability) {
      if (now.probability >= 1.0) {
        n.remove("probability");
      } else {
        n["probability"] = now.probability;
      }
    }
    faults.push_back(n);
  }
  if (faults.size() > 0) {
    root["faults"] = faults;
  } else {
    root.remove("faults");
  }
  std::vector<bool> keep = KeptExpectations(KeptIds(kept_entries_));
  std::set<size_t> gone;
  for (size_t i = 0; i < keep.size(); ++i) {
    if (auto n = IndexIn(scenario_.expect[i].origin.path, "expect");
        n && !keep[i]) {
      gone.insert(*n);
    }
  }
  if (!gone.empty() && root["expect"].IsSequence()) {
    YAML::Node expect(YAML::NodeType::Sequence);
    for (size_t i = 0; i < root["expect"].size(); ++i) {
      if (gone.count(i) == 0) expect.push_back(root["expect"][i]);
    }
    root["expect"] = expect;
  }
  root["seed"] = seed_;
  YAML::Emitter out;
  out << root;
  if (!out.good()) {
    missing = "cannot write it: " + out.GetLastError();
    return "";
  }
  return std::string(out.c_str()) + "\n";
}

}  // namespace

ExploreResult Explore(const Scenario& scenario, const ExploreOptions& o) {
  ExploreResult result;
  auto wall_start = std::chrono::steady_clock::now();
  std::vector<uint64_t> seeds;
  int count = std::max(1, o.shard_count);
  for (uint64_t i = 0; i < o.seeds; ++i) {
    if (int(i % uint64_t(count)) == o.shard_index - 1) {
      seeds.push_back(o.first_seed + i);
    }
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  auto worker = [&] {
    while (!stop) {
      size_t i = next++;
      if (i >= seeds.size()) return;
      ScenarioResult r = RunScenario(
          scenario, RunOptions{.seed = seeds[i], .real_time = o.real_time});
      std::lock_guard lock(mu);
      ++result.runs;
      if (Broke(r) &&
          (!result.failing_seed || seeds[i] < *result.failing_seed)) {
        result.failing_seed = seeds[i];
        result.failure = std::move(r);
        stop = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < std::max(1, o.jobs); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  auto seeds_end = std::chrono::steady_clock::now();
  result.wall_seconds =
      std::chrono::duration<double>(seeds_end - wall_start).count();

  if (result.failing_seed) {
    result.shrunk = scenario;
    result.shrunk.seed = *result.failing_seed;
    result.shrunk_result = result.failure;
    if (result.failure.status == ScenarioResult::Status::kError) {
      result.shrunk_yaml_missing = "the scenario is refused (see the errors)";
    } else {
      Shrinker shrinker(scenario, *result.failing_seed, o, result);
      if (o.shrink) shrinker.Shrink();
      result.shrunk_yaml = shrinker.Yaml(result.shrunk_yaml_missing);
    }
  }
  result.shrink_wall_seconds = std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - seeds_end)
                                   .count();
  return result;
}

std::string ToTraceEvents(const ScenarioResult& r) {
  json::array events;
  events.push_back(json::object{
      {"name", "process_name"},
      {"ph", "M"},
      {"pid", 1},
      {"args", {{"name", r.name + " seed " + std::to_string(r.seed)}}}});
  std::map<std::string, int> tracks;
  auto track = [&](const std::string& name) {
    auto [it, added] = tracks.emplace(name, int(tracks.size()) + 1);
    if (added) {
      events.push_back(json::object{{"name", "thread_name"},
                                    {"ph", "M"},
                                    {"pid", 1},
                                    {"tid", it->second},
                                    {"args", {{"name", name}}}});
    }
    return it->second;
  };
  for (const Event& e : r.events) {
    int64_t at_us =
        std::chrono::duration_cast<std::chrono::microseconds>(e.at).count();
    if (e.service == "lambda" && e.kind == "Invocation" &&
        e.detail.is_object()) {
      const json::object& d = e.detail.as_object();
      int64_t dur_us = 0;
      if (const json::value* v = d.if_contains("durationUs")) {
        dur_us = v->to_number<int64_t>();
      }
      std::string outcome =
          d.contains("outcome") ? std::string(d.at("outcome").as_string()) : "";
      events.push_back(
          json::object{{"name", e.resource + " " + outcome},
                       {"cat", "lambda"},
                       {"ph", "X"},
                       {"ts", std::max<int64_t>(0, at_us - dur_us)},
                       {"dur", dur_us},
                       {"pid", 1},
                       {"tid", track("λ " + e.resource)},
                       {"args", e.ToJson()}});
      continue;
    }
    std::string lane = e.service == "lambda" ? "λ " + e.resource : e.service;
    events.push_back(json::object{{"name", e.kind + " " + e.resource},
                                  {"cat", e.service},
                                  {"ph", "i"},
                                  {"s", "t"},
                                  {"ts", at_us},
                                  {"pid", 1},
                                  {"tid", track(lane)},
                                  {"args", e.ToJson()}});
  }
  return json::serialize(json::object{{"traceEvents", std::move(events)},
                                      {"displayTimeUnit", "ms"}}) +
         "\n";
}

}  // namespace fanlab::harness
