// Creating a stack's resources in an engine: each call of the stack
// (stack/template.h) goes through Engine::Dispatch, the path every SDK
// call takes, in order, with the placeholders filled in from the engine.
#ifndef FANLAB_STACK_DEPLOY_H_
#define FANLAB_STACK_DEPLOY_H_

#include <string>

#include "stack/template.h"

namespace fanlab {
class Engine;
}

namespace fanlab::stack {

// ${queue_url:NAME} (NAME's URL under `http_url`, else the queue
// service's own), ${queue_arn:NAME},
// ${topic_arn:NAME}, ${function_arn:NAME} and ${http} (`http_url`, the
// HTTP front's base URL; "" when there is none) in `text`; other ${...}
// are left as they are.
std::string ResolvePlaceholders(Engine& engine, const std::string& http_url,
                                std::string text);

// Dispatches every call of `stack`, in order, and stops at the first one
// refused. Returns the refusal (the call's place in the template, the
// action and the error), or nothing when all were created.
// REQUIRES: the engine thread, or before Engine::Run.
Diagnostics Deploy(Engine& engine, const Stack& stack,
                   const std::string& http_url);

// The resources and outputs of `stack` as `fanlab up` prints them, one a
// line, placeholders resolved.
std::string Describe(Engine& engine, const Stack& stack,
                     const std::string& http_url);

}  // namespace fanlab::stack

#endif  // FANLAB_STACK_DEPLOY_H_
