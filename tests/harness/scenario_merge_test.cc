// YAML merge keys in scenario files: `<<: *anchor` and `<<: [*a, *b]`
// share settings between entries, and a mistake in a merged value is
// reported where it was written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "harness/scenario.h"

namespace fanlab::harness {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

LoadResult Parse(const std::string& yaml) {
  return ParseScenario(yaml, "s.yaml", {});
}

std::vector<std::string> Errors(const std::string& yaml) {
  std::vector<std::string> out;
  for (const Diagnostic& d : Parse(yaml).errors) out.push_back(d.ToString());
  return out;
}

TEST(ScenarioMergeKeys, EntriesShareAnAnchoredEntrysSettings) {
  LoadResult r = Parse(R"(name: merged
resources:
  queues:
    - &queue {name: jobs, attributes: {VisibilityTimeout: 60}}
    - {<<: *queue, name: more}
  functions:
    - &task
      name: a
      command: /bin/true
      timeout: 20s
      memory: 512
    - <<: *task
      name: b
      memory: 1024
)");
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
  ASSERT_TRUE(r.scenario.has_value());
  std::vector<boost::json::object> functions, queues;
  for (const ActionCall& c : r.scenario->setup) {
    if (c.action == "CreateFunction") functions.push_back(c.body);
    if (c.action == "CreateQueue") queues.push_back(c.body);
  }
  ASSERT_EQ(functions.size(), 2u);
  EXPECT_EQ(functions[0].at("FunctionName"), "a");
  EXPECT_EQ(functions[0].at("MemorySize"), 512);
  EXPECT_EQ(functions[1].at("FunctionName"), "b");
  EXPECT_EQ(functions[1].at("Timeout"), 20);
  EXPECT_EQ(functions[1].at("MemorySize"), 1024);
  ASSERT_EQ(queues.size(), 2u);
  EXPECT_EQ(queues[1].at("QueueName"), "more");
  EXPECT_EQ(queues[1].at("Attributes").at("VisibilityTimeout"), "60");
}

TEST(ScenarioMergeKeys, AMistakeInAMergedValueIsReportedWhereItIsWritten) {
  // The bad memory is on line 6, in the anchored entry; both entries that
  // have it say so there.
  EXPECT_THAT(Errors(R"(name: merged
resources:
  functions:
    - &task
      command: /bin/true
      memory: lots
      name: a
    - {<<: *task, name: b}
)"),
              ElementsAre(HasSubstr("s.yaml:6:15: resources.functions[0]"
                                    ".memory"),
                          HasSubstr("s.yaml:6:15: resources.functions[1]"
                                    ".memory")));
}

TEST(ScenarioMergeKeys, AMergeOfAnythingButMapsIsAnError) {
  EXPECT_THAT(Errors(R"(name: merged
resources:
  queues:
    - {<<: jobs, name: q}
)"),
              ElementsAre("s.yaml:4:12: `<<` (a YAML merge key) takes a map, "
                          "an alias of one (`<<: *defaults`) or a list of "
                          "them (`<<: [*a, *b]`)"));
  // A quoted "<<" is an ordinary key, and no key of a queue.
  EXPECT_THAT(Errors(R"(name: merged
resources:
  queues:
    - {"<<": {name: q}, name: q}
)"),
              ElementsAre(HasSubstr("unknown key \"<<\"")));
}

}  // namespace
}  // namespace fanlab::harness
