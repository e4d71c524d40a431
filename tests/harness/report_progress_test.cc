// The progress line (harness/report_progress.h) and the benches' stages
// on it (bench/progress.h): drawn in place when told the stream is a
// terminal, nothing at all otherwise.
#include "harness/report_progress.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "bench/progress.h"

namespace fanlab::harness {
namespace {

using Clock = std::chrono::steady_clock;

struct FakeNow {
  Clock::time_point t{};
  ProgressLine::Now fn() {
    return [this] { return t; };
  }
};

TEST(ProgressLine, NotATerminalDrawsNothing) {
  std::ostringstream out;
  {
    ProgressLine line(out, false);
    line.Update("[1/2] 1 passed, 0 failed: running a");
    line.Clear();
    line.Update("[2/2] 2 passed, 0 failed");
  }
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressLine, ATerminalGetsOneLineRewrittenInPlace) {
  std::ostringstream out;
  FakeNow now;
  {
    ProgressLine line(out, true, std::chrono::milliseconds(0), 80, now.fn());
    line.Update("[0/2] 0 passed, 0 failed: running a");
    now.t += std::chrono::milliseconds(1500);
    line.Update("[1/2] 1 passed, 0 failed: running b");
    EXPECT_EQ(out.str(),
              "\r\x1b[2K[0/2] 0 passed, 0 failed: running a  0.0 s"
              "\r\x1b[2K[1/2] 1 passed, 0 failed: running b  1.5 s");
    out.str("");
    line.Clear();
    EXPECT_EQ(out.str(), "\r\x1b[2K");
    line.Clear();  // nothing shown: nothing to erase
    EXPECT_EQ(out.str(), "\r\x1b[2K");
    line.Update("again");
  }
  // Erased when it goes.
  EXPECT_EQ(out.str(), "\r\x1b[2K\r\x1b[2Kagain  1.5 s\r\x1b[2K");
}

TEST(ProgressLine, LongLinesAreCutToTheTerminal) {
  std::ostringstream out;
  FakeNow now;
  ProgressLine line(out, true, std::chrono::milliseconds(0), 20, now.fn());
  line.Update("a scenario with a very long name");
  // 19 columns: 12 of status with "...", then "  0.0 s".
  EXPECT_EQ(out.str(), "\r\x1b[2Ka scenari...  0.0 s");
}

TEST(ProgressLine, RunStatusCountsAndNamesWhatRuns) {
  EXPECT_EQ(RunProgressText(3, 11, 2, 1, 0, "orders"),
            "[3/11] 2 passed, 1 failed: running orders");
  EXPECT_EQ(RunProgressText(11, 11, 9, 1, 1, ""),
            "[11/11] 9 passed, 1 failed, 1 errors");
}

TEST(BenchProgress, StagesShowOnlyWhileABenchIsAlive) {
  bench::BenchStage("nobody listens");  // no line: nothing happens
  std::ostringstream quiet;
  {
    bench::BenchProgress progress("fanlab bench invoke", false, quiet);
    bench::BenchStage("cold invocations (200)");
  }
  EXPECT_EQ(quiet.str(), "");

  std::ostringstream shown;
  {
    bench::BenchProgress progress("fanlab bench invoke", true, shown);
    bench::BenchStage("cold invocations (200)");
    progress.Done();
    bench::BenchStage("after Done: not drawn");
  }
  std::string text = shown.str();
  EXPECT_NE(text.find("\r\x1b[2Kfanlab bench invoke  "), std::string::npos)
      << text;
  EXPECT_NE(text.find("\r\x1b[2Kfanlab bench invoke: cold invocations (200)  "),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("after Done"), std::string::npos);
  EXPECT_TRUE(text.ends_with("\r\x1b[2K")) << text;
}

}  // namespace
}  // namespace fanlab::harness
