#include "bench/schedule_bench.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "bench/progress.h"
#include "emulator/engine.h"
#include "emulator/services/schedule_service.h"

namespace fanlab::bench {
namespace {

constexpr const char* kRule = "every-minute";
constexpr const char* kExpression = "cron(0/1 * * * ? *)";

// Puts the rule with one target on `engine` and replays `hours` of virtual
// time (and 30 s more, so the last fire's work completes). Returns the
// wall time in seconds, or -1 with `error` set.
double Replay(Engine& engine, const std::string& target_arn, int hours,
              std::string& error) {
  services::ScheduleService& schedules = engine.schedules();
  auto rule = schedules.PutRule(
      {.name = kRule, .schedule_expression = std::string(kExpression)});
  if (!rule.ok()) {
    error = rule.status().ToString();
    return -1;
  }
  auto put = schedules.PutTargets(
      {.rule = kRule, .targets = {{.id = "t", .arn = target_arn}}});
  if (!put.ok() || !put->failed.empty()) {
    error = put.ok() ? put->failed[0].error_message : put.status().ToString();
    return -1;
  }
  TimePoint until = engine.clock().Now() + std::chrono::hours(hours) +
                    std::chrono::seconds(30);
  auto start = std::chrono::steady_clock::now();
  engine.RunUntil(until);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

EngineOptions VirtualEngine() {
  EngineOptions options;
  options.virtual_clock = true;
  return options;
}

}  // namespace

ScheduleBenchResult RunScheduleBench(const ScheduleBenchOptions& o,
                                     std::string& error) {
  ScheduleBenchResult r;
  r.hours = o.hours;
  if (::access(o.function.c_str(), X_OK) != 0) {
    error = "no test function at " + o.function + " (--function PATH)";
    return r;
  }
  {
    transport::Context context;
    Engine engine(VirtualEngine(), context);
    uint64_t invocations = 0;
    engine.functions().SetRecordCallback(
        [&](const compute::InvocationRecord& record) {
          invocations +=
              record.outcome == compute::InvocationRecord::Outcome::kSuccess;
        });
    auto created = engine.functions().CreateFunction(
        {.name = "tick",
         .command = {o.function, "echo"},
         .mode = o.warm ? compute::Mode::kWarm : compute::Mode::kCold});
    if (!created.ok()) {
      error = created.status().ToString();
      return r;
    }
    BenchStage(std::to_string(o.hours) + " virtual hours, a function target");
    r.wall_s =
        Replay(engine, "arn:aws:lambda:us-east-1:000000000000:function:tick",
               o.hours, error);
    if (r.wall_s < 0) return r;
    r.fires = engine.schedules().Rule(kRule)->fire_count;
    r.invocations = invocations;
  }
  {
    transport::Context context;
    Engine engine(VirtualEngine(), context);
    auto queue = engine.sqs().CreateQueue({.queue_name = "ticks"});
    if (!queue.ok()) {
      error = queue.status().ToString();
      return r;
    }
    BenchStage("the floor: the same hours, a queue target");
    r.queue_floor_wall_s = Replay(
        engine, "arn:aws:sqs:us-east-1:000000000000:ticks", o.hours, error);
    auto depth = engine.sqs().GetQueueAttributes(
        {.queue_url = queue->queue_url,
         .attribute_names = {"ApproximateNumberOfMessages"}});
    if (depth.ok()) {
      r.queue_messages =
          std::stoull(depth->attributes.at("ApproximateNumberOfMessages"));
    }
  }
  return r;
}

std::string FormatScheduleBench(const ScheduleBenchResult& r, bool json) {
  char buf[1024];
  if (json) {
    std::snprintf(buf, sizeof buf,
                  "{\"hours\":%d,\"fires\":%llu,\"invocations\":%llu,"
                  "\"wall_s\":%.3f,\"queue_floor_wall_s\":%.3f,"
                  "\"queue_messages\":%llu}\n",
                  r.hours, static_cast<unsigned long long>(r.fires),
                  static_cast<unsigned long long>(r.invocations), r.wall_s,
                  r.queue_floor_wall_s,
                  static_cast<unsigned long long>(r.queue_messages));
  } else {
    std::snprintf(
        buf, sizeof buf,
        "%s over %d virtual hours\n"
        "  function target: %llu fires, %llu invocations, %.3f s wall "
        "(%.1f us a fire)\n"
        "  queue target (floor): %llu messages, %.3f s wall\n",
        kExpression, r.hours, static_cast<unsigned long long>(r.fires),
        static_cast<unsigned long long>(r.invocations), r.wall_s,
        r.fires > 0 ? r.wall_s * 1e6 / static_cast<double>(r.fires) : 0.0,
        static_cast<unsigned long long>(r.queue_messages),
        r.queue_floor_wall_s);
  }
  return buf;
}

}  // namespace fanlab::bench
