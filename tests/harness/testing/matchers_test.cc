// The GoogleMock matchers and helpers of harness/testing/matchers.h, on
// hand-made results, and as a user's test drives them on a real scenario
// of the source tree.
#include "harness/testing/matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "tests/harness/harness_test_util.h"

namespace fanlab::harness {
namespace {

using test_util::MakeExpectation;

namespace json = boost::json;
using ::testing::_;
using ::testing::Contains;
using testing::EventIs;
using testing::EventsOf;
using testing::FailedExpectation;
using ::testing::HasSubstr;
using testing::Invocations;
using ::testing::Not;
using testing::Passed;
using ::testing::SizeIs;

Event Invocation(std::string function, std::string outcome) {
  Event e;
  e.service = "lambda";
  e.kind = "Invocation";
  e.resource = std::move(function);
  e.detail = json::object{{"outcome", outcome}};
  return e;
}

ScenarioResult Failing() {
  ScenarioResult r;
  r.name = "pipeline";
  r.file = "p.yaml";
  r.status = ScenarioResult::Status::kFailed;
  r.seed = 3;
  r.expectations.push_back(
      MakeExpectation("queue", "queue done", 9, 5, "expect[0].queue", true));
  r.expectations.push_back(MakeExpectation("invocations", "invocations task",
                                           10, 18, "expect[1].invocations",
                                           false, "count 5", "4 values: ..."));
  Event sent;
  sent.service = "sqs";
  sent.kind = "MessageSent";
  sent.resource = "jobs";
  r.events = {sent, Invocation("task", "success"), Invocation("task", "error"),
              Invocation("other", "success"), Invocation("task", "success")};
  return r;
}

std::string Explain(const ::testing::Matcher<const ScenarioResult&>& m,
                    const ScenarioResult& r, bool* matched) {
  ::testing::StringMatchResultListener listener;
  *matched = m.MatchAndExplain(r, &listener);
  return listener.str();
}

TEST(HarnessMatchers, PassedExplainsTheFailure) {
  ScenarioResult ok;
  ok.name = "fine";
  EXPECT_THAT(ok, Passed());

  bool matched = true;
  std::string why = Explain(Passed(), Failing(), &matched);
  EXPECT_FALSE(matched);
  EXPECT_EQ(why,
            "\npipeline (p.yaml, seed 3):\n"
            "  p.yaml:10:18: expectation \"invocations task\" failed\n"
            "    expected: count 5\n"
            "    found:    4 values: ...\n");
  EXPECT_EQ(::testing::DescribeMatcher<ScenarioResult>(Passed()),
            "passed every expectation");
  // An error is not a pass either.
  ScenarioResult error;
  error.status = ScenarioResult::Status::kError;
  EXPECT_THAT(error, Not(Passed()));
}

TEST(HarnessMatchers, FailedExpectationNamesTheLabel) {
  ScenarioResult r = Failing();
  EXPECT_THAT(r, FailedExpectation("invocations task"));
  EXPECT_THAT(r, Not(FailedExpectation("queue done")));
  bool matched = true;
  std::string why = Explain(FailedExpectation("queue done"), r, &matched);
  EXPECT_FALSE(matched);
  EXPECT_EQ(why, "failed: \"invocations task\" ");
  EXPECT_EQ(::testing::DescribeMatcher<ScenarioResult>(
                FailedExpectation("queue done")),
            "failed the expectation \"queue done\"");
}

TEST(HarnessMatchers, EventIsMatchesServiceKindAndResource) {
  ScenarioResult r = Failing();
  EXPECT_THAT(r.events, Contains(EventIs("sqs", "MessageSent", "jobs")));
  EXPECT_THAT(r.events, Contains(EventIs("sqs", "MessageSent", _)));
  EXPECT_THAT(r.events, Not(Contains(EventIs("sqs", "MessageSent", "other"))));
  EXPECT_THAT(r.events, Not(Contains(EventIs("sns", _, _))));
  EXPECT_THAT(r.events,
              Contains(EventIs("lambda", HasSubstr("Invoc"), "other")));
}

TEST(HarnessMatchers, InvocationsAndEventsOf) {
  ScenarioResult r = Failing();
  EXPECT_THAT(Invocations(r, "task"), SizeIs(3));
  EXPECT_THAT(Invocations(r, "task", "success"), SizeIs(2));
  EXPECT_THAT(Invocations(r, "task", "error"), SizeIs(1));
  EXPECT_THAT(Invocations(r, "other"), SizeIs(1));
  EXPECT_THAT(Invocations(r, "none"), SizeIs(0));
  EXPECT_THAT(EventsOf(r, "lambda", "Invocation"), SizeIs(4));
  EXPECT_THAT(EventsOf(r, "lambda", "Invocation", "other"), SizeIs(1));
  EXPECT_THAT(EventsOf(r, "sqs", "MessageSent", "jobs"), SizeIs(1));
}

TEST(HarnessMatchers, LoadAndParseReportWhatIsWrong) {
  EXPECT_NONFATAL_FAILURE(testing::LoadForTest("/nonexistent/x.yaml"),
                          "cannot load /nonexistent/x.yaml:\n"
                          "/nonexistent/x.yaml: cannot read the file");
  EXPECT_NONFATAL_FAILURE(testing::ParseForTest("seed: x\n"),
                          "inline.yaml:1:7: seed: expected an integer");
  EXPECT_EQ(testing::ParseForTest("name: fine\n").name, "fine");
}

TEST(HarnessMatchers, BuildTreeOptionsFindTheBuiltFunctions) {
  LoadOptions o = testing::BuildTreeOptions();
  ASSERT_THAT(o.function_dirs, SizeIs(1));
  EXPECT_EQ(o.function_dirs[0], FANLAB_FUNCTIONS_DIR);
}

// As the header's example: a scenario of the source tree, run and judged.
TEST(HarnessMatchers, TheOrdersExamplePasses) {
  Scenario s = testing::LoadForTest(
      std::string(FANLAB_SCENARIOS_DIR) + "/examples/orders.yaml",
      testing::BuildTreeOptions());
  ASSERT_EQ(s.name, "orders");
  ScenarioResult r = RunScenario(s);
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "orders", "success"), SizeIs(3));
  EXPECT_THAT(r.events, Contains(EventIs("http", "SinkRequest", "callback")));
  // Breaking one expectation fails exactly that one.
  std::get<Expectation::Invocations>(s.expect.at(3).check).checks.count = 4;
  ScenarioResult broken = RunScenario(s);
  EXPECT_THAT(broken, Not(Passed()));
  EXPECT_THAT(broken, FailedExpectation(s.expect.at(3).label));
  EXPECT_THAT(broken.Failures(), SizeIs(1));
}

}  // namespace
}  // namespace fanlab::harness
