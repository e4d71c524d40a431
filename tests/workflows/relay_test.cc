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
  // Each hop came through the queue setup created: setup's relayPass and
  // one per hop but the last.
  size_t hops = Invocations(r, "worker", "success").size();
  EXPECT_THAT(EventsOf(r, "sqs", "MessageSent", "relay-r1"), SizeIs(hops));
}

// Parallel mode: two relayPass calls from setup, each part relayed on its
// own with the per-pass delay (30 s from the second pass on), one
// teardown by the part that finishes last.
TEST(RelayWorkflow, ParallelPartsWithAPerPassDelay) {
  ScenarioResult r = RunScenario(
      LoadForTest(ScenarioPath("parallel.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  std::vector<Event> hops = Invocations(r, "worker", "success");
  ASSERT_GE(hops.size(), 4u);
  // The two first hops come at once (setup's passes wait 0 s); every later
  // hop waited its pass's 30 s.
  EXPECT_LT(hops[1].at - hops[0].at, std::chrono::seconds(30));
  EXPECT_GE(hops[2].at - hops[0].at, std::chrono::seconds(30));
}

// getRelayPkt returns null for what is no relay packet: consumed once,
// where it used to fail the worker every visibility timeout.
TEST(RelayWorkflow, ABadPacketIsDroppedNotRetried) {
  ScenarioResult r = RunScenario(
      LoadForTest(ScenarioPath("bad-packet.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
}

// Nothing to do: one hop, no pass but setup's (sqsCount 1), and the same
// teardown. The scenario's
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
          {"Json": {"todo": 0, "stats": {"sqsCount": 1}}}})")};
  ScenarioResult r = RunScenario(s);
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(EventsOf(r, "sqs", "QueueDeleted", "relay-r1"), SizeIs(1));
}

}  // namespace
}  // namespace fanlab::harness
