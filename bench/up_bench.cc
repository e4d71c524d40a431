#include "bench/up_bench.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "bench/progress.h"
#include "emulator/engine.h"
#include "emulator/transport/context.h"
#include "harness/report_progress.h"
#include "stack/deploy.h"
#include "stack/template.h"

namespace fanlab::bench {

namespace {

constexpr const char* kFloorTemplate =
    "Resources:\n"
    "  Floor:\n"
    "    Type: AWS::SQS::Queue\n";

// One `fanlab up` to serving: the wall time in ms, or a negative number
// with `error` set.
double UpOnce(const std::string& text, const std::string& file,
              size_t& resources, size_t& calls, std::string& error) {
  static std::atomic<int> counter{0};
  auto start = std::chrono::steady_clock::now();
  transport::Context context;
  EngineOptions options;
  Engine engine(options, context);
  auto bound =
      engine.Bind("ipc://@fanlab-bench-up-" + std::to_string(::getpid()) + "-" +
                  std::to_string(counter++));
  auto http = engine.BindHttp("127.0.0.1:0");
  if (!bound.ok() || !http.ok()) {
    error = "cannot bind the engine";
    return -1;
  }
  stack::TemplateOptions t;
  t.account = engine.account();
  stack::StackResult loaded = stack::ParseTemplate(text, file, t);
  if (!loaded.stack) {
    error = loaded.errors.empty() ? "template refused"
                                  : loaded.errors.front().ToString();
    return -1;
  }
  stack::Diagnostics refused = stack::Deploy(engine, *loaded.stack, *http);
  if (!refused.empty()) {
    error = refused.front().ToString();
    return -1;
  }
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  resources = loaded.stack->resources.size();
  calls = loaded.stack->calls.size();
  return ms;
}

}  // namespace

UpBenchResult RunUpBench(const UpBenchOptions& options, std::string& error) {
  UpBenchResult r;
  r.template_file = options.template_file;
  r.runs = std::max(1, options.runs);
  std::ifstream in(options.template_file, std::ios::binary);
  if (!in) {
    error = "cannot read " + options.template_file;
    return r;
  }
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  std::vector<double> times, floor;
  size_t floor_resources = 0, floor_calls = 0;
  for (int i = 0; i < r.runs && error.empty(); ++i) {
    // Interleaved, so that both see the same machine.
    BenchStage("up " + std::to_string(i + 1) + "/" + std::to_string(r.runs) +
               ", next to an empty template");
    double f = UpOnce(kFloorTemplate, "floor.yaml", floor_resources,
                      floor_calls, error);
    if (f < 0) break;
    floor.push_back(f);
    double t = UpOnce(text, options.template_file, r.resources, r.calls, error);
    if (t < 0) break;
    times.push_back(t);
  }
  if (!error.empty()) return r;
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  r.median_ms = median(times);
  r.max_ms = *std::max_element(times.begin(), times.end());
  r.floor_median_ms = median(floor);
  r.floor_max_ms = *std::max_element(floor.begin(), floor.end());
  return r;
}

std::string FormatUpBench(const UpBenchResult& r, bool json) {
  if (json) {
    boost::json::object o{{"template", r.template_file},
                          {"runs", r.runs},
                          {"resources", r.resources},
                          {"calls", r.calls},
                          {"median_ms", r.median_ms},
                          {"max_ms", r.max_ms},
                          {"floor_median_ms", r.floor_median_ms},
                          {"floor_max_ms", r.floor_max_ms}};
    return boost::json::serialize(o) + "\n";
  }
  char line[512];
  std::snprintf(line, sizeof line,
                "fanlab up %s (%zu resources, %zu calls), start to serving, "
                "%d runs:\n"
                "  template         median %7.2f ms  max %7.2f ms\n"
                "  floor (1 queue)  median %7.2f ms  max %7.2f ms\n"
                "  (functions start at their first invocation: not included)\n",
                r.template_file.c_str(), r.resources, r.calls, r.runs,
                r.median_ms, r.max_ms, r.floor_median_ms, r.floor_max_ms);
  return line;
}

void AddUpBenchCommand(CLI::App& bench) {
  auto options = std::make_shared<UpBenchOptions>();
  auto json = std::make_shared<bool>(false);
  CLI::App* up = bench.add_subcommand(
      "up",
      "`fanlab up` of a template, start to serving, beside a one-queue floor");
  up->add_option("template", options->template_file,
                 "The template (default: the batch job's)")
      ->capture_default_str();
  up->add_option("--runs", options->runs, "How many times")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  up->add_flag("--json", *json, "One JSON object");
  up->callback([options, json] {
    std::string error;
    BenchProgress progress("fanlab bench up", harness::StderrIsTerminal());
    UpBenchResult r = RunUpBench(*options, error);
    progress.Done();
    if (!error.empty()) {
      std::cerr << "fanlab bench up: " << error << "\n";
      std::exit(2);
    }
    std::cout << FormatUpBench(r, *json);
  });
}

}  // namespace fanlab::bench
