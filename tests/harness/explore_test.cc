// The shrinker exploration uses, over plain lists (steps and faults go
// through the same template), the failure signature it compares, and
// exploration of scenario files: faults and steps taken out, faults
// lowered, the shrunk scenario as YAML that fails the same way.
#include "harness/explore.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fanlab::harness {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// `yaml` written as NAME in a fresh folder, and loaded from there.
Scenario LoadFile(const std::string& name, const std::string& yaml) {
  static int count = 0;
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      ("explore-" + std::to_string(::getpid()) + "-" + std::to_string(count++));
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path) << yaml;
  LoadResult r = LoadScenario(path, {});
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
  return r.scenario.value_or(Scenario{});
}

std::vector<std::string> StepIds(const Scenario& s) {
  std::vector<std::string> out;
  for (const Step& step : s.timeline) out.push_back(step.id);
  return out;
}

// The second send to jobs fails (needed); a delay on GetQueueAttributes
// and a throttle on ReceiveMessage change nothing the expectation sees
// (needless).
constexpr char kTwoSends[] = R"(name: two-sends
resources:
  queues: [{name: jobs}, {name: other}]
timeline:
  - id: a
    send: {queue: jobs, body: one}
  - id: b
    after: 1s
    send: {queue: other, body: x}
  - id: c
    after: 1s
    send: {queue: jobs, body: two}
  - id: d
    after: 1s
    call: {action: GetQueueAttributes, body: {QueueUrl: "${queue_url:other}"}}
faults:
  - {fault: delay, action: GetQueueAttributes, delay: 1s}
  - {fault: error, error: ServiceUnavailable, action: SendMessage, resource: jobs, nth: 2}
  - {name: spare, fault: throttle, action: ReceiveMessage}
expect:
  - name: both jobs sent
    events: {service: sqs, kind: MessageSent, resource: jobs, count: 2}
  - response: {step: d, ok: true}
)";

TEST(ExploreTest, ShrinkingKeepsOnlyTheNeededFault) {
  Scenario s = LoadFile("two-sends.yaml", kTwoSends);
  ExploreResult r = Explore(s, ExploreOptions{.seeds = 3});
  ASSERT_EQ(r.failing_seed, 1u);
  EXPECT_EQ(r.runs, 1u);
  ASSERT_EQ(r.shrunk.faults.size(), 1u);
  const sim::FaultSpec& kept = r.shrunk.faults[0];
  EXPECT_EQ(kept.kind, sim::FaultSpec::Kind::kError);
  EXPECT_EQ(kept.error, "ServiceUnavailable");
  // First place in the shrunk list: labelled as the file read back says.
  EXPECT_EQ(kept.label, "faults[0]");
  // Fired earlier: one send is enough.
  EXPECT_EQ(kept.nth, 1u);
  EXPECT_THAT(StepIds(r.shrunk), ElementsAre("c"));
  EXPECT_THAT(r.removed, AllOf(Contains(HasSubstr("fault faults[0] (delay at "
                                                  "GetQueueAttributes")),
                               Contains(HasSubstr("fault spare (throttle")),
                               Contains("step a"), Contains("step d"),
                               Contains(HasSubstr("expectation response d"))));
  EXPECT_THAT(r.removed, Not(Contains(HasSubstr("ServiceUnavailable"))));
  EXPECT_THAT(r.lowered, ElementsAre("fault faults[1]: nth 2 -> 1"));
  EXPECT_EQ(FailureSignature(r.shrunk_result), FailureSignature(r.failure));
  EXPECT_GT(r.shrink_runs, 0u);
}

TEST(ExploreTest, AWeakSpotShownOnPurposeIsFoundAndShrunk) {
  // As a replay it passes (the failure is expected); exploring it reports
  // the seed that breaks it, shrunk as any failure is.
  std::string yaml = kTwoSends;
  yaml.insert(yaml.find("resources:"),
              "expect_failure: the second send to jobs fails\n");
  Scenario s = LoadFile("weak-spot.yaml", yaml);
  ASSERT_FALSE(s.expect_failure.empty());
  ExploreResult r = Explore(s, ExploreOptions{.seeds = 3});
  ASSERT_EQ(r.failing_seed, 1u);
  EXPECT_TRUE(r.failure.failed_as_expected);
  EXPECT_THAT(FailureSignature(r.failure), HasSubstr("both jobs sent"));
  ASSERT_EQ(r.shrunk.faults.size(), 1u);
  EXPECT_EQ(r.shrunk.faults[0].error, "ServiceUnavailable");
}

TEST(ExploreTest, TheShrunkYamlReadsBackAndFailsTheSameWay) {
  Scenario s = LoadFile("two-sends.yaml", kTwoSends);
  ExploreResult r = Explore(s, ExploreOptions{.seeds = 1});
  ASSERT_TRUE(r.failing_seed);
  ASSERT_FALSE(r.shrunk_yaml.empty()) << r.shrunk_yaml_missing;
  EXPECT_THAT(r.shrunk_yaml, HasSubstr("seed: 1"));
  EXPECT_THAT(r.shrunk_yaml, HasSubstr("at: 2s"));  // `after` made absolute
  EXPECT_THAT(r.shrunk_yaml, Not(HasSubstr("spare")));
  Scenario back = LoadFile("shrunk.yaml", r.shrunk_yaml);
  EXPECT_THAT(StepIds(back), ElementsAre("c"));
  ASSERT_EQ(back.faults.size(), 1u);
  EXPECT_EQ(back.faults[0].nth, 1u);
  ScenarioResult again = RunScenario(back);  // its own seed: the failing one
  EXPECT_EQ(FailureSignature(again), FailureSignature(r.failure));
  EXPECT_EQ(again.events.size(), r.shrunk_result.events.size());
}

TEST(ExploreTest, AProbabilityBecomesTheMatchItFiredAt) {
  Scenario s = LoadFile("coin.yaml", R"(name: coin
resources:
  queues: [{name: jobs}]
timeline:
  - id: send
    repeat: 8
    every: 1s
    send: {queue: jobs, body: "n${i}"}
faults:
  - {fault: error, error: InternalError, action: SendMessage, probability: 0.5}
expect:
  - events: {service: sqs, kind: MessageSent, count: 8}
)");
  ExploreResult r = Explore(s, ExploreOptions{.seeds = 5});
  ASSERT_TRUE(r.failing_seed);
  ASSERT_EQ(r.shrunk.faults.size(), 1u);
  EXPECT_EQ(r.shrunk.faults[0].probability, 1.0);
  EXPECT_GE(r.shrunk.faults[0].nth, 1u);
  ASSERT_EQ(r.lowered.size(), 1u);
  EXPECT_THAT(r.lowered[0], HasSubstr("probability 0.5 -> nth "));
  // A repeated step's runs go (or stay) together, as the file has them.
  EXPECT_EQ(r.shrunk.timeline.size(), 8u);
  EXPECT_THAT(r.shrunk_yaml, HasSubstr("repeat: 8"));
  EXPECT_THAT(r.shrunk_yaml, Not(HasSubstr("probability")));
}

TEST(ExploreTest, AScenarioBuiltInCppHasNoYaml) {
  LoadResult loaded = ParseScenario(R"(name: inline
resources:
  queues: [{name: jobs}]
expect:
  - queue: {name: jobs, visible: 1}
)",
                                    "", {});
  ASSERT_TRUE(loaded.scenario);
  Scenario s = *loaded.scenario;
  s.file.clear();
  ExploreResult r = Explore(s, ExploreOptions{.seeds = 1});
  ASSERT_TRUE(r.failing_seed);
  EXPECT_TRUE(r.shrunk_yaml.empty());
  EXPECT_THAT(r.shrunk_yaml_missing, HasSubstr("built in C++"));
}

TEST(ShrinkListTest, KeepsOnlyWhatTheFailureNeeds) {
  std::vector<int> items{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  int calls = 0;
  std::function<bool(const std::vector<int>&)> fails =
      [&](const std::vector<int>& v) {
        ++calls;
        bool has3 = false, has8 = false;
        for (int x : v) {
          has3 |= x == 3;
          has8 |= x == 8;
        }
        return has3 && has8;
      };
  EXPECT_EQ(ShrinkList(items, fails), (std::vector<int>{3, 8}));
  EXPECT_LE(calls, 100);
}

TEST(ShrinkListTest, AFailureNeedingNothingShrinksToEmpty) {
  std::function<bool(const std::vector<int>&)> always =
      [](const std::vector<int>&) { return true; };
  EXPECT_TRUE(ShrinkList(std::vector<int>{1, 2, 3}, always).empty());
  EXPECT_TRUE(ShrinkList(std::vector<int>{}, always).empty());
}

TEST(ShrinkListTest, KeepsTheOrder) {
  std::function<bool(const std::vector<int>&)> needs_5_then_1 =
      [](const std::vector<int>& v) {
        for (size_t i = 0; i < v.size(); ++i) {
          for (size_t j = i + 1; j < v.size(); ++j) {
            if (v[i] == 5 && v[j] == 1) return true;
          }
        }
        return false;
      };
  EXPECT_EQ(ShrinkList(std::vector<int>{9, 5, 7, 1, 2}, needs_5_then_1),
            (std::vector<int>{5, 1}));
}

TEST(FailureSignatureTest, NamesTheFailedExpectations) {
  ScenarioResult passed;
  EXPECT_EQ(FailureSignature(passed), "");
  ScenarioResult failed;
  failed.status = ScenarioResult::Status::kFailed;
  failed.expectations.push_back(
      {.kind = "events", .label = "a", .passed = true});
  failed.expectations.push_back(
      {.kind = "response", .label = "b", .passed = false});
  EXPECT_EQ(FailureSignature(failed), "response b\n");
}

}  // namespace
}  // namespace fanlab::harness
