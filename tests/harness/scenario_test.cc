// The scenario loader (harness/scenario.h, checked against the format of
// harness/scenario_spec.cc): every mistake reported with its file, line,
// column and field path, all of them at once and in file order; and what
// loads becomes the actions a client would send.
#include "harness/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/yaml_util.h"
#include "tests/harness/harness_test_util.h"

namespace fanlab::harness {
namespace {

using test_util::WithTestFunction;

namespace json = boost::json;
namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Every problem ParseScenario finds, as "file:line:column: path: message".
std::vector<std::string> Errors(const std::string& yaml,
                                const LoadOptions& options = {}) {
  LoadResult r = ParseScenario(WithTestFunction(yaml), "s.yaml", options);
  std::vector<std::string> out;
  for (const Diagnostic& d : r.errors) out.push_back(d.ToString());
  EXPECT_EQ(r.scenario.has_value(), r.errors.empty());
  return out;
}

// The scenario, failing the test when it does not load.
Scenario Load(const std::string& yaml, const std::string& file = "s.yaml") {
  LoadResult r = ParseScenario(WithTestFunction(yaml), file, {});
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
  return r.scenario.value_or(Scenario{});
}

// --- The format -----------------------------------------------------------

TEST(HarnessScenarioLoad, AMinimalScenarioLoads) {
  Scenario s = Load("name: tiny\n");
  EXPECT_EQ(s.name, "tiny");
  EXPECT_EQ(s.file, "s.yaml");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_TRUE(s.virtual_clock);
  EXPECT_TRUE(s.setup.empty());
  EXPECT_TRUE(s.timeline.empty());
  EXPECT_EQ(s.run.settle, std::chrono::seconds(1));
  EXPECT_EQ(s.run.max_virtual, std::chrono::hours(24));
  EXPECT_EQ(s.run.wall_timeout, std::chrono::seconds(60));
  EXPECT_FALSE(s.run.duration.has_value());
}

TEST(HarnessScenarioLoad, TheNameDefaultsToTheFilesStem) {
  EXPECT_EQ(Load("seed: 7\n", "dir/my-case.yaml").name, "my-case");
  Scenario s = Load("seed: 7\nclock: real\ndescription: words\n");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_FALSE(s.virtual_clock);
  EXPECT_EQ(s.description, "words");
}

TEST(HarnessScenarioLoad, UnknownKeySuggestsTheClosest) {
  EXPECT_THAT(Errors(R"(name: x
resources:
  queues:
    - name: jobs
      atributes: {VisibilityTimeout: 5}
)"),
              ElementsAre("s.yaml:5:7: resources.queues[0].atributes: "
                          "unknown key \"atributes\" (did you mean "
                          "\"attributes\"?)"));
}

TEST(HarnessScenarioLoad, UnknownKeyFarFromAnyListsTheKeys) {
  EXPECT_THAT(Errors("name: x\nflavour: mint\n"),
              ElementsAre("s.yaml:2:1: flavour: unknown key \"flavour\"; "
                          "expected one of name, description, "
                          "expect_failure, seed, clock, stack, parameters, "
                          "resources, durations, timeline, run, expect, "
                          "faults, invariants"));
}

TEST(HarnessScenarioLoad, WrongTypes) {
  EXPECT_THAT(
      Errors("seed: abc\ntimeline: {a: 1}\nname: [x]\n"),
      ElementsAre("s.yaml:1:7: seed: expected an integer, found a string (abc)",
                  "s.yaml:2:11: timeline: expected a list, found an object",
                  "s.yaml:3:7: name: expected a string, found a list"));
  EXPECT_THAT(
      Errors(R"(resources:
  queues:
    - name: q
  mappings:
    - {queue: q, function: f, enabled: "yes"}
)"),
      ElementsAre("s.yaml:5:28: resources.mappings[0].function: no function "
                  "named \"f\" in resources.functions",
                  "s.yaml:5:40: resources.mappings[0].enabled: expected "
                  "true or false, found a string (yes)"));
}

TEST(HarnessScenarioLoad, MissingRequiredKey) {
  EXPECT_THAT(Errors(R"(resources:
  queues:
    - attributes: {DelaySeconds: 1}
)"),
              ElementsAre("s.yaml:3:7: resources.queues[0]: missing required "
                          "key \"name\""));
}

TEST(HarnessScenarioLoad, BadEnumValue) {
  EXPECT_THAT(Errors("clock: wall\n"),
              ElementsAre("s.yaml:1:8: clock: \"wall\" is not one of "
                          "virtual, real"));
}

TEST(HarnessScenarioLoad, IntegerOutOfRange) {
  EXPECT_THAT(
      Errors(R"(resources:
  queues:
    - name: q
      dead_letter: {queue: d, max_receive_count: 0}
    - name: d
  functions:
    - name: f
      command: [@TF@, echo]
      memory: 64
      reserved_concurrency: -1
)"),
      ElementsAre("s.yaml:4:50: resources.queues[0].dead_letter."
                  "max_receive_count: 0 is out of range: must be between 1 "
                  "and 1000",
                  "s.yaml:9:15: resources.functions[0].memory: 64 is out of "
                  "range: must be between 128 and 10240",
                  "s.yaml:10:29: resources.functions[0].reserved_concurrency: "
                  "-1 is out of range: must be at least 0"));
}

TEST(HarnessScenarioLoad, BadDuration) {
  EXPECT_THAT(
      Errors(R"(run:
  for: 5 minutes
  settle: [1]
  max: -3
)"),
      ElementsAre("s.yaml:2:8: run.for: bad duration \"5 minutes\": use a "
                  "number of seconds or units like 250ms, 30s, 5m, 2h, 1d, "
                  "1h30m",
                  "s.yaml:3:11: run.settle: expected a duration (30s, 5m, "
                  "1h30m, or seconds), found a list",
                  "s.yaml:4:8: run.max: bad duration \"-3\": use a number of "
                  "seconds or units like 250ms, 30s, 5m, 2h, 1d, 1h30m"));
}

TEST(HarnessScenarioLoad, AFunctionTimeoutOutsideOneTo900Seconds) {
  EXPECT_THAT(Errors(R"(resources:
  functions:
    - {name: f, command: [@TF@, echo], timeout: 500ms}
)"),
              ElementsAre(::testing::AllOf(
                  // (The column depends on the test function's path.)
                  StartsWith("s.yaml:3:"),
                  ::testing::EndsWith(": resources.functions[0].timeout: a "
                                      "timeout is between 1s and 900s, not "
                                      "500ms"))));
}

TEST(HarnessScenarioLoad, AStepWithTwoKindsOrNone) {
  EXPECT_THAT(
      Errors(R"(resources:
  queues: [{name: q}]
timeline:
  - send: {queue: q, body: a}
    advance: 1s
  - at: 2s
  - {id: x}
)"),
      ElementsAre("s.yaml:4:5: timeline[0]: has both send, advance: give "
                  "exactly one of http, invoke, send, publish, put_object, "
                  "put_item, call, advance",
                  "s.yaml:6:5: timeline[1]: needs one of http, invoke, send, "
                  "publish, put_object, put_item, call, advance",
                  "s.yaml:7:5: timeline[2]: needs one of http, invoke, send, "
                  "publish, put_object, put_item, call, advance"));
}

TEST(HarnessScenarioLoad, AnExpectationWithTwoKinds) {
  EXPECT_THAT(
      Errors(R"(resources:
  queues: [{name: q}]
expect:
  - queue: {name: q, visible: 0}
    messages: {queue: q, count: 0}
)"),
      ElementsAre("s.yaml:4:5: expect[0]: has both queue, messages: give "
                  "exactly one of invocations, messages, queue, items, "
                  "objects, emails, requests, events, order, response"));
}

TEST(HarnessScenarioLoad, AnObjectWithBothBodyAndJson) {
  EXPECT_THAT(Errors(R"(resources:
  buckets:
    - name: b
      objects:
        - {key: k, body: text, json: {a: 1}}
)"),
              ElementsAre("s.yaml:5:11: resources.buckets[0].objects[0]: has "
                          "both body, json: give exactly one of body, json, "
                          "file"));
}

TEST(HarnessScenarioLoad, UnknownResourceReferences) {
  EXPECT_THAT(
      Errors(R"(resources:
  queues: [{name: q, dead_letter: {queue: dlx, max_receive_count: 3}}]
  functions: [{name: f, on_failure: "queue:nope", command: [@TF@, echo]}]
  mappings: [{queue: qq, function: ff}]
  topics:
    - name: t
      subscriptions: [{protocol: sqs, endpoint: qz}]
  schedules:
    - name: r
      expression: rate(1 minute)
      targets: [{queue: nowhere}]
timeline:
  - send: {queue: q2, body: a}
  - put_item: {table: T, item: {id: a}}
  - put_object: {bucket: B, key: k, body: x}
  - publish: {topic: t2, message: m}
  - invoke: {function: g}
expect:
  - requests: {sink: hook}
  - response: {step: first}
  - queue: {name: gone}
)"),
      ElementsAre(
          "s.yaml:2:43: resources.queues[0].dead_letter.queue: no queue "
          "named \"dlx\" in resources.queues",
          "s.yaml:3:37: resources.functions[0].on_failure: no queue named "
          "\"nope\"",
          "s.yaml:4:22: resources.mappings[0].queue: no queue named \"qq\" "
          "in resources.queues (did you mean \"q\"?)",
          "s.yaml:4:36: resources.mappings[0].function: no function named "
          "\"ff\" in resources.functions (did you mean \"f\"?)",
          "s.yaml:7:49: resources.topics[0].subscriptions[0].endpoint: no "
          "queue named \"qz\" in resources.queues (did you mean \"q\"?)",
          "s.yaml:11:25: resources.schedules[0].targets[0].queue: no queue "
          "named \"nowhere\" in resources.queues",
          "s.yaml:13:19: timeline[0].send.queue: no queue named \"q2\" in "
          "resources.queues (did you mean \"q\"?)",
          "s.yaml:14:23: timeline[1].put_item.table: no table named \"T\" in "
          "resources.tables",
          "s.yaml:15:26: timeline[2].put_object.bucket: no bucket named "
          "\"B\" in resources.buckets",
          "s.yaml:16:22: timeline[3].publish.topic: no topic named \"t2\" in "
          "resources.topics (did you mean \"t\"?)",
          "s.yaml:17:24: timeline[4].invoke.function: no function named "
          "\"g\" in resources.functions",
          "s.yaml:19:22: expect[0].requests.sink: no sink named \"hook\" in "
          "resources.sinks",
          "s.yaml:20:22: expect[1].response.step: no timeline step has id "
          "\"first\"",
          "s.yaml:21:19: expect[2].queue.name: no queue named \"gone\" in "
          "resources.queues"));
}

TEST(HarnessScenarioLoad, ArnsAreNotCheckedAgainstTheResources) {
  EXPECT_THAT(Errors(R"(resources:
  topics:
    - name: t
      subscriptions:
        - {protocol: sqs, endpoint: "arn:aws:sqs:us-east-1:000000000000:x"}
)"),
              ElementsAre());
}

TEST(HarnessScenarioLoad, PlaceholdersNamingNothing) {
  EXPECT_THAT(
      Errors(R"(resources:
  queues: [{name: q}]
  functions:
    - name: f
      command: [@TF@, echo]
      environment:
        GOOD: ${queue_url:q} ${http}
        QUEUE: ${queue_url:nope}
        TOPIC: ${topic_arn:t}
        WHAT: ${bogus:x}
        OPEN: ${queue_arn:q
)"),
      ElementsAre(
          "s.yaml:8:16: resources.functions[0].environment.QUEUE: "
          "${queue_url:nope} names no declared queue \"nope\"",
          "s.yaml:9:16: resources.functions[0].environment.TOPIC: "
          "${topic_arn:t} names no declared topic \"t\"",
          "s.yaml:10:15: resources.functions[0].environment.WHAT: unknown "
          "placeholder ${bogus:x}: use ${queue_url:NAME}, ${queue_arn:NAME}, "
          "${topic_arn:NAME}, ${function_arn:NAME}, ${sink_url:NAME}, "
          "${steps.ID.json.PATH}, ${http} or ${i}",
          "s.yaml:11:15: resources.functions[0].environment.OPEN: "
          "unterminated placeholder \"${queue_arn:q\""));
}

TEST(HarnessScenarioLoad, PlaceholdersInSteps) {
  EXPECT_THAT(Errors(R"(resources:
  sinks: [{name: hook}]
timeline:
  - call: {action: Echo, body: {url: "${sink_url:hook}", f: "${function_arn:g}"}}
)"),
              ElementsAre("s.yaml:4:61: timeline[0].call.body.f: "
                          "${function_arn:g} names no declared function "
                          "\"g\""));
}

TEST(HarnessScenarioLoad, BadScheduleExpressions) {
  std::vector<std::string> errors = Errors(R"y(resources:
  queues: [{name: q}]
  schedules:
    - {name: a, expression: "cron(99 * * * ? *)", targets: [{queue: q}]}
    - {name: b, expression: "rate(0 minutes)", targets: [{queue: q}]}
    - {name: c, expression: "every day", targets: [{queue: q}]}
)y");
  EXPECT_THAT(
      errors,
      ElementsAre("s.yaml:4:29: resources.schedules[0].expression: cron(99 * "
                  "* * ? *): minutes '99' is out of range 0-59",
                  "s.yaml:5:29: resources.schedules[1].expression: rate(0 "
                  "minutes): the value 0 is out of range 1-2147483647",
                  "s.yaml:6:29: resources.schedules[2].expression: every "
                  "day: a schedule expression is rate(...) or cron(...)"));
}

TEST(HarnessScenarioLoad, AFunctionProgramThatCannotBeFound) {
  LoadOptions options;
  options.function_dirs = {"/nonexistent-fanlab-dir"};
  std::vector<std::string> errors = Errors(R"(resources:
  functions:
    - name: f
      command: no-such-fanlab-program echo
    - name: g
      command: [./bin/missing, x]
)",
                                           options);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0],
              StartsWith("s.yaml:4:16: resources.functions[0].command: cannot "
                         "find the program \"no-such-fanlab-program\" (looked "
                         "in /nonexistent-fanlab-dir, "));
  EXPECT_THAT(errors[0], ::testing::EndsWith("); build it or give its path"));
  // A path is relative to the scenario file ("s.yaml": the current folder).
  EXPECT_EQ(errors[1],
            "s.yaml:6:16: resources.functions[1].command: cannot find the "
            "program \"./bin/missing\" (looked in bin/missing); build it or "
            "give its path");
}

TEST(HarnessScenarioLoad, AnEmptyCommand) {
  EXPECT_THAT(Errors(R"(resources:
  functions:
    - {name: f, command: []}
)"),
              ElementsAre("s.yaml:3:26: resources.functions[0].command: the "
                          "command is empty"));
}

TEST(HarnessScenarioLoad, ABareProgramNameIsFoundInTheFunctionDirs) {
  LoadOptions options;
  options.function_dirs = {FANLAB_FUNCTIONS_DIR};
  const std::string name = fs::path(FANLAB_TEST_FUNCTION).filename().string();
  LoadResult r = ParseScenario(
      "resources:\n  functions:\n    - {name: f, command: " + name +
          " sleep 5}\n",
      "s.yaml", options);
  ASSERT_TRUE(r.scenario) << r.errors[0].ToString();
  const json::object& body = r.scenario->setup.at(0).body;
  EXPECT_EQ(body.at("Code").at("Command"),
            json::parse(
                "[\"" +
                fs::absolute(FANLAB_TEST_FUNCTION).lexically_normal().string() +
                "\", \"sleep\", \"5\"]"));
}

TEST(HarnessScenarioLoad, AStepAtBeforeThePreviousStep) {
  EXPECT_THAT(Errors(R"(timeline:
  - {at: 5s, advance: 1s}
  - {at: 2s, advance: 1s}
  - {at: 1s, after: 1s, advance: 1s}
)"),
              ElementsAre("s.yaml:3:10: timeline[1].at: at 2s is before the "
                          "previous step (6s): keep the timeline in order",
                          "s.yaml:4:5: timeline[2]: give either \"at\" or "
                          "\"after\", not both",
                          "s.yaml:4:10: timeline[2].at: at 1s is before the "
                          "previous step (3s): keep the timeline in order"));
}

TEST(HarnessScenarioLoad, DuplicateNames) {
  EXPECT_THAT(
      Errors(R"(resources:
  queues:
    - name: jobs
    - name: other
    - name: jobs
  tables:
    - {name: T, hash_key: id}
    - {name: T, hash_key: id}
)"),
      ElementsAre("s.yaml:5:13: resources.queues[2].name: \"jobs\" is "
                  "declared twice",
                  "s.yaml:8:14: resources.tables[1].name: \"T\" is declared "
                  "twice"));
}

TEST(HarnessScenarioLoad, RunWithBothUntilAndFor) {
  EXPECT_THAT(Errors("run: {until: quiescent, for: 1h}\n"),
              ElementsAre("s.yaml:1:6: run: give either \"until: "
                          "quiescent\" or \"for\", not both"));
}

TEST(HarnessScenarioLoad, AKeyGivenTwiceHugeDurationsAndShortOrders) {
  EXPECT_THAT(
      Errors(R"(name: a
name: b
run: {max: 1e30, for: 99999999999999d}
expect:
  - order: [{kind: Step}]
)"),
      ElementsAre("s.yaml:2:1: name: the key \"name\" is given twice",
                  "s.yaml:3:12: run.max: bad duration \"1e30\": use a number "
                  "of seconds or units like 250ms, 30s, 5m, 2h, 1d, 1h30m",
                  "s.yaml:3:23: run.for: bad duration \"99999999999999d\": "
                  "use a number of seconds or units like 250ms, 30s, 5m, 2h, "
                  "1d, 1h30m",
                  "s.yaml:5:12: expect[0].order: an order needs at least two "
                  "event selectors"));
}

TEST(HarnessScenarioLoad, AStepIdUsedTwice) {
  EXPECT_THAT(Errors(R"(resources:
  queues: [{name: q}]
timeline:
  - {id: a, send: {queue: q, body: x}}
  - {id: a, send: {queue: q, body: y}}
)"),
              ElementsAre("s.yaml:5:10: timeline[1].id: step id \"a\" is used "
                          "twice"));
}

TEST(HarnessScenarioLoad, ASelectorNotStartingWithDollar) {
  EXPECT_THAT(Errors(R"(expect:
  - events: {kind: Step, select: detail.step}
)"),
              ElementsAre("s.yaml:2:34: expect[0].events.select: bad selector "
                          "\"detail.step\": selectors start with $ (write "
                          "$.Json.result.*, $.Body, $['a b'][0], ...)"));
  EXPECT_THAT(Errors(R"(expect:
  - events: {kind: Step, select: "$[x"}
)"),
              ElementsAre("s.yaml:2:34: expect[0].events.select: bad selector "
                          "\"$[x\": a '[' is not closed (write "
                          "$.Json.result.*, $.Body, $['a b'][0], ...)"));
}

TEST(HarnessScenarioLoad, NotYamlOrNotAnObject) {
  EXPECT_THAT(Errors("name: [unclosed\n"),
              ElementsAre(StartsWith("s.yaml:2:1: not valid YAML: ")));
  EXPECT_THAT(Errors("- a\n- b\n"),
              ElementsAre("s.yaml:1:1: a scenario is an object (name, "
                          "resources, timeline, expect, ...)"));
}

// Regression: the reader subscripted whatever stood where an object was
// expected, and yaml-cpp threw (a scenario without `resources`, a list of
// names instead of objects) instead of the mistakes being reported.
TEST(HarnessScenarioLoad, RegressionNonObjectsAreReportedNotThrown) {
  EXPECT_THAT(Errors("resources: 5\n"),
              ElementsAre("s.yaml:1:12: resources: expected an object, found "
                          "an integer (5)"));
  EXPECT_THAT(
      Errors(R"(resources:
  queues: [jobs, {name: q}]
  topics: [{name: t, subscriptions: [q]}]
timeline: [5, {send: {queue: q, body: x}}]
expect:
  - queue: q
  - messages: {queue: nope}
)"),
      ElementsAre("s.yaml:2:12: resources.queues[0]: expected an object, "
                  "found a string (jobs)",
                  "s.yaml:3:38: resources.topics[0].subscriptions[0]: "
                  "expected an object, found a string (q)",
                  "s.yaml:4:12: timeline[0]: expected an object, found an "
                  "integer (5)",
                  "s.yaml:6:12: expect[0].queue: expected an object, found a "
                  "string (q)",
                  "s.yaml:7:23: expect[1].messages.queue: no queue named "
                  "\"nope\" in resources.queues"));
}

TEST(HarnessScenarioLoad, ThreeMistakesAreAllReportedInFileOrder) {
  // The reference (line 12) is found after the format check (lines 4 and
  // 8), yet the report is in file order.
  EXPECT_THAT(
      Errors(R"(name: three
resources:
  queues:
    - name: jobs
      visibility: 30
  functions:
    - name: f
      command: [@TF@, echo]
      timeout: soon
timeline:
  - at: 1s
    send: {queue: job, body: x}
)"),
      ElementsAre("s.yaml:5:7: resources.queues[0].visibility: unknown key "
                  "\"visibility\"; expected one of name, attributes, "
                  "dead_letter",
                  "s.yaml:9:16: resources.functions[0].timeout: bad duration "
                  "\"soon\": use a number of seconds or units like 250ms, "
                  "30s, 5m, 2h, 1d, 1h30m",
                  "s.yaml:12:19: timeline[0].send.queue: no queue named "
                  "\"job\" in resources.queues (did you mean \"jobs\"?)"));
}

TEST(HarnessScenarioLoad, LoadScenarioReadsAFileAndReportsAMissingOne) {
  LoadResult missing = LoadScenario("/nonexistent/x.yaml", {});
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].ToString(),
            "/nonexistent/x.yaml: cannot read the file");

  fs::path dir = fs::path(::testing::TempDir()) / "harness-load";
  fs::create_directories(dir);
  std::ofstream(dir / "payload.txt") << "from a file";
  std::ofstream(dir / "case.yaml") << R"(resources:
  buckets: [{name: b}]
timeline:
  - put_object: {bucket: b, key: k, file: payload.txt}
  - put_object: {bucket: b, key: k2, file: absent.txt}
)";
  LoadResult r = LoadScenario((dir / "case.yaml").string(), {});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            (dir / "case.yaml").string() +
                ":5:44: timeline[1].put_object.file: cannot read " +
                (dir / "absent.txt").string());

  std::ofstream(dir / "case.yaml") << R"(resources:
  buckets: [{name: b}]
timeline:
  - put_object: {bucket: b, key: k, file: payload.txt}
)";
  r = LoadScenario((dir / "case.yaml").string(), {});
  ASSERT_TRUE(r.scenario);
  EXPECT_EQ(r.scenario->name, "case");
  fs::remove_all(dir);
  // (base64 of "from a file")
  EXPECT_EQ(r.scenario->timeline.at(0).call.body.at("Body"),
            "ZnJvbSBhIGZpbGU=");
}

TEST(HarnessScenarioLoad, AScenarioWrittenAsJsonLoads) {
  LoadResult r = ParseScenario(R"({
  "name": "as-json",
  "resources": {"queues": [{"name": "q", "attributes": {"DelaySeconds": 2}}]},
  "timeline": [{"at": "1s", "send": {"queue": "q", "json": {"n": 1}}}],
  "run": {"for": 60},
  "expect": [{"queue": {"name": "q", "visible": 1}}]
})",
                               "s.json", {});
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  const Scenario& s = *r.scenario;
  EXPECT_EQ(s.name, "as-json");
  ASSERT_EQ(s.setup.size(), 1u);
  EXPECT_EQ(json::value(s.setup[0].body), json::parse(R"({"QueueName": "q",
                            "Attributes": {"DelaySeconds": "2"}})"));
  ASSERT_EQ(s.timeline.size(), 1u);
  EXPECT_EQ(s.timeline[0].at, std::chrono::seconds(1));
  EXPECT_EQ(s.timeline[0].call.body.at("MessageBody"), "{\"n\":1}");
  EXPECT_EQ(s.run.duration, std::chrono::seconds(60));
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.expect[0].kind(), "queue");
  EXPECT_EQ(s.expect[0].label, "queue q");
  EXPECT_EQ(s.expect[0].origin.mark.line, 6);
  EXPECT_EQ(s.expect[0].origin.path, "expect[0].queue");

  // A mistake in a JSON file has its place too.
  LoadResult bad = ParseScenario(
      "{\n  \"name\": \"x\",\n  \"seed\": \"many\"\n}\n", "s.json", {});
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].ToString(),
            "s.json:3:11: seed: expected an integer, found a string (many)");
}

// --- What loads becomes ----------------------------------------------------

// The setup as "Action {body}" lines.
std::vector<std::string> SetupLines(const Scenario& s) {
  std::vector<std::string> out;
  for (const ActionCall& c : s.setup) {
    out.push_back(c.action + " " + json::serialize(c.body));
  }
  return out;
}

TEST(HarnessScenarioSetup, DeadLetterQueuesComeFirstAndFifoIsMarked) {
  Scenario s = Load(R"(resources:
  queues:
    - name: jobs
      attributes: {VisibilityTimeout: 5, ContentBasedDeduplication: true}
      dead_letter: {queue: jobs-dlq, max_receive_count: 3}
    - name: jobs-dlq
    - name: orders.fifo
)");
  EXPECT_THAT(
      SetupLines(s),
      ElementsAre(
          R"(CreateQueue {"QueueName":"jobs-dlq"})",
          R"(CreateQueue {"QueueName":"jobs","Attributes":{"VisibilityTimeout":"5","ContentBasedDeduplication":"true","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:jobs-dlq\",\"maxReceiveCount\":3}"}})",
          R"(CreateQueue {"QueueName":"orders.fifo","Attributes":{"FifoQueue":"true"}})"));
  EXPECT_EQ(s.setup[1].origin.path, "resources.queues[0]");
  EXPECT_EQ(s.setup[1].origin.mark.line, 3);
}

TEST(HarnessScenarioSetup, AChainOfDeadLetterQueuesIsCreatedInOrder) {
  // a -> b -> c: c, then b, then a, whatever the order in the file.
  Scenario s = Load(R"(resources:
  queues:
    - {name: a, dead_letter: {queue: b, max_receive_count: 1}}
    - {name: b, dead_letter: {queue: c, max_receive_count: 1}}
    - {name: c}
)");
  std::vector<std::string> names;
  for (const ActionCall& c : s.setup) {
    names.push_back(std::string(c.body.at("QueueName").as_string()));
  }
  EXPECT_THAT(names, ElementsAre("c", "b", "a"));
}

TEST(HarnessScenarioSetup, FunctionsAndTheirConfiguration) {
  Scenario s = Load(R"(resources:
  queues: [{name: done}]
  functions:
    - name: f
      command: "@TF@ sleep 10"
      working_dir: work
      timeout: 2m
      memory: 256
      mode: cold
      environment: {A: 1, B: x}
      reserved_concurrency: 3
      retries: 0
      max_event_age: 1h
      on_success: queue:done
      on_failure: "arn:aws:sns:us-east-1:000000000000:t"
)",
                    "dir/s.yaml");
  const std::string tf = FANLAB_TEST_FUNCTION;
  EXPECT_THAT(
      SetupLines(s),
      ElementsAre(
          R"(CreateQueue {"QueueName":"done"})",
          R"(CreateFunction {"FunctionName":"f","Code":{"Command":[")" + tf +
              R"(","sleep","10"],"WorkingDirectory":"dir/work"},"Mode":"cold","Timeout":120,"MemorySize":256,"Environment":{"Variables":{"A":"1","B":"x"}}})",
          R"(PutFunctionConcurrency {"FunctionName":"f","ReservedConcurrentExecutions":3})",
          R"(PutFunctionEventInvokeConfig {"FunctionName":"f","MaximumRetryAttempts":0,"MaximumEventAgeInSeconds":3600,"DestinationConfig":{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:000000000000:done"},"OnFailure":{"Destination":"arn:aws:sns:us-east-1:000000000000:t"}}})"));
}

// A folder with a scenario's code beside it: code/ (a folder), fn.zip and
// notes.txt.
class HarnessRuntimeFunctions : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test and process: ctest runs tests in parallel.
    dir_ = fs::absolute(
        fs::path(::testing::TempDir()) /
        ("harness-runtime-" + std::to_string(getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_ / "code");
    std::ofstream(dir_ / "code" / "app.py") << "def handler(e, c): pass\n";
    std::ofstream(dir_ / "fn.zip", std::ios::binary)
        << std::string("PK\x05\x06", 4) << std::string(18, '\0');
    std::ofstream(dir_ / "notes.txt") << "not code";
  }
  void TearDown() override { fs::remove_all(dir_); }

  LoadResult Parse(const std::string& functions) {
    return ParseScenario(
        WithTestFunction("resources:\n  functions:\n" + functions),
        (dir_ / "s.yaml").string(), {});
  }
  std::vector<std::string> Errors(const std::string& functions) {
    LoadResult r = Parse(functions);
    std::vector<std::string> out;
    for (const Diagnostic& d : r.errors) {
      std::string line = d.ToString();
      out.push_back(line.substr(line.find("s.yaml:")));
    }
    return out;
  }

  fs::path dir_;
};

TEST_F(HarnessRuntimeFunctions, AFolderBecomesCodeDirectory) {
  LoadResult r = Parse(R"(    - name: py
      runtime: python3.12
      handler: app.handler
      code: ./code/
      timeout: 10s
    - {name: shell, runtime: provided.al2023, code: code}
)");
  ASSERT_TRUE(r.scenario) << r.errors.at(0).ToString();
  const std::string code = (dir_ / "code").string();
  EXPECT_THAT(
      SetupLines(*r.scenario),
      ElementsAre(
          R"(CreateFunction {"FunctionName":"py","Runtime":"python3.12","Handler":"app.handler","Code":{"Directory":")" +
              code + R"("},"Mode":"warm","Timeout":10})",
          R"(CreateFunction {"FunctionName":"shell","Runtime":"provided.al2023","Code":{"Directory":")" +
              (dir_ / "code").string() + R"("},"Mode":"warm"})"));
}

TEST_F(HarnessRuntimeFunctions, AZipBecomesCodeZipFileInBase64) {
  LoadResult r = Parse(R"(    - name: node
      runtime: nodejs20.x
      handler: index.handler
      code: fn.zip
)");
  ASSERT_TRUE(r.scenario) << r.errors.at(0).ToString();
  const json::object& body = r.scenario->setup.at(0).body;
  EXPECT_EQ(body.at("Runtime"), "nodejs20.x");
  EXPECT_EQ(body.at("Handler"), "index.handler");
  // base64 of "PK\5\6" and 18 zero bytes: the empty zip.
  EXPECT_EQ(body.at("Code"),
            json::parse(R"({"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="})"));
}

TEST_F(HarnessRuntimeFunctions, EveryRuntimeLoads) {
  for (const char* runtime :
       {"provided.al2023", "provided.al2", "python3.9", "python3.10",
        "python3.11", "python3.12", "python3.13", "nodejs18.x", "nodejs20.x",
        "nodejs22.x"}) {
    EXPECT_THAT(Errors(std::string("    - {name: f, runtime: ") + runtime +
                       ", handler: a.b, code: code}\n"),
                ::testing::IsEmpty())
        << runtime;
  }
}

TEST_F(HarnessRuntimeFunctions, MistakesAreReportedWhereTheyAre) {
  EXPECT_THAT(
      Errors(
          R"(    - {name: a, command: /bin/true, runtime: python3.12, handler: m.f, code: code}
    - {name: b, timeout: 3s}
    - {name: c, runtime: python2.7, handler: m.f, code: code}
    - {name: d, runtime: provided.al2}
    - {name: e, runtime: nodejs22.x, code: code}
    - {name: f, runtime: python3.13, handler: app, code: code}
    - {name: g, runtime: provided.al2023, code: nowhere}
    - {name: h, runtime: provided.al2023, code: notes.txt}
    - {name: i, command: /bin/true, handler: m.f, code: code}
    - {name: j, runtime: provided.al2, code: code, working_dir: code}
)"),
      ElementsAre(
          "s.yaml:3:7: resources.functions[0]: has both command, runtime: "
          "give exactly one of command, runtime",
          "s.yaml:4:7: resources.functions[1]: needs one of command, runtime",
          "s.yaml:5:26: resources.functions[2].runtime: \"python2.7\" is not "
          "one of provided.al2023, provided.al2, python3.9, python3.10, "
          "python3.11, python3.12, python3.13, nodejs18.x, nodejs20.x, "
          "nodejs22.x",
          "s.yaml:6:7: resources.functions[3]: missing required key "
          "\"code\": a function with a runtime needs its code (a folder or "
          "a .zip)",
          "s.yaml:7:7: resources.functions[4]: missing required key "
          "\"handler\": a nodejs22.x function names its module.function "
          "(app.handler)",
          "s.yaml:8:47: resources.functions[5].handler: a handler is "
          "module.function (app.handler), not \"app\"",
          "s.yaml:9:49: resources.functions[6].code: no folder or .zip at " +
              (dir_ / "nowhere").string(),
          "s.yaml:10:49: resources.functions[7].code: " +
              (dir_ / "notes.txt").string() +
              " is neither a folder nor a .zip file",
          "s.yaml:11:46: resources.functions[8].handler: handler is for a "
          "function with a runtime; a command is a program of its own",
          "s.yaml:11:57: resources.functions[8].code: code is for a function "
          "with a runtime; a command is a program of its own",
          "s.yaml:12:65: resources.functions[9].working_dir: working_dir is "
          "for a command; a function with a runtime runs in its code "
          "folder"));
}

TEST(HarnessScenarioSetup, TablesGetTheirKeySchemaAndPlainItems) {
  Scenario s = Load(R"(resources:
  tables:
    - name: T
      hash_key: id
      range_key: ts
      attribute_types: {ts: N}
      items:
        - {id: a, ts: 1, price: 2.5, ok: true, none: ~, tags: [x, 2],
           m: {k: v}, quoted: "7"}
)");
  ASSERT_EQ(s.setup.size(), 2u);
  EXPECT_EQ(s.setup[0].action, "CreateTable");
  EXPECT_EQ(json::value(s.setup[0].body), json::parse(R"({
      "TableName": "T",
      "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                               {"AttributeName": "ts", "AttributeType": "N"}],
      "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"},
                    {"AttributeName": "ts", "KeyType": "RANGE"}],
      "BillingMode": "PAY_PER_REQUEST"})"));
  EXPECT_EQ(s.setup[1].action, "PutItem");
  const json::object& item = s.setup[1].body.at("Item").as_object();
  EXPECT_EQ(item.at("id"), json::parse(R"({"S": "a"})"));
  EXPECT_EQ(item.at("ts"), json::parse(R"({"N": "1"})"));
  ASSERT_TRUE(item.at("price").at("N").is_string());
  EXPECT_EQ(std::stod(std::string(item.at("price").at("N").as_string())), 2.5);
  EXPECT_EQ(item.at("ok"), json::parse(R"({"BOOL": true})"));
  EXPECT_EQ(item.at("none"), json::parse(R"({"NULL": true})"));
  EXPECT_EQ(item.at("tags"), json::parse(R"({"L": [{"S": "x"}, {"N": "2"}]})"));
  EXPECT_EQ(item.at("m"), json::parse(R"({"M": {"k": {"S": "v"}}})"));
  EXPECT_EQ(item.at("quoted"), json::parse(R"({"S": "7"})"));
  EXPECT_EQ(s.setup[1].origin.path, "resources.tables[0].items[0]");
}

TEST(HarnessScenarioSetup, BucketsTopicsSinksRoutesAndMappings) {
  Scenario s = Load(R"(resources:
  queues: [{name: q}]
  functions: [{name: f, command: [@TF@, echo]}]
  buckets:
    - name: b
      objects:
        - {key: a.txt, body: hi}
        - {key: b.json, json: {x: 1}}
  topics:
    - name: t
      subscriptions:
        - {protocol: sqs, endpoint: q, raw: true}
        - {protocol: lambda, endpoint: f}
        - {protocol: email, endpoint: ops@example.com,
           filter_policy: {kind: [a]}, filter_policy_scope: MessageBody}
        - {protocol: http, endpoint: "${sink_url:hook}"}
  sinks: [{name: hook, status: 202, body: ok, headers: {X-A: 1}}]
  mappings:
    - {queue: q, function: f, batch_size: 5, batching_window: 2s,
       maximum_concurrency: 4, report_batch_item_failures: true,
       enabled: false}
  routes:
    - {method: POST, path: "/u/{id}", function: f, api_key: k1}
)");
  std::vector<std::string> setup = SetupLines(s);
  const std::string tf = FANLAB_TEST_FUNCTION;
  EXPECT_THAT(
      setup,
      ElementsAre(
          R"(CreateQueue {"QueueName":"q"})",
          R"(CreateFunction {"FunctionName":"f","Code":{"Command":[")" + tf +
              R"(","echo"]},"Mode":"warm"})",
          R"(CreateBucket {"Bucket":"b"})",
          R"(PutObject {"Bucket":"b","Key":"a.txt","Body":"aGk="})",
          R"(PutObject {"Bucket":"b","Key":"b.json","Body":"eyJ4IjoxfQ==","ContentType":"application/json"})",
          R"(CreateTopic {"Name":"t"})",
          R"(Subscribe {"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Protocol":"sqs","Endpoint":"arn:aws:sqs:us-east-1:000000000000:q","Attributes":{"RawMessageDelivery":"true"}})",
          R"(Subscribe {"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Protocol":"lambda","Endpoint":"arn:aws:lambda:us-east-1:000000000000:function:f"})",
          R"(Subscribe {"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Protocol":"email","Endpoint":"ops@example.com","Attributes":{"FilterPolicy":"{\"kind\":[\"a\"]}","FilterPolicyScope":"MessageBody"}})",
          R"(Subscribe {"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Protocol":"http","Endpoint":"${sink_url:hook}"})",
          R"(CreateSink {"Name":"hook","StatusCode":202,"Body":"ok","Headers":{"X-A":"1"}})",
          R"(CreateEventSourceMapping {"EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q","FunctionName":"f","BatchSize":5,"MaximumBatchingWindowInSeconds":2,"ScalingConfig":{"MaximumConcurrency":4},"FunctionResponseTypes":["ReportBatchItemFailures"],"Enabled":false})",
          R"(CreateRoute {"Method":"POST","Path":"/u/{id}","FunctionName":"f","ApiKeyRequired":true,"ApiKeys":["k1"]})"));
}

TEST(HarnessScenarioSetup, ScheduleRuleAndItsTargets) {
  Scenario s = Load(R"(resources:
  queues: [{name: ticks.fifo}]
  functions: [{name: f, command: [@TF@, echo]}]
  schedules:
    - name: every-minute
      expression: rate(1 minute)
      enabled: false
      description: ticks
      targets:
        - {queue: ticks.fifo, group: g, input: {n: 1}}
        - {function: f}
)");
  std::vector<std::string> setup = SetupLines(s);
  ASSERT_EQ(setup.size(), 4u);
  EXPECT_EQ(
      setup[2],
      R"j(PutRule {"Name":"every-minute","ScheduleExpression":"rate(1 minute)","State":"DISABLED","Description":"ticks"})j");
  EXPECT_EQ(
      setup[3],
      R"(PutTargets {"Rule":"every-minute","Targets":[{"Id":"target-0","Arn":"arn:aws:sqs:us-east-1:000000000000:ticks.fifo","Input":"{\"n\":1}","SqsParameters":{"MessageGroupId":"g"}},{"Id":"target-1","Arn":"arn:aws:lambda:us-east-1:000000000000:function:f"}]})");
  EXPECT_EQ(s.setup[3].origin.path, "resources.schedules[0].targets");
  EXPECT_EQ(s.setup[3].origin.mark.line, 10);
}

// The timeline as "at id label action {body}" lines.
std::vector<std::string> Timeline(const Scenario& s) {
  std::vector<std::string> out;
  for (const Step& step : s.timeline) {
    std::string line =
        FormatDuration(step.at) + " [" + step.id + "] " + step.label;
    if (step.kind == Step::Kind::kAction) {
      line += " " + step.call.action + " " + json::serialize(step.call.body);
    }
    out.push_back(line);
  }
  return out;
}

TEST(HarnessScenarioSetup, RepeatedStepsFillInTheirIndex) {
  Scenario s = Load(R"(resources:
  queues: [{name: q}]
timeline:
  - id: s
    at: 10s
    repeat: 3
    every: 5s
    send: {queue: q, body: "job ${i} of ${i}", group: "g${i}"}
  - after: 1s
    send: {queue: q, body: last}
)");
  EXPECT_THAT(
      Timeline(s),
      ElementsAre(
          R"(10s [s#0] send to q SendMessage {"QueueUrl":"${queue_url:q}","MessageBody":"job 0 of 0","MessageGroupId":"g0"})",
          R"(15s [s#1] send to q SendMessage {"QueueUrl":"${queue_url:q}","MessageBody":"job 1 of 1","MessageGroupId":"g1"})",
          R"(20s [s#2] send to q SendMessage {"QueueUrl":"${queue_url:q}","MessageBody":"job 2 of 2","MessageGroupId":"g2"})",
          R"(21s [timeline[1]] send to q SendMessage {"QueueUrl":"${queue_url:q}","MessageBody":"last"})"));
}

TEST(HarnessScenarioSetup, EachKindOfStep) {
  Scenario s = Load(R"(resources:
  queues: [{name: q}]
  functions: [{name: f, command: [@TF@, echo]}]
  topics: [{name: t}]
  buckets: [{name: b}]
  tables: [{name: T, hash_key: id}]
timeline:
  - invoke: {function: f, payload: {a: 1}, type: Event}
  - send: {queue: q, json: {n: 1}, attributes: {kind: x, n: 2}, dedup: d,
           delay: 5s}
  - publish: {topic: t, json: {m: 1}, subject: S, attributes: {p: 1.5}}
  - put_object: {bucket: b, key: k, body: abc, content_type: text/plain}
  - put_item: {table: T, item: {id: z}}
  - call: {action: ListQueues}
  - advance: 1m
  - http: {path: "/x?i=${i}", json: {a: 1}, api_key: k, headers: {X-B: 2}}
  - http: {method: DELETE, path: /y, body: raw}
  - http: {path: /z}
)");
  EXPECT_THAT(
      Timeline(s),
      ElementsAre(
          R"(0s [timeline[0]] invoke f Invoke {"FunctionName":"f","InvocationType":"Event","Payload":"{\"a\":1}"})",
          R"(0s [timeline[1]] send to q SendMessage {"QueueUrl":"${queue_url:q}","MessageBody":"{\"n\":1}","MessageAttributes":{"kind":{"DataType":"String","StringValue":"x"},"n":{"DataType":"Number","StringValue":"2"}},"MessageDeduplicationId":"d","DelaySeconds":5})",
          R"(0s [timeline[2]] publish to t Publish {"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Message":"{\"m\":1}","Subject":"S","MessageAttributes":{"p":{"DataType":"Number","StringValue":"1.5"}}})",
          R"(0s [timeline[3]] put b/k PutObject {"Bucket":"b","Key":"k","Body":"YWJj","ContentType":"text/plain"})",
          R"(0s [timeline[4]] put item in T PutItem {"TableName":"T","Item":{"id":{"S":"z"}}})",
          R"(0s [timeline[5]] call ListQueues ListQueues {})",
          "1m [timeline[6]] advance 1m", "1m [timeline[7]] POST /x?i=${i}",
          "1m [timeline[8]] DELETE /y", "1m [timeline[9]] GET /z"));
  const Step& post = s.timeline[7];
  EXPECT_EQ(post.kind, Step::Kind::kHttp);
  EXPECT_EQ(post.http.body, R"({"a":1})");
  EXPECT_THAT(
      post.http.headers,
      ElementsAre(std::pair<const std::string, std::string>("Content-Type",
                                                            "application/json"),
                  std::pair<const std::string, std::string>("X-B", "2"),
                  std::pair<const std::string, std::string>("x-api-key", "k")));
  EXPECT_EQ(s.timeline[8].http.body, "raw");
  EXPECT_TRUE(s.timeline[8].http.headers.empty());
  EXPECT_EQ(s.timeline[6].kind, Step::Kind::kAdvance);
  EXPECT_EQ(s.timeline[0].origin.path, "timeline[0]");
  EXPECT_EQ(s.timeline[0].origin.mark.line, 8);
}

TEST(HarnessScenarioSetup, AnHttpPathStartsWithASlash) {
  EXPECT_THAT(Errors("timeline:\n  - http: {path: x}\n"),
              ElementsAre("s.yaml:2:18: timeline[0].http.path: a path starts "
                          "with /"));
}

TEST(HarnessScenarioSetup, ExpectationsKeepTheirSpecLabelAndPlace) {
  Scenario s = Load(R"(resources:
  queues: [{name: q}]
  functions: [{name: f, command: [@TF@, echo]}]
timeline:
  - {id: go, invoke: {function: f}}
expect:
  - invocations: {function: f, outcome: success, count: 1}
  - name: named outside
    queue: {name: q, visible: 0}
  - invocations: {function: f, name: named inside}
  - order:
      - {service: harness, kind: Step}
      - {service: lambda, kind: Invocation}
)");
  ASSERT_EQ(s.expect.size(), 4u);
  EXPECT_EQ(s.expect[0].label, "invocations f success");
  const auto* invocations =
      std::get_if<Expectation::Invocations>(&s.expect[0].check);
  ASSERT_NE(invocations, nullptr);
  EXPECT_EQ(invocations->function, "f");
  EXPECT_EQ(invocations->outcome, "success");
  EXPECT_EQ(invocations->checks.count, 1);
  EXPECT_FALSE(invocations->checks.match);
  EXPECT_EQ(s.expect[0].origin.path, "expect[0].invocations");
  EXPECT_EQ(s.expect[0].origin.mark.line, 7);
  EXPECT_EQ(s.expect[0].origin.mark.column, 18);
  EXPECT_EQ(s.expect[1].label, "named outside");
  EXPECT_EQ(s.expect[2].label, "named inside");
  EXPECT_EQ(s.expect[3].kind(), "order");
  EXPECT_EQ(s.expect[3].label, "order");
  const auto* order = std::get_if<Expectation::Order>(&s.expect[3].check);
  ASSERT_NE(order, nullptr);
  ASSERT_EQ(order->selectors.size(), 2u);
  EXPECT_EQ(order->selectors[0].service, "harness");
  EXPECT_EQ(order->selectors[0].kind, "Step");
  EXPECT_FALSE(order->selectors[0].resource);
  EXPECT_EQ(order->selectors[1].kind, "Invocation");
  EXPECT_EQ(s.expect[3].origin.path, "expect[3].order");
}

TEST(HarnessScenarioSetup, RunSettings) {
  Scenario s = Load(
      "run: {for: 1h, settle: 250ms, max: 2h, "
      "wall_timeout: 5s}\n");
  EXPECT_EQ(s.run.duration, std::chrono::hours(1));
  EXPECT_EQ(s.run.settle, std::chrono::milliseconds(250));
  EXPECT_EQ(s.run.max_virtual, std::chrono::hours(2));
  EXPECT_EQ(s.run.wall_timeout, std::chrono::seconds(5));
}

// --- The JSON Schema ---------------------------------------------------------

TEST(HarnessScenarioSchema, IsJsonWithTheTopLevelProperties) {
  boost::system::error_code ec;
  json::value schema = json::parse(ScenarioJsonSchema(), ec);
  ASSERT_FALSE(ec) << ec.message();
  const json::object& root = schema.as_object();
  EXPECT_EQ(root.at("$schema"), "http://json-schema.org/draft-07/schema#");
  EXPECT_EQ(root.at("type"), "object");
  EXPECT_EQ(root.at("additionalProperties"), false);
  std::vector<std::string> keys;
  for (const auto& kv : root.at("properties").as_object()) {
    keys.push_back(std::string(kv.key()));
  }
  EXPECT_THAT(keys, ElementsAre("name", "description", "expect_failure", "seed",
                                "clock", "stack", "parameters", "resources",
                                "durations", "timeline", "run", "expect",
                                "faults", "invariants"));
  // A timeline step: exactly one kind, as oneOf of required keys.
  const json::value& step = root.at("properties").at("timeline").at("items");
  EXPECT_EQ(step.at("oneOf").as_array().size(), 8u);
  EXPECT_EQ(step.at("oneOf").at(0), json::parse(R"({"required": ["http"]})"));
  // A queue needs a name.
  EXPECT_EQ(root.at("properties")
                .at("resources")
                .at("properties")
                .at("queues")
                .at("items")
                .at("required"),
            json::parse(R"(["name"])"));
}

TEST(HarnessScenarioSchema, TheCheckedInSchemaIsTheGeneratedOne) {
  const fs::path path = fs::path(FANLAB_SCENARIOS_DIR) / "scenario.schema.json";
  if (!fs::exists(path)) {
    GTEST_SKIP() << path << " does not exist yet";
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  EXPECT_EQ(text, ScenarioJsonSchema())
      << path << " is stale: regenerate it with `fanlab schema > " << path
      << "`";
}

}  // namespace
}  // namespace fanlab::harness

namespace fanlab::harness {
namespace {

// One parser for the loader's checks and the runner's values.
TEST(HarnessPlaceholders, KindsNamesAndPlaces) {
  using Kind = Placeholder::Kind;
  std::vector<Placeholder> found = FindPlaceholders(
      "${http}/a?q=${queue_url:jobs}&t=${topic_arn:t}${steps.s.json.id}"
      "${i}${function_arn:f}${sink_url:k}${queue_arn:q}${bogus:x}${open");
  std::vector<Kind> kinds;
  std::vector<std::string> names;
  for (const auto& p : found) {
    kinds.push_back(p.kind);
    names.push_back(p.name);
  }
  EXPECT_THAT(kinds, ElementsAre(Kind::kHttp, Kind::kQueueUrl, Kind::kTopicArn,
                                 Kind::kStep, Kind::kIndex, Kind::kFunctionArn,
                                 Kind::kSinkUrl, Kind::kQueueArn,
                                 Kind::kUnknown, Kind::kUnterminated));
  EXPECT_THAT(names, ElementsAre("", "jobs", "t", "s.json.id", "", "f", "k",
                                 "q", "", ""));
  EXPECT_EQ(found[1].begin, 12u);
  EXPECT_EQ(found[1].end, 29u);
  EXPECT_EQ(found.back().end, found.back().begin + 6);
  // The search goes on after the "}": an unknown one hides what it holds.
  found = FindPlaceholders("${a${queue_url:q}} ${queue_url}");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].kind, Kind::kUnknown);
  EXPECT_EQ(found[0].inside, "a${queue_url:q");
  EXPECT_EQ(found[1].kind, Kind::kQueueUrl);
  EXPECT_EQ(found[1].name, "");
}

}  // namespace
}  // namespace fanlab::harness
