// Deterministic runs (Engine::DeterministicLoop) on the embedded emulator:
// when a process counts as idle. A process is judged in /proc only once
// it has said something since it was spawned, and a plain HTTP call is
// put down to the process holding its connection. Virtual clock; the
// functions themselves wait a little real time, the tests never do.
#include <gtest/gtest.h>

#include <string>

#include "harness/runner.h"
#include "harness/testing/matchers.h"
#include "tests/harness/harness_test_util.h"

namespace fanlab::harness {
namespace {

using testing::ParseForTest;

ScenarioResult RunYaml(const std::string& yaml) {
  Scenario s = ParseForTest(test_util::WithTestFunction(yaml), {}, "s.yaml");
  return RunScenario(s);
}

std::string Failures(const ScenarioResult& r) {
  std::string out = r.failure;
  for (const ExpectationResult* e : r.Failures()) {
    out +=
        "\n" + e->label + ": expected " + e->expected + ", found " + e->found;
  }
  return out;
}

// A cold process that waits (on nothing of fanlab's: a poll with a
// timeout, which /proc shows as an idle sleep) before it sends anything.
// It used to be judged idle after a millisecond of quiet, virtual time
// jumped to its deadline and the invocation timed out.
TEST(Determinism, AProcessJustSpawnedIsNotIdleBeforeItSaysAnything) {
  ScenarioResult r = RunYaml(R"yaml(name: fresh
resources:
  functions:
    - name: slow-start
      command: [python3, -c, "import os, select; select.select([], [], [], 0.3); os.write(3, b'{\"status\":\"ok\"}\\n{\"ok\":true}')"]
      timeout: 3s
timeline:
  - invoke: {function: slow-start, payload: {}}
expect:
  - invocations: {function: slow-start, outcome: success, count: 1}
)yaml");
  EXPECT_TRUE(r.deterministic);
  EXPECT_TRUE(r.passed()) << Failures(r);
  EXPECT_LT(r.virtual_time, std::chrono::seconds(3));
}

// Two cold processes at once, each of which first says something with a
// POST to a sink with no AWS signature. Each POST is put down to its
// sender by its connection (else neither process would count as having
// said anything, and each would wait out the grace a process just
// spawned is given), and the same seed gives the same log.
TEST(Determinism, APlainHttpCallIsPutDownToItsSender) {
  const std::string yaml = R"yaml(name: plain-http
seed: 3
resources:
  sinks:
    - name: seen
  functions:
    - name: poster
      command: [python3, -c, "import os, urllib.request; urllib.request.urlopen(urllib.request.Request(os.environ['SINK'], data=b'x', method='POST')).read(); os.write(3, b'{\"status\":\"ok\"}\\n{}')"]
      timeout: 3s
      environment: {SINK: "${sink_url:seen}"}
timeline:
  - invoke: {function: poster, type: Event, payload: {n: 1}}
  - invoke: {function: poster, type: Event, payload: {n: 2}}
expect:
  - invocations: {function: poster, outcome: success, count: 2}
  - requests: {sink: seen, count: 2}
)yaml";
  ScenarioResult first = RunYaml(yaml);
  ASSERT_TRUE(first.passed()) << Failures(first);
  // Neither process waited out the grace one that never said anything is
  // given.
  EXPECT_EQ(first.fresh_graces, 0u);
  ScenarioResult second = RunYaml(yaml);
  ASSERT_TRUE(second.passed()) << Failures(second);
  ASSERT_EQ(first.events.size(), second.events.size());
  for (size_t i = 0; i < first.events.size(); ++i) {
    EXPECT_EQ(first.events[i].kind, second.events[i].kind) << i;
    EXPECT_EQ(first.events[i].resource, second.events[i].resource) << i;
  }
}

}  // namespace
}  // namespace fanlab::harness
