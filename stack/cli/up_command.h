// `fanlab up TEMPLATE`: serve a SAM or CloudFormation template's stack.
#ifndef FANLAB_STACK_CLI_UP_COMMAND_H_
#define FANLAB_STACK_CLI_UP_COMMAND_H_

#include <CLI/CLI.hpp>

namespace fanlab::stack {

// `fanlab up`, with every option of `fanlab serve` (HTTP on 127.0.0.1:3000
// unless --http says otherwise).
void AddUpCommand(CLI::App& app);

}  // namespace fanlab::stack

#endif  // FANLAB_STACK_CLI_UP_COMMAND_H_
