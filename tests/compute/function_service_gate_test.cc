// FunctionService in deterministic runs: every input of a process goes
// through the gate with its environment's number, and the service says
// when it sets a process going and when a process no longer counts, so
// that the engine knows which processes may be running without looking.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emulator/compute/function_service.h"
#include "tests/compute/fake_launcher.h"

namespace fanlab::compute {
namespace {

using std::chrono::milliseconds;
using Change = FunctionService::ProcessChange;

class FunctionServiceGateTest : public ::testing::Test {
 protected:
  FunctionServiceGateTest()
      : service_(clock_, launcher_, ids_,
                 {.endpoint = "inproc://engine",
                  .kill_grace = milliseconds(50),
                  .deterministic = true}) {
    launcher_.Define("echo", [](const FakeEvent& e) {
      return FakeReply::Result(e.payload);
    });
    service_.SetGate(
        [this](std::string key, uint64_t env, std::function<void()> input) {
          gated_.push_back({key.substr(0, 1), env});
          held_.push_back(std::move(input));
        });
    service_.SetProcessCallback([this](uint64_t env, int, Change change) {
      changes_.push_back({env, change});
    });
    FunctionConfig c;
    c.name = "f";
    c.command = {"echo"};
    c.mode = Mode::kWarm;
    EXPECT_TRUE(service_.CreateFunction(c).ok());
  }

  // Runs what the gate holds, and the clock, until `done()` or nothing
  // is left.
  template <typename Pred>
  void Drain(Pred done) {
    for (int i = 0; i < 1000 && !done(); ++i) {
      clock_.AdvanceTo(clock_.Now());
      std::vector<std::function<void()>> now = std::move(held_);
      held_.clear();
      for (auto& input : now) input();
      if (done()) return;
      if (held_.empty() && !clock_.AdvanceToNextTimer()) return;
    }
  }
  void Drain() {
    Drain([] { return false; });
  }

  struct Gated {
    std::string kind;  // "r" result bytes, "x" exit, "a" Runtime API
    uint64_t env;
  };
  VirtualClock clock_;
  FakeLauncher launcher_{clock_};
  IdGenerator ids_{7};
  FunctionService service_;
  std::vector<Gated> gated_;
  std::vector<std::function<void()>> held_;
  std::vector<std::pair<uint64_t, Change>> changes_;
};

TEST_F(FunctionServiceGateTest, ResultsComeThroughTheGateNamingTheirEnv) {
  bool answered = false;
  service_.Invoke("f", "{}", [&](Result<InvokeResult> r) {
    EXPECT_TRUE(r.ok());
    answered = true;
  });
  Drain([&] { return answered; });
  EXPECT_TRUE(answered);
  ASSERT_FALSE(gated_.empty());
  for (const Gated& g : gated_) {
    EXPECT_EQ(g.kind, "r");
    EXPECT_EQ(g.env, 1u);
  }
  // Spawned, then sent its event frame: set going twice, never gone.
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_EQ(changes_[0], std::make_pair(uint64_t{1}, Change::kWoken));
  EXPECT_EQ(changes_[1], std::make_pair(uint64_t{1}, Change::kWoken));
}

TEST_F(FunctionServiceGateTest, AWarmEnvGoneAfterRetiringExitsOutOfTheGate) {
  bool answered = false;
  service_.Invoke("f", "{}", [&](Result<InvokeResult>) { answered = true; });
  Drain([&] { return answered; });
  ASSERT_TRUE(answered);
  gated_.clear();
  changes_.clear();
  ASSERT_TRUE(service_.DeleteFunction("f").ok());
  // Retired with nothing to answer: it no longer counts, and its exit is
  // handled at once, not held.
  ASSERT_FALSE(changes_.empty());
  EXPECT_EQ(changes_[0], std::make_pair(uint64_t{1}, Change::kGone));
  Drain();
  for (const Gated& g : gated_) EXPECT_NE(g.kind, "x");
  EXPECT_EQ(launcher_.alive(), 0u);
  EXPECT_EQ(service_.environments("f"), 0u);
}

}  // namespace
}  // namespace fanlab::compute
