// A user's own GoogleTest against an installed fanlab: a scenario written
// inline, replayed on the embedded emulator, checked with the harness's
// matchers. fanlab-test-function comes from the installed package.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/testing/matchers.h"

namespace {

using ::testing::SizeIs;
using namespace ::fanlab::harness::testing;

TEST(Orders, EveryOrderIsHandledOnce) {
  fanlab::harness::Scenario s = ParseForTest(R"(name: orders
resources:
  queues: [{name: orders}]
  functions: [{name: handler, command: [fanlab-test-function, echo]}]
  mappings: [{queue: orders, function: handler, batch_size: 1}]
timeline:
  - send: {queue: orders, json: {order: 1}}
  - send: {queue: orders, json: {order: 2}}
expect:
  - invocations: {function: handler, outcome: success, count: 2}
  - messages: {queue: orders, count: 0}
)",
                                             BuildTreeOptions());
  fanlab::harness::ScenarioResult r = fanlab::harness::RunScenario(s);
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "handler", "success"), SizeIs(2));
}

}  // namespace
