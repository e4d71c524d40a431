// expect_failure: a scenario that shows a weak spot passes when its
// expectations break, and fails, saying so, when they all hold.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/testing/matchers.h"

namespace fanlab::harness {
namespace {

using ::testing::HasSubstr;
using namespace ::fanlab::harness::testing;

constexpr const char* kScenario = R"(name: weak
expect_failure: "one message is sent, two are asked for"
resources:
  queues: [{name: q}]
timeline:
  - send: {queue: q, body: hello}
expect:
  - messages: {queue: q, count: COUNT}
)";

Scenario WithCount(const std::string& count) {
  std::string text = kScenario;
  text.replace(text.find("COUNT"), 5, count);
  return ParseForTest(text);
}

TEST(ExpectFailure, ABrokenExpectationIsThePass) {
  ScenarioResult r = RunScenario(WithCount("2"));
  EXPECT_EQ(r.status, ScenarioResult::Status::kPassed);
  EXPECT_TRUE(r.failed_as_expected);
  EXPECT_EQ(r.Failures().size(), 1u);
}

TEST(ExpectFailure, EverythingHoldingIsAFailureThatSaysSo) {
  ScenarioResult r = RunScenario(WithCount("1"));
  EXPECT_EQ(r.status, ScenarioResult::Status::kFailed);
  EXPECT_FALSE(r.failed_as_expected);
  EXPECT_THAT(r.failure, HasSubstr("expected to fail (one message is sent, "
                                   "two are asked for)"));
}

}  // namespace
}  // namespace fanlab::harness
