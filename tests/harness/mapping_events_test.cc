// Event source mappings in the event log: created as resources or at run
// time, updated, and deleted by a teardown, each an event a scenario can
// check.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/testing/matchers.h"
#include "tests/harness/harness_test_util.h"

namespace fanlab::harness {
namespace {

namespace json = boost::json;

TEST(MappingEventsTest, ATeardownThatDeletesItsMappingCanBeChecked) {
  std::string yaml = R"(name: teardown
resources:
  queues: [{name: jobs}, {name: other}]
  functions: [{name: worker, command: "@TF@ echo"}]
  mappings: [{queue: jobs, function: worker, batch_size: 5}]
timeline:
  - id: made
    call: {action: CreateEventSourceMapping, body: {EventSourceArn: "${queue_arn:other}", FunctionName: worker, BatchSize: 3}}
  - id: off
    after: 1s
    call: {action: UpdateEventSourceMapping, body: {UUID: "${steps.made.json.UUID}", Enabled: false}}
  - id: teardown
    after: 1s
    call: {action: DeleteEventSourceMapping, body: {UUID: "${steps.made.json.UUID}"}}
expect:
  - events: {service: lambda, kind: EventSourceMappingCreated, select: $.detail.queue, values: [jobs, other]}
  - events: {service: lambda, kind: EventSourceMappingCreated, select: $.detail.batchSize, values: [5, 3]}
  - events: {service: lambda, kind: EventSourceMappingUpdated, select: $.detail.enabled, values: [false]}
  - events: {service: lambda, kind: EventSourceMappingDeleted, count: 1, select: $.detail.queue, values: [other]}
  - events: {service: lambda, kind: EventSourceMappingDeleted, resource: worker, count: 1}
)";
  Scenario s = testing::ParseForTest(test_util::WithTestFunction(yaml), {},
                                     "teardown.yaml");
  ScenarioResult r = RunScenario(s);
  std::string why = r.failure;
  for (const auto* f : r.Failures()) why += "\n" + f->label + ": " + f->found;
  ASSERT_TRUE(r.passed()) << why;

  // Created, updated and deleted share the run-time mapping's UUID.
  std::vector<std::string> keys;
  for (const Event& e : r.events) {
    if (e.service == "lambda" && e.kind.starts_with("EventSourceMapping") &&
        json::value_to<std::string>(e.detail.at("queue")) == "other") {
      keys.push_back(e.key);
      EXPECT_EQ(e.resource, "worker");
    }
  }
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0], keys[1]);
  EXPECT_EQ(keys[1], keys[2]);
  EXPECT_EQ(keys[0].size(), 36u);  // a UUID
}

}  // namespace
}  // namespace fanlab::harness
