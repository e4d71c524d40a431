#include "bench/schedule_bench.h"

#include <gtest/gtest.h>

namespace fanlab::bench {
namespace {

// The rule fires exactly once a minute of virtual time, each fire invokes
// the function once, and the queue floor gets one message a fire. (The
// wall-time target is the bench's to print, not this test's to assert.)
TEST(ScheduleBenchTest, AMinuteRuleFiresOncePerVirtualMinute) {
  ScheduleBenchOptions o;
  o.function = FANLAB_TEST_FUNCTION;
  o.hours = 3;
  std::string error;
  ScheduleBenchResult r = RunScheduleBench(o, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(r.fires, 180u);
  EXPECT_EQ(r.invocations, 180u);
  EXPECT_EQ(r.queue_messages, 180u);
  EXPECT_GT(r.wall_s, 0);
  std::string json = FormatScheduleBench(r, true);
  EXPECT_NE(json.find("\"fires\":180"), std::string::npos) << json;
  EXPECT_NE(json.find("\"wall_s\":"), std::string::npos) << json;
}

}  // namespace
}  // namespace fanlab::bench
