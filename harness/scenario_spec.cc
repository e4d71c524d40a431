// The scenario file format, declared once (harness/schema.h): what the
// loader validates and what `fanlab schema` prints. docs/scenarios.md
// explains each part with examples.
#include "harness/scenario_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "emulator/core/utf8.h"
#include "harness/scenario_sim.h"

namespace fanlab::harness {

namespace {

// The fields every collection expectation shares.
std::vector<Field> CollectionChecks(std::vector<Field> fields) {
  std::vector<Field> common = {
      {"name", String("a label for reports")},
      {"where", AnyJson("keep only the documents this pattern matches")},
      {"select",
       String("a path into each document ($.Json.result.*, $.Body, ...); the "
              "checks below then apply to the selected values")},
      {"count", Integer("exactly this many values", 0)},
      {"at_least", Integer("at least this many values", 0)},
      {"at_most", Integer("at most this many values", 0)},
      {"match", AnyJson("every value matches this pattern")},
      {"contains", AnyJson("some value matches this pattern")},
      {"none", AnyJson("no value matches this pattern")},
      {"values", Array(AnyJson(), "the values, in order, exactly")},
      {"distinct", Integer("this many distinct values", 0)},
      {"ordered", Enum({"ascending", "descending"},
                       "the values are sorted so (numbers or strings)")},
      {"between", Array(DurationSpec(),
                        "keep only the documents whose time is in [from, to]")},
      {"before", DurationSpec("every document's time is at most this")},
      {"after", DurationSpec("every document's time is at least this")},
  };
  fields.insert(fields.end(), common.begin(), common.end());
  return fields;
}

SpecPtr Body(std::vector<Field> fields, std::string description) {
  fields.push_back({"body", String("the body, as text")});
  fields.push_back({"json", AnyJson("the body, as JSON (serialized)")});
  fields.push_back({"file", String("the body: this file's content (a path "
                                   "relative to the scenario)")});
  return Object(std::move(fields), std::move(description));
}

SpecPtr Attributes() {
  return MapOf(Scalar(),
               "message attributes, name: value (String type; "
               "numbers become Number)");
}

SpecPtr EventSelector() {
  return Object(
      {
          {"service",
           String("sqs, lambda, s3, dynamodb, sns, events, http or harness")},
          {"kind", String("MessageSent, Invocation, ObjectPut, ...")},
          {"resource", String("the queue, function, bucket, ... name")},
          {"where", AnyJson("a pattern the event must match")},
      },
      "events of one kind");
}

}  // namespace

const std::vector<std::string>& LambdaRuntimes() {
  static const std::vector<std::string> runtimes = {
      "provided.al2023", "provided.al2", "python3.9",  "python3.10",
      "python3.11",      "python3.12",   "python3.13", "nodejs18.x",
      "nodejs20.x",      "nodejs22.x"};
  return runtimes;
}

SpecPtr ScenarioSpec() {
  static const SpecPtr spec = [] {
    auto queue = Object(
        {
            {"name", String("the queue name (.fifo for a FIFO queue)"), true},
            {"attributes", MapOf(Scalar(),
                                 "SQS attributes: "
                                 "VisibilityTimeout, DelaySeconds, "
                                 "ContentBasedDeduplication, ...")},
            {"dead_letter",
             Object({{"queue", String("the dead-letter queue's name"), true},
                     {"max_receive_count", Integer("", 1, 1000), true}},
                    "the RedrivePolicy")},
        },
        "a queue");
    auto function = Object(
        {
            {"name", String("the function name"), true},
            {"command",
             StringOrList("the program and its arguments; a bare program "
                          "name is a function fanlab builds "
                          "(fanlab-doparallel), a path is relative to the "
                          "scenario file")},
            {"runtime",
             Enum(LambdaRuntimes(),
                  "a Lambda runtime, instead of a command: the function is "
                  "its code, run by that runtime through the Runtime API")},
            {"handler",
             String("module.function (app.handler); required for python "
                    "and node runtimes, passed as _HANDLER to provided "
                    "ones")},
            {"code", String("with a runtime: a folder or a .zip, relative to "
                            "the scenario file")},
            {"working_dir",
             String("for a command, relative to the scenario file")},
            {"timeout", DurationSpec("1s..900s, default 3s")},
            {"memory", Integer("MB", 128, 10240)},
            {"mode", Enum({"warm", "cold"},
                          "warm (default): environments are reused; cold: a "
                          "process per invocation")},
            {"environment", MapOf(Scalar(), "environment variables")},
            {"reserved_concurrency", Integer("", 0)},
            {"duration",
             DurationSpec("deterministic runs: the virtual time each "
                          "invocation takes (default 0)")},
            {"duration_max",
             DurationSpec("deterministic runs: each invocation draws its "
                          "virtual time from [duration, duration_max], "
                          "seeded")},
            {"retries",
             Integer("Event invocations' MaximumRetryAttempts", 0, 2)},
            {"max_event_age", DurationSpec("60s..6h")},
            {"on_success",
             String("destination: queue:NAME, topic:NAME or an ARN")},
            {"on_failure",
             String("destination: queue:NAME, topic:NAME or an ARN")},
        },
        "a function", {"command", "runtime"});
    auto mapping = Object(
        {
            {"queue", String("the source queue"), true},
            {"function", String("the function"), true},
            {"batch_size", Integer("", 1, 10000)},
            {"batching_window", DurationSpec("0s..300s")},
            {"maximum_concurrency", Integer("", 2, 1000)},
            {"report_batch_item_failures", Boolean()},
            {"enabled", Boolean()},
        },
        "an event source mapping");
    auto object = Object(
        {
            {"key", String(), true},
            {"body", String("the content, as text")},
            {"json", AnyJson("the content, as JSON")},
            {"file", String("the content of this file (relative path)")},
            {"content_type", String()},
        },
        "an object", {"body", "json", "file"});
    auto bucket = Object({{"name", String(), true},
                          {"objects", Array(object, "initial objects")}},
                         "a bucket");
    auto table = Object(
        {
            {"name", String(), true},
            {"hash_key", String("the partition key attribute"), true},
            {"range_key", String("the sort key attribute")},
            {"attribute_types",
             MapOf(Enum({"S", "N", "B"}), "key attribute types (default S)")},
            {"items", Array(AnyJson(), "initial items, as plain JSON")},
        },
        "a table");
    auto subscription = Object(
        {
            {"protocol", Enum({"sqs", "lambda", "email", "email-json", "http"}),
             true},
            {"endpoint",
             String("a queue or function name (or ARN), an address, a URL"),
             true},
            {"raw", Boolean("RawMessageDelivery")},
            {"filter_policy", AnyJson("FilterPolicy")},
            {"filter_policy_scope", Enum({"MessageAttributes", "MessageBody"})},
        },
        "a subscription");
    auto topic = Object(
        {{"name", String(), true}, {"subscriptions", Array(subscription)}},
        "a topic");
    auto target = Object(
        {
            {"function", String("a function to invoke (Event)")},
            {"queue", String("a queue to send to")},
            {"input", AnyJson("the event instead of the Scheduled Event")},
            {"group", String("MessageGroupId, for a FIFO queue")},
        },
        "a target", {"function", "queue"});
    auto schedule = Object(
        {
            {"name", String(), true},
            {"expression", String("rate(5 minutes) or cron(0/1 * * * ? *)"),
             true},
            {"enabled", Boolean()},
            {"description", String()},
            {"expect_failure",
             String("why the scenario is expected to fail: it shows a "
                    "weak spot; it passes when an expectation or invariant "
                    "breaks, and fails when everything holds")},
            {"targets", Array(target), true},
        },
        "a schedule rule");
    auto route = Object(
        {
            {"method", String("GET, POST, ... or ANY"), true},
            {"path", String("/user/{username}/schedules"), true},
            {"function", String(), true},
            {"api_key", String("require this x-api-key")},
        },
        "an HTTP route");
    auto sink = Object(
        {
            {"name", String(), true},
            {"status", Integer("the answer's status", 200, 599)},
            {"body", String("the answer's body")},
            {"headers", MapOf(Scalar())},
        },
        "an HTTP sink that records what it is sent");
    auto resources = Object(
        {
            {"queues", Array(queue)},
            {"functions", Array(function)},
            {"mappings", Array(mapping)},
            {"buckets", Array(bucket)},
            {"tables", Array(table)},
            {"topics", Array(topic)},
            {"schedules", Array(schedule)},
            {"routes", Array(route)},
            {"sinks", Array(sink)},
        },
        "what the emulator holds before the timeline starts");

    auto step = Object(
        {
            {"at", DurationSpec("virtual time from the start (default: the "
                                "previous step's)")},
            {"after", DurationSpec("virtual time after the previous step")},
            {"id", String("names the step for `response` expectations")},
            {"repeat",
             Integer("run the step this many times (${i})", 1, 100000)},
            {"every", DurationSpec("between repeats (default 0)")},
            {"http",
             Body({{"method", String("default GET, or POST with a body")},
                   {"path", String("the path and query"), true},
                   {"headers", MapOf(Scalar())},
                   {"api_key", String("sent as x-api-key")}},
                  "an HTTP request to the front")},
            {"invoke", Object({{"function", String(), true},
                               {"payload", AnyJson("the event")},
                               {"type", Enum({"RequestResponse", "Event"})}},
                              "an invocation")},
            {"send", Body({{"queue", String(), true},
                           {"attributes", Attributes()},
                           {"group", String("MessageGroupId")},
                           {"dedup", String("MessageDeduplicationId")},
                           {"delay", DurationSpec("DelaySeconds")}},
                          "SendMessage")},
            {"publish", Object({{"topic", String(), true},
                                {"message", String()},
                                {"json", AnyJson("the message, as JSON")},
                                {"subject", String()},
                                {"attributes", Attributes()}},
                               "Publish")},
            {"put_object", Object({{"bucket", String(), true},
                                   {"key", String(), true},
                                   {"body", String()},
                                   {"json", AnyJson()},
                                   {"file", String()},
                                   {"content_type", String()}},
                                  "PutObject")},
            {"put_item", Object({{"table", String(), true},
                                 {"item", AnyJson("plain JSON"), true}},
                                "PutItem")},
            {"call", Object({{"action", String("any action name"), true},
                             {"body", AnyJson("its request")}},
                            "any emulator action")},
            {"advance", DurationSpec("let this much virtual time pass")},
        },
        "a stimulus",
        {"http", "invoke", "send", "publish", "put_object", "put_item", "call",
         "advance"});

    auto expectation = Object(
        {
            {"invocations",
             Object(CollectionChecks(
                        {{"function", String()},
                         {"outcome",
                          Enum({"success", "error", "timeout", "throttle"})},
                         {"error_type", String()}}),
                    "finished invocations")},
            {"messages",
             Object(CollectionChecks(
                        {{"queue", String(), true},
                         {"state", Enum({"visible", "in_flight", "delayed"})}}),
                    "the messages a queue holds at the end")},
            {"queue", Object({{"name", String(), true},
                              {"exists", Boolean()},
                              {"visible", Integer("", 0)},
                              {"in_flight", Integer("", 0)},
                              {"delayed", Integer("", 0)}},
                             "a queue's depths at the end")},
            {"items", Object(CollectionChecks({{"table", String(), true}}),
                             "a table's items at the end, as plain JSON")},
            {"objects", Object(CollectionChecks({{"bucket", String(), true},
                                                 {"prefix", String()}}),
                               "a bucket's objects at the end")},
            {"emails",
             Object(CollectionChecks({{"to", String()}}), "the email outbox")},
            {"requests", Object(CollectionChecks({{"sink", String(), true}}),
                                "what a sink received")},
            {"events", Object(CollectionChecks({{"service", String()},
                                                {"kind", String()},
                                                {"resource", String()}}),
                              "the event log")},
            {"order", Array(EventSelector(),
                            "every event of each selector comes before "
                            "every event of the next")},
            {"response",
             Object({{"step", String("the step's id"), true},
                     {"status", Integer("the HTTP status")},
                     {"ok", Boolean("an action succeeded (or failed)")},
                     {"error", String("the error type (QueueDoesNotExist)")},
                     {"json", AnyJson("a pattern the body matches")},
                     {"body", String("the body, exactly")}},
                    "the answer to a timeline step")},
            {"name", String("a label for reports")},
        },
        "an expectation",
        {"invocations", "messages", "queue", "items", "objects", "emails",
         "requests", "events", "order", "response"});

    auto run = Then(
        Object(
            {
                {"until", Enum({"quiescent"}, "the default")},
                {"for",
                 DurationSpec("run at least this much virtual time from the "
                              "start, then until quiescent"),
                 false, Set([](RunSpec& r, Duration d) { r.duration = d; })},
                {"settle",
                 DurationSpec("quiet time that counts as quiescent "
                              "(default 1s)"),
                 false, To(&RunSpec::settle)},
                {"max",
                 DurationSpec("virtual time allowed to reach quiescence "
                              "(default 24h)"),
                 false, To(&RunSpec::max_virtual)},
                {"wall_timeout",
                 DurationSpec("real time allowed for the run (default 60s)"),
                 false, Set([](RunSpec& r, Duration d) {
                   r.wall_timeout =
                       std::chrono::duration_cast<std::chrono::milliseconds>(d);
                 })},
                {"deterministic",
                 Boolean("false: follow real time inside handlers, as "
                         "--real-time does (default true)"),
                 false, To(&RunSpec::deterministic)},
            },
            "how long to run after the last step"),
        [](RunSpec&, const Site& site) {
          if (site.node["until"] && site.node["for"]) {
            site.Error("give either \"until: quiescent\" or \"for\", not both");
          }
        });

    return Object(
        {
            {"name", String("defaults to the file's name"), false,
             Set([](ScenarioDraft& d, std::string name, const Site& site) {
               // A name goes into reports, event logs and file names:
               // text only.
               if (!IsValidUtf8(name)) {
                 site.Error("the name is not valid UTF-8");
               } else if (std::any_of(name.begin(), name.end(), [](char c) {
                            return static_cast<unsigned char>(c) < 0x20 ||
                                   c == 0x7f;
                          })) {
                 site.Error(
                     "the name holds a control character (NUL, a newline, "
                     "...)");
               }
               d.scenario.name = name;
             })},
            {"description", String(), false,
             Set([](ScenarioDraft& d, std::string v) {
               d.scenario.description = v;
             })},
            {"expect_failure",
             String("why the scenario is expected to fail: it shows a "
                    "weak spot; it passes when an expectation or invariant "
                    "breaks, and fails when everything holds"),
             false, Set([](ScenarioDraft& d, std::string v) {
               d.scenario.expect_failure = v;
             })},
            {"seed", Integer("the seed of ids and request ids", 0), false,
             Set([](ScenarioDraft& d, uint64_t seed) {
               d.scenario.seed = seed;
             })},
            {"clock", Enum({"virtual", "real"}, "default virtual"), false,
             Set([](ScenarioDraft& d, std::string clock) {
               d.scenario.virtual_clock = clock != "real";
             })},
            {"stack", String("a SAM or CloudFormation template whose "
                             "resources are created before the others "
                             "(docs/templates.md)")},
            {"parameters", MapOf(Scalar(), "the template's parameter values")},
            {"resources", resources},
            {"durations",
             MapOf(Object({{"duration",
                            DurationSpec("the virtual time each invocation "
                                         "takes")},
                           {"duration_max",
                            DurationSpec("each invocation draws its virtual "
                                         "time from [duration, "
                                         "duration_max], seeded")}}),
                   "deterministic runs: the virtual time of the functions "
                   "named (a template's, or declared ones), by function "
                   "name")},
            {"timeline", Array(step)},
            {"run", run, false,
             Enter([](ScenarioDraft& d, const Site&) -> RunSpec& {
               return d.scenario.run;
             })},
            {"expect", Array(expectation)},
            FaultsField(),
            InvariantsField(),
        },
        "a fanlab scenario");
  }();
  return spec;
}

}  // namespace fanlab::harness
