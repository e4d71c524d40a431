// The scenario's faults, invariants, step values, text patterns and time
// windows: loading them (with the errors a user meets) and running them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "harness/json_match.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace fanlab::harness {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Errors(const std::string& yaml) {
  LoadResult r = ParseScenario(yaml, "s.yaml", {});
  std::vector<std::string> out;
  for (const Diagnostic& d : r.errors) out.push_back(d.ToString());
  return out;
}

Scenario Load(const std::string& yaml) {
  LoadResult r = ParseScenario(yaml, "s.yaml", {});
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
  return r.scenario.value_or(Scenario{});
}

TEST(ScenarioFaults, ReadIntoTheModel) {
  Scenario s = Load(R"(name: f
faults:
  - {fault: crash, function: "work*", action: DeleteMessageBatch, when: after, nth: 2}
  - {fault: throttle, action: Scan, resource: Schedules, probability: 0.25, times: 3}
  - {name: slow, fault: delay, action: GetQueueAttributes, delay: 200ms}
  - {fault: visibility_lapse, resource: "relay-*", delay: 5s}
)");
  ASSERT_EQ(s.faults.size(), 4u);
  EXPECT_EQ(s.faults[0].kind, sim::FaultSpec::Kind::kCrash);
  EXPECT_EQ(s.faults[0].when, sim::FaultSpec::When::kAfter);
  EXPECT_EQ(s.faults[0].nth, 2u);
  EXPECT_EQ(s.faults[0].label, "faults[0]");
  EXPECT_EQ(s.faults[1].probability, 0.25);
  EXPECT_EQ(s.faults[1].times, 3u);
  EXPECT_EQ(s.faults[2].label, "slow");
  EXPECT_EQ(s.faults[2].delay, std::chrono::milliseconds(200));
  EXPECT_EQ(s.faults[3].delay, std::chrono::seconds(5));
}

TEST(ScenarioFaults, MistakesAreNamedWithTheirPlace) {
  EXPECT_THAT(Errors(R"(name: f
resources:
  functions: [{name: worker, command: /bin/true}]
faults:
  - {fault: crahs, function: worker}
  - {fault: error, action: PutItem}
  - {fault: crash, function: wroker}
  - {fault: delay, action: Scan}
  - {fault: throttle, action: Scan, when: after}
  - {fault: duplicate, action: SendMessage}
  - {fault: error, error: InternalError, probability: 2}
)"),
              ElementsAre(HasSubstr("5:13: faults[0].fault: \"crahs\" is not "
                                    "one of crash,"),
                          HasSubstr("6:13: faults[1].error: an error fault "
                                    "needs `error`"),
                          HasSubstr("7:30: faults[2].function: no function "
                                    "named \"wroker\" in resources.functions "
                                    "(did you mean \"worker\"?)"),
                          HasSubstr("8:13: faults[3].delay: delay needs"),
                          HasSubstr("faults[4].when: `when` is for crash"),
                          HasSubstr("faults[5].action: a duplicate hits"),
                          HasSubstr("faults[6].probability: a number from 0 "
                                    "to 1")));
}

TEST(ScenarioInvariants, NamesParametersAndSuggestions) {
  Scenario s = Load(R"(name: i
invariants:
  - no-message-lost
  - fifo-order: {queue: "*.fifo"}
  - max-concurrency: {name: eight at most, function: task, max: 8}
)");
  ASSERT_EQ(s.invariants.size(), 3u);
  EXPECT_EQ(s.invariants[0].name, "no-message-lost");
  EXPECT_EQ(s.invariants[1].queue, "*.fifo");
  EXPECT_EQ(s.invariants[2].label, "eight at most");
  EXPECT_EQ(s.invariants[2].function, "task");
  EXPECT_EQ(s.invariants[2].max, 8);
  EXPECT_THAT(
      Errors(R"(name: i
invariants:
  - no-mesage-lost
  - unique: {service: http}
  - max-concurrency: {fucntion: task, max: 0}
  - [a, b]
)"),
      ElementsAre(HasSubstr("3:5: invariants[0]: no invariant named "
                            "\"no-mesage-lost\" (did you mean "
                            "\"no-message-lost\"?)"),
                  HasSubstr("4:5: invariants[1]: unique needs the "
                            "parameter \"by\""),
                  HasSubstr("max-concurrency has no parameter "
                            "\"fucntion\" (did you mean \"function\"?)"),
                  HasSubstr("max-concurrency: max is a whole number"),
                  HasSubstr("6:5: invariants[3]: an invariant is a "
                            "name")));
}

TEST(ScenarioLanguage, OneDocumentAndATextName) {
  EXPECT_THAT(Errors("name: a\n---\nname: b\n"),
              ElementsAre("s.yaml:2:1: a scenario file holds one YAML "
                          "document; this one starts a second (remove the "
                          "`---` or split the file)"));
  // An explicit start of the first document is fine.
  EXPECT_THAT(Errors("# c\n---\nname: a\n"), ElementsAre());
  EXPECT_THAT(Errors("name: \"a\\0b\"\n"),
              ElementsAre(HasSubstr("name: the name holds a control "
                                    "character")));
  EXPECT_THAT(Errors("name: a\xff\n"),
              ElementsAre(HasSubstr("name: the name is not valid UTF-8")));
}

TEST(ScenarioLanguage, StepValuesAndSuggestions) {
  EXPECT_THAT(
      Errors(R"(name: v
resources:
  queues: [{name: jobs}]
  mappings: [{queue: jbos, function: f}]
timeline:
  - {id: make, call: {action: CreateQueue, body: {QueueName: x}}}
  - {call: {action: SendMessage, body: {QueueUrl: "${steps.mkae.json.QueueUrl}"}}}
  - {call: {action: SendMessage, body: {QueueUrl: "${steps.make.QueueUrl}"}}}
expect:
  - response: {step: maek, ok: true}
)"),
      ElementsAre(HasSubstr("no queue named \"jbos\" in resources.queues "
                            "(did you mean \"jobs\"?)"),
                  HasSubstr("no function named \"f\""),
                  HasSubstr("names no timeline step \"mkae\" (did you mean "
                            "\"make\"?)"),
                  HasSubstr("use ${steps.make.json.PATH}"),
                  HasSubstr("no timeline step has id \"maek\" (did you mean "
                            "\"make\"?)")));
}

TEST(ScenarioLanguage, JsonCarriedAsText) {
  json::value v = json::parse(R"({"Payload": "{\"total\": 3, \"ok\": true}"})");
  EXPECT_TRUE(
      JsonMatches(json::parse(R"({"Payload": {"json": {"total": 3}}})"), v));
  EXPECT_FALSE(
      JsonMatches(json::parse(R"({"Payload": {"json": {"total": 4}}})"), v));
  // Text that is not JSON matches no pattern; an object value keeps "json"
  // as an ordinary key.
  EXPECT_FALSE(JsonMatches(json::parse(R"({"json": 1})"), json::value("x")));
  EXPECT_TRUE(JsonMatches(json::parse(R"({"json": 1})"),
                          json::parse(R"({"json": 1, "b": 2})")));
}

TEST(ScenarioRun, StepValuesWindowsFaultsAndInvariants) {
  Scenario s = Load(R"(name: run
resources:
  queues: [{name: jobs}]
timeline:
  - id: make
    call: {action: CreateQueue, body: {QueueName: made-at-run-time}}
  - id: send
    after: 1s
    call: {action: SendMessage, body: {QueueUrl: "${steps.make.json.QueueUrl}", MessageBody: '{"order": {"id": 7}}'}}
  - id: get
    after: 1s
    call: {action: ReceiveMessage, body: {QueueUrl: "${steps.make.json.QueueUrl}"}}
  - id: throttled
    after: 1s
    send: {queue: jobs, body: x}
  - id: unavailable
    after: 1s
    call: {action: GetQueueAttributes, body: {QueueUrl: "${queue_url:jobs}"}}
faults:
  - {fault: throttle, action: SendMessage, resource: jobs}
  - {fault: error, error: ServiceUnavailable, action: GetQueueAttributes}
invariants:
  - no-message-lost
expect:
  - response: {step: get, json: {Messages: [{Body: {json: {order: {id: 7}}}}]}}
  - response: {step: throttled, ok: false, error: RequestThrottled}
  - response: {step: unavailable, ok: false, error: ServiceUnavailable, status: 503}
  - events: {service: sqs, kind: MessageSent, between: [1s, 1s], count: 1}
  - events: {service: sqs, kind: MessageSent, between: [2s, 10s], count: 0}
  - events: {service: sim, kind: FaultFired, count: 2, select: $.detail.kind, values: [throttle, error]}
)");
  ScenarioResult r = RunScenario(s);
  for (const auto* f : r.Failures())
    ADD_FAILURE() << ::testing::PrintToString(*f);
  EXPECT_TRUE(r.passed()) << r.failure;
  // The same seed fires the same faults with the same stream seeds.
  ScenarioResult again = RunScenario(s);
  std::vector<std::string> a, b;
  for (const Event& e : r.events) {
    if (e.kind == "FaultFired") a.push_back(json::serialize(e.detail));
  }
  for (const Event& e : again.events) {
    if (e.kind == "FaultFired") b.push_back(json::serialize(e.detail));
  }
  EXPECT_EQ(a, b);
}

TEST(ScenarioRun, ABrokenInvariantFailsTheRunAndListsTheFaults) {
  Scenario s = Load(R"(name: lost
resources:
  queues: [{name: jobs}]
timeline:
  - send: {queue: jobs, body: x}
  - after: 1s
    call: {action: GetQueueUrl, body: {QueueName: jobs}}
faults:
  - {fault: delete_queue, action: GetQueueUrl, resource: jobs}
invariants:
  - no-message-lost: {queue: jobs}
)");
  ScenarioResult r = RunScenario(s);
  ASSERT_EQ(r.Failures().size(), 1u);
  const ExpectationResult& f = *r.Failures()[0];
  EXPECT_EQ(f.kind, "invariant");
  EXPECT_THAT(f.found,
              HasSubstr("was still in queue jobs when it was deleted"));
  ASSERT_FALSE(f.context.empty());
  EXPECT_THAT(f.context.back(), HasSubstr("sim FaultFired jobs"));
  EXPECT_THAT(f.context.back(), HasSubstr("\"seed\""));
}

TEST(ScenarioRun, SinksDownOrSlowAndTopicsDeliveringTwice) {
  Scenario s = Load(R"(name: http and topics
resources:
  queues: [{name: inbox}]
  sinks: [{name: hook}, {name: late}]
  topics:
    - name: news
      subscriptions: [{protocol: sqs, endpoint: inbox, raw: true}]
timeline:
  - id: down
    http: {path: /_sinks/hook, body: x}
  - id: slow
    http: {path: /_sinks/late, body: y}
  - id: up
    after: 10s
    http: {path: /_sinks/hook, body: z}
  - publish: {topic: news, message: hello}
faults:
  - {fault: down, resource: hook, nth: 1}
  - {fault: slow, resource: late, delay: 5s}
  - {fault: duplicate, resource: news}
expect:
  - response: {step: down, status: 503}
  - response: {step: slow, status: 200}
  - response: {step: up, status: 200}
  - requests: {sink: hook, count: 1, match: {Body: z}}
  - events: {service: http, kind: SinkRequest, resource: late, between: [5s, 5s], count: 1}
  - messages: {queue: inbox, count: 2, match: {Body: hello}}
  - events: {service: sim, kind: FaultFired, count: 3, select: $.detail.site, values: [sink, sink, notification]}
)");
  ScenarioResult r = RunScenario(s);
  for (const auto* f : r.Failures())
    ADD_FAILURE() << ::testing::PrintToString(*f);
  EXPECT_TRUE(r.passed()) << r.failure;
}

TEST(ScenarioFaults, DownAndSlowHitRoutesAndSinksOnly) {
  EXPECT_THAT(Errors(R"(name: f
faults:
  - {fault: down, action: Invoke}
  - {fault: slow, resource: hook}
)"),
              ElementsAre(HasSubstr("faults[0].action: down hits HTTP routes "
                                    "and sinks"),
                          HasSubstr("faults[1].delay: slow needs `delay`")));
}

TEST(ScenarioRun, EventInvocationsAreQueuedRetriedAndDropped) {
  Scenario s = Load(R"(name: events end
resources:
  functions:
    - {name: ok, command: fanlab-test-function echo}
    - {name: fails, command: fanlab-test-function fail, retries: 1}
timeline:
  - invoke: {function: ok, type: Event, payload: {}}
  - invoke: {function: fails, type: Event, payload: {}}
invariants:
  - event-invocations-end
expect:
  - events: {service: lambda, kind: EventQueued, count: 2}
  - events: {service: lambda, kind: EventDropped, resource: fails, count: 1, match: {detail: {condition: RetriesExhausted}}}
)");
  ScenarioResult r = RunScenario(s);
  for (const auto* f : r.Failures())
    ADD_FAILURE() << ::testing::PrintToString(*f);
  EXPECT_TRUE(r.passed()) << r.failure;
}

TEST(ScenarioRun, ColdProcessesAnswerBeforeTheyExitInEveryRound) {
  // Each cold process sends its result and exits; a deterministic round
  // holding both must serve the result first, whatever the seed draws.
  Scenario s = Load(R"(name: cold
resources:
  functions:
    - {name: c, command: fanlab-test-function echo, mode: cold}
timeline:
  - invoke: {function: c, type: Event, payload: {a: 1}}
  - invoke: {function: c, type: Event, payload: {a: 2}}
  - invoke: {function: c, type: Event, payload: {a: 3}}
expect:
  - invocations: {function: c, outcome: success, count: 3}
  - invocations: {function: c, outcome: error, count: 0}
)");
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    RunOptions options;
    options.seed = seed;
    ScenarioResult r = RunScenario(s, options);
    for (const auto* f : r.Failures())
      ADD_FAILURE() << "seed " << seed << ": " << ::testing::PrintToString(*f);
  }
}

}  // namespace
}  // namespace fanlab::harness
