// The FakeLauncher's own contract, without a FunctionService: what a
// scripted process does and when, on the virtual clock.
#include "tests/compute/fake_launcher.h"

#include <gtest/gtest.h>

#include "emulator/queue/sqs_errors.h"

namespace fanlab::compute {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class FakeLauncherTest : public ::testing::Test {
 protected:
  // Launches `program` in frame mode, collecting what it reports.
  std::shared_ptr<FakeProcess> Launch(const std::string& program) {
    LaunchSpec spec{.argv = {program}, .env = {"FANLAB_MODE=warm"}};
    auto launched = launcher_.Launch(
        spec,
        {.on_result = [this](std::string_view b) { results_ += b; },
         .on_exit = [this](const ExitStatus& s) { exits_.push_back(s); }});
    EXPECT_TRUE(launched.ok()) << launched.status().ToString();
    return launcher_.launched().back();
  }
  static std::string Frame(const std::string& id, const std::string& body) {
    return R"({"requestId":")" + id + R"(","deadlineMs":5,"length":)" +
           std::to_string(body.size()) + "}\n" + body;
  }

  VirtualClock clock_;
  FakeLauncher launcher_{clock_};
  std::string results_;
  std::vector<ExitStatus> exits_;
};

TEST_F(FakeLauncherTest, NothingHappensInsideTheCallThatCausedIt) {
  launcher_.Define("echo",
                   FakeProgram{.handler =
                                   [](const FakeEvent& e) {
                                     return FakeReply::Result(e.payload).After(
                                         milliseconds(5));
                                   },
                               .init = milliseconds(10)});
  auto p = Launch("echo");
  p->Write(Frame("r1", "{}"));
  EXPECT_TRUE(results_.empty());
  EXPECT_TRUE(p->events().empty());
  clock_.Advance(milliseconds(10));  // ready, and the frame read
  EXPECT_EQ(results_, "{\"status\":\"ready\"}\n");
  ASSERT_EQ(p->events().size(), 1u);
  EXPECT_EQ(p->events()[0].request_id, "r1");
  EXPECT_EQ(p->events()[0].deadline_ms, 5);
  EXPECT_EQ(p->events()[0].number, 1);
  clock_.Advance(milliseconds(5));
  EXPECT_EQ(results_,
            "{\"status\":\"ready\"}\n{\"status\":\"ok\",\"length\":2}\n{}");
  // End of input ends a frame process that is not busy.
  p->CloseStdin();
  EXPECT_FALSE(p->exited());
  clock_.AdvanceTo(clock_.Now());
  ASSERT_EQ(exits_.size(), 1u);
  EXPECT_EQ(exits_[0].code, 0);
  EXPECT_FALSE(exits_[0].signaled);
}

TEST_F(FakeLauncherTest, UndefinedOrFailingProgramsDoNotStart) {
  LaunchSpec spec{.argv = {"/no/such"}};
  auto missing = launcher_.Launch(spec, {});
  EXPECT_EQ(missing.status().code(), sqs::kInvalidParameterValue);
  EXPECT_NE(missing.status().message().find("/no/such"), std::string::npos);
  launcher_.Define(
      "echo", [](const FakeEvent& e) { return FakeReply::Result(e.payload); });
  launcher_.FailLaunch("echo", Status(sqs::kInvalidParameterValue,
                                      "cannot start 'echo': out of pids"));
  spec.argv = {"echo"};
  EXPECT_EQ(launcher_.Launch(spec, {}).status().message(),
            "cannot start 'echo': out of pids");
  EXPECT_TRUE(launcher_.launched().empty());
}

TEST_F(FakeLauncherTest, TerminateHonoursTheGraceOnlyWhenTermIsIgnored) {
  launcher_.Define("hang", [](const FakeEvent&) { return FakeReply::Hang(); });
  launcher_.Define(
      "stubborn",
      FakeProgram{.handler = [](const FakeEvent&) { return FakeReply::Hang(); },
                  .ignore_term = true});
  auto polite = Launch("hang");
  auto stubborn = Launch("stubborn");
  TimePoint start = clock_.Now();
  polite->Terminate(milliseconds(500));
  stubborn->Terminate(milliseconds(500));
  stubborn->Terminate(milliseconds(500));  // the first one's kill stands
  clock_.AdvanceTo(clock_.Now());
  ASSERT_TRUE(polite->exited());
  EXPECT_EQ(polite->exit_status().Describe(), "signal: terminated");
  EXPECT_FALSE(stubborn->exited());
  clock_.Advance(milliseconds(500));
  ASSERT_TRUE(stubborn->exited());
  EXPECT_EQ(stubborn->exit_status().Describe(), "signal: killed");
  EXPECT_EQ(stubborn->exited_at(), start + milliseconds(500));
  EXPECT_EQ(stubborn->terminations().size(), 2u);
  EXPECT_EQ(exits_.size(), 2u);
}

TEST_F(FakeLauncherTest, ADetachedProcessReportsNothingMore) {
  launcher_.Define(
      "echo", [](const FakeEvent& e) { return FakeReply::Result(e.payload); });
  auto p = Launch("echo");
  p->Detach();
  p->Write(Frame("r1", "{}"));
  p->Terminate(milliseconds(0));
  clock_.AdvanceTo(clock_.Now());
  EXPECT_TRUE(p->exited());
  EXPECT_TRUE(results_.empty());
  EXPECT_TRUE(exits_.empty());
}

TEST_F(FakeLauncherTest, AMalformedFrameEndsTheProcessWithStatusTwo) {
  launcher_.Define(
      "echo", [](const FakeEvent& e) { return FakeReply::Result(e.payload); });
  auto bad_header = Launch("echo");
  bad_header->Write("not json\n");
  auto cut_short = Launch("echo");
  cut_short->Write(R"({"requestId":"r","length":10})"
                   "\n{}");
  cut_short->CloseStdin();
  clock_.AdvanceTo(clock_.Now());
  ASSERT_TRUE(bad_header->exited());
  EXPECT_EQ(bad_header->exit_status().code, 2);
  ASSERT_TRUE(cut_short->exited());
  EXPECT_EQ(cut_short->exit_status().code, 2);
  EXPECT_NE(cut_short->LogTail(100).find("stdin closed inside a frame"),
            std::string::npos);
}

TEST_F(FakeLauncherTest, DefiningAProgramAgainChangesItsRunningProcesses) {
  launcher_.Define("p",
                   [](const FakeEvent&) { return FakeReply::Result("1"); });
  auto p = Launch("p");
  p->Write(Frame("a", "{}"));
  clock_.AdvanceTo(clock_.Now());
  launcher_.Define("p", [](const FakeEvent&) {
    return FakeReply::Error("E", "m").WithLogs("second\n");
  });
  p->Write(Frame("b", "{}"));
  clock_.AdvanceTo(clock_.Now());
  EXPECT_NE(results_.find("{\"status\":\"ok\",\"length\":1}\n1"),
            std::string::npos);
  EXPECT_NE(results_.find("{\"status\":\"error\""), std::string::npos);
  EXPECT_EQ(p->LogsSince(0, 100), "second\n");
  EXPECT_EQ(p->LogMark(), 7u);
  EXPECT_EQ(launcher_.alive(), 1u);
}

}  // namespace
}  // namespace fanlab::compute
