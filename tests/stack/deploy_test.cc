// Stacks created in an engine through its dispatcher, and a template's
// stack replayed in a scenario (`stack:`), with a python3.12 handler fed
// by an SQS event.
#include "stack/deploy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "emulator/engine.h"
#include "emulator/transport/context.h"
#include "harness/testing/matchers.h"

namespace fanlab::stack {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string TestData(const std::string& name) {
  return (fs::path(FANLAB_SCENARIOS_DIR) / ".." / "tests" / "stack" /
          "testdata" / name)
      .lexically_normal()
      .string();
}

class DeployTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The runtime clients of the source tree (the build copies them next
    // to the fanlab executable, not next to the test binary).
    std::string dir =
        (fs::path(FANLAB_SCENARIOS_DIR) / ".." / "functions" / "runtimes")
            .lexically_normal()
            .string();
    ::setenv("FANLAB_RUNTIMES_DIR", dir.c_str(), /*overwrite=*/0);
  }

  DeployTest() : engine_(Options(), context_) {}
  static EngineOptions Options() {
    EngineOptions o;
    o.virtual_clock = true;
    return o;
  }

  // The answer of `action` (which must succeed).
  json::value Call(const std::string& action, const std::string& body = "{}") {
    json::value out;
    engine_.Dispatch(action, body, [&](api::ApiResponse r) {
      EXPECT_TRUE(r.ok) << action << ": " << r.body;
      out = json::parse(r.body);
    });
    return out;
  }

  transport::Context context_;
  Engine engine_;
};

TEST_F(DeployTest, EveryCallGoesThroughTheDispatcher) {
  StackResult loaded =
      LoadTemplate(TestData("orders/template.yaml"), TemplateOptions{});
  ASSERT_TRUE(loaded.stack);
  EXPECT_THAT(Deploy(engine_, *loaded.stack, ""), IsEmpty());
  json::value queues = Call("ListQueues");
  EXPECT_THAT(queues.at("QueueUrls").as_array(), SizeIs(2));
  json::value attributes = Call(
      "GetQueueAttributes",
      R"({"QueueUrl": ")" + engine_.sqs().QueueUrl("orders") +
          R"(", "AttributeNames": ["RedrivePolicy", "VisibilityTimeout"]})");
  EXPECT_EQ(attributes.at("Attributes").at("VisibilityTimeout"), "30");
  EXPECT_THAT(
      std::string(attributes.at("Attributes").at("RedrivePolicy").as_string()),
      HasSubstr("orders-dlq"));
  json::value fn = Call("GetFunction", R"({"FunctionName": "record-order"})");
  EXPECT_EQ(fn.at("Configuration").at("Runtime"), "python3.12");
  EXPECT_EQ(fn.at("Configuration").at("Timeout"), 10);
  EXPECT_EQ(
      fn.at("Configuration").at("Environment").at("Variables").at("TABLE"),
      "Orders");
  json::value mappings = Call("ListEventSourceMappings");
  ASSERT_THAT(mappings.at("EventSourceMappings").as_array(), SizeIs(1));
  EXPECT_EQ(mappings.at("EventSourceMappings").at(0).at("BatchSize"), 10);
  EXPECT_THAT(Call("ListTables").at("TableNames").as_array(),
              ElementsAre("Orders"));
}

TEST_F(DeployTest, ARefusedCallIsReportedAtItsResource) {
  StackResult loaded = ParseTemplate(R"(Resources:
  Ok: {Type: AWS::SQS::Queue}
  Bad:
    Type: AWS::Events::Rule
    Properties: {ScheduleExpression: 'rate(0 minutes)'}
  Never: {Type: AWS::SQS::Queue, DependsOn: Bad}
)",
                                     "t.yaml", {});
  ASSERT_TRUE(loaded.stack);
  Diagnostics errors = Deploy(engine_, *loaded.stack, "");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_THAT(errors[0].ToString(),
              HasSubstr("t.yaml:4:5: Resources.Bad: PutRule was refused: "));
  // It stops there: what depends on it is not created.
  EXPECT_THAT(Call("ListQueues").at("QueueUrls").as_array(), SizeIs(1));
}

TEST_F(DeployTest, PlaceholdersComeFromTheEngine) {
  EXPECT_EQ(ResolvePlaceholders(engine_, "http://127.0.0.1:9",
                                "${queue_url:q} ${http}/x ${other}"),
            "http://127.0.0.1:9/000000000000/q http://127.0.0.1:9/x ${other}");
  EXPECT_EQ(ResolvePlaceholders(engine_, "", "${queue_url:q}"),
            engine_.sqs().QueueUrl("q"));
}

TEST_F(DeployTest, TheBatchJobTemplateDescribesItsResources) {
  StackResult loaded = LoadTemplate((fs::path(FANLAB_SCENARIOS_DIR) / ".." /
                                     "bench" / "templates" / "batch_job.yaml")
                                        .string(),
                                    TemplateOptions{});
  ASSERT_TRUE(loaded.stack) << loaded.errors[0].ToString();
  EXPECT_THAT(Deploy(engine_, *loaded.stack, "http://h"), IsEmpty());
  std::string text = Describe(engine_, *loaded.stack, "http://h");
  EXPECT_THAT(text, HasSubstr("route (Api)                   GET "
                              "http://h/dispatch\n"));
  EXPECT_THAT(text, HasSubstr("Output RunQueueUrl = "
                              "http://h/000000000000/RunQueue\n"));
}

// The end-to-end case: `stack:` in a scenario, a python3.12 handler behind
// an SQS event, with a parameter given by the scenario.
TEST_F(DeployTest, ScenarioReplaysAgainstATemplate) {
  using namespace ::fanlab::harness::testing;
  harness::ScenarioResult r = harness::RunScenario(
      LoadForTest(TestData("orders/scenario.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "record-order", "success"),
              ::testing::Not(IsEmpty()));
}

// S3 notifications (to a function and to a queue), an HttpApi route with
// payload format 2.0, and a function's DeadLetterQueue, end to end with
// python3.12 handlers.
TEST_F(DeployTest, NotificationsHttpApiAndDeadLettersReplay) {
  using namespace ::fanlab::harness::testing;
  harness::ScenarioResult r = harness::RunScenario(
      LoadForTest(TestData("gaps/scenario.yaml"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
}

// `durations` gives a template's functions their virtual time; a name
// not declared anywhere is an error with a suggestion, and a declared
// function's own duration is not given twice.
TEST(StackScenario, DurationsNameTheTemplatesFunctions) {
  const std::string file = TestData("orders/durations.yaml");
  harness::LoadResult ok = harness::ParseScenario(
      "stack: template.yaml\n"
      "durations:\n"
      "  record-order: {duration: 200ms, duration_max: 300ms}\n",
      file, {});
  ASSERT_THAT(ok.errors, IsEmpty());
  ASSERT_TRUE(ok.scenario.has_value());
  auto it = ok.scenario->virtual_durations.find("record-order");
  ASSERT_NE(it, ok.scenario->virtual_durations.end());
  EXPECT_EQ(it->second.first, std::chrono::milliseconds(200));
  EXPECT_EQ(it->second.second, std::chrono::milliseconds(300));

  harness::LoadResult typo = harness::ParseScenario(
      "stack: template.yaml\n"
      "durations:\n"
      "  record-ordr: {duration: 200ms}\n",
      file, {});
  ASSERT_THAT(typo.errors, SizeIs(1));
  EXPECT_THAT(typo.errors[0].ToString(),
              HasSubstr("durations.record-ordr: no function named "
                        "\"record-ordr\" in resources.functions or the "
                        "stack (did you mean \"record-order\"?)"));

  harness::LoadResult twice = harness::ParseScenario(
      "resources:\n"
      "  functions:\n"
      "    - {name: f, command: [/bin/true], duration: 1s}\n"
      "durations:\n"
      "  f: {duration: 2s}\n",
      file, {});
  ASSERT_THAT(twice.errors, SizeIs(1));
  EXPECT_THAT(twice.errors[0].ToString(),
              HasSubstr("has a duration in resources.functions already"));
}

TEST(StackScenario, TemplateErrorsAreScenarioErrors) {
  fs::path dir = fs::temp_directory_path() /
                 ("fanlab-stack-scenario-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "t.yaml") << "Resources:\n  Q: {Type: AWS::Nope}\n";
  harness::LoadResult r =
      harness::ParseScenario("stack: t.yaml\n", (dir / "s.yaml").string(), {});
  fs::remove_all(dir);
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_THAT(r.errors[0].ToString(),
              HasSubstr("t.yaml:2:13: Resources.Q.Type: the resource type "
                        "AWS::Nope is not supported"));
}

}  // namespace
}  // namespace fanlab::stack
