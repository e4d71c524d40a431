// Workflow 5, the scheduler (functions/scheduler), through the harness
// library: the scenario file, then the same scenario shortened in C++.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/testing/matchers.h"

namespace fanlab::harness {
namespace {

using ::testing::SizeIs;
using namespace ::fanlab::harness::testing;

std::string ScenarioPath(const std::string& name) {
  return std::string(FANLAB_SCENARIOS_DIR) + "/scheduler/" + name;
}

TEST(SchedulerWorkflow, TheApiAnswers201And400) {
  ScenarioResult r =
      RunScenario(LoadForTest(ScenarioPath("api.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
}

TEST(SchedulerWorkflow, ThreeHoursRunExactlyTheDueSchedules) {
  Scenario s = LoadForTest(ScenarioPath("day.yaml"), BuildTreeOptions());
  s.run.duration = std::chrono::hours(3);
  s.expect.clear();  // the file's counts are for a day
  ScenarioResult r = RunScenario(s);
  ASSERT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "scheduler", "success"), SizeIs(180));
  // every minute, every 15 minutes, every hour, the seed's sample every 30
  // minutes; the disabled one never.
  EXPECT_THAT(EventsOf(r, "sqs", "MessageSent", "results"),
              SizeIs(180 + 12 + 3 + 6));
  EXPECT_THAT(Invocations(r, "algorithm-rowell-Hello-0-2-0", "success"),
              SizeIs(6));
  EXPECT_THAT(Invocations(r, "runner", "throttle"), SizeIs(0));
  EXPECT_THAT(Invocations(r, "algorithm-echo", "success"), SizeIs(12));
}

}  // namespace
}  // namespace fanlab::harness
