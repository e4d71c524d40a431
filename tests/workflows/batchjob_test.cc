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

// Behind API routes the Dispatcher and the Summary answer proxy responses
// (a bare result would be a 502), and each Summary call clears at most 10
// of the 12 queued runs.
TEST(BatchJobWorkflow, BehindRoutesTheSummaryMailsAtMostTenRunsPerCall) {
  ScenarioResult r =
      RunScenario(LoadForTest(ScenarioPath("api.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  size_t first = 0, second = 0;
  for (const Event& e : EventsOf(r, "sns", "Published")) {
    (e.at < std::chrono::minutes(2) ? first : second) += 1;
  }
  EXPECT_EQ(first, 10u);
  EXPECT_EQ(second, 2u);
}

// The design's order: the workers are started, then the Runs row is
// written, then the run is queued. Without a Runs table the write fails
// after the three workers were started (and they fail on it too), and
// nothing is queued.
TEST(BatchJobWorkflow, DispatchStartsTheWorkersBeforeWritingTheRun) {
  Scenario s = LoadForTest(ScenarioPath("basic.yaml"), BuildTreeOptions());
  std::erase_if(s.setup, [](const ActionCall& c) {
    return c.action == "CreateTable" && c.body.at("TableName") == "Runs";
  });
  s.expect.clear();
  s.timeline.resize(1);  // the dispatch alone
  ScenarioResult r = RunScenario(s);
  ASSERT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "dispatch", "error"), SizeIs(1));
  // Each worker fails on the Runs counter; its retry meets the Jobs guard
  // and skips.
  EXPECT_THAT(Invocations(r, "worker", "error"), SizeIs(3));
  EXPECT_THAT(Invocations(r, "worker", "success"), SizeIs(3));
  EXPECT_THAT(EventsOf(r, "sqs", "MessageSent"), SizeIs(0));
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
      .check = Expectation::Items{.table = "Runs",
                                  .checks = {.match = boost::json::parse(
                                                 R"({"CompletedJobs": 3})")}},
      .label = "every job counted"}};
  ScenarioResult r = RunScenario(s);
  EXPECT_THAT(r, FailedExpectation("every job counted"));
  ASSERT_THAT(r.Failures(), SizeIs(1));
  EXPECT_EQ(r.Failures()[0]->expected,
            "every value to match {\"CompletedJobs\":3}");
}

}  // namespace
}  // namespace fanlab::harness
