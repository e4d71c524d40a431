// The scenario file format as a Spec (harness/schema.h), and the draft of
// the model it binds into: one walk over a file validates it and fills
// the draft; the loader (harness/scenario.cc) then runs the post-steps
// the format cannot declare (cross-references, once every name is known;
// the setup calls put in dependency order; a template's resources).
#ifndef FANLAB_HARNESS_SCENARIO_SPEC_H_
#define FANLAB_HARNESS_SCENARIO_SPEC_H_

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/schema.h"

namespace fanlab::harness {

// A scenario as the walk fills it.
struct ScenarioDraft {
  ScenarioDraft(std::string file_in, std::string base_dir_in,
                const LoadOptions& options_in)
      : file(std::move(file_in)),
        base_dir(std::move(base_dir_in)),
        options(options_in) {}

  Scenario scenario;
  std::string file;
  std::string base_dir;  // relative paths resolve against it
  const LoadOptions& options;

  // Declared names, by kind (a template's join them).
  std::set<std::string> queues, functions, buckets, tables, topics, sinks;
  // Timeline step ids: those with an answer ("id", "id#0" for a repeated
  // step's runs), and advances.
  std::set<std::string> step_ids, advance_ids;

  // Checks that need every name: run once the walk is done.
  std::vector<std::function<void(Diagnostics&)>> checks;
};

SpecPtr ScenarioSpec();

// The runtimes a function's `runtime` may name, Lambda's identifiers:
// provided.al2023, provided.al2, python3.9..python3.13, nodejs18.x,
// nodejs20.x, nodejs22.x.
const std::vector<std::string>& LambdaRuntimes();

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCENARIO_SPEC_H_
