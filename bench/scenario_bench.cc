#include "bench/scenario_bench.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>

#include "bench/hop_floor.h"
#include "harness/explore.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/scenario_files.h"

namespace fanlab::bench {

namespace json = boost::json;

namespace {

double TargetOf(const std::string& name) {
  if (name == "scheduler-24h") return 2.0;
  if (name == "doparallel-10k" || name == "doparallel-10k-concurrent") {
    return 1.0;
  }
  return 0;
}

std::string KeyOf(std::string name, const char* suffix = "_wall_s") {
  std::replace(name.begin(), name.end(), '-', '_');
  std::replace(name.begin(), name.end(), '.', '_');
  return name + suffix;
}

// Each folder under the examples dir that holds scenarios, replayed as a
// whole; folders without any (or that do not load) are passed over.
void MeasureExamples(const ScenarioBenchOptions& options,
                     const harness::LoadOptions& load,
                     ScenarioBenchResult& result) {
  std::error_code ec;
  if (options.examples_dir.empty() ||
      !std::filesystem::is_directory(options.examples_dir, ec)) {
    return;
  }
  std::vector<std::filesystem::path> folders;
  for (const auto& entry :
       std::filesystem::directory_iterator(options.examples_dir, ec)) {
    if (entry.is_directory(ec)) folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());
  for (const auto& folder : folders) {
    // --filter narrows the folders too ("doparallel-basic" measures no
    // example folder; "batchjob" measures examples/batchjob/).
    if (!options.filter.empty() &&
        folder.string().find(options.filter) == std::string::npos) {
      continue;
    }
    std::string error;
    std::vector<std::string> files =
        harness::ScenarioFiles({folder.string()}, error);
    if (!error.empty() || files.empty()) continue;
    std::vector<harness::Scenario> scenarios;
    for (const std::string& file : files) {
      harness::LoadResult loaded = harness::LoadScenario(file, load);
      if (loaded.scenario) scenarios.push_back(std::move(*loaded.scenario));
    }
    if (scenarios.empty()) continue;
    ExampleTiming t{.folder = folder.filename().string(),
                    .scenarios = scenarios.size(),
                    .passed = true,
                    .wall_s = 1e9};
    for (int i = 0; i < std::max(1, options.repeat); ++i) {
      double wall = 0;
      t.invocations = 0;
      for (const harness::Scenario& s : scenarios) {
        harness::ScenarioResult r = harness::RunScenario(s);
        t.passed = t.passed && r.passed();
        wall += r.wall_seconds;
        t.invocations += r.invocations;
      }
      t.wall_s = std::min(t.wall_s, wall);
    }
    result.examples.push_back(std::move(t));
  }
}

}  // namespace

ScenarioBenchResult RunScenarioBench(const ScenarioBenchOptions& options,
                                     std::string& error) {
  ScenarioBenchResult result;
  std::vector<std::string> paths = options.paths;
  if (paths == ScenarioBenchOptions().paths) {
    for (const std::string& extra : options.extra_paths) {
      std::error_code ec;
      if (std::filesystem::exists(extra, ec)) paths.push_back(extra);
    }
  }
  std::vector<std::string> files = harness::ScenarioFiles(paths, error);
  if (!error.empty()) return result;
  harness::LoadOptions load{.function_dirs = options.function_dirs};

  // The floor: an engine started, bound (ipc + HTTP) and torn down.
  harness::LoadResult empty =
      harness::ParseScenario("name: empty\n", "empty.yaml", load);
  result.floor_wall_s = 1e9;
  for (int i = 0; i < std::max(3, options.repeat); ++i) {
    auto r = harness::RunScenario(*empty.scenario);
    result.floor_wall_s = std::min(result.floor_wall_s, r.wall_seconds);
  }

  for (const std::string& file : files) {
    harness::LoadResult loaded = harness::LoadScenario(file, load);
    if (!loaded.scenario) {
      error = loaded.errors.empty() ? file + ": does not load"
                                    : loaded.errors[0].ToString();
      return result;
    }
    const harness::Scenario& s = *loaded.scenario;
    if (!options.filter.empty() &&
        s.name.find(options.filter) == std::string::npos &&
        file.find(options.filter) == std::string::npos) {
      continue;
    }
    ScenarioTiming t{.name = s.name,
                     .file = file,
                     .passed = true,
                     .wall_s = 1e9,
                     .target_s = TargetOf(s.name)};
    for (int i = 0; i < std::max(1, options.repeat); ++i) {
      harness::ScenarioResult r = harness::RunScenario(s);
      t.passed = t.passed && r.passed();
      t.wall_s = std::min(t.wall_s, r.wall_seconds);
      t.virtual_s = std::chrono::duration<double>(r.virtual_time).count();
      t.invocations = r.invocations;
      t.rounds = r.rounds;
      t.served = r.served;
    }
    if (t.rounds > 0) {
      t.hop_floor_s = 1e9;
      for (int i = 0; i < std::max(1, options.repeat); ++i) {
        double s_floor = HopFloorSeconds(t.rounds, t.served, error);
        if (!error.empty()) return result;
        t.hop_floor_s = std::min(t.hop_floor_s, s_floor);
      }
    }
    result.scenarios.push_back(std::move(t));
    if (s.name == "doparallel-basic") {
      harness::ExploreResult e = harness::Explore(
          s, harness::ExploreOptions{.seeds = 100, .jobs = 2, .shrink = false});
      if (e.wall_seconds > 0) {
        result.doparallel_basic_seeds_per_s = double(e.runs) / e.wall_seconds;
      }
    }
  }
  MeasureExamples(options, load, result);
  return result;
}

std::string FormatScenarioBench(const ScenarioBenchResult& r, bool as_json) {
  if (as_json) {
    json::object o{{"floor_wall_s", r.floor_wall_s}};
    json::array all;
    for (const auto& s : r.scenarios) {
      o[KeyOf(s.name)] = s.wall_s;
      json::object one{{"name", s.name},
                       {"file", s.file},
                       {"passed", s.passed},
                       {"wall_s", s.wall_s},
                       {"virtual_s", s.virtual_s},
                       {"invocations", s.invocations},
                       {"floor_ratio",
                        r.floor_wall_s > 0 ? s.wall_s / r.floor_wall_s : 0.0}};
      if (s.rounds > 0) {
        one["rounds"] = s.rounds;
        one["served"] = s.served;
        one["hop_floor_s"] = s.hop_floor_s;
        if (s.target_s > 0) o[KeyOf(s.name, "_hop_floor_s")] = s.hop_floor_s;
      }
      if (s.target_s > 0) one["target_s"] = s.target_s;
      all.push_back(std::move(one));
    }
    if (r.doparallel_basic_seeds_per_s > 0) {
      o["doparallel_basic_seeds_per_s"] = r.doparallel_basic_seeds_per_s;
    }
    o["scenarios"] = std::move(all);
    json::array examples;
    for (const auto& e : r.examples) {
      o[KeyOf("example-" + e.folder)] = e.wall_s;
      examples.push_back(json::object{
          {"folder", e.folder},
          {"scenarios", e.scenarios},
          {"passed", e.passed},
          {"wall_s", e.wall_s},
          {"invocations", e.invocations},
          {"floor_ratio", r.floor_wall_s > 0 ? e.wall_s / r.floor_wall_s : 0.0},
          {"target_s", e.target_s}});
    }
    o["examples"] = std::move(examples);
    return json::serialize(o) + "\n";
  }
  size_t width = 8;
  for (const auto& s : r.scenarios) width = std::max(width, s.name.size());
  auto example_name = [](const ExampleTiming& e) {
    return "examples/" + e.folder + "/ (" + std::to_string(e.scenarios) +
           (e.scenarios == 1 ? " scenario)" : " scenarios)");
  };
  for (const auto& e : r.examples) {
    width = std::max(width, example_name(e).size());
  }
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "%-*s  %-6s  %9s  %12s  %11s  %8s  %11s  %s\n", int(width),
                "scenario", "result", "wall s", "virtual s", "invocations",
                "x floor", "hop floor s", "target");
  out += line;
  for (const auto& s : r.scenarios) {
    char hop[32] = "-";
    if (s.rounds > 0) std::snprintf(hop, sizeof hop, "%.3f", s.hop_floor_s);
    std::string target = "";
    if (s.target_s > 0) {
      char t[64];
      std::snprintf(t, sizeof t, "<= %.0f s: %s", s.target_s,
                    s.passed && s.wall_s <= s.target_s ? "met" : "MISSED");
      target = t;
    }
    std::snprintf(line, sizeof line,
                  "%-*s  %-6s  %9.3f  %12.1f  %11zu  %8.1f  %11s  %s\n",
                  int(width), s.name.c_str(), s.passed ? "passed" : "FAILED",
                  s.wall_s, s.virtual_s, s.invocations,
                  r.floor_wall_s > 0 ? s.wall_s / r.floor_wall_s : 0.0, hop,
                  target.c_str());
    out += line;
  }
  for (const auto& e : r.examples) {
    std::string name = example_name(e);
    char target[64];
    std::snprintf(target, sizeof target, "<= %.0f s: %s", e.target_s,
                  e.passed && e.wall_s <= e.target_s ? "met" : "MISSED");
    std::snprintf(
        line, sizeof line, "%-*s  %-6s  %9.3f  %12s  %11zu  %8.1f  %11s  %s\n",
        int(width), name.c_str(), e.passed ? "passed" : "FAILED", e.wall_s, "",
        e.invocations, r.floor_wall_s > 0 ? e.wall_s / r.floor_wall_s : 0.0, "",
        target);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "floor (an empty scenario: engine up and down): %.4f s\n",
                r.floor_wall_s);
  out += line;
  out +=
      "hop floor: a deterministic scenario's rounds and process wake-ups, "
      "done with no work (one thread, a process per message of a round, "
      "Unix sockets)\n";
  if (r.doparallel_basic_seeds_per_s > 0) {
    std::snprintf(line, sizeof line,
                  "exploration: doparallel-basic, 100 seeds with -j2: %.1f "
                  "seeds/s (goal >= 100)\n",
                  r.doparallel_basic_seeds_per_s);
    out += line;
  }
  return out;
}

}  // namespace fanlab::bench
