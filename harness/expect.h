// Evaluating one expectation over the end of a run: the emulator's final
// state (queues, tables, buckets, outbox, sinks) and the event log.
#ifndef FANLAB_HARNESS_EXPECT_H_
#define FANLAB_HARNESS_EXPECT_H_

#include <map>
#include <string>
#include <vector>

#include "emulator/core/clock.h"
#include "harness/event_log.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace fanlab {
class Engine;
}

namespace fanlab::harness {

// The answer to a timeline step.
struct StepResponse {
  bool done = false;  // an answer came
  bool ok = false;    // the action succeeded / the request got an answer
  int status = 0;     // HTTP status (HTTP steps)
  std::string body;
  std::string error;  // the error type, or why there was no answer
};

struct EvalInput {
  Engine& engine;  // on the calling (engine) thread
  const std::vector<Event>& events;
  const std::map<std::string, StepResponse>& responses;
  TimePoint start;  // the run's start on the engine's clock
};

ExpectationResult Evaluate(const Expectation& e, const EvalInput& in);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_EXPECT_H_
