// Subcommands of the `fanlab` command line, one registration function each.
#ifndef FANLAB_EMULATOR_CLI_COMMANDS_H_
#define FANLAB_EMULATOR_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace fanlab::cli {

// Where `fanlab serve` listens and `fanlab call` connects by default.
inline constexpr const char* kDefaultEndpoint = "tcp://127.0.0.1:9400";

// `fanlab serve` and `fanlab call`.
void AddServeCommands(CLI::App& app);

// `fanlab sqs <command>` and `fanlab lambda <command>`, mirroring the aws
// CLI.
void AddSqsCommands(CLI::App& app);

}  // namespace fanlab::cli

#endif  // FANLAB_EMULATOR_CLI_COMMANDS_H_
