#include "harness/cli/run_command.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness/cli/explore_command.h"
#include "harness/cli/output_file.h"
#include "harness/report.h"
#include "harness/report_html.h"
#include "harness/report_progress.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/scenario_files.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace {

constexpr int kUsageError = 2;

struct RunCommandOptions {
  std::vector<std::string> paths;
  std::optional<uint64_t> seed;
  std::string filter;
  int jobs = 1;
  std::string json_file, junit_file, events_file, trace_file, html_file,
      compare_file;
  bool real_time = false;
  std::vector<std::string> function_dirs;
  bool quiet = false;
};

bool Selected(const std::string& filter, const std::string& name,
              const std::string& file) {
  if (filter.empty()) return true;
  if (filter.find_first_of("*?[") != std::string::npos) {
    return fnmatch(filter.c_str(), name.c_str(), 0) == 0 ||
           fnmatch(filter.c_str(), file.c_str(), 0) == 0;
  }
  return name.find(filter) != std::string::npos ||
         file.find(filter) != std::string::npos;
}

int Validate(const std::vector<std::string>& paths,
             const std::vector<std::string>& function_dirs) {
  std::string error;
  std::vector<std::string> files = ScenarioFiles(paths, error);
  if (!error.empty()) {
    std::cerr << "fanlab validate: " << error << "\n";
    return kUsageError;
  }
  if (files.empty()) {
    std::cerr << "fanlab validate: no scenario files (.yaml, .yml, .json) "
                 "there\n";
    return kUsageError;
  }
  LoadOptions options{.function_dirs = function_dirs};
  size_t bad = 0, problems = 0;
  for (const std::string& file : files) {
    LoadResult r = LoadScenario(file, options);
    for (const Diagnostic& d : r.errors) std::cerr << d.ToString() << "\n";
    if (!r.errors.empty()) {
      ++bad;
      problems += r.errors.size();
    }
  }
  if (bad > 0) {
    std::cerr << problems << (problems == 1 ? " problem" : " problems")
              << " in " << bad << " of " << files.size()
              << (files.size() == 1 ? " file\n" : " files\n");
    return kUsageError;
  }
  std::cout << files.size() << (files.size() == 1 ? " file" : " files")
            << " valid\n";
  return 0;
}

int RunAll(const RunCommandOptions& o) {
  std::string error;
  std::vector<std::string> files = ScenarioFiles(
      o.paths.empty() ? std::vector<std::string>{"scenarios"} : o.paths, error);
  if (!error.empty()) {
    std::cerr << "fanlab run: " << error << "\n";
    return kUsageError;
  }
  LoadOptions load{.function_dirs = o.function_dirs};
  // Load (and check) everything first: a bad file is reported without
  // running anything else's time away.
  struct Item {
    std::string file;
    std::optional<Scenario> scenario;
    ScenarioResult result;
  };
  std::vector<Item> items;
  for (const std::string& file : files) {
    LoadResult r = LoadScenario(file, load);
    Item item{file, std::move(r.scenario), {}};
    std::string name = item.scenario
                           ? item.scenario->name
                           : std::filesystem::path(file).stem().string();
    if (!Selected(o.filter, name, file)) continue;
    if (!item.scenario) {
      item.result.name = name;
      item.result.file = file;
      item.result.status = ScenarioResult::Status::kError;
      item.result.errors = std::move(r.errors);
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) {
    std::cerr << "fanlab run: no scenario"
              << (o.filter.empty() ? "" : " matches --filter " + o.filter)
              << "\n";
    return kUsageError;
  }

  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  const char* no_color = std::getenv("NO_COLOR");
  TerminalStyle style{.color = tty && (no_color == nullptr || !*no_color)};
  // Progress on stderr, only when it is a terminal: scenarios done,
  // passed and failed so far, the one started last, the time so far.
  ProgressLine progress_line(std::cerr, !o.quiet && StderrIsTerminal(),
                             std::chrono::milliseconds(250), TerminalColumns());
  std::mutex mu;
  size_t done = 0, passed = 0, failed = 0, in_error = 0;
  std::vector<std::string> running;  // names, in the order they started
  auto progress = [&] {
    std::string names;
    for (const auto& n : running) names += (names.empty() ? "" : ", ") + n;
    progress_line.Update(
        RunProgressText(done, items.size(), passed, failed, in_error, names));
  };
  auto count = [&](const ScenarioResult& r) {
    ++done;
    (r.status == ScenarioResult::Status::kPassed   ? passed
     : r.status == ScenarioResult::Status::kFailed ? failed
                                                   : in_error)++;
  };

  auto wall_start = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  RunOptions run{.seed = o.seed, .real_time = o.real_time};
  auto worker = [&] {
    for (size_t i = next++; i < items.size(); i = next++) {
      Item& item = items[i];
      if (!item.scenario) {
        std::lock_guard lock(mu);
        count(item.result);
        continue;
      }
      {
        std::lock_guard lock(mu);
        running.push_back(item.scenario->name);
        progress();
      }
      item.result = RunScenario(*item.scenario, run);
      std::lock_guard lock(mu);
      count(item.result);
      running.erase(
          std::find(running.begin(), running.end(), item.scenario->name));
      progress();
    }
  };
  int jobs = std::max(1, std::min<int>(o.jobs, int(items.size())));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              wall_start)
                    .count();
  progress_line.Clear();

  std::vector<ScenarioResult> results;
  for (auto& item : items) results.push_back(std::move(item.result));
  for (const auto& r : results) WriteFailureDetails(std::cout, r, style);
  WriteSummary(std::cout, results, wall, style);

  bool wrote = true;
  if (!o.json_file.empty()) {
    wrote &= WriteOutputFile("run", o.json_file, ToJsonReport(results, wall));
  }
  if (!o.junit_file.empty()) {
    wrote &= WriteOutputFile("run", o.junit_file, ToJunitReport(results, wall));
  }
  if (!o.trace_file.empty()) {
    wrote &= WriteOutputFile("run", o.trace_file, ToChromeTrace(results));
  }
  if (!o.html_file.empty()) {
    wrote &= WriteOutputFile("run", o.html_file, ToHtmlReport(results, wall));
  }
  if (!o.events_file.empty()) {
    std::ofstream out(o.events_file, std::ios::binary);
    WriteEventLines(out, results);
    out.flush();
    if (!out) {
      std::cerr << "fanlab run: cannot write " << o.events_file << "\n";
      wrote = false;
    }
  }
  if (!o.compare_file.empty()) {
    std::ofstream out(o.compare_file, std::ios::binary);
    for (const auto& r : results) {
      for (const Event& e : r.events) {
        boost::json::object line = e.ToCompareJson(r.deterministic);
        line["scenario"] = r.name;
        out << boost::json::serialize(line) << "\n";
      }
    }
    out.flush();
    if (!out) {
      std::cerr << "fanlab run: cannot write " << o.compare_file << "\n";
      wrote = false;
    }
  }
  bool errors = false, failures = false;
  for (const auto& r : results) {
    errors |= r.status == ScenarioResult::Status::kError;
    failures |= r.status == ScenarioResult::Status::kFailed;
  }
  if (errors || !wrote) return kUsageError;
  return failures ? 1 : 0;
}

}  // namespace

void AddRunCommands(CLI::App& app) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* run = app.add_subcommand(
      "run",
      "Replay scenario files (default: scenarios/) on embedded emulators and "
      "check their expectations. Exit 0: all passed; 1: an expectation "
      "failed; 2: a scenario is bad or the command was misused");
  run->add_option("paths", options->paths,
                  "Scenario files, or folders to search for .yaml/.yml/.json");
  run->add_option("--seed", options->seed,
                  "Seed every scenario with this instead of its own seed");
  run->add_option("--filter", options->filter,
                  "Run only scenarios whose name or path contains this (or "
                  "matches it, with * ? [)");
  run->add_option("-j,--jobs", options->jobs,
                  "Scenarios run in parallel (default 1)")
      ->check(CLI::Range(1, 64));
  run->add_option("--json", options->json_file, "Write a JSON report here");
  run->add_option("--junit", options->junit_file,
                  "Write a JUnit XML report here");
  run->add_option("--events", options->events_file,
                  "Write every event of every run here, as JSON lines");
  run->add_option("--events-compare", options->compare_file,
                  "Write every event as JSON lines without the fields a run "
                  "cannot reproduce: same seed, same file "
                  "(docs/scenarios.md)");
  run->add_flag("--real-time", options->real_time,
                "Let functions run at their own pace, the virtual clock "
                "following real time while they do, instead of the "
                "deterministic default");
  run->add_option("--trace", options->trace_file,
                  "Write the event log as a Chrome/Perfetto trace here");
  run->add_option("--html", options->html_file,
                  "Write a self-contained HTML report here: results, a "
                  "timeline per scenario, the failures");
  run->add_option("--functions-dir", options->function_dirs,
                  "Look for functions' programs here first (repeatable)");
  run->add_flag("-q,--quiet", options->quiet,
                "No progress line (drawn on stderr only when it is a "
                "terminal)");
  run->callback([options] { std::exit(RunAll(*options)); });

  AddExploreCommand(app);

  auto validate_paths = std::make_shared<std::vector<std::string>>();
  auto validate_dirs = std::make_shared<std::vector<std::string>>();
  CLI::App* validate = app.add_subcommand(
      "validate",
      "Check scenario files and report every problem as "
      "file:line:column: field: message (exit 2 when there is one)");
  validate->add_option("paths", *validate_paths, "Scenario files or folders")
      ->required();
  validate->add_option("--functions-dir", *validate_dirs,
                       "Look for functions' programs here first (repeatable)");
  validate->callback([validate_paths, validate_dirs] {
    std::exit(Validate(*validate_paths, *validate_dirs));
  });

  CLI::App* schema = app.add_subcommand(
      "schema", "Print the scenario format as a JSON Schema");
  schema->callback([] { std::cout << ScenarioJsonSchema(); });
}

}  // namespace fanlab::harness
