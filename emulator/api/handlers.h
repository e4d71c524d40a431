// Internal to api/: what an action handler gets, so that each service's
// actions can live in their own file (sqs in dispatcher.cc, Lambda in
// lambda_actions.cc) behind the one Dispatcher.
#ifndef FANLAB_EMULATOR_API_HANDLERS_H_
#define FANLAB_EMULATOR_API_HANDLERS_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "emulator/api/dispatcher.h"

namespace fanlab::compute {
class FunctionService;
class EventSourceMappings;
}  // namespace fanlab::compute

namespace fanlab::api {

struct Services {
  queue::QueueService& sqs;
  compute::FunctionService* functions;  // null: no Lambda actions
  compute::EventSourceMappings* mappings;
};

using Handler =
    std::function<void(Services&, std::string_view body, ApiCallback& done)>;
using HandlerMap = std::map<std::string, Handler, std::less<>>;

// Lambda's actions (CreateFunction, Invoke, ...), added to `map`.
void AddLambdaActions(HandlerMap& map);
// Their names (served only when the dispatcher has a FunctionService).
bool IsLambdaAction(std::string_view action);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_HANDLERS_H_
