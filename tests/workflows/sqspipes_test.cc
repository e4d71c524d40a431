// Workflow 2, sqspipes (functions/sqspipes), through the harness library.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/testing/matchers.h"

namespace fanlab::harness {
namespace {

using ::testing::SizeIs;
using namespace ::fanlab::harness::testing;

std::string ScenarioPath(const std::string& name) {
  return std::string(FANLAB_SCENARIOS_DIR) + "/sqspipes/" + name;
}

TEST(SqsPipesWorkflow, OneWorkerDrainsTheHighestPriorityFirst) {
  ScenarioResult r = RunScenario(
      LoadForTest(ScenarioPath("one-worker.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "count", "success"), SizeIs(3));
}

TEST(SqsPipesWorkflow, TwoWorkersPerStageGiveExactTotals) {
  ScenarioResult r = RunScenario(
      LoadForTest(ScenarioPath("three-ticks.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  // Messages are deleted before they are processed (at-most-once).
  EXPECT_THAT(EventsOf(r, "sqs", "MessageDeleted"), SizeIs(60 + 30));
}

// The first task's interval, sub-second and a callable's successive answers
// (0.1, 0.3, 0.1, 0.3 s between five executions), a long-running worker,
// and ignore_none off. The worker's sleeps are real, so the run follows
// real time (a deterministic run counts only virtual durations).
TEST(SqsPipesWorkflow, ASubSecondCallableIntervalFeedsALongRunningWorker) {
  RunOptions options;
  options.real_time = true;
  ScenarioResult r = RunScenario(
      LoadForTest(ScenarioPath("interval.yaml"), BuildTreeOptions()), options);
  EXPECT_THAT(r, Passed());
  const std::vector<Event> ticks = Invocations(r, "generate", "success");
  ASSERT_THAT(ticks, SizeIs(1));
  EXPECT_GE(ticks[0].detail.at("durationMs").to_number<int64_t>(), 800);
}

}  // namespace
}  // namespace fanlab::harness
