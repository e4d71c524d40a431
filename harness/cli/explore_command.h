// `fanlab explore`: a scenario under many seeds until one fails, the
// failure shrunk (faults, steps, fault matches) and printed with its
// replay command and the shrunk scenario as YAML (docs/scenarios.md).
#ifndef FANLAB_HARNESS_CLI_EXPLORE_COMMAND_H_
#define FANLAB_HARNESS_CLI_EXPLORE_COMMAND_H_

#include <CLI/CLI.hpp>

namespace fanlab::harness {

void AddExploreCommand(CLI::App& app);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_CLI_EXPLORE_COMMAND_H_
