// The scenario file format as a Spec (harness/schema.h), and the draft of
// the model it binds into: one walk over a file validates it and fills
// the draft; the loader (harness/scenario.cc) then runs the post-steps
// the format cannot declare (cross-references, once every name is known;
// the setup calls put in dependency order; a template's resources).
#ifndef FANLAB_HARNESS_SCENARIO_SPEC_H_
#define FANLAB_HARNESS_SCENARIO_SPEC_H_

#include <yaml-cpp/node/node.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/schema.h"

namespace fanlab::harness {

// A scenario as the walk fills it.
struct ScenarioDraft {
  ScenarioDraft(std::string file_in, std::string base_dir_in,
                const LoadOptions& options_in)
      : file(std::move(file_in)),
        base_dir(std::move(base_dir_in)),
        options(options_in) {}

  Scenario scenario;
  std::string file;
  std::string base_dir;  // relative paths resolve against it
  const LoadOptions& options;

  // Declared names, by kind (a template's join them).
  std::set<std::string> queues, functions, buckets, tables, topics, sinks;
  // Timeline step ids: those with an answer ("id", "id#0" for a repeated
  // step's runs), and advances.
  std::set<std::string> step_ids, advance_ids;

  // Checks that need every name: run once the walk is done.
  std::vector<std::function<void(Diagnostics&)>> checks;

  // The setup calls, by section; the loader puts them in order (a
  // template's first, then queues with each dead-letter queue before the
  // queues that name it, functions, buckets, tables, topics, sinks,
  // mappings, schedules, routes). Deques: a binder holds a call while the
  // next ones are added.
  struct QueueCreate {
    ActionCall call;
    boost::json::object attributes;
    std::string dead_letter;  // the dead-letter queue's name, or ""
    int64_t max_receive_count = 1;
  };
  std::deque<QueueCreate> queue_creates;
  // A function's virtual duration (`duration`, `duration_max`), its own
  // or from a `durations` entry (applied once every function's own is).
  struct VirtualDuration {
    std::optional<Duration> min, max;
  };
  // A function's fields, until its calls are made.
  struct FunctionCreate {
    Origin origin;
    std::string name, runtime, handler, code, working_dir, mode;
    boost::json::array command;
    std::optional<Duration> timeout, max_event_age;
    VirtualDuration duration;
    std::optional<int64_t> memory, retries, reserved_concurrency;
    Origin reserved_concurrency_origin;
    std::optional<boost::json::object> environment;
    boost::json::object destinations;
  };
  std::deque<FunctionCreate> function_creates;
  std::deque<ActionCall> functions_setup, buckets_setup, tables_setup,
      topics_setup, sinks_setup, mappings_setup, schedules_setup, routes_setup;
  boost::json::array schedule_targets;  // the schedule being bound

  // A timeline step being bound: its timing, then its stimulus.
  struct StepDraft {
    Step step;
    std::optional<Duration> at, after, every, advance;
    std::optional<int64_t> repeat;
    bool stimulus = false;  // a kind of step was bound
  };
  std::deque<StepDraft> steps;
  Duration cursor{0};  // the time the last step bound ends at

  // `stack` and `parameters`: read once both are known.
  YAML::Node stack, parameters;
  struct DurationEntry {
    YAML::Node key, node;  // the function's name; its {duration, ...}
    std::string path;      // "durations.NAME"
    VirtualDuration duration;
  };
  std::deque<DurationEntry> duration_entries;

  // Post-step helpers the binders share (harness/scenario.cc).
  // Sets `name`'s virtual duration; a `duration_max` below `duration` is
  // an error at the duration_max of the object at `site`.
  void SetVirtualDuration(const std::string& name, const VirtualDuration& v,
                          const Site& site);
  // A new setup call in `section`, from `site`.
  ActionCall& Call(std::deque<ActionCall>& section, std::string action,
                   const Site& site);
  // Declares `name` (an error when it is declared twice).
  void Declare(std::set<std::string>& names, const std::string& name,
               const Site& site);
  // Checks, once every name is known, that the name at `site` is one of
  // `names` (`kind`: "queue", "function", ...), with a suggestion.
  void Refer(const Site& site, const std::set<std::string>& names,
             const char* kind);
  // Checks, once every name is known, the placeholders in every string
  // under `node` (${queue_url:NAME}, ${steps.ID.json.PATH}, ...).
  void CheckPlaceholders(const YAML::Node& node, const std::string& path);
  // The content of a file relative to the scenario, or "" after an error.
  std::string ReadFile(const std::string& relative, const Site& site);
  // `body`, `json` or `file` of the object at `site`, as text.
  std::string Content(const Site& site);
  // queue:NAME, topic:NAME or an ARN, as an ARN.
  std::string Destination(const std::string& text, const Site& site);
  // Message attributes as SQS and SNS take them (a number's DataType is
  // Number).
  static boost::json::object MessageAttributes(const YAML::Node& n);
  // Plain JSON to DynamoDB's AttributeValue map.
  static boost::json::object ToAttributeValues(const boost::json::value& item);
  // Removes the keys left null (a body's keys are set in a fixed order
  // first, then filled as the fields are bound).
  static void DropUnset(boost::json::object& body);
  // " (did you mean \"x\"?)" for the closest of `names`, or "".
  static std::string DidYouMean(const std::string& word,
                                const std::set<std::string>& names);
};

SpecPtr ScenarioSpec();

// The runtimes a function's `runtime` may name, Lambda's identifiers:
// provided.al2023, provided.al2, python3.9..python3.13, nodejs18.x,
// nodejs20.x, nodejs22.x.
const std::vector<std::string>& LambdaRuntimes();

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCENARIO_SPEC_H_
