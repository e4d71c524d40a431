// fanlab: the command line. Subcommands grow with the project; each lives
// in the part of the tree it drives (bench drivers in bench/, ...).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "bench/engine_bench.h"
#include "bench/http_bench.h"
#include "bench/invoke_bench.h"
#include "bench/progress.h"
#include "bench/queue_bench.h"
#include "bench/scenario_bench.h"
#include "bench/schedule_bench.h"
#include "bench/up_bench.h"
#include "emulator/cli/commands.h"
#include "harness/cli/run_command.h"
#include "harness/report_progress.h"
#include "stack/cli/up_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "fanlab: a local emulator and test harness for serverless "
      "fan-out/fan-in pipelines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "fanlab 0.1.0");

  fanlab::cli::AddServeCommands(app);
  fanlab::cli::AddServiceCommands(app);
  fanlab::harness::AddRunCommands(app);
  fanlab::stack::AddUpCommand(app);

  CLI::App* bench = app.add_subcommand("bench", "Measure fanlab's figures");
  bench->require_subcommand(1);
  fanlab::bench::AddHttpBenchCommand(*bench);
  fanlab::bench::AddUpBenchCommand(*bench);

  fanlab::bench::EngineBenchOptions engine_options;
  bool json = false;
  CLI::App* engine = bench->add_subcommand(
      "engine",
      "Queue engine in process: lifecycles/s and bytes per queued message");
  engine->add_flag("--json", json, "Print one JSON object");
  engine
      ->add_option("--seconds", engine_options.seconds,
                   "Wall time of the lifecycle loop")
      ->check(CLI::PositiveNumber);
  engine
      ->add_option("--messages", engine_options.memory_messages,
                   "Messages queued for the memory figure")
      ->check(CLI::Range(uint64_t{10}, uint64_t{100000000}));
  engine->callback([&] {
    fanlab::bench::BenchProgress progress("fanlab bench engine",
                                          fanlab::harness::StderrIsTerminal());
    auto result = fanlab::bench::RunEngineBench(engine_options);
    progress.Done();
    std::cout << fanlab::bench::FormatEngineBench(result, json);
  });

  fanlab::bench::QueueBenchOptions queue_options;
  bool queue_json = false;
  CLI::App* queue = bench->add_subcommand(
      "queue",
      "The engine over ZeroMQ: messages/s end to end, round trips, latency");
  queue->add_option("--endpoint", queue_options.endpoint,
                    "A running `fanlab serve` (default: an embedded engine "
                    "on an ipc:// socket)");
  queue->add_option("--producers", queue_options.producers)
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  queue->add_option("--consumers", queue_options.consumers)
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  queue->add_option("--batch", queue_options.batch)
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  queue->add_option("--messages", queue_options.messages)
      ->check(CLI::Range(uint64_t{10}, uint64_t{100000000}))
      ->capture_default_str();
  queue
      ->add_option("--window", queue_options.window,
                   "Requests in flight per client")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  queue
      ->add_option("--round-trips", queue_options.round_trips,
                   "Synchronous round trips for the unbatched and raw figures")
      ->check(CLI::Range(uint64_t{100}, uint64_t{10000000}))
      ->capture_default_str();
  queue
      ->add_option("--data-dir", queue_options.data_dir,
                   "Run again on an engine keeping its state in DIR (as "
                   "fanlab serve --data-dir) and print both")
      ->type_name("DIR");
  queue->add_flag("--fsync-always", queue_options.fsync_always,
                  "With --data-dir: as fanlab serve --fsync always");
  queue->add_flag("--json", queue_json, "Print one JSON object");
  queue->callback([&] {
    std::string error;
    fanlab::bench::BenchProgress progress("fanlab bench queue",
                                          fanlab::harness::StderrIsTerminal());
    auto result = fanlab::bench::RunQueueBench(queue_options, error);
    progress.Done();
    if (!error.empty()) {
      std::cerr << "fanlab bench queue: " << error << "\n";
      std::exit(1);
    }
    std::cout << fanlab::bench::FormatQueueBench(result, queue_json);
  });

  fanlab::bench::InvokeBenchOptions invoke_options;
  invoke_options.function = fanlab::bench::DefaultTestFunction();
  bool invoke_json = false;
  CLI::App* invoke = bench->add_subcommand(
      "invoke",
      "Functions: cold and warm invocations, timeout overshoot, fan-out");
  invoke
      ->add_option("--function", invoke_options.function,
                   "The test function binary")
      ->capture_default_str();
  invoke->add_option("--cold-runs", invoke_options.cold_runs)
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  invoke->add_option("--warm-runs", invoke_options.warm_runs)
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  invoke->add_option("--tasks", invoke_options.fanout_tasks, "Fan-out tasks")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  invoke
      ->add_option("--workers", invoke_options.fanout_workers,
                   "Warm workers for the fan-out")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  invoke->add_flag("--json", invoke_json, "Print one JSON object");
  invoke->callback([&] {
    std::string error;
    fanlab::bench::BenchProgress progress("fanlab bench invoke",
                                          fanlab::harness::StderrIsTerminal());
    auto result = fanlab::bench::RunInvokeBench(invoke_options, error);
    progress.Done();
    if (!error.empty()) {
      std::cerr << "fanlab bench invoke: " << error << "\n";
      std::exit(1);
    }
    std::cout << fanlab::bench::FormatInvokeBench(result, invoke_json);
  });

  fanlab::bench::ScheduleBenchOptions schedule_options;
  schedule_options.function = fanlab::bench::DefaultTestFunction();
  bool schedule_json = false, schedule_cold = false;
  CLI::App* schedule = bench->add_subcommand(
      "schedule",
      "Schedules: a minute cron rule over virtual hours, function target");
  schedule
      ->add_option("--function", schedule_options.function,
                   "The test function binary")
      ->capture_default_str();
  schedule
      ->add_option("--hours", schedule_options.hours, "Virtual hours to replay")
      ->check(CLI::Range(1, 24 * 366))
      ->capture_default_str();
  schedule->add_flag("--cold", schedule_cold,
                     "A process per invocation (default: warm)");
  schedule->add_flag("--json", schedule_json, "Print one JSON object");
  schedule->callback([&] {
    schedule_options.warm = !schedule_cold;
    std::string error;
    fanlab::bench::BenchProgress progress("fanlab bench schedule",
                                          fanlab::harness::StderrIsTerminal());
    auto result = fanlab::bench::RunScheduleBench(schedule_options, error);
    progress.Done();
    if (!error.empty()) {
      std::cerr << "fanlab bench schedule: " << error << "\n";
      std::exit(1);
    }
    std::cout << fanlab::bench::FormatScheduleBench(result, schedule_json);
  });

  fanlab::bench::ScenarioBenchOptions scenario_options;
  bool scenario_json = false;
  CLI::App* scenarios = bench->add_subcommand(
      "scenarios",
      "Wall time of each workflow scenario (scenarios/ by default), best of "
      "--repeat runs, against an empty scenario as the floor and, for a "
      "deterministic one, its hop floor (its rounds' process wake-ups done "
      "with no work); targets: scheduler-24h <= 2 s, doparallel-10k <= 1 s");
  scenarios->add_option("paths", scenario_options.paths,
                        "Scenario files or folders (default: scenarios)");
  scenarios->add_option("--filter", scenario_options.filter,
                        "Only scenarios whose name or path contains this");
  scenarios
      ->add_option("--repeat", scenario_options.repeat,
                   "Runs of each scenario; the best counts (default 1)")
      ->check(CLI::Range(1, 100));
  scenarios->add_option("--functions-dir", scenario_options.function_dirs,
                        "Look for functions' programs here first");
  scenarios->add_flag("--json", scenario_json, "Print one JSON object");
  scenarios->callback([&] {
    std::string error;
    fanlab::bench::BenchProgress progress("fanlab bench scenarios",
                                          fanlab::harness::StderrIsTerminal());
    auto result = fanlab::bench::RunScenarioBench(scenario_options, error);
    progress.Done();
    if (!error.empty()) {
      std::cerr << "fanlab bench scenarios: " << error << "\n";
      std::exit(2);
    }
    std::cout << fanlab::bench::FormatScenarioBench(result, scenario_json);
    for (const auto& s : result.scenarios) {
      if (!s.passed) std::exit(1);
    }
  });

  // Usage errors exit 2, as `fanlab run` documents (CLI11's own codes are
  // 100 and up); help and --version exit 0.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return 0;
}
