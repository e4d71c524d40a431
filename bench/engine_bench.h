// `fanlab bench engine`: the queue engine's throughput and memory, measured
// in process on one core, with the floor each figure stands on measured in
// the same run (ratios are what hold on noisy machines).
#ifndef FANLAB_BENCH_ENGINE_BENCH_H_
#define FANLAB_BENCH_ENGINE_BENCH_H_

#include <cstdint>
#include <string>

namespace fanlab::bench {

struct EngineBenchOptions {
  double seconds = 2.0;                // wall time of the lifecycle loop
  uint64_t memory_messages = 1000000;  // messages queued for the memory figure
  size_t body_bytes = 100;
  size_t batch = 10;
};

struct EngineBenchResult {
  uint64_t lifecycles = 0;
  double lifecycle_seconds = 0;
  double lifecycles_per_second = 0;
  // Floor: allocate, copy and free the same bodies in the same batches with
  // no queue semantics at all.
  double floor_per_second = 0;
  uint64_t memory_messages = 0;
  double bytes_per_message = 0;  // heap bytes per queued message
  double rss_bytes_per_message = 0;
  uint64_t rss_bytes = 0;  // process RSS with every message queued
};

EngineBenchResult RunEngineBench(const EngineBenchOptions& options);

// Human-readable table, or one JSON object (`json`), with the targets.
std::string FormatEngineBench(const EngineBenchResult& r, bool json);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_ENGINE_BENCH_H_
