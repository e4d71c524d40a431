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

}  // namespace
}  // namespace fanlab::harness
