// Exploration: a scenario run under many seeds until one fails, the
// failing run cut down to the fewest faults and steps (and the earliest
// fault matches) that still fail the same way under that seed, and a
// trace of it (`fanlab explore`). Runs are deterministic (the runner's
// default), so a seed printed here replays the same history with
// `fanlab run FILE --seed S`, and the shrunk scenario, saved as the YAML
// given here, with `fanlab run SHRUNK.yaml`.
//
// Thread safety: Explore runs its seeds on `jobs` threads of its own and
// returns once they are done; the scenario must not change meanwhile.
#ifndef FANLAB_HARNESS_EXPLORE_H_
#define FANLAB_HARNESS_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario.h"

namespace fanlab::harness {

struct ExploreOptions {
  uint64_t first_seed = 1;
  uint64_t seeds = 100;  // seeds first_seed .. first_seed + seeds - 1
  int jobs = 1;
  // This machine's share: the seeds whose index (0-based, from first_seed)
  // is shard_index - 1 modulo shard_count.
  int shard_index = 1;
  int shard_count = 1;
  bool shrink = true;
  bool real_time = false;  // RunOptions::real_time
};

struct ExploreResult {
  uint64_t runs = 0;        // seeds run (a failure stops the rest)
  double wall_seconds = 0;  // the seeds' runs, ended (not the shrinking)
  // The smallest failing seed among those run, and its run.
  std::optional<uint64_t> failing_seed;
  ScenarioResult failure;
  // The scenario with the fewest faults and steps that still fails the
  // same way under that seed (every expectation that failed still fails;
  // ones about the steps dropped may fail too), and its run (the failure
  // itself when nothing could go). Each candidate is replayed exactly as
  // it would be read back from `shrunk_yaml`: a fault taken out moves the
  // later ones up the list, and with them the streams they draw from.
  Scenario shrunk;
  ScenarioResult shrunk_result;
  size_t shrink_runs = 0;
  double shrink_wall_seconds = 0;
  // What shrinking took out ("fault faults[0] (delay GetQueueAttributes)",
  // "step send") and what it lowered ("fault faults[1]: nth 3 -> 1"), in
  // the order it did it.
  std::vector<std::string> removed;
  std::vector<std::string> lowered;
  // The shrunk scenario as a file: the original file's YAML with the
  // steps and faults taken out, the faults' lowered values, each step's
  // `at` made absolute, and `seed` set to the failing seed. Empty, with
  // `shrunk_yaml_missing` saying why, when it cannot be written (a
  // scenario built in C++, a file that no longer reads).
  std::string shrunk_yaml;
  std::string shrunk_yaml_missing;
};

ExploreResult Explore(const Scenario& scenario, const ExploreOptions& options);

// What a failure is, for "fails the same way": the failed expectations'
// kinds and labels, or the run's own failure (quiescence, wall time),
// one a line; "" for a run that passed.
std::string FailureSignature(const ScenarioResult& result);

// The shortest sub-list of `items` (in order) for which `fails` still
// holds, by removing ever smaller chunks (delta debugging, ddmin's
// complement step): at most O(n^2) calls of `fails`, usually far fewer.
// REQUIRES: fails(items).
template <typename T>
std::vector<T> ShrinkList(
    std::vector<T> items,
    const std::function<bool(const std::vector<T>&)>& fails) {
  for (size_t chunk = std::max<size_t>(items.size() / 2, 1); chunk >= 1;
       chunk /= 2) {
    bool removed = true;
    while (removed && !items.empty()) {
      removed = false;
      for (size_t at = 0; at < items.size();) {
        std::vector<T> fewer;
        fewer.reserve(items.size());
        for (size_t i = 0; i < items.size(); ++i) {
          if (i < at || i >= at + chunk) fewer.push_back(items[i]);
        }
        if (fewer.size() < items.size() && fails(fewer)) {
          items = std::move(fewer);
          removed = true;
        } else {
          at += chunk;
        }
      }
    }
    if (chunk == 1) break;
  }
  return items;
}

// One fault as a line of the report: "faults[1] (crash job at
// SendMessage, after, nth 2)".
std::string DescribeFault(const sim::FaultSpec& fault);

// A Chrome / Perfetto trace (the trace event format) of one run: a track
// per function with each invocation as a complete event ("X") over its
// virtual time, a track per other service with its events as instants,
// and the harness's steps on a track of their own.
std::string ToTraceEvents(const ScenarioResult& result);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_EXPLORE_H_
