// The FaultInjector a scenario run uses: a list of FaultSpecs, each with
// its own random stream drawn from the run's seed and the fault's place in
// the list, so that one seed gives one history of fired faults. Removing
// a fault moves the faults after it up, and with them their streams: a
// shrinking explorer replays each candidate list as written.
//
// Every fault that fires is reported (SetFiredCallback) with the seed of
// its stream and which of its matches it was: enough to tell, from a log,
// why it fired and to replay it.
//
// Thread safety: none; the engine thread only.
#ifndef FANLAB_EMULATOR_SIM_SEEDED_FAULTS_H_
#define FANLAB_EMULATOR_SIM_SEEDED_FAULTS_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/ids.h"
#include "emulator/sim/fault_injector.h"

namespace fanlab::sim {

// `*` any run of characters, `?` one character; an empty pattern matches
// everything.
bool GlobMatch(std::string_view pattern, std::string_view text);

// The throttling error `action` gets from its service, as the service
// spells it: Lambda TooManyRequestsException (429), DynamoDB
// ProvisionedThroughputExceededException (400), SQS RequestThrottled
// (400), SNS Throttled (429), EventBridge ThrottlingException (400), S3
// SlowDown (503).
struct ThrottleError {
  std::string type;
  int http_status;
};
ThrottleError ThrottleErrorFor(std::string_view action);
// The HTTP status of an AWS error a fault answers: ServiceUnavailable 503,
// InternalError / InternalFailure / InternalServerError 500, the throttles
// above, anything else 400.
int ErrorStatusFor(std::string_view error_type);

// One fault that fired.
struct FiredFault {
  size_t index = 0;  // its place in the list
  const FaultSpec* spec = nullptr;
  uint64_t seed = 0;   // the seed of its stream
  uint64_t match = 0;  // which of its matches (1-based)
  // "call", "invocation", "delivery", "notification", "route" or "sink"
  std::string site;
  std::string action;  // the call's action ("" otherwise)
  std::string resource;
  std::string function;
  std::string request_id;  // the invocation concerned, if any
  std::string message_id;  // a delivery's or notification's message
};

class SeededFaults : public FaultInjector {
 public:
  SeededFaults(std::vector<FaultSpec> specs, uint64_t seed);

  using FiredCallback = std::function<void(const FiredFault&)>;
  void SetFiredCallback(FiredCallback cb) { on_fired_ = std::move(cb); }

  CallFault OnCall(const CallSite& call) override;
  InvocationFault OnInvocationStart(std::string_view function,
                                    std::string_view request_id) override;
  std::optional<Duration> OnDelivery(std::string_view queue,
                                     std::string_view message_id) override;
  bool OnNotification(std::string_view topic, std::string_view subscription_arn,
                      std::string_view message_id) override;
  HttpFault OnHttpRequest(const HttpSite& site) override;

  const std::vector<FaultSpec>& specs() const { return specs_; }
  // How often each fault fired so far (by index).
  uint64_t fired(size_t index) const { return state_[index].fired; }

 private:
  struct State {
    uint64_t seed = 0;
    IdGenerator random;
    uint64_t matches = 0;
    uint64_t fired = 0;
  };
  // A site matched fault `i`: true when it fires (and counts it).
  bool Fires(size_t i);
  void Report(size_t i, FiredFault fired);

  std::vector<FaultSpec> specs_;
  std::vector<State> state_;
  FiredCallback on_fired_;
};

}  // namespace fanlab::sim

#endif  // FANLAB_EMULATOR_SIM_SEEDED_FAULTS_H_
