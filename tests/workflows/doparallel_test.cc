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

TEST(DoParallelWorkflow, FiveTasksOneFinishOneCallback) {
  ScenarioResult r =
      RunScenario(LoadForTest(ScenarioPath("basic.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(EventsOf(r, "sqs", "QueueDeleted"), SizeIs(1));
  EXPECT_THAT(EventsOf(r, "http", "SinkRequest", "cb"), SizeIs(1));
}

// The completeness check counts reports; a task that never reports (its
// endpoint does not exist) leaves the job unfinished for good: no finish,
// no callback, the queue left behind. The same scenario, one task edited.
TEST(DoParallelWorkflow, AFailedTaskLeavesTheJobUnfinished) {
  Scenario s = LoadForTest(ScenarioPath("basic.yaml"), BuildTreeOptions());
  ASSERT_THAT(s.timeline, SizeIs(1));
  boost::json::object body =
      boost::json::parse(s.timeline[0].http.body).as_object();
  body["tasks"].as_array()[1].as_object()["endpoint"] = "no-such-function";
  s.timeline[0].http.body = boost::json::serialize(body);
  s.expect.clear();
  ScenarioResult r = RunScenario(s);
  ASSERT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "task", "success"), SizeIs(4));
  // The first attempt and Lambda's two retries (a minute, then two).
  EXPECT_THAT(Invocations(r, "task", "error"), SizeIs(3));
  EXPECT_THAT(Invocations(r, "finish"), IsEmpty());
  EXPECT_THAT(EventsOf(r, "http", "SinkRequest", "cb"), IsEmpty());
  EXPECT_THAT(EventsOf(r, "sqs", "QueueDeleted"), IsEmpty());
  EXPECT_THAT(EventsOf(r, "sqs", "MessageSent"), SizeIs(4));
}

}  // namespace
}  // namespace fanlab::harness
