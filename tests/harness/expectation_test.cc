// Expectations and invariants as typed models (harness/scenario.h): the
// format binds a file's `expect` and `invariants` into them in the walk
// that checks it, the same errors naming each field and its line; built
// in C++ (field by field, or ExpectationOf through the format), they
// evaluate as a file's would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/testing/matchers.h"

namespace fanlab::harness {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using testing::ExpectationOf;
using ::testing::HasSubstr;
using testing::ParseForTest;

std::vector<std::string> Errors(const std::string& yaml) {
  LoadResult r = ParseScenario(yaml, "bad.yaml", {});
  std::vector<std::string> out;
  for (const Diagnostic& d : r.errors) out.push_back(d.ToString());
  EXPECT_EQ(r.scenario.has_value(), r.errors.empty());
  return out;
}

constexpr const char* kJobs = R"(name: jobs
resources:
  queues: [{name: jobs}, {name: doomed}]
timeline:
  - id: first
    send: {queue: jobs, json: {n: 3, kind: a}}
  - after: 1s
    send: {queue: jobs, json: {n: 1, kind: b}}
  - id: delete
    call: {action: DeleteQueue, body: {QueueUrl: "${queue_url:doomed}"}}
)";

TEST(TypedExpectations, TheFileBindsEachKindsFields) {
  Scenario s = ParseForTest(std::string(kJobs) + R"(expect:
  - messages: {queue: jobs, where: {Json: {kind: a}}, select: $.Json.n,
               values: [3], between: [0s, 2s], ordered: descending,
               count: 010}
  - queue: {name: doomed, exists: false, visible: 0}
  - events: {service: sqs, kind: MessageSent, before: 1m}
  - response: {step: first, status: 200, ok: true, json: {a: null}}
  - order:
      - {service: sqs, kind: MessageSent, where: {resource: jobs}}
      - {kind: QueueDeleted}
)");
  ASSERT_EQ(s.expect.size(), 5u);
  using E = Expectation;
  const auto& messages = std::get<E::Messages>(s.expect[0].check);
  EXPECT_EQ(messages.queue, "jobs");
  EXPECT_EQ(messages.checks.where, json::parse(R"({"Json": {"kind": "a"}})"));
  EXPECT_EQ(messages.checks.select, "$.Json.n");
  EXPECT_EQ(messages.checks.values, json::array{3});
  ASSERT_TRUE(messages.checks.between);
  EXPECT_EQ(messages.checks.between->second, std::chrono::seconds(2));
  EXPECT_EQ(messages.checks.ordered, CollectionChecks::Order::kDescending);
  EXPECT_EQ(messages.checks.count, 10);  // decimal, as YAML 1.2 reads it
  EXPECT_FALSE(messages.checks.match);
  const auto& queue = std::get<E::Queue>(s.expect[1].check);
  EXPECT_FALSE(queue.exists);
  EXPECT_EQ(queue.visible, 0);
  EXPECT_FALSE(queue.in_flight);
  const auto& events = std::get<E::Events>(s.expect[2].check);
  EXPECT_EQ(events.kind, "MessageSent");
  EXPECT_FALSE(events.resource);
  EXPECT_EQ(events.checks.before, std::chrono::minutes(1));
  const auto& response = std::get<E::Response>(s.expect[3].check);
  EXPECT_EQ(response.step, "first");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.ok, true);
  EXPECT_FALSE(response.error);
  EXPECT_EQ(response.json, json::parse(R"({"a": null})"));
  const auto& order = std::get<E::Order>(s.expect[4].check);
  ASSERT_EQ(order.selectors.size(), 2u);
  EXPECT_EQ(order.selectors[0].where, json::parse(R"({"resource": "jobs"})"));
  EXPECT_FALSE(order.selectors[1].service);
  // Labels: the kind and the fields that name something.
  EXPECT_EQ(s.expect[0].label, "messages jobs");
  EXPECT_EQ(s.expect[1].label, "queue doomed");
  EXPECT_EQ(s.expect[2].label, "events MessageSent");
  EXPECT_EQ(s.expect[3].label, "response first");
  EXPECT_EQ(s.expect[4].label, "order");
  EXPECT_EQ(s.expect[4].origin.path, "expect[4].order");
  EXPECT_EQ(s.expect[4].origin.mark.line, 19);
}

// The same checks as a file's, field by field.
TEST(TypedExpectations, BuiltInCppTheyEvaluate) {
  using E = Expectation;
  Scenario s = ParseForTest(kJobs);
  s.expect = {
      E{.check = E::Messages{.queue = "jobs",
                             .checks = {.select = "$.Json.n",
                                        .values = json::array{3, 1}}},
        .label = "values"},
      E{.check = E::Messages{.queue = "jobs",
                             .checks = {.select = "$.Json.kind", .count = 3}},
        .label = "count broken"},
      E{.check = E::Queue{.name = "doomed", .exists = false}, .label = "gone"},
      E{.check = E::Queue{.name = "jobs", .visible = 1},
        .label = "depth broken"},
      E{.check = E::Events{.service = "sqs",
                           .kind = "MessageSent",
                           .checks = {.after = std::chrono::seconds(1)}},
        .label = "after broken"},
      E{.check = E::Order{.selectors = {{.kind = "QueueDeleted"},
                                        {.kind = "MessageSent"}}},
        .label = "order broken"},
      E{.check = E::Response{.step = "delete", .status = 200},
        .label = "status"},
      E{.check = E::Response{.step = "first", .body = "x"},
        .label = "body broken"},
  };
  ScenarioResult r = RunScenario(s);
  ASSERT_EQ(r.expectations.size(), 8u);
  std::vector<std::string> verdicts;
  for (const ExpectationResult& e : r.expectations) {
    verdicts.push_back(e.kind + " " + e.label + ": " +
                       (e.passed ? "held" : e.expected + " / " + e.found));
  }
  EXPECT_THAT(
      verdicts,
      ElementsAre(
          "messages values: held",
          "messages count broken: count 3 / 2 values: \"a\", \"b\"",
          "queue gone: held", "queue depth broken: visible 1 / visible 2",
          HasSubstr("events after broken: every one after 1s / one at 0s: {"),
          HasSubstr("order broken: every {\"kind\":\"QueueDeleted\"} before "
                    "every {\"kind\":\"MessageSent\"} / [+0.000s sqs "
                    "MessageSent jobs "),
          "response status: held",
          HasSubstr("response body broken: body \"x\" / body \"{\\\"")));
}

TEST(TypedExpectations, ExpectationOfReadsTheFormat) {
  Expectation e = ExpectationOf(
      "requests", R"({"sink": "cb", "count": 1, "match": {"Json": {"a": 1}}})",
      "one callback");
  const auto* requests = std::get_if<Expectation::Requests>(&e.check);
  ASSERT_NE(requests, nullptr);
  EXPECT_EQ(requests->sink, "cb");  // not checked: no scenario declares it
  EXPECT_EQ(requests->checks.count, 1);
  EXPECT_EQ(requests->checks.match, json::parse(R"({"Json": {"a": 1}})"));
  EXPECT_EQ(e.label, "one callback");
  EXPECT_EQ(e.kind(), "requests");
  EXPECT_EQ(ExpectationOf("response", R"({"step": "go"})").label,
            R"(response {"step": "go"})");
  try {
    ExpectationOf("requests", R"({"sink": "cb", "count": "1", "cuont": 2})");
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "ExpectationOf(\"requests\"):\n"
                 "expectation:1:36: requests.count: expected an integer, "
                 "found a string (1)\n"
                 "expectation:1:41: requests.cuont: unknown key \"cuont\" "
                 "(did you mean \"count\"?)");
  }
  EXPECT_THROW(ExpectationOf("request", R"({"sink": "cb"})"),
               std::invalid_argument);
}

// Each field's error names it and its line, as before the typed model;
// an order's "at least two" waits for its selectors to be valid.
TEST(TypedExpectations, ABadFieldNamesItselfAndItsLine) {
  EXPECT_THAT(
      Errors(R"(name: bad
resources:
  queues: [{name: jobs}]
timeline:
  - {id: go, send: {queue: jobs, body: hi}}
expect:
  - messages: {queue: jobs, cuont: 1}
  - messages: {queue: jobs, count: "1", between: [1s, soon]}
  - queue: {name: jbos, visible: -1}
  - response: {step: og, status: ok}
  - order: [{service: sqs}]
  - order: [{service: sqs, kindd: x}]
  - order: [3]
  - events: {select: "$.a[x]", ordered: up}
  - invocations: {outcome: fine}
  - name: [1]
    items: x
)"),
      ElementsAre(
          "bad.yaml:7:29: expect[0].messages.cuont: unknown key \"cuont\" "
          "(did you mean \"count\"?)",
          "bad.yaml:8:36: expect[1].messages.count: expected an integer, "
          "found a string (1)",
          "bad.yaml:8:55: expect[1].messages.between[1]: bad duration "
          "\"soon\": use a number of seconds or units like 250ms, 30s, 5m, "
          "2h, 1d, 1h30m",
          "bad.yaml:9:19: expect[2].queue.name: no queue named \"jbos\" in "
          "resources.queues (did you mean \"jobs\"?)",
          "bad.yaml:9:34: expect[2].queue.visible: -1 is out of range: must "
          "be at least 0",
          "bad.yaml:10:22: expect[3].response.step: no timeline step has id "
          "\"og\"",
          "bad.yaml:10:34: expect[3].response.status: expected an integer, "
          "found a string (ok)",
          "bad.yaml:11:12: expect[4].order: an order needs at least two "
          "event selectors",
          "bad.yaml:12:28: expect[5].order[0].kindd: unknown key \"kindd\" "
          "(did you mean \"kind\"?)",
          "bad.yaml:13:13: expect[6].order[0]: expected an object, found an "
          "integer (3)",
          "bad.yaml:14:22: expect[7].events.select: bad selector \"$.a[x]\": "
          "[x] is not an index, * or a quoted name (write $.Json.result.*, "
          "$.Body, $['a b'][0], ...)",
          "bad.yaml:14:41: expect[7].events.ordered: \"up\" is not one of "
          "ascending, descending",
          "bad.yaml:15:28: expect[8].invocations.outcome: \"fine\" is not one "
          "of success, error, timeout, throttle",
          "bad.yaml:16:11: expect[9].name: expected a string, found a list",
          "bad.yaml:17:12: expect[9].items: expected an object, found a "
          "string (x)"));
}

TEST(TypedInvariants, ParametersBindIntoTheirFields) {
  Scenario s = ParseForTest(R"(name: i
invariants:
  - unique: {name: one each, service: http, resource: "c*", where: {key: x},
             by: $.detail.job}
  - no-message-lost: {queue: 5}
  - max-concurrency: {max: 012}
)");
  ASSERT_EQ(s.invariants.size(), 3u);
  const InvariantSpec& unique = s.invariants[0];
  EXPECT_EQ(unique.label, "one each");
  EXPECT_EQ(unique.events.service, "http");
  EXPECT_FALSE(unique.events.kind);
  EXPECT_EQ(unique.events.resource, "c*");
  EXPECT_EQ(unique.events.where, json::parse(R"({"key": "x"})"));
  EXPECT_EQ(unique.by, "$.detail.job");
  EXPECT_EQ(s.invariants[1].queue, "");  // not a name: every queue
  EXPECT_EQ(s.invariants[2].max, 12);
  EXPECT_THAT(Errors(R"(name: i
invariants:
  - no-message-lost: {max: 0, name: 5}
  - fifo-order: [queue]
)"),
              ElementsAre("bad.yaml:3:5: invariants[0]: no-message-lost has "
                          "no parameter \"max\"; it takes queue, name",
                          "bad.yaml:3:5: invariants[0]: no-message-lost has "
                          "no parameter \"name\"; it takes queue, name",
                          "bad.yaml:3:5: invariants[0]: no-message-lost: max "
                          "is a whole number, at least 1",
                          "bad.yaml:4:17: invariants[1]: the parameters of "
                          "fifo-order are an object ({queue: NAME, ...})"));
}

}  // namespace
}  // namespace fanlab::harness
