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

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
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

// Events of one kind (`order`'s elements; `events` and the `unique`
// invariant select the same way): an event matches when it has each field
// given.
struct EventSelector {
  std::optional<std::string> service;   // "sqs", "lambda", ...
  std::optional<std::string> kind;      // "MessageSent", "Invocation", ...
  std::optional<std::string> resource;  // the queue, function, ... name
  // A pattern (harness/json_match.h) the event's document (Event::ToJson)
  // matches.
  std::optional<boost::json::value> where;
};

// The checks every collection kind shares (docs/scenarios.md, "Collection
// checks"), applied in this order; the first that fails is the answer.
// With none of `count` .. `ordered`, the collection must not be empty.
struct CollectionChecks {
  enum class Order { kAscending, kDescending };
  std::optional<boost::json::value> where;  // keeps the documents it matches
  // Keeps the documents whose time (atMs) is in [first, second].
  std::optional<std::pair<Duration, Duration>> between;
  // Every document's time is at most / at least this.
  std::optional<Duration> before, after;
  std::optional<std::string> select;  // a selector (harness/json_match.h)
  std::optional<int64_t> count, at_least, at_most;
  // Patterns: every value matches (and there is one, without a count),
  // some value does, none does.
  std::optional<boost::json::value> match, contains, none;
  // As many values as patterns, the i-th value matching the i-th.
  std::optional<boost::json::array> values;
  std::optional<int64_t> distinct;  // distinct serialized values
  std::optional<Order> ordered;     // numbers, or strings
};

// One expectation (docs/scenarios.md, "Expectations"): what it checks, one
// kind of check, and how reports name it. Built by the loader, or in C++:
//
//   Expectation{.check = Expectation::Requests{
//                    .sink = "result",
//                    .checks = {.count = 1, .match = json::parse("[1]")}},
//                .label = "one result"}
struct Expectation {
  // The finished invocations, in the order they finished.
  struct Invocations {
    std::string function;  // "": every function's
    std::string outcome;   // success, error, timeout, throttle; "": any
    std::optional<std::string> error_type;  // its errorType, exactly
    CollectionChecks checks;
  };
  // The messages a queue holds at the end, in send order.
  struct Messages {
    std::string queue;
    std::string state;  // visible, in_flight, delayed; "": any
    CollectionChecks checks;
  };
  // A queue's depths at the end, or that it is gone.
  struct Queue {
    std::string name;
    bool exists = true;
    std::optional<int64_t> visible, in_flight, delayed;
  };
  // A table's items at the end, as plain JSON.
  struct Items {
    std::string table;
    CollectionChecks checks;
  };
  // A bucket's objects at the end, by key.
  struct Objects {
    std::string bucket;
    std::string prefix;
    CollectionChecks checks;
  };
  // The email outbox, oldest first.
  struct Emails {
    std::string to;  // "": every address
    CollectionChecks checks;
  };
  // What a sink received, in order.
  struct Requests {
    std::string sink;
    CollectionChecks checks;
  };
  // The event log's events of the fields given (`where` is the checks').
  struct Events {
    std::optional<std::string> service, kind, resource;
    CollectionChecks checks;
  };
  // Every event of each selector comes before every event of the next.
  struct Order {
    std::vector<EventSelector> selectors;
  };
  // The answer to a timeline step; the checks given run in this order,
  // and without status, ok and error it must be a success.
  struct Response {
    std::string step;  // the step's id ("ID#k": a repeated step's run)
    std::optional<int64_t> status;
    std::optional<bool> ok;
    std::optional<std::string> error;        // the error type
    std::optional<std::string> body;         // exactly
    std::optional<boost::json::value> json;  // a pattern the body matches
  };
  // In the order of Kinds() below.
  using Check = std::variant<Invocations, Messages, Queue, Items, Objects,
                             Emails, Requests, Events, Order, Response>;

  Check check;
  std::string label;  // the `name` given, or a summary of the fields
  Origin origin;      // empty for one built in C++

  // The key the file gives the kind ("invocations", "queue", ...).
  std::string_view kind() const { return Kinds()[check.index()]; }
  static const std::vector<std::string_view>& Kinds() {
    static const std::vector<std::string_view> kinds = {
        "invocations", "messages", "queue",  "items", "objects",
        "emails",      "requests", "events", "order", "response"};
    return kinds;
  }
};

// An invariant the whole run keeps (harness/invariants.h): a built-in's
// name and its parameters (each built-in takes some of them).
struct InvariantSpec {
  std::string name;  // "no-message-lost"
  // Name patterns (`*`, `?`); "": all. no-message-lost,
  // no-double-handling, fifo-order, dlq-accounting: `queue`;
  // max-concurrency, event-invocations-end: `function`.
  std::string queue;
  std::string function;
  int64_t max = 1;  // max-concurrency
  // unique: the events it judges (`resource` a pattern) and the selector
  // of each one's key.
  EventSelector events;
  std::string by;
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

// One expectation written as an entry of a file's `expect` is, in YAML
// or JSON (`{requests: {sink: cb, count: 1}}`), bound by the same format:
// the checks that need the whole scenario (that a name is declared, that
// a response's step exists) are left out. Every problem goes to `errors`
// (file "expectation"); nullopt when there is one.
std::optional<Expectation> ParseExpectation(const std::string& text,
                                            Diagnostics& errors);

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
