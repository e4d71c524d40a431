// `fanlab bench up`: how long `fanlab up` takes from start to serving a
// template's stack: the engine built and bound (ZeroMQ and HTTP), the
// template read and evaluated, and every resource created through the
// dispatcher. The functions' own start (a runtime's process) is not in
// it: functions start at their first invocation. The floor, measured in
// the same run, is the same path with a template of a single queue.
#ifndef FANLAB_BENCH_UP_BENCH_H_
#define FANLAB_BENCH_UP_BENCH_H_

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

namespace fanlab::bench {

struct UpBenchOptions {
  std::string template_file = "bench/templates/batch_job.yaml";
  int runs = 20;
};

struct UpBenchResult {
  std::string template_file;
  int runs = 0;
  size_t resources = 0;  // in the template's stack
  size_t calls = 0;      // actions dispatched to create them
  double median_ms = 0;  // start to serving, the template
  double max_ms = 0;
  double floor_median_ms = 0;  // the same with the one-queue template
  double floor_max_ms = 0;
};

// Runs the bench; on a failure (the template refused) `error` says why.
UpBenchResult RunUpBench(const UpBenchOptions& options, std::string& error);
std::string FormatUpBench(const UpBenchResult& r, bool json);
void AddUpBenchCommand(CLI::App& bench);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_UP_BENCH_H_
