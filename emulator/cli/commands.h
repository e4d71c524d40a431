// Subcommands of the `fanlab` command line, one registration function each.
#ifndef FANLAB_EMULATOR_CLI_COMMANDS_H_
#define FANLAB_EMULATOR_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace fanlab {
class Engine;
}

namespace fanlab::cli {

// Where `fanlab serve` listens and `fanlab call` connects by default.
inline constexpr const char* kDefaultEndpoint = "tcp://127.0.0.1:9400";
// Where `fanlab serve` serves HTTP unless told otherwise: LocalStack's port,
// so that AWS_ENDPOINT_URL=http://localhost:4566 setups work as they are.
inline constexpr const char* kDefaultHttpAddress = "127.0.0.1:4566";

// `fanlab serve` and `fanlab call`.
void AddServeCommands(CLI::App& app);

// Runs once the engine is bound (ZeroMQ and HTTP), before it serves;
// `http_url` is the HTTP front's base URL ("" without --http). A nonzero
// return ends the command with that exit code.
using ServeReadyHook =
    std::function<int(Engine& engine, const std::string& http_url)>;
// A subcommand with every option of `fanlab serve` that calls `ready`
// before serving (`fanlab up`); its own options are added to the result.
CLI::App* AddServeCommand(CLI::App& app, const std::string& name,
                          const std::string& help, ServeReadyHook ready);

// `fanlab sqs|lambda|sns|s3api|dynamodb|events <command>`, mirroring the
// aws CLI, and `fanlab http <command>` for routes and sinks.
void AddServiceCommands(CLI::App& app);

}  // namespace fanlab::cli

#endif  // FANLAB_EMULATOR_CLI_COMMANDS_H_
