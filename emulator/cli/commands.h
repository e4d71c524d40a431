// Subcommands of the `fanlab` command line, one registration function each.
#ifndef FANLAB_EMULATOR_CLI_COMMANDS_H_
#define FANLAB_EMULATOR_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace fanlab::cli {

// Where `fanlab serve` listens and `fanlab call` connects by default.
inline constexpr const char* kDefaultEndpoint = "tcp://127.0.0.1:9400";

// `fanlab serve` and `fanlab call`.
void AddServeCommands(CLI::App& app);

// `fanlab sqs|lambda|sns|s3api|dynamodb|events <command>`, mirroring the
// aws CLI, and `fanlab http <command>` for routes and sinks.
void AddServiceCommands(CLI::App& app);

}  // namespace fanlab::cli

#endif  // FANLAB_EMULATOR_CLI_COMMANDS_H_
