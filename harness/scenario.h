// A scenario: the resources a pipeline needs, a timeline of stimuli on the
// virtual clock, how long to run, and what must hold at the end. Read from
// a YAML or JSON file (docs/scenarios.md is the format; Load checks it
// whole and reports every mistake with its line and column) or built in
// C++ (ParseScenario on a string, or filling the structs).
//
// Resources become the AWS-shaped actions that create them (CreateQueue,
// CreateFunction, PutItem, ...), so a scenario sets the emulator up
// exactly as a client would. Strings may hold placeholders the runner
// fills in once the emulator is up: ${queue_url:NAME}, ${queue_arn:NAME},
// ${topic_arn:NAME}, ${function_arn:NAME}, ${sink_url:NAME}, ${http}
// (the HTTP front's base URL), and ${i} in a repeated step (0, 1, ...).
#ifndef FANLAB_HARNESS_SCENARIO_H_
#define FANLAB_HARNESS_SCENARIO_H_

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/sim/fault_injector.h"
#include "harness/diagnostic.h"

namespace fanlab::harness {

// Where a part of the scenario came from, for error messages.
struct Origin {
  Mark mark;
  std::string path;  // "resources.functions[1]"
};

// One action the runner dispatches: setting up a resource, or a step.
struct ActionCall {
  std::string action;  // "CreateQueue", "SendMessage", ...
  boost::json::object body;
  Origin origin;
};

struct HttpRequestSpec {
  std::string method = "GET";
  std::string path = "/";  // with the query, if any
  std::map<std::string, std::string> headers;
  std::string body;
};

// A stimulus at a virtual instant.
struct Step {
  enum class Kind { kAction, kHttp, kAdvance };
  Kind kind = Kind::kAction;
  Duration at{0};        // from the start of the run
  std::string id;        // names the step for `response` expectations
  std::string label;     // "send to jobs", "POST /v1/job"
  ActionCall call;       // kAction
  HttpRequestSpec http;  // kHttp
  Origin origin;
};

struct RunSpec {
  // Until nothing is left to do (no function running or queued, no HTTP
  // call waiting, every queue with a mapping empty) for `settle`. With a
  // `duration` (`for`), at least that much virtual time from the start
  // first; schedules do not count as work left, so a run with a cron rule
  // ends once the work of the last tick before `duration` is done.
  std::optional<Duration> duration;
  Duration settle = std::chrono::seconds(1);
  Duration max_virtual = std::chrono::hours(24);  // quiescence deadline
  std::chrono::milliseconds wall_timeout{60000};
  // false (`run: {deterministic: false}`): the run follows real time inside
  // handlers, as `fanlab run --real-time` does, for a scenario whose
  // functions' own real work (sleeps, CPU) is what it is about.
  bool deterministic = true;
};

// One expectation: its kind ("invocations", "messages", "queue", "items",
// "objects", "emails", "requests", "events", "order", "response") and
// its fields as the file gives them (docs/scenarios.md).
struct Expectation {
  std::string kind;
  std::string label;  // the `name` given, or a summary of the fields
  boost::json::object spec;
  Origin origin;
};

// An invariant the whole run keeps (harness/invariants.h): a built-in's
// name and its parameters.
struct InvariantSpec {
  std::string name;  // "no-message-lost"
  boost::json::object params;
  std::string label;  // the `name` given, else empty
  Origin origin;
};

struct Scenario {
  std::string name;
  std::string description;
  // Non-empty: the scenario shows a weak spot, so it is expected to fail
  // (an expectation or invariant broken) and says why; it passes when it
  // fails that way, and fails when everything holds.
  std::string expect_failure;
  std::string file;  // empty for a scenario built in C++
  uint64_t seed = 1;
  bool virtual_clock = true;
  std::vector<ActionCall> setup;  // in dependency order
  std::vector<Step> timeline;     // sorted by `at` (stable)
  RunSpec run;
  std::vector<Expectation> expect;
  // Faults the run injects (emulator/sim/fault_injector.h), each with its
  // own stream of the run's seed.
  std::vector<sim::FaultSpec> faults;
  std::vector<InvariantSpec> invariants;
  // Deterministic runs: each function's virtual duration, [min, max]
  // (`duration`, `duration_max`); functions not named take none.
  std::map<std::string, std::pair<Duration, Duration>> virtual_durations;
};

struct LoadOptions {
  // Where a function's bare command name ("fanlab-doparallel") is looked
  // for, in order, before $FANLAB_FUNCTIONS_DIR and the `functions`
  // folder next to (or above) the running executable, then $PATH.
  std::vector<std::string> function_dirs;
};

// A scenario, or every problem found in the file (never only the first).
struct LoadResult {
  std::optional<Scenario> scenario;
  Diagnostics errors;
};

LoadResult LoadScenario(const std::string& path, const LoadOptions& options);
// `text` as if read from `file` (relative paths resolve against the
// current directory when `file` has no directory part).
LoadResult ParseScenario(const std::string& text, const std::string& file,
                         const LoadOptions& options);

// A placeholder in a scenario string, as the loader checks it and the
// runner fills it in: ${queue_url:NAME}, ${queue_arn:NAME},
// ${topic_arn:NAME}, ${function_arn:NAME}, ${sink_url:NAME}, ${http},
// ${i}, ${steps.ID.json.PATH} (or .body, .status).
struct Placeholder {
  enum class Kind {
    kQueueUrl,
    kQueueArn,
    kTopicArn,
    kFunctionArn,
    kSinkUrl,
    kHttp,
    kIndex,
    kStep,
    kUnknown,       // ${anything else}
    kUnterminated,  // a "${" with no "}" after it
  };
  Kind kind = Kind::kUnknown;
  std::string inside;  // what is between ${ and }
  std::string name;    // the NAME of ${kind:NAME}; a step's "ID.json.PATH"
  size_t begin = 0;    // where "${" starts in the string
  size_t end = 0;      // one past its "}" (kUnterminated: the string's end)
};

// The placeholders of `text`, in order; the search goes on after each
// one's "}", and an unterminated one is the last.
std::vector<Placeholder> FindPlaceholders(std::string_view text);

// The scenario file format as a JSON Schema (scenarios/scenario.schema.json).
std::string ScenarioJsonSchema();

// Resolves a function command's program: a path with a slash resolves
// against `base_dir`; a bare name is searched as LoadOptions says. Empty
// when not found; `searched` lists where it looked.
std::string FindFunctionProgram(const std::string& program,
                                const std::string& base_dir,
                                const LoadOptions& options,
                                std::vector<std::string>* searched = nullptr);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCENARIO_H_
