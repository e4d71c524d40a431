// fanlab: the command line. Subcommands grow with the project; each lives
// in the part of the tree it drives (bench drivers in bench/, ...).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "bench/engine_bench.h"
#include "emulator/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "fanlab: a local emulator and test harness for serverless "
      "fan-out/fan-in pipelines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "fanlab 0.1.0");

  fanlab::cli::AddServeCommands(app);

  CLI::App* bench = app.add_subcommand("bench", "Measure fanlab's figures");
  bench->require_subcommand(1);

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
    auto result = fanlab::bench::RunEngineBench(engine_options);
    std::cout << fanlab::bench::FormatEngineBench(result, json);
  });

  CLI11_PARSE(app, argc, argv);
  return 0;
}
