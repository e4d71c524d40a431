// Workflow 4, the relay (functions/relay), through the harness library.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "harness/testing/matchers.h"

namespace fanlab::harness {
namespace {

using ::testing::SizeIs;
using namespace ::fanlab::harness::testing;

std::string ScenarioPath(const std::string& name) {
  return std::string(FANLAB_SCENARIOS_DIR) + "/relay/" + name;
}

TEST(RelayWorkflow, LongWorkTakesHopsAndCleansUp) {
  ScenarioResult r = RunScenario(
      LoadForTest(ScenarioPath("two-hops.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  // Each hop after the first came through the queue setup created.
  size_t hops = Invocations(r, "worker", "success").size();
  EXPECT_THAT(EventsOf(r, "sqs", "MessageSent", "relay-r1"), SizeIs(hops));
}

// Nothing to do: one hop, no pass, and the same teardown. The scenario's
// setup event and expectations edited in C++.
TEST(RelayWorkflow, NoUnitsIsOneHop) {
  Scenario s = LoadForTest(ScenarioPath("two-hops.yaml"), BuildTreeOptions());
  ASSERT_THAT(s.timeline, SizeIs(1));
  s.timeline[0].call.body["Payload"] =
      R"({"name": "r1", "units": 0, "unitMs": 5})";
  s.expect = {
      ExpectationOf("invocations",
                    R"({"function": "worker", "outcome": "success",
                        "count": 1})"),
      ExpectationOf("requests", R"({"sink": "result", "count": 1, "match":
          {"Json": {"todo": 0, "stats": {"sqsCount": 0}}}})")};
  ScenarioResult r = RunScenario(s);
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(EventsOf(r, "sqs", "QueueDeleted", "relay-r1"), SizeIs(1));
}

}  // namespace
}  // namespace fanlab::harness
