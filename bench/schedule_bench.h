// `fanlab bench schedule`: a cron(0/1 * * * ? *) rule replayed over a span
// of virtual time (24 hours by default) on an embedded engine with the
// virtual clock, its target a warm function: how long in wall time the
// 1,440 fires and invocations take. The floor, measured in the same run,
// is the same rule with a queue as its target (no process involved).
#ifndef FANLAB_BENCH_SCHEDULE_BENCH_H_
#define FANLAB_BENCH_SCHEDULE_BENCH_H_

#include <cstdint>
#include <string>

namespace fanlab::bench {

struct ScheduleBenchOptions {
  std::string function;  // the test function binary (echo mode)
  int hours = 24;
  bool warm = true;  // warm environments (else a process per invocation)
};

struct ScheduleBenchResult {
  int hours = 0;
  uint64_t fires = 0;             // the rule's fires over the span
  uint64_t invocations = 0;       // successful invocations they caused
  double wall_s = 0;              // wall time of the replay
  double queue_floor_wall_s = 0;  // the same span with a queue target
  uint64_t queue_messages = 0;    // messages it left in the queue
};

ScheduleBenchResult RunScheduleBench(const ScheduleBenchOptions& options,
                                     std::string& error);
std::string FormatScheduleBench(const ScheduleBenchResult& r, bool json);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_SCHEDULE_BENCH_H_
