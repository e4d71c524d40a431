// `fanlab bench invoke`: what running a function costs, each figure next
// to the floor it stands on, measured in the same run:
//   cold invocation (spawn, event in, result out, exit) vs a bare
//   spawn-and-wait of the same binary; warm round trip vs a bare pipe
//   ping-pong between two processes; the Runtime API's warm round trip
//   (a C++ bootstrap on raw sockets, waiting in `next`: the event out, the
//   response in) vs a bare loopback HTTP request and response between two
//   processes; fanlab's Python and Node.js runtimes' warm round trip (a
//   handler returning its event) vs a bare Runtime API loop written in the
//   same language, on the same emulator; the Python runtime's cold
//   invocation vs the interpreter's own `python3 -c pass`; how late a
//   timeout kill lands; and a fan-out/fan-in of N tasks through warm
//   workers.
#ifndef FANLAB_BENCH_INVOKE_BENCH_H_
#define FANLAB_BENCH_INVOKE_BENCH_H_

#include <cstdint>
#include <string>

namespace fanlab::bench {

struct InvokeBenchOptions {
  std::string function;  // the test function binary (echo, sleep modes)
  // The Runtime API bootstrap; empty: fanlab-bench-bootstrap beside
  // `function`.
  std::string bootstrap;
  int cold_runs = 200;
  int warm_runs = 2000;
  int fanout_tasks = 10000;
  int fanout_workers = 8;  // warm environments (reserved concurrency)
  // fanlab's runtime clients (python/bootstrap.py, node/bootstrap.mjs).
  // Empty: "runtimes" beside the folder holding `function` (the build
  // tree's layout: <build>/functions/, <build>/runtimes/).
  std::string runtimes_dir;
  int runtime_warm_runs = 1000;  // per language, managed and bare loop each
  int runtime_cold_runs = 20;    // Python cold invocations, and the floor's
};

struct InvokeBenchResult {
  double cold_p50_us = 0, cold_p99_us = 0, spawn_floor_us = 0;
  double warm_p50_us = 0, warm_p99_us = 0, pingpong_floor_us = 0;
  double rtapi_warm_p50_us = 0, rtapi_warm_p99_us = 0, http_floor_us = 0;
  // The language runtimes' figures; kSkipped when the interpreter is not
  // found on the functions' PATH (`notes` says which).
  static constexpr double kSkipped = -1;
  double python_warm_p50_us = kSkipped, python_loop_p50_us = kSkipped;
  double node_warm_p50_us = kSkipped, node_loop_p50_us = kSkipped;
  double python_cold_p50_ms = kSkipped, python_start_floor_ms = kSkipped;
  std::string notes;  // figures skipped and why; "" when none was
  double timeout_overshoot_ms = 0;
  int fanout_tasks = 0;
  double fanout_wall_s = 0;
};

// The default test function: next to the running executable
// (<dir>/functions/fanlab-test-function).
std::string DefaultTestFunction();

InvokeBenchResult RunInvokeBench(const InvokeBenchOptions& options,
                                 std::string& error);
std::string FormatInvokeBench(const InvokeBenchResult& r, bool json);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_INVOKE_BENCH_H_
