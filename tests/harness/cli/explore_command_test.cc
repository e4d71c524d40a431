// `fanlab explore` (harness/cli/explore_command.cc) as a user runs it: the
// built binary, its exit codes (0 no seed failed, 1 one did, 2 misuse or
// a bad scenario), what it prints about shrinking, and the files it
// writes only when asked (--shrunk, --trace). Skipped when the binary has
// not been built.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/harness/cli/fanlab_cli_test.h"

namespace fanlab::harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class ExploreCli : public FanlabCliTest {
 protected:
  void SetUp() override {
    FanlabCliTest::SetUp();
    if (IsSkipped()) return;
    WritePassingScenario("pass.yaml");
    // The second send to jobs fails (needed); the delay is needless.
    Write("two.yaml", R"(name: two
resources:
  queues: [{name: jobs}]
timeline:
  - {id: a, send: {queue: jobs, body: one}}
  - {id: b, after: 1s, send: {queue: jobs, body: two}}
faults:
  - {fault: delay, action: GetQueueAttributes, delay: 1s}
  - {fault: error, error: ServiceUnavailable, action: SendMessage, nth: 2}
expect:
  - name: both sent
    events: {service: sqs, kind: MessageSent, count: 2}
)");
  }
};

TEST_F(ExploreCli, NoFailureExitsZero) {
  EXPECT_EQ(Fanlab("explore " + F("pass.yaml") + " --seeds 3 -j 2"), 0)
      << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("pass: 3 seeds run in "));
  EXPECT_THAT(out_, HasSubstr("no failure"));
}

TEST_F(ExploreCli, AFailurePrintsWhatShrinkingTookOutAndTheShrunkYaml) {
  EXPECT_EQ(Fanlab("explore " + F("two.yaml") + " --seeds 2"), 1)
      << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("seed 1 fails:"));
  EXPECT_THAT(out_,
              HasSubstr("replay: fanlab run " + F("two.yaml") + " --seed 1\n"));
  EXPECT_THAT(out_, HasSubstr("  removed fault faults[0] (delay at "
                              "GetQueueAttributes, delay 1s)\n"));
  EXPECT_THAT(out_, HasSubstr("  removed step a\n"));
  EXPECT_THAT(out_, HasSubstr("  lowered fault faults[1]: nth 2 -> 1\n"));
  EXPECT_THAT(out_, HasSubstr("(1 of 2 steps, 1 of 2 faults)"));
  EXPECT_THAT(out_, HasSubstr("shrunk scenario (save it next to"));
  EXPECT_THAT(out_, HasSubstr("seed: 1\n"));
  EXPECT_THAT(out_, Not(HasSubstr("GetQueueAttributes, delay: 1s")));
  // Nothing written unasked.
  EXPECT_FALSE(fs::exists(dir_ / "trace.json"));
}

TEST_F(ExploreCli, WritesTheShrunkScenarioAndTheTraceWhereAsked) {
  EXPECT_EQ(Fanlab("explore " + F("two.yaml") + " --seeds 1 --shrunk " +
                   F("shrunk.yaml") + " --trace " + F("trace.json")),
            1)
      << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("replay it: fanlab run " + F("shrunk.yaml")));
  EXPECT_THAT(Read("trace.json"), HasSubstr("\"traceEvents\""));
  std::string shrunk = Read("shrunk.yaml");
  EXPECT_THAT(shrunk, HasSubstr("nth: 1"));
  EXPECT_THAT(shrunk, Not(HasSubstr("delay")));
  // The shrunk file replays the failure.
  EXPECT_EQ(Fanlab("run -q " + F("shrunk.yaml")), 1) << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("both sent"));
}

TEST_F(ExploreCli, MisuseExitsTwo) {
  EXPECT_EQ(Fanlab("explore " + F("pass.yaml") + " --shard 3/2"), 2);
  EXPECT_THAT(err_, HasSubstr("--shard is i/n with 1 <= i <= n"));
  EXPECT_EQ(Fanlab("explore " + F("nope.yaml")), 2);
}

}  // namespace
}  // namespace fanlab::harness
