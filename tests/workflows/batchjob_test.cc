// Workflow 3, the SAM batch job (functions/batchjob), replayed from its
// scenario files through the harness library, as a user's own test would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "harness/testing/matchers.h"

namespace fanlab::harness {
namespace {

using ::testing::SizeIs;
using namespace ::fanlab::harness::testing;

std::string ScenarioPath(const std::string& name) {
  return std::string(FANLAB_SCENARIOS_DIR) + "/batchjob/" + name;
}

TEST(BatchJobWorkflow, ThreeJobsCompleteAndOneSummaryIsMailed) {
  Scenario s = LoadForTest(ScenarioPath("basic.yaml"), BuildTreeOptions());
  ScenarioResult r = RunScenario(s);
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "worker", "success"), SizeIs(3));
  EXPECT_THAT(EventsOf(r, "s3", "ObjectPut", "artifacts"), SizeIs(3));
}

TEST(BatchJobWorkflow, ARetriedWorkerMeetsTheGuardAndTheRunStaysShort) {
  Scenario s =
      LoadForTest(ScenarioPath("retry-vs-guard.yaml"), BuildTreeOptions());
  ScenarioResult r = RunScenario(s);
  EXPECT_THAT(r, Passed());
  // b's first attempt failed; Lambda retried it a minute later.
  ASSERT_THAT(Invocations(r, "worker", "error"), SizeIs(1));
  EXPECT_THAT(Invocations(r, "worker", "success"), SizeIs(3));
}

TEST(BatchJobWorkflow, AnExpectationOfAFullRunFailsOnTheRetryVariant) {
  Scenario s =
      LoadForTest(ScenarioPath("retry-vs-guard.yaml"), BuildTreeOptions());
  // What a correct pipeline would show: the defect makes it fail.
  s.expect = {Expectation{
      .kind = "items",
      .label = "every job counted",
      .spec = boost::json::parse(
                  R"({"table": "Runs", "match": {"CompletedJobs": 3}})")
                  .as_object()}};
  ScenarioResult r = RunScenario(s);
  EXPECT_THAT(r, FailedExpectation("every job counted"));
  ASSERT_THAT(r.Failures(), SizeIs(1));
  EXPECT_EQ(r.Failures()[0]->expected,
            "every value to match {\"CompletedJobs\":3}");
}

}  // namespace
}  // namespace fanlab::harness
