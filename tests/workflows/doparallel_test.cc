// Workflow 1, DoParallel (functions/doparallel), through the harness
// library: the scenario file, then a variant built from it in C++.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "harness/testing/matchers.h"

namespace fanlab::harness {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;
using namespace ::fanlab::harness::testing;

std::string ScenarioPath(const std::string& name) {
  return std::string(FANLAB_SCENARIOS_DIR) + "/doparallel/" + name;
}

TEST(DoParallelWorkflow, SixTasksOverHttpHopsOneFinishOneCallback) {
  ScenarioResult r =
      RunScenario(LoadForTest(ScenarioPath("basic.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(EventsOf(r, "sqs", "QueueDeleted"), SizeIs(1));
  EXPECT_THAT(EventsOf(r, "http", "SinkRequest", "cb"), SizeIs(1));
  // The hops are the routes': each task and the finish came in over HTTP.
  EXPECT_THAT(Invocations(r, "task", "success"), SizeIs(6));
  EXPECT_THAT(Invocations(r, "test", "success"), SizeIs(1));
}

// The completeness check counts reports; a task that never reports (its
// endpoint does not exist) leaves the job unfinished for good: no finish,
// no callback, the queue left behind. The task's hop is a synchronous HTTP
// call, so nothing retries it; the job counts it failed. The same
// scenario, one task edited.
TEST(DoParallelWorkflow, AFailedTaskLeavesTheJobUnfinished) {
  Scenario s = LoadForTest(ScenarioPath("basic.yaml"), BuildTreeOptions());
  ASSERT_THAT(s.timeline, SizeIs(1));
  boost::json::object body =
      boost::json::parse(s.timeline[0].http.body).as_object();
  body["tasks"].as_array()[1].as_object()["endpoint"] = "no-such-function";
  s.timeline[0].http.body = boost::json::serialize(body);
  s.expect = {ExpectationOf(
      "response",
      R"({"step": "job", "status": 200, "json": {"failedTasks": 1}})")};
  ScenarioResult r = RunScenario(s);
  ASSERT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "task", "success"), SizeIs(5));
  EXPECT_THAT(Invocations(r, "task", "error"), SizeIs(1));
  EXPECT_THAT(Invocations(r, "finish"), IsEmpty());
  EXPECT_THAT(EventsOf(r, "http", "SinkRequest", "cb"), IsEmpty());
  EXPECT_THAT(EventsOf(r, "sqs", "QueueDeleted"), IsEmpty());
  EXPECT_THAT(EventsOf(r, "sqs", "MessageSent"), SizeIs(5));
}

// Eight tasks in flight at once: every task runs once and reports, and a
// callback comes, whichever way the completeness check's race goes.
TEST(DoParallelWorkflow, FanOutAtRealConcurrency) {
  ScenarioResult r = RunScenario(
      LoadForTest(ScenarioPath("fan-out.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
}

}  // namespace
}  // namespace fanlab::harness
