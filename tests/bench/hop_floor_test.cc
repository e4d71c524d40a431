#include "bench/hop_floor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace fanlab::bench {
namespace {

// This thread's child processes, as /proc lists them.
std::string Children() {
  std::ifstream in("/proc/self/task/" + std::to_string(::gettid()) +
                   "/children");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HopFloorTest, NoRoundsIsNothingToMeasure) {
  std::string error;
  EXPECT_EQ(HopFloorSeconds(0, 0, error), 0);
  EXPECT_EQ(HopFloorSeconds(0, 10, error), 0);
  EXPECT_EQ(error, "");
}

TEST(HopFloorTest, RoundsOfWakeUpsTakeTimeAndLeaveNoProcessBehind) {
  const std::string before = Children();
  std::string error;
  // 25 rounds of 2 or 3 processes each.
  double seconds = HopFloorSeconds(25, 60, error);
  EXPECT_EQ(error, "");
  EXPECT_GT(seconds, 0);
  EXPECT_LT(seconds, 30);
  EXPECT_EQ(Children(), before);
}

TEST(HopFloorTest, ARoundWiderThanTheLimitStillCompletes) {
  std::string error;
  // One round of 300 messages: 256 processes, each answering once.
  EXPECT_GT(HopFloorSeconds(1, kMaxHopWidth + 44, error), 0);
  EXPECT_EQ(error, "");
}

}  // namespace
}  // namespace fanlab::bench
