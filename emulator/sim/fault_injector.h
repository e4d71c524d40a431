// Faults a scenario declares (a worker crashing after DeleteMessageBatch, a
// throttled PutItem, a message delivered twice) and the one interface the
// engine consults to make them happen.
//
// The engine asks at five narrow waists, and only these:
//   - every API call, whoever makes it (Engine's dispatch): OnCall may
//     answer it with an error, hold it for a while, dispatch it twice, or
//     crash / time out the invocation that makes it, before or after the
//     call takes effect;
//   - every invocation start (FunctionService): OnInvocationStart may crash
//     or time out that invocation;
//   - every delivery of a message by a receive (QueueService): OnDelivery
//     may make the message visible again early (a duplicate delivery, a
//     visibility timeout that lapses while its consumer still works);
//   - every notification a topic delivers to a subscription
//     (TopicService): OnNotification may deliver it twice;
//   - every HTTP request to a route or a sink (Engine's HTTP front):
//     OnHttpRequest may answer it as a service that is down, or late.
// A null injector (the default everywhere) means no fault: each hook is a
// one-line `if (faults_)` at its call site.
//
// Thread safety: none; the engine thread only.
#ifndef FANLAB_EMULATOR_SIM_FAULT_INJECTOR_H_
#define FANLAB_EMULATOR_SIM_FAULT_INJECTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"

namespace fanlab::sim {

// One fault as a scenario declares it (docs/scenarios.md, "Faults").
struct FaultSpec {
  enum class Kind {
    kCrash,            // the invocation's process is killed
    kTimeout,          // the invocation ends as timed out
    kError,            // the call is answered with an AWS error
    kThrottle,         // the call is answered with the service's throttle
    kDuplicate,        // a message or an Event invocation delivered twice
    kVisibilityLapse,  // a received message is visible again after `delay`
    kDelay,            // the call is dispatched `delay` later
    kReorder,          // the call is dispatched a seeded 0..`delay` later
    kDeleteQueue,      // the queue the call names is deleted before it
    kDown,             // an HTTP route or sink answers 503, unreached
    kSlow,             // an HTTP route or sink is reached `delay` later
  };
  enum class When { kBefore, kAfter };

  Kind kind = Kind::kError;
  // What it matches; globs (`*`, `?`), empty matches anything.
  std::string function;       // the invocation, or the function making the call
  std::string action;         // the API action (crash/timeout: at this call)
  std::string resource;       // queue, topic, table, bucket or function name
  When when = When::kBefore;  // crash/timeout at a call
  // When it fires among its matches: only the `nth` (1-based; 0: any),
  // each with `probability`, at most `times` times (0: no limit).
  uint64_t nth = 0;
  double probability = 1.0;
  uint64_t times = 0;
  std::string error;  // kError: the error code ("ServiceUnavailable")
  Duration delay{0};  // kDelay, kReorder (bound), kVisibilityLapse
  std::string label;  // where it was declared: "faults[2]"
};

// "crash", "visibility_lapse", ...: the names scenarios use.
std::string_view FaultKindName(FaultSpec::Kind kind);
// Every kind, in the order docs/scenarios.md lists them.
const std::vector<FaultSpec::Kind>& AllFaultKinds();
std::optional<FaultSpec::Kind> ParseFaultKind(std::string_view name);

// An API call about to be dispatched.
struct CallSite {
  std::string_view action;    // "SendMessage"
  std::string_view resource;  // the queue, topic, ... it names ("" if none)
  std::string_view function;  // the calling invocation's function, or ""
  std::string_view request_id;
  bool event_invoke = false;  // an Invoke with InvocationType Event
};

// What to do with a call.
struct CallFault {
  enum class Act {
    kNone,
    kFail,         // answer `error_type` (`http_status`, `message`)
    kCrash,        // kill the caller (before or after the call)
    kTimeout,      // time the caller out (before or after the call)
    kDelay,        // dispatch after `delay`
    kDuplicate,    // dispatch twice (the second answer is dropped)
    kDeleteQueue,  // delete the queue `resource`, then dispatch
  };
  Act act = Act::kNone;
  FaultSpec::When when = FaultSpec::When::kBefore;
  std::string error_type;
  int http_status = 400;
  std::string message;
  Duration delay{0};
};

// What to do with an invocation that starts.
struct InvocationFault {
  enum class Act { kNone, kCrash, kTimeout };
  Act act = Act::kNone;
};

// An HTTP request to a route or a sink, about to be served.
struct HttpSite {
  enum class Target { kRoute, kSink };
  Target target = Target::kRoute;
  std::string_view resource;  // the sink's name, or the route's template
  std::string_view method;
  std::string_view path;
};

// What to do with an HTTP request.
struct HttpFault {
  enum class Act { kNone, kDown, kSlow };
  Act act = Act::kNone;
  Duration delay{0};  // kSlow
};

class FaultInjector {
 public:
  virtual ~FaultInjector() = default;
  virtual CallFault OnCall(const CallSite& call) = 0;
  virtual InvocationFault OnInvocationStart(std::string_view function,
                                            std::string_view request_id) = 0;
  // A message of `queue` was just received: when it should be visible
  // again instead of at the end of its visibility timeout (from now), or
  // nullopt to leave it alone.
  virtual std::optional<Duration> OnDelivery(std::string_view queue,
                                             std::string_view message_id) = 0;
  // Topic `topic` is about to deliver notification `message_id` to
  // `subscription_arn`: true to deliver it twice (the same MessageId).
  virtual bool OnNotification(std::string_view /*topic*/,
                              std::string_view /*subscription_arn*/,
                              std::string_view /*message_id*/) {
    return false;
  }
  virtual HttpFault OnHttpRequest(const HttpSite& /*site*/) { return {}; }
};

}  // namespace fanlab::sim

#endif  // FANLAB_EMULATOR_SIM_FAULT_INJECTOR_H_
