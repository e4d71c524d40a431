// Internal to api/: the one way an action is registered and called, so
// that each service's actions live in their own file (SQS in
// dispatcher.cc, the others in <service>_actions.cc) behind the one
// Dispatcher.
//
// Every handler has the one signature below: it reads the request's JSON
// body (the JSON protocol's shape, member names as in the service model),
// reaches its service through the context, and calls `done` exactly once
// (or moves it away to answer later). Handlers are keyed by (service,
// action), so two services may each have a TagResource.
#ifndef FANLAB_EMULATOR_API_HANDLERS_H_
#define FANLAB_EMULATOR_API_HANDLERS_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/api/dispatcher.h"

namespace fanlab::api {

// What one call sees besides its body.
struct CallContext {
  Services& services;
  const ApiRequest& request;  // who called, through which endpoint
};

using Handler = std::function<void(CallContext& context, std::string_view body,
                                   ApiCallback& done)>;

// The actions of every service, keyed by (service, action).
class Registry {
 public:
  // Adds `handler` for `action` of `service`; a second registration of the
  // same pair replaces the first.
  void Add(ApiService service, std::string action, Handler handler) {
    handlers_[{service, std::move(action)}] = std::move(handler);
  }

  // nullptr when `service` has no such action.
  const Handler* Find(ApiService service, std::string_view action) const {
    auto it = handlers_.find(std::pair(service, action));
    return it == handlers_.end() ? nullptr : &it->second;
  }

  // The services that have `action`, in ApiService order.
  std::vector<ApiService> ServicesOf(std::string_view action) const {
    std::vector<ApiService> out;
    for (const auto& [key, h] : handlers_) {
      if (key.second == action) out.push_back(key.first);
    }
    return out;
  }

  const auto& all() const { return handlers_; }

 private:
  struct Less {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      if (a.first != b.first) return a.first < b.first;
      return std::string_view(a.second) < std::string_view(b.second);
    }
  };
  std::map<std::pair<ApiService, std::string>, Handler, Less> handlers_;
};

// A successful answer with `body` (a JSON object).
inline ApiResponse Ok(std::string body) {
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

// Each service's actions, added to `registry` (one file each:
// lambda_actions.cc, bucket_actions.cc, table_actions.cc,
// topic_actions.cc, schedule_actions.cc, http_actions.cc).
void AddLambdaActions(Registry& registry);
void AddBucketActions(Registry& registry);
void AddTableActions(Registry& registry);
void AddTopicActions(Registry& registry);
void AddScheduleActions(Registry& registry);
void AddHttpActions(Registry& registry);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_HANDLERS_H_
