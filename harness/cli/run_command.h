// `fanlab run`, `fanlab validate` and `fanlab schema`: the harness on the
// command line (docs/scenarios.md).
#ifndef FANLAB_HARNESS_CLI_RUN_COMMAND_H_
#define FANLAB_HARNESS_CLI_RUN_COMMAND_H_

#include <CLI/CLI.hpp>

namespace fanlab::harness {

void AddRunCommands(CLI::App& app);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_CLI_RUN_COMMAND_H_
