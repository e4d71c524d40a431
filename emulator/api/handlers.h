// Internal to api/: what an action handler gets, so that each service's
// actions can live in their own file (SQS in dispatcher.cc, the others in
// <service>_actions.cc) behind the one Dispatcher.
#ifndef FANLAB_EMULATOR_API_HANDLERS_H_
#define FANLAB_EMULATOR_API_HANDLERS_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "emulator/api/dispatcher.h"

namespace fanlab::api {

using Handler =
    std::function<void(Services&, std::string_view body, ApiCallback& done)>;
struct Action {
  ApiService service;
  Handler handler;
};
using HandlerMap = std::map<std::string, Action, std::less<>>;

// Each service's actions, added to `map` (one file each: lambda_actions.cc,
// bucket_actions.cc, table_actions.cc, topic_actions.cc,
// schedule_actions.cc, http_actions.cc).
void AddLambdaActions(HandlerMap& map);
void AddBucketActions(HandlerMap& map);
void AddTableActions(HandlerMap& map);
void AddTopicActions(HandlerMap& map);
void AddScheduleActions(HandlerMap& map);
void AddHttpActions(HandlerMap& map);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_HANDLERS_H_
