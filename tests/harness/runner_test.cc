// Real runs (harness/runner.h) of inline scenarios on the embedded
// emulator, with the test function (functions/testing/test_function.cc) as
// the only program: each kind of expectation (harness/expect.h) both held
// and broken, with the exact "expected" and "found" a report would show,
// every collection check, a fixed-length run on a rate() schedule,
// quiescence, the wall-time guard and a refused setup.
#include "harness/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/testing/matchers.h"
#include "harness/yaml_util.h"
#include "tests/harness/harness_test_util.h"

namespace fanlab::harness {
namespace {

using test_util::WithTestFunction;

using testing::EventsOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ParseForTest;
using ::testing::SizeIs;
using ::testing::StartsWith;

ScenarioResult RunYaml(const std::string& yaml) {
  Scenario s = ParseForTest(WithTestFunction(yaml), {}, "s.yaml");
  return RunScenario(s);
}

// Functions that sleep and time out on the real clock: a real-time run
// (in a deterministic one a sleep holds virtual time still).
ScenarioResult RunYamlRealTime(const std::string& yaml) {
  Scenario s = ParseForTest(WithTestFunction(yaml), {}, "s.yaml");
  return RunScenario(s, RunOptions{.real_time = true});
}

// The result of the expectation named `label` (an empty failed one, and a
// test failure, when there is none).
const ExpectationResult& Named(const ScenarioResult& r,
                               const std::string& label) {
  for (const ExpectationResult& e : r.expectations) {
    if (e.label == label) return e;
  }
  ADD_FAILURE() << "no expectation named " << label;
  static const ExpectationResult none;
  return none;
}

// Expects the expectation `label` to have held.
void ExpectHeld(const ScenarioResult& r, const std::string& label) {
  const ExpectationResult& e = Named(r, label);
  EXPECT_TRUE(e.passed) << label << ": expected " << e.expected << ", found "
                        << e.found;
}

// Expects the expectation `label` to have failed with exactly this text.
void ExpectBroken(const ScenarioResult& r, const std::string& label,
                  const std::string& expected, const std::string& found) {
  const ExpectationResult& e = Named(r, label);
  EXPECT_FALSE(e.passed) << label;
  EXPECT_EQ(e.expected, expected) << label;
  EXPECT_EQ(e.found, found) << label;
}

// --- Queues and the collection checks (no function) -----------------------

constexpr const char* kQueues = R"(name: queues
resources:
  queues:
    - name: jobs
    - name: held
    - name: doomed
timeline:
  - id: first
    send: {queue: jobs, json: {n: 3, kind: a}, attributes: {team: red}}
  - after: 1s
    send: {queue: jobs, json: {n: 1, kind: b}}
  - after: 1s
    send: {queue: jobs, json: {n: 2, kind: a}}
  - send: {queue: held, body: later, delay: 15m}
  - send: {queue: held, body: taken}
  - id: receive
    call:
      action: ReceiveMessage
      body: {QueueUrl: "${queue_url:held}", VisibilityTimeout: 3600}
  - id: delete
    call: {action: DeleteQueue, body: {QueueUrl: "${queue_url:doomed}"}}
  - id: missing
    call: {action: GetQueueUrl, body: {QueueName: nope}}
expect:
  # Counts.
  - {name: count, messages: {queue: jobs, count: 3}}
  - {name: count broken, messages: {queue: jobs, select: $.Json.n, count: 4}}
  - {name: at_least, messages: {queue: jobs, at_least: 3}}
  - name: at_least broken
    messages: {queue: jobs, select: $.Json.n, at_least: 4}
  - {name: at_most, messages: {queue: jobs, at_most: 3}}
  - name: at_most broken
    messages: {queue: jobs, select: $.Json.n, at_most: 2}
  # where + select + values.
  - name: where
    messages: {queue: jobs, where: {Json: {kind: a}}, select: $.Json.n,
               values: [3, 2]}
  - name: values broken
    messages: {queue: jobs, where: {Json: {kind: a}}, select: $.Json.n,
               values: [2, 3]}
  - name: attributes
    messages: {queue: jobs, select: "$.MessageAttributes.team",
               values: [red]}
  # match, contains, none.
  - {name: match, messages: {queue: jobs, select: $.State, match: visible}}
  - {name: match broken, messages: {queue: jobs, select: $.Json,
                                    match: {kind: a}}}
  - name: contains
    messages: {queue: jobs, select: $.Json.kind, contains: b}
  - name: contains broken
    messages: {queue: jobs, select: $.Json.kind, contains: c}
  - {name: none, messages: {queue: jobs, select: $.Json.kind, none: c}}
  - name: none broken
    messages: {queue: jobs, select: $.Json.kind, none: b}
  # distinct, ordered.
  - name: distinct
    messages: {queue: jobs, select: $.Json.kind, distinct: 2}
  - name: distinct broken
    messages: {queue: jobs, select: $.Json.kind, distinct: 3}
  - name: ordered
    messages: {queue: jobs, where: {Json: {kind: a}}, select: $.Json.n,
               ordered: descending}
  - name: ordered broken
    messages: {queue: jobs, select: $.Json.n, ordered: ascending}
  - name: ordered strings
    messages: {queue: jobs, select: $.Json.kind, ordered: ascending}
  # No check: something must be there.
  - {name: anything, messages: {queue: jobs}}
  - {name: anything broken, messages: {queue: jobs, where: {Json: {kind: z}}}}
  - {name: gone collection, messages: {queue: doomed}}
  - {name: untimed, messages: {queue: jobs, before: 1h}}
  # States.
  - name: delayed
    messages: {queue: held, state: delayed, select: $.Body, values: [later]}
  - name: in flight
    messages: {queue: held, state: in_flight, select: $.ReceiveCount,
               values: [1]}
  # Depths.
  - {name: depths, queue: {name: held, visible: 0, in_flight: 1, delayed: 1}}
  - {name: depths broken, queue: {name: held, visible: 0, in_flight: 0}}
  - {name: deleted, queue: {name: doomed, exists: false}}
  - {name: deleted broken, queue: {name: jobs, exists: false}}
  - {name: exists broken, queue: {name: doomed}}
  # Events, times and order.
  - name: events
    events: {service: sqs, kind: MessageSent, resource: jobs, count: 3}
  - name: steps
    events: {service: harness, kind: Step, select: $.resource,
             values: [first, "timeline[1]", "timeline[2]", "timeline[3]",
                      "timeline[4]", receive, delete, missing]}
  - name: before
    events: {service: sqs, kind: MessageSent, resource: jobs, before: 2s}
  - name: before broken
    events: {service: sqs, kind: MessageSent, resource: jobs, before: 1s}
  - name: after
    events: {service: sqs, kind: MessageSent, resource: jobs, after: 0s}
  - name: after broken
    events: {service: sqs, kind: MessageSent, resource: jobs, after: 1s}
  - name: order
    order:
      - {service: sqs, kind: MessageSent, resource: jobs}
      - {service: sqs, kind: QueueDeleted}
  - name: order where
    order:
      - {service: harness, kind: Step, where: {detail: {action: SendMessage}}}
      - {service: harness, kind: Step, where: {detail: {action: DeleteQueue}}}
  - name: order broken
    order:
      - {service: sqs, kind: QueueDeleted}
      - {service: sqs, kind: MessageSent, resource: jobs}
  - name: order nothing
    order:
      - {service: sqs, kind: QueueDeleted}
      - {service: s3}
  # Answers to action steps.
  - {name: sent, response: {step: first, ok: true, status: 200}}
  - name: refused
    response: {step: missing, ok: false, status: 400,
               error: QueueDoesNotExist}
  - {name: refused broken, response: {step: missing, ok: true}}
  - {name: error broken, response: {step: delete, error: QueueDoesNotExist}}
  - {name: status broken, response: {step: delete, status: 201}}
  - {name: body, response: {step: delete, body: "{}"}}
  - {name: body broken, response: {step: delete, body: "{ }"}}
  - {name: json broken, response: {step: delete, json: {a: 1}}}
  - name: json
    response: {step: receive, json: {Messages: [{Body: taken}]}}
)";

class HarnessRunQueues : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    result_ = new ScenarioResult(RunYaml(kQueues));
  }
  static void TearDownTestSuite() {
    delete result_;
    result_ = nullptr;
  }
  const ScenarioResult& r() { return *result_; }
  static ScenarioResult* result_;
};
ScenarioResult* HarnessRunQueues::result_ = nullptr;

TEST_F(HarnessRunQueues, FailsAndJudgesEveryExpectation) {
  EXPECT_EQ(r().name, "queues");
  EXPECT_EQ(r().file, "s.yaml");
  EXPECT_EQ(r().status, ScenarioResult::Status::kFailed);
  EXPECT_THAT(r().errors, IsEmpty());
  EXPECT_EQ(r().failure, "");
  EXPECT_THAT(r().expectations, SizeIs(50));
  EXPECT_EQ(r().seed, 1u);
  EXPECT_EQ(r().invocations, 0u);
  // 2s of steps, then 1s without an event.
  EXPECT_EQ(r().virtual_time, std::chrono::seconds(3));
}

TEST_F(HarnessRunQueues, Counts) {
  ExpectHeld(r(), "count");
  ExpectBroken(r(), "count broken", "count 4", "3 values: 3, 1, 2");
  ExpectHeld(r(), "at_least");
  ExpectBroken(r(), "at_least broken", "at least 4", "3 values: 3, 1, 2");
  ExpectHeld(r(), "at_most");
  ExpectBroken(r(), "at_most broken", "at most 2", "3 values: 3, 1, 2");
}

TEST_F(HarnessRunQueues, WhereSelectAndValues) {
  ExpectHeld(r(), "where");
  ExpectBroken(r(), "values broken", "the values [2,3]", "2 values: 3, 2");
  ExpectHeld(r(), "attributes");
}

TEST_F(HarnessRunQueues, MatchContainsNone) {
  ExpectHeld(r(), "match");
  ExpectBroken(r(), "match broken", "every value to match {\"kind\":\"a\"}",
               "value 1 of 3: {\"n\":1,\"kind\":\"b\"}");
  ExpectHeld(r(), "contains");
  ExpectBroken(r(), "contains broken", "some value to match \"c\"",
               "3 values: \"a\", \"b\", \"a\"");
  ExpectHeld(r(), "none");
  ExpectBroken(r(), "none broken", "no value to match \"b\"", "\"b\"");
}

TEST_F(HarnessRunQueues, DistinctAndOrdered) {
  ExpectHeld(r(), "distinct");
  ExpectBroken(r(), "distinct broken", "3 distinct values",
               "2 distinct among 3 values: \"a\", \"b\", \"a\"");
  ExpectHeld(r(), "ordered");
  ExpectBroken(r(), "ordered broken", "values in ascending order",
               "value 0 3 then 1");
  ExpectBroken(r(), "ordered strings", "values in ascending order",
               "value 1 \"b\" then \"a\"");
}

TEST_F(HarnessRunQueues, WithoutAChecksSomethingMustBeThere) {
  ExpectHeld(r(), "anything");
  ExpectBroken(r(), "anything broken", "at least 1", "nothing");
  ExpectBroken(r(), "gone collection", "the collection to exist",
               "there is no queue \"doomed\" at the end");
  const ExpectationResult& untimed = Named(r(), "untimed");
  EXPECT_FALSE(untimed.passed);
  EXPECT_EQ(untimed.expected, "before 1h");
  EXPECT_THAT(untimed.found, StartsWith("documents without a time ({"));
}

TEST_F(HarnessRunQueues, MessageStates) {
  ExpectHeld(r(), "delayed");
  ExpectHeld(r(), "in flight");
}

TEST_F(HarnessRunQueues, QueueDepthsAndExistence) {
  ExpectHeld(r(), "depths");
  ExpectBroken(r(), "depths broken", "in_flight 0", "in_flight 1");
  ExpectHeld(r(), "deleted");
  ExpectBroken(r(), "deleted broken", "queue jobs to be gone",
               "it exists, 3 visible, 0 in flight, 0 delayed");
  ExpectBroken(r(), "exists broken", "queue doomed to exist", "no such queue");
}

TEST_F(HarnessRunQueues, EventsTimesAndOrder) {
  ExpectHeld(r(), "events");
  ExpectHeld(r(), "steps");
  ExpectHeld(r(), "before");
  ExpectHeld(r(), "after");
  const ExpectationResult& before = Named(r(), "before broken");
  EXPECT_FALSE(before.passed);
  EXPECT_EQ(before.expected, "every one before 1s");
  EXPECT_THAT(before.found, StartsWith("one at 2s: {"));
  EXPECT_THAT(before.found, HasSubstr("\"atMs\":2000"));
  const ExpectationResult& after = Named(r(), "after broken");
  EXPECT_FALSE(after.passed);
  EXPECT_EQ(after.expected, "every one after 1s");
  EXPECT_THAT(after.found, StartsWith("one at 0s: {"));

  ExpectHeld(r(), "order");
  ExpectHeld(r(), "order where");
  const ExpectationResult& order = Named(r(), "order broken");
  EXPECT_FALSE(order.passed);
  EXPECT_EQ(order.expected,
            "every {\"service\":\"sqs\",\"kind\":\"QueueDeleted\"} before "
            "every {\"service\":\"sqs\",\"kind\":\"MessageSent\",\"resource\":"
            "\"jobs\"}");
  EXPECT_THAT(order.found, StartsWith("[+0.000s sqs MessageSent jobs "));
  EXPECT_THAT(order.found, HasSubstr("] came before [+2.000s sqs QueueDeleted "
                                     "doomed"));
  ExpectBroken(r(), "order nothing", "events matching {\"service\":\"s3\"}",
               "none");
}

TEST_F(HarnessRunQueues, AnswersToActionSteps) {
  ExpectHeld(r(), "sent");
  ExpectHeld(r(), "refused");
  const ExpectationResult& refused = Named(r(), "refused broken");
  EXPECT_FALSE(refused.passed);
  EXPECT_EQ(refused.expected, "success");
  EXPECT_THAT(refused.found, StartsWith("error: {"));
  EXPECT_THAT(refused.found, HasSubstr("QueueDoesNotExist"));
  ExpectBroken(r(), "error broken", "error QueueDoesNotExist", "success: {}");
  ExpectBroken(r(), "status broken", "status 201", "status 200: \"{}\"");
  ExpectHeld(r(), "body");
  ExpectBroken(r(), "body broken", "body \"{ }\"", "body \"{}\"");
  ExpectBroken(r(), "json broken", "a body matching {\"a\":1}", "{}");
  ExpectHeld(r(), "json");
}

TEST_F(HarnessRunQueues, AFailureCarriesTheEventsAroundIt) {
  // The last events of the queue concerned, oldest first.
  const ExpectationResult& e = Named(r(), "deleted broken");
  ASSERT_THAT(e.context, SizeIs(4));
  EXPECT_EQ(e.context[0], "+0.000s sqs QueueCreated jobs");
  EXPECT_THAT(e.context[1], StartsWith("+0.000s sqs MessageSent jobs "));
  EXPECT_THAT(e.context[2], StartsWith("+1.000s sqs MessageSent jobs "));
  EXPECT_THAT(e.context[3], StartsWith("+2.000s sqs MessageSent jobs "));
  EXPECT_THAT(Named(r(), "count").context, IsEmpty());
  EXPECT_EQ(Named(r(), "count broken").origin.path, "expect[1].messages");
  EXPECT_EQ(Named(r(), "count broken").origin.mark.line, 27);
  EXPECT_EQ(Named(r(), "count broken").origin.mark.column, 36);
}

TEST_F(HarnessRunQueues, TheSameSeedReplaysTheSameEvents) {
  ScenarioResult again = RunYaml(kQueues);
  ASSERT_EQ(again.events.size(), r().events.size());
  for (size_t i = 0; i < again.events.size(); ++i) {
    EXPECT_EQ(again.events[i].Summary(), r().events[i].Summary()) << i;
  }
  RunOptions options;
  options.seed = 99;
  ScenarioResult other =
      RunScenario(ParseForTest(kQueues, {}, "s.yaml"), options);
  EXPECT_EQ(other.seed, 99u);
  // Message ids come from the seed.
  auto sent = [](const ScenarioResult& x) {
    return EventsOf(x, "sqs", "MessageSent", "jobs").at(0).key;
  };
  EXPECT_NE(sent(other), sent(r()));
}

// --- Functions: outcomes, a mapping, a dead-letter queue ------------------

constexpr const char* kFunctions = R"(name: functions
resources:
  queues:
    - name: work
      attributes: {VisibilityTimeout: 5}
      dead_letter: {queue: work-dlq, max_receive_count: 2}
    - name: work-dlq
  functions:
    - {name: failer, command: [@TF@, fail]}
    - {name: echo, command: [@TF@, echo]}
    - {name: slow, command: [@TF@, sleep, "3000"], timeout: 1s}
  mappings:
    - {queue: work, function: failer, batch_size: 1}
timeline:
  - send: {queue: work, json: {job: 1}}
  - id: echoed
    invoke: {function: echo, payload: {hello: world}}
  - id: slow
    invoke: {function: slow}
expect:
  - name: errors
    invocations: {function: failer, outcome: error, select: $.errorType,
                  values: [TestError, TestError]}
  - name: error type
    invocations: {function: failer, error_type: TestError, count: 2}
  - name: error type broken
    invocations: {function: failer, error_type: Other}
  - name: errors broken
    invocations: {function: failer, select: $.outcome, count: 3}
  - {name: success, invocations: {function: echo, outcome: success, count: 1}}
  - {name: success broken, invocations: {function: echo, outcome: error}}
  - {name: timeout, invocations: {function: slow, outcome: timeout, count: 1}}
  - name: timeout broken
    invocations: {function: slow, select: $.outcome, values: [success]}
  - name: all
    invocations: {select: $.function, count: 4, distinct: 3}
  - name: dead letter
    messages: {queue: work-dlq, count: 1, select: $.Json, values: [{job: 1}]}
  - name: dead letter broken
    messages: {queue: work-dlq, select: $.Json, values: [{job: 2}]}
  - {name: source empty, queue: {name: work, visible: 0, in_flight: 0}}
  - name: moved
    events: {service: sqs, kind: MessageMovedToDeadLetterQueue, count: 1}
  - name: failed then moved
    order:
      - {service: lambda, kind: Invocation, resource: failer}
      - {service: sqs, kind: MessageMovedToDeadLetterQueue}
  - name: echoed
    response:
      step: echoed
      ok: true
      json: {StatusCode: 200, Payload: '{"hello":"world"}'}
  - name: echoed body
    response:
      step: echoed
      body: '{"StatusCode":200,"ExecutedVersion":"$LATEST","Payload":"{\"hello\":\"world\"}"}'
  - name: echoed broken
    response: {step: echoed, json: {Payload: '{"hello":"there"}'}}
)";

TEST(HarnessRunFunctions, OutcomesMappingsAndDeadLetters) {
  ScenarioResult r = RunYamlRealTime(kFunctions);
  EXPECT_EQ(r.status, ScenarioResult::Status::kFailed);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.failure, "");
  EXPECT_EQ(r.invocations, 4u);

  ExpectHeld(r, "errors");
  ExpectHeld(r, "error type");
  ExpectBroken(r, "error type broken", "at least 1", "nothing");
  ExpectBroken(r, "errors broken", "count 3", "2 values: \"error\", \"error\"");
  ExpectHeld(r, "success");
  ExpectBroken(r, "success broken", "at least 1", "nothing");
  ExpectHeld(r, "timeout");
  ExpectBroken(r, "timeout broken", "the values [\"success\"]",
               "1 value: \"timeout\"");
  ExpectHeld(r, "all");
  ExpectHeld(r, "dead letter");
  ExpectBroken(r, "dead letter broken", "the values [{\"job\":2}]",
               "1 value: {\"job\":1}");
  ExpectHeld(r, "source empty");
  ExpectHeld(r, "moved");
  ExpectHeld(r, "failed then moved");
  ExpectHeld(r, "echoed");
  ExpectHeld(r, "echoed body");
  const ExpectationResult& broken = Named(r, "echoed broken");
  EXPECT_FALSE(broken.passed);
  EXPECT_EQ(broken.expected,
            "a body matching {\"Payload\":\"{\\\"hello\\\":\\\"there\\\"}\"}");
  EXPECT_EQ(broken.found,
            "{\"StatusCode\":200,\"ExecutedVersion\":\"$LATEST\",\"Payload\":"
            "\"{\\\"hello\\\":\\\"world\\\"}\"}");
  // The events around a failed invocations expectation are the function's:
  // its mapping's creation and its invocations.
  const ExpectationResult& errors = Named(r, "errors broken");
  ASSERT_THAT(errors.context, SizeIs(3));
  EXPECT_THAT(errors.context[0],
              HasSubstr(" lambda EventSourceMappingCreated failer "));
  EXPECT_THAT(errors.context[1], HasSubstr(" lambda Invocation failer "));
}

// --- Tables, buckets, topics, sinks and routes ---------------------------

constexpr const char* kData = R"(name: data
resources:
  tables:
    - {name: Orders, hash_key: id, items: [{id: a, n: 1}]}
  buckets:
    - {name: bkt, objects: [{key: in/a.json, json: {x: 1}}]}
  topics:
    - name: alerts
      subscriptions:
        - {protocol: email, endpoint: ops@example.com}
        - {protocol: email, endpoint: dev@example.com,
           filter_policy: {level: [high]}}
        - {protocol: http, endpoint: "${sink_url:hook}", raw: true}
  sinks:
    - {name: hook}
    - {name: direct, status: 202, body: accepted}
  functions:
    - {name: api, command: [@TF@, api-reply, "201"]}
  routes:
    - {method: POST, path: "/orders/{id}", function: api}
timeline:
  - put_item: {table: Orders, item: {id: b, n: 2.5, tags: [x], flag: true}}
  - put_object: {bucket: bkt, key: out/r.txt, body: hello}
  - publish: {topic: alerts, subject: Hi, message: low one,
              attributes: {level: low}}
  - after: 1s
    publish: {topic: alerts, subject: Alarm, message: high one,
              attributes: {level: high}}
  - id: order
    http: {path: /orders/7, json: {item: tea}}
  - id: direct
    http: {path: "/_sinks/direct/x?y=1", body: ping, headers: {X-Test: "on"}}
expect:
  - {name: items, items: {table: Orders, count: 2}}
  - name: item
    items: {table: Orders, where: {id: b}, match: {n: 2.5, tags: [x], flag: true}}
  - name: item broken
    items: {table: Orders, where: {id: a}, match: {n: 2}}
  - {name: item keys, items: {table: Orders, select: $.id, values: [a, b]}}
  - {name: objects, objects: {bucket: bkt, count: 2}}
  - name: object json
    objects: {bucket: bkt, prefix: in/, select: $.Json, values: [{x: 1}]}
  - name: object text
    objects: {bucket: bkt, prefix: out/, match: {Key: out/r.txt, Body: hello,
                                               Size: 5}}
  - name: object broken
    objects: {bucket: bkt, prefix: out/, select: $.Body, values: [bye]}
  - name: emails to ops
    emails: {to: ops@example.com, select: $.Subject, values: [Hi, Alarm]}
  - name: filtered
    emails: {to: dev@example.com, select: $.Body, values: [high one]}
  - name: filtered broken
    emails: {to: dev@example.com, select: $.Body, values: [low one]}
  - name: email times
    emails: {to: ops@example.com, after: 0s, before: 1s, count: 2}
  - name: email times broken
    emails: {to: ops@example.com, before: 500ms}
  - name: delivered
    requests: {sink: hook, select: $.Body, count: 2, contains: high one}
  - name: delivered broken
    requests: {sink: hook, select: $.Method, values: [GET, GET]}
  - name: direct
    requests:
      sink: direct
      count: 1
      match: {Method: POST, Path: /_sinks/direct/x, Query: y=1, Body: ping}
  - name: routed
    response:
      step: order
      status: 201
      json: {httpMethod: POST, pathParameters: {id: "7"},
             body: '{"item":"tea"}'}
  - {name: routed broken, response: {step: order, status: 200}}
  - {name: direct answer, response: {step: direct, status: 202, body: accepted}}
  - {name: direct broken, response: {step: direct, json: {a: 1}}}
  - name: sink events
    events: {service: http, kind: SinkRequest, resource: direct, count: 1}
)";

TEST(HarnessRunData, TablesBucketsEmailsSinksAndRoutes) {
  ScenarioResult r = RunYaml(kData);
  EXPECT_EQ(r.status, ScenarioResult::Status::kFailed);
  ASSERT_THAT(r.errors, IsEmpty()) << r.errors[0].ToString();
  EXPECT_EQ(r.failure, "");

  ExpectHeld(r, "items");
  ExpectHeld(r, "item");
  ExpectBroken(r, "item broken", "every value to match {\"n\":2}",
               "value 0 of 1: {\"id\":\"a\",\"n\":1}");
  ExpectHeld(r, "item keys");
  ExpectHeld(r, "objects");
  ExpectHeld(r, "object json");
  ExpectHeld(r, "object text");
  ExpectBroken(r, "object broken", "the values [\"bye\"]",
               "1 value: \"hello\"");
  ExpectHeld(r, "emails to ops");
  ExpectHeld(r, "filtered");
  ExpectBroken(r, "filtered broken", "the values [\"low one\"]",
               "1 value: \"high one\"");
  ExpectHeld(r, "email times");
  const ExpectationResult& times = Named(r, "email times broken");
  EXPECT_FALSE(times.passed);
  EXPECT_EQ(times.expected, "every one before 500ms");
  EXPECT_THAT(times.found, StartsWith("one at 1s: {"));
  ExpectHeld(r, "delivered");
  ExpectBroken(r, "delivered broken", "the values [\"GET\",\"GET\"]",
               "2 values: \"POST\", \"POST\"");
  ExpectHeld(r, "direct");
  ExpectHeld(r, "routed");
  const ExpectationResult& routed = Named(r, "routed broken");
  EXPECT_FALSE(routed.passed);
  EXPECT_EQ(routed.expected, "status 200");
  EXPECT_THAT(routed.found, StartsWith("status 201: \"{"));
  ExpectHeld(r, "direct answer");
  ExpectBroken(r, "direct broken", "a body matching {\"a\":1}",
               "a body that is not JSON: \"accepted\"");
  ExpectHeld(r, "sink events");
}

// --- Time ----------------------------------------------------------------

// A step's answer is a success only when the action succeeded and, for an
// Invoke, the function did too; `match` over nothing is not a pass.
TEST(HarnessRunFunctions, AFailedInvokeIsNotASuccessAndMatchNeedsValues) {
  ScenarioResult r = RunYaml(R"(name: strict
resources:
  queues: [{name: q}]
  functions: [{name: f, command: [@TF@, fail]}]
timeline:
  - {id: call, invoke: {function: f}}
expect:
  - {name: bare, response: {step: call}}
  - {name: typed, response: {step: call, error: TestError}}
  - {name: not ok, response: {step: call, ok: false}}
  - {name: empty match, messages: {queue: q, match: {Body: x}}}
  - {name: empty none, messages: {queue: q, none: {Body: x}}}
  - {name: counted match, messages: {queue: q, count: 0, match: {Body: x}}}
)");
  const ExpectationResult& bare = Named(r, "bare");
  EXPECT_FALSE(bare.passed);
  EXPECT_EQ(bare.expected, "success");
  EXPECT_THAT(bare.found, StartsWith("error TestError: "));
  ExpectHeld(r, "typed");
  ExpectHeld(r, "not ok");
  ExpectBroken(r, "empty match", "values matching {\"Body\":\"x\"}", "nothing");
  ExpectHeld(r, "empty none");
  ExpectHeld(r, "counted match");
}

TEST(HarnessRunTime, ARateScheduleFiresExactlyOnTheVirtualClock) {
  ScenarioResult r = RunYaml(R"(name: ticks
resources:
  queues: [{name: ticks}]
  schedules:
    - {name: minute, expression: rate(1 minute), targets: [{queue: ticks}]}
run: {for: 1h}
expect:
  - {name: sixty, queue: {name: ticks, visible: 60}}
  - {name: fired, events: {service: events, kind: RuleFired, count: 60}}
  - name: first after a minute
    events: {service: sqs, kind: MessageSent, resource: ticks, after: 1m}
  - {name: sixty-one, messages: {queue: ticks, count: 61}}
)");
  // `for: 1h`, then quiescent for the default settle time.
  EXPECT_EQ(r.virtual_time, std::chrono::hours(1) + std::chrono::seconds(1));
  ExpectHeld(r, "sixty");
  ExpectHeld(r, "fired");
  ExpectHeld(r, "first after a minute");
  const ExpectationResult& e = Named(r, "sixty-one");
  EXPECT_FALSE(e.passed);
  EXPECT_EQ(e.expected, "count 61");
  EXPECT_THAT(e.found, StartsWith("60 values: {"));
  EXPECT_EQ(r.status, ScenarioResult::Status::kFailed);
  EXPECT_THAT(r.Failures(), SizeIs(1));
}

TEST(HarnessRunTime, NothingToDoEndsAfterTheSettleTime) {
  ScenarioResult r = RunYaml("name: idle\n");
  EXPECT_EQ(r.status, ScenarioResult::Status::kPassed);
  EXPECT_EQ(r.virtual_time, std::chrono::seconds(1));
  r = RunYaml("name: idle\nrun: {settle: 250ms}\n");
  EXPECT_EQ(r.virtual_time, std::chrono::milliseconds(250));
}

TEST(HarnessRunTime, AnEventInvokeEndsTheRunSoonAfterItFinishes) {
  ScenarioResult r = RunYamlRealTime(R"(name: quiet
resources:
  functions: [{name: nap, command: [@TF@, sleep, "50"]}]
timeline:
  - {at: 10s, invoke: {function: nap, type: Event}}
expect:
  - invocations: {function: nap, outcome: success, count: 1}
)");
  EXPECT_THAT(r, testing::Passed());
  // 10s, the nap, then the 1s settle (in 100 ms steps): not the 24h
  // deadline.
  auto invocations = testing::Invocations(r, "nap", "success");
  ASSERT_THAT(invocations, SizeIs(1));
  EXPECT_GE(invocations[0].at, std::chrono::seconds(10));
  // Virtual time followed real time while the function napped: the
  // invocation took its 50 ms on the clock too, and ended no earlier.
  EXPECT_GE(invocations[0].detail.at("durationUs").to_number<int64_t>(), 50000);
  EXPECT_GE(invocations[0].at,
            std::chrono::seconds(10) + std::chrono::milliseconds(50));
  EXPECT_GE(r.virtual_time, invocations[0].at + std::chrono::seconds(1));
  EXPECT_LT(r.virtual_time, invocations[0].at + std::chrono::seconds(2));
}

TEST(HarnessRunTime, NotQuiescentBeforeTheDeadline) {
  // A mapping on a function that always fails, and a message that never
  // leaves: the run stops at run.max.
  ScenarioResult r = RunYaml(R"(name: busy
resources:
  queues: [{name: q, attributes: {VisibilityTimeout: 60}}]
  functions: [{name: f, command: [@TF@, fail]}]
  mappings: [{queue: q, function: f}]
timeline:
  - send: {queue: q, body: x}
run: {max: 3m}
)");
  EXPECT_EQ(r.status, ScenarioResult::Status::kFailed);
  // The message says what kept the run busy when the deadline came.
  EXPECT_THAT(r.failure,
              StartsWith("not quiescent after 3m of virtual time past the "
                         "last step or run.for (run.max): "));
  EXPECT_THAT(r.failure,
              ::testing::AnyOf(HasSubstr("1 invocations running"),
                               HasSubstr("queue q (read by f) holds ")));
  EXPECT_THAT(r.expectations, IsEmpty());
  EXPECT_GE(testing::Invocations(r, "f", "error").size(), 3u);
}

TEST(HarnessRunTime, TheWallTimeGuardStopsAStuckRun) {
  ScenarioResult r = RunYaml(R"(name: stuck
resources:
  functions: [{name: f, command: [@TF@, sleep, "20000"], timeout: 60s}]
timeline:
  - invoke: {function: f}
run: {wall_timeout: 1s}
)");
  EXPECT_EQ(r.status, ScenarioResult::Status::kFailed);
  EXPECT_THAT(r.failure, StartsWith("the run took longer than its wall-time "
                                    "guard (1s real time) at "));
  EXPECT_THAT(r.failure, ::testing::EndsWith(" of virtual time"));
  // Cut short: nowhere near the function's 20 s.
  EXPECT_LT(r.wall_seconds, 10.0);
}

TEST(HarnessRunTime, TheWallTimeGuardStopsAFixedLengthRun) {
  // While the function sleeps, virtual time follows real time: without
  // the guard, `for: 1h` would wait out the 20 s sleep. The steps that
  // never got an answer, or never ran, say so.
  ScenarioResult r = RunYaml(R"(name: stuck
resources:
  queues: [{name: q}]
  functions: [{name: f, command: [@TF@, sleep, "20000"], timeout: 60s}]
timeline:
  - {id: stuck, invoke: {function: f}}
  - {id: later, at: 30m, send: {queue: q, body: x}}
run: {for: 1h, wall_timeout: 1s}
expect:
  - {name: unanswered, response: {step: stuck, ok: true}}
  - {name: never ran, response: {step: later, ok: true}}
)");
  EXPECT_EQ(r.status, ScenarioResult::Status::kFailed);
  EXPECT_THAT(r.failure, StartsWith("the run took longer than its wall-time "
                                    "guard (1s real time) at "));
  EXPECT_LT(r.virtual_time, std::chrono::minutes(1));
  EXPECT_LT(r.wall_seconds, 10.0);
  ExpectBroken(r, "unanswered", "an answer to step stuck",
               "no answer by the end of the run");
  ExpectBroken(r, "never ran", "an answer to step later", "the step never ran");
}

// --- Setup ---------------------------------------------------------------

TEST(HarnessRunSetup, ARefusedSetupActionIsAnErrorAtItsLine) {
  ScenarioResult r = RunYaml(R"(name: refused
resources:
  queues: [{name: q}]
  functions:
    - {name: f, command: [@TF@, echo], timeout: 60s}
  mappings:
    - {queue: q, function: f}
timeline:
  - send: {queue: q, body: x}
expect:
  - queue: {name: q, visible: 1}
)");
  EXPECT_EQ(r.status, ScenarioResult::Status::kError);
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].ToString(),
            "s.yaml:7:7: resources.mappings[0]: CreateEventSourceMapping was "
            "refused: InvalidParameterValueException: Queue visibility "
            "timeout: 30 seconds is less than Function timeout: 60 seconds");
  // Nothing ran.
  EXPECT_THAT(r.expectations, IsEmpty());
  EXPECT_THAT(EventsOf(r, "harness", "Step"), IsEmpty());
}

TEST(HarnessRunSetup, PlaceholdersAreFilledInOnceTheEmulatorIsUp) {
  ScenarioResult r = RunYaml(R"(name: placeholders
resources:
  queues: [{name: q}]
  topics: [{name: t}]
  sinks: [{name: s}]
  functions:
    - {name: via-http, command: [@TF@, http-post, "${http}/_sinks/s/a"]}
    - {name: via-sink, command: [@TF@, http-post, "${sink_url:s}/b"]}
timeline:
  - send:
      queue: q
      body: "${queue_arn:q} ${topic_arn:t} ${function_arn:via-http}"
  - invoke: {function: via-http, payload: {n: 1}}
  - invoke: {function: via-sink, payload: {n: 2}}
expect:
  - name: arns
    messages:
      queue: q
      select: $.Body
      values: ["arn:aws:sqs:us-east-1:000000000000:q
                arn:aws:sns:us-east-1:000000000000:t
                arn:aws:lambda:us-east-1:000000000000:function:via-http"]
  - name: http
    requests: {sink: s, count: 2, contains: {Path: /_sinks/s/a, Json: {n: 1}}}
  - name: sink_url
    requests: {sink: s, contains: {Path: /_sinks/s/b, Json: {n: 2}}}
)");
  EXPECT_THAT(r, testing::Passed());
}

}  // namespace
}  // namespace fanlab::harness
