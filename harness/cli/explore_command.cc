#include "harness/cli/explore_command.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "harness/cli/output_file.h"
#include "harness/explore.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace {

constexpr int kUsageError = 2;

struct ExploreCommandOptions {
  std::string path;
  uint64_t seeds = 100;
  uint64_t first_seed = 1;
  int jobs = 1;
  std::string shard = "1/1";
  std::string trace_file;
  std::string shrunk_file;
  std::vector<std::string> function_dirs;
  bool no_shrink = false;
  bool real_time = false;
};

int ExploreFile(const ExploreCommandOptions& o) {
  ExploreOptions explore{.first_seed = o.first_seed,
                         .seeds = o.seeds,
                         .jobs = o.jobs,
                         .shrink = !o.no_shrink,
                         .real_time = o.real_time};
  int index = 0, count = 0;
  char slash = 0;
  std::istringstream shard(o.shard);
  if (!(shard >> index >> slash >> count) || slash != '/' || count < 1 ||
      index < 1 || index > count || !shard.eof()) {
    std::cerr << "fanlab explore: --shard is i/n with 1 <= i <= n, not \""
              << o.shard << "\"\n";
    return kUsageError;
  }
  explore.shard_index = index;
  explore.shard_count = count;
  LoadResult loaded =
      LoadScenario(o.path, LoadOptions{.function_dirs = o.function_dirs});
  if (!loaded.scenario) {
    for (const Diagnostic& d : loaded.errors) std::cerr << d.ToString() << "\n";
    return kUsageError;
  }
  const Scenario& s = *loaded.scenario;
  ExploreResult r = Explore(s, explore);
  std::printf("%s: %llu seeds run in %.2f s (%.1f seeds/s)%s\n", s.name.c_str(),
              static_cast<unsigned long long>(r.runs), r.wall_seconds,
              r.wall_seconds > 0 ? r.runs / r.wall_seconds : 0,
              count > 1 ? (", shard " + o.shard).c_str() : "");
  if (!r.failing_seed) {
    std::printf("no failure\n");
    return 0;
  }
  if (r.failure.status == ScenarioResult::Status::kError) {
    for (const Diagnostic& d : r.failure.errors) {
      std::cerr << d.ToString() << "\n";
    }
    return kUsageError;
  }
  const uint64_t seed = *r.failing_seed;
  const char* real_time = o.real_time ? " --real-time" : "";
  std::printf(
      "seed %llu fails%s:\n", static_cast<unsigned long long>(seed),
      s.expect_failure.empty()
          ? ""
          : (" as the scenario expects (" + s.expect_failure + ")").c_str());
  if (!r.failure.failure.empty()) {
    std::printf("  %s\n", r.failure.failure.c_str());
  }
  for (const ExpectationResult* e : r.failure.Failures()) {
    std::printf("  %s \"%s\": expected %s, found %s\n", e->kind.c_str(),
                e->label.c_str(), e->expected.c_str(), e->found.c_str());
  }
  std::printf("replay: fanlab run %s --seed %llu%s\n", o.path.c_str(),
              static_cast<unsigned long long>(seed), real_time);
  if (!o.no_shrink) {
    std::printf(
        "shrinking (%zu runs of seed %llu, %.2f s): %zu taken out, %zu "
        "lowered\n",
        r.shrink_runs, static_cast<unsigned long long>(seed),
        r.shrink_wall_seconds, r.removed.size(), r.lowered.size());
    for (const std::string& line : r.removed) {
      std::printf("  removed %s\n", line.c_str());
    }
    for (const std::string& line : r.lowered) {
      std::printf("  lowered %s\n", line.c_str());
    }
  }
  std::printf("shortest failing trace (%zu of %zu steps, %zu of %zu faults):\n",
              r.shrunk.timeline.size(), s.timeline.size(),
              r.shrunk.faults.size(), s.faults.size());
  for (const sim::FaultSpec& f : r.shrunk.faults) {
    std::printf("  fault %s\n", DescribeFault(f).c_str());
  }
  for (const Step& step : r.shrunk.timeline) {
    std::printf("  step %s at +%s: %s\n",
                step.id.empty() ? "(unnamed)" : step.id.c_str(),
                FormatDuration(step.at).c_str(), step.label.c_str());
  }
  constexpr size_t kShown = 60;
  const auto& events = r.shrunk_result.events;
  for (size_t i = 0; i < events.size() && i < kShown; ++i) {
    std::printf("  %s\n", events[i].Summary().c_str());
  }
  if (events.size() > kShown) {
    std::printf("  ... %zu more events\n", events.size() - kShown);
  }
  if (r.shrunk_yaml.empty()) {
    std::printf("shrunk scenario: none written (%s)\n",
                r.shrunk_yaml_missing.c_str());
  } else if (!o.shrunk_file.empty()) {
    if (!WriteOutputFile("explore", o.shrunk_file, r.shrunk_yaml))
      return kUsageError;
    std::printf("shrunk scenario: %s\nreplay it: fanlab run %s%s\n",
                o.shrunk_file.c_str(), o.shrunk_file.c_str(), real_time);
  } else {
    // Relative paths in it (commands, code, files) resolve against the
    // folder it is saved in.
    std::printf(
        "shrunk scenario (save it next to %s, or write it with --shrunk "
        "FILE; its seed is %llu):\n---\n%s...\nreplay it: fanlab run "
        "SHRUNK.yaml%s\n",
        s.file.c_str(), static_cast<unsigned long long>(seed),
        r.shrunk_yaml.c_str(), real_time);
  }
  // A trace file only where asked: nothing lands in the working directory
  // unbidden.
  if (o.trace_file.empty()) {
    std::printf(
        "trace: add --trace FILE to write it for chrome://tracing or "
        "ui.perfetto.dev\n");
    return 1;
  }
  if (!WriteOutputFile("explore", o.trace_file,
                       ToTraceEvents(r.shrunk_result))) {
    return kUsageError;
  }
  std::printf("trace (chrome://tracing, ui.perfetto.dev): %s\n",
              o.trace_file.c_str());
  return 1;
}

}  // namespace

void AddExploreCommand(CLI::App& app) {
  auto options = std::make_shared<ExploreCommandOptions>();
  CLI::App* explore = app.add_subcommand(
      "explore",
      "Run a scenario under many seeds (deterministically) until one fails; "
      "print its seed, the replay command, the shortest failing trace "
      "found by dropping faults and steps (and firing faults earlier), the "
      "shrunk scenario as YAML, and write a Chrome/Perfetto trace of it. "
      "Exit 0: no seed failed; 1: one did; 2: misuse or a bad scenario");
  explore->add_option("file", options->path, "The scenario file")->required();
  explore->add_option("--seeds", options->seeds, "How many seeds (default 100)")
      ->check(CLI::PositiveNumber);
  explore->add_option("--first-seed", options->first_seed,
                      "The first seed (default 1)");
  explore
      ->add_option("-j,--jobs", options->jobs,
                   "Seeds run in parallel (default 1)")
      ->check(CLI::Range(1, 64));
  explore->add_option("--shard", options->shard,
                      "i/n: run only every n-th seed, starting with the i-th "
                      "(CI machines split the seeds)");
  explore->add_option("--trace", options->trace_file,
                      "Write the shortest failing run's trace (Chrome/"
                      "Perfetto JSON) to this file; none without it");
  explore->add_option("--shrunk", options->shrunk_file,
                      "Write the shrunk scenario (YAML, its seed set) to "
                      "this file instead of printing it; relative paths in "
                      "it resolve against that file's folder");
  explore->add_option("--functions-dir", options->function_dirs,
                      "Look for functions' programs here first (repeatable)");
  explore->add_flag("--no-shrink", options->no_shrink,
                    "Report the failing seed without shrinking it");
  explore->add_flag("--real-time", options->real_time,
                    "Non-deterministic runs (seeds do not replay)");
  explore->callback([options] { std::exit(ExploreFile(*options)); });
}

}  // namespace fanlab::harness
