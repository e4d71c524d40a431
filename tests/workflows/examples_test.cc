// The Lambda-runtime examples of scenarios/examples through the harness
// library: each declares its function with runtime, handler and a code
// folder (sent as Code.Directory) and runs the handler unmodified.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "harness/testing/matchers.h"

namespace fanlab::harness {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;
using namespace ::fanlab::harness::testing;

std::string ExamplePath(const std::string& name) {
  return std::string(FANLAB_SCENARIOS_DIR) + "/examples/" + name +
         "/scenario.yaml";
}

class ExamplesWorkflow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The runtime clients of the source tree: the build copies them next
    // to the fanlab executable, not next to the test binary.
    std::string dir = (std::filesystem::path(FANLAB_SCENARIOS_DIR) / ".." /
                       "functions" / "runtimes")
                          .lexically_normal()
                          .string();
    ::setenv("FANLAB_RUNTIMES_DIR", dir.c_str(), /*overwrite=*/0);
  }
};

// python3.12 under an SQS mapping, writing with boto3 to a table; the
// malformed message reported as a batch item failure ends in the DLQ.
TEST_F(ExamplesWorkflow, PythonOrdersFromAQueueToATable) {
  ScenarioResult r = RunScenario(
      LoadForTest(ExamplePath("python-orders"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "record-order", "success"), Not(IsEmpty()));
}

// nodejs20.x behind HTTP routes, on Node's standard library alone.
TEST_F(ExamplesWorkflow, NodeGreetingsBehindRoutes) {
  ScenarioResult r = RunScenario(
      LoadForTest(ExamplePath("node-greetings"), BuildTreeOptions()));
  EXPECT_THAT(r, Passed());
  EXPECT_THAT(Invocations(r, "greetings", "success"), ::testing::SizeIs(3));
}

}  // namespace
}  // namespace fanlab::harness
