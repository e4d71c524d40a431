// Replays a scenario on an embedded emulator and judges it.
//
// Each run gets its own Engine (virtual clock unless the scenario asks for
// the real one), with its function socket in a private directory
// (function processes call back on it) and its HTTP front bound to
// 127.0.0.1:0; no ZeroMQ endpoint. The run happens on the calling
// thread: resources are created through the dispatcher, the steps fire
// at their virtual times, the engine then runs until quiescent (or for
// the scenario's duration), and the expectations are evaluated over the
// final state and the event log. Runs share nothing: several may go on
// in parallel on different threads (`fanlab run -j`).
#ifndef FANLAB_HARNESS_RUNNER_H_
#define FANLAB_HARNESS_RUNNER_H_

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/event_log.h"
#include "harness/scenario.h"

namespace fanlab::harness {

struct RunOptions {
  std::optional<uint64_t> seed;  // overrides the scenario's
  // Off (the default, with a virtual clock): a deterministic run, where
  // the engine holds what function processes send and serves it in seeded
  // rounds, and invocations take their functions' virtual durations (same
  // seed, same event log; docs/scenarios.md). On: functions run at their
  // own pace and the virtual clock follows real time while they do.
  bool real_time = false;
};

// The values behind a failure, whole, for reports that lay them out (the
// terminal shows them as indented JSON with the differences marked).
struct FailureJson {
  std::string expected_words;  // "every value to match"
  std::string expected;        // serialized JSON; empty: none
  std::string found_words;     // "value 0 of 2"
  std::string found;           // serialized JSON; empty: none
  bool compare = false;        // whether `found` was matched against it
};

struct ExpectationResult {
  std::string kind;
  std::string label;
  Origin origin;
  bool passed = false;
  // When failed: what was expected and what was found (one line each).
  std::string expected;
  std::string found;
  std::vector<std::string> context;  // the events around it, one a line
  std::optional<FailureJson> json;   // when JSON values are at stake
};

// "kind label: passed" or with expected / found (how tests print it).
inline void PrintTo(const ExpectationResult& e, std::ostream* os) {
  *os << e.kind << " \"" << e.label << "\": "
      << (e.passed ? "passed"
                   : "expected " + e.expected + ", found " + e.found);
}

struct ScenarioResult {
  enum class Status { kPassed, kFailed, kError };
  std::string name;
  std::string file;
  Status status = Status::kPassed;
  uint64_t seed = 0;
  // kError: what is wrong with the scenario (setup refused, bad file).
  Diagnostics errors;
  // kFailed without a failed expectation: the run itself went wrong (the
  // wall-time guard fired, quiescence never came).
  std::string failure;
  std::vector<ExpectationResult> expectations;
  // A scenario with expect_failure whose expectations or invariants broke,
  // as it says they would: it passed, and its broken ones are kept here.
  bool failed_as_expected = false;
  Duration virtual_time{0};
  double wall_seconds = 0;
  std::vector<Event> events;
  size_t invocations = 0;
  bool deterministic = false;
  uint64_t rounds = 0;  // deterministic runs: rounds the engine served
  uint64_t served = 0;  // and the messages served in them (Engine)
  // Deterministic runs: function processes taken as idle only after the
  // grace a process that has sent nothing yet is given (Engine).
  uint64_t fresh_graces = 0;

  bool passed() const { return status == Status::kPassed; }
  // The failed expectations, for assertions and reports.
  std::vector<const ExpectationResult*> Failures() const;
};

ScenarioResult RunScenario(const Scenario& scenario,
                           const RunOptions& options = {});

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_RUNNER_H_
