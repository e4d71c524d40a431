// `fanlab bench scenarios`: the wall time of each workflow scenario in
// scenarios/ and bench/scenarios/ (or the paths given), replayed on
// embedded emulators one at a time, best of `repeat` runs, and of each
// example folder's scenarios (examples/*/, all of a folder's replayed
// one after the other). Some have targets (README, Figures): the
// scheduler over 24 virtual hours (scheduler-24h, ≤ 2 s), DoParallel with
// 10,000 tasks on warm workers (doparallel-10k and, tasks at full
// concurrency, doparallel-10k-concurrent, ≤ 1 s), each example folder
// (≤ 2 s). Two floors are measured in the same run: an empty scenario (an
// engine started, bound and torn down), and under each deterministic
// scenario its hop floor (bench/hop_floor.h): its rounds and the process
// wake-ups they served, done with no work.
#ifndef FANLAB_BENCH_SCENARIO_BENCH_H_
#define FANLAB_BENCH_SCENARIO_BENCH_H_

#include <string>
#include <vector>

namespace fanlab::bench {

struct ScenarioBenchOptions {
  std::vector<std::string> paths{"scenarios"};
  // Measured too, when `paths` is left as it is and they exist.
  std::vector<std::string> extra_paths{"bench/scenarios"};
  // Each folder under it with scenarios is measured as a whole; empty or
  // absent: none.
  std::string examples_dir = "examples";
  std::string filter;  // substring of the name or path (of a scenario,
                       // or of an example folder)
  int repeat = 1;
  std::vector<std::string> function_dirs;
};

struct ScenarioTiming {
  std::string name;
  std::string file;
  bool passed = false;
  double wall_s = 0;     // best of the repeats
  double virtual_s = 0;  // virtual time the run covered
  size_t invocations = 0;
  double target_s = 0;  // 0: no target
  // Deterministic runs: the rounds served and the messages in them, and
  // as many wake-ups in as many rounds with no work (best of the
  // repeats); 0 for a real-time run.
  uint64_t rounds = 0;
  uint64_t served = 0;
  double hop_floor_s = 0;
};

// An example folder: every scenario in it replayed, one after the other.
struct ExampleTiming {
  std::string folder;  // its name under the examples dir
  size_t scenarios = 0;
  bool passed = false;
  double wall_s = 0;  // the sum of its scenarios' runs, best of the repeats
  size_t invocations = 0;
  double target_s = 2.0;
};

struct ScenarioBenchResult {
  std::vector<ScenarioTiming> scenarios;
  std::vector<ExampleTiming> examples;
  double floor_wall_s = 0;  // an empty scenario
  // Exploration speed: doparallel-basic (when among the scenarios) run
  // deterministically under 100 seeds, two at a time (goal >= 100).
  double doparallel_basic_seeds_per_s = 0;
};

// Errors (a path that does not exist, a scenario that does not load) go
// to `error`.
ScenarioBenchResult RunScenarioBench(const ScenarioBenchOptions& options,
                                     std::string& error);
// The table, or one JSON object: {"floor_wall_s", "<name>_wall_s" for
// each scenario (dashes become underscores: scheduler_24h_wall_s,
// doparallel_10k_wall_s), "<name>_hop_floor_s" for each deterministic
// scenario with a target, "example_<folder>_wall_s" for each example
// folder, "doparallel_basic_seeds_per_s" when measured, "scenarios":
// [{name, passed, wall_s, rounds, served, hop_floor_s, ...}], "examples":
// [{folder, scenarios, passed, wall_s, ...}]}.
std::string FormatScenarioBench(const ScenarioBenchResult& r, bool json);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_SCENARIO_BENCH_H_
