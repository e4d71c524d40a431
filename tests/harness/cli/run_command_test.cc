// `fanlab run`, `fanlab validate` and `fanlab schema`
// (harness/cli/run_command.cc) as a user runs them: the built binary,
// found next to the functions folder, its exit codes (0 passed, 1 an
// expectation failed, 2 a bad scenario or misuse) and what it writes.
// Skipped when the binary has not been built.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "tests/harness/cli/fanlab_cli_test.h"

namespace fanlab::harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class HarnessCli : public FanlabCliTest {
 protected:
  void SetUp() override {
    FanlabCliTest::SetUp();
    if (IsSkipped()) return;
    WritePassingScenario("pass.yaml");
    Write("fail.yaml", R"(name: fail
resources:
  queues: [{name: q}]
expect:
  - queue: {name: q, visible: 1}
)");
    Write("bad.yaml", "name: bad\nresources:\n  queues: [{nam: q}]\n");
  }
};

TEST_F(HarnessCli, ValidateExitsZeroOrTwo) {
  EXPECT_EQ(Fanlab("validate " + F("pass.yaml") + " " + F("fail.yaml")), 0)
      << err_;
  EXPECT_EQ(out_, "2 files valid\n");
  EXPECT_EQ(Fanlab("validate " + F("bad.yaml") + " " + F("pass.yaml")), 2);
  EXPECT_EQ(err_, F("bad.yaml") +
                      ":3:12: resources.queues[0]: missing required key "
                      "\"name\"\n" +
                      F("bad.yaml") +
                      ":3:13: resources.queues[0].nam: unknown key \"nam\" "
                      "(did you mean \"name\"?)\n"
                      "2 problems in 1 of 2 files\n");
  EXPECT_EQ(Fanlab("validate " + F("nope.yaml")), 2);
  EXPECT_EQ(err_, "fanlab validate: " + F("nope.yaml") +
                      ": no such file or folder\n");
}

TEST_F(HarnessCli, NoProgressLineWhenStderrIsNotATerminal) {
  // Run from the scenarios' folder, with a TERM that could draw: stderr
  // here is a file.
  std::string command = "cd " + dir_.string() + " && TERM=xterm " +
                        binary_.string() +
                        " run pass.yaml fail.yaml >out 2>err </dev/null";
  int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_EQ(Read("err"), "");
  EXPECT_EQ(Read("out").find('\r'), std::string::npos) << Read("out");
  // Nor does a run write a file it was not asked for.
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir_)) {
    files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"bad.yaml", "err", "fail.yaml",
                                             "out", "pass.yaml"}));
}

TEST_F(HarnessCli, RunExitCodes) {
  EXPECT_EQ(Fanlab("run -q " + F("pass.yaml")), 0) << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("1 scenario: 1 passed, 0 failed, 0 errors"));
  EXPECT_EQ(Fanlab("run -q " + F("pass.yaml") + " " + F("fail.yaml")), 1)
      << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("expected: visible 1"));
  EXPECT_THAT(out_, HasSubstr("found:    visible 0"));
  EXPECT_EQ(Fanlab("run -q " + F("pass.yaml") + " " + F("bad.yaml")), 2)
      << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("2 scenarios: 1 passed, 0 failed, 1 errors"));
  EXPECT_EQ(Fanlab("run -q " + F("nope")), 2);
  EXPECT_EQ(Fanlab("run -q --filter zzz " + dir_.string()), 2);
  EXPECT_EQ(err_, "fanlab run: no scenario matches --filter zzz\n");
  EXPECT_EQ(Fanlab("run -q --filter pass " + dir_.string()), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("1 scenario: 1 passed"));
}

TEST_F(HarnessCli, RunWritesReports) {
  EXPECT_EQ(Fanlab("run -q -j 2 --junit " + F("junit.xml") + " --json " +
                   F("report.json") + " --events " + F("events.jsonl") + " " +
                   F("pass.yaml") + " " + F("fail.yaml")),
            1)
      << out_ << err_;
  EXPECT_THAT(Read("junit.xml"), HasSubstr("tests=\"2\" failures=\"1\""));
  EXPECT_THAT(Read("report.json"), HasSubstr("\"passed\":1,\"failed\":1"));
  EXPECT_THAT(Read("events.jsonl"), HasSubstr("\"scenario\":\"pass\""));
  EXPECT_THAT(Read("events.jsonl"), HasSubstr("\"scenario\":\"fail\""));
}

TEST_F(HarnessCli, SchemaPrintsTheJsonSchema) {
  EXPECT_EQ(Fanlab("schema"), 0);
  EXPECT_EQ(out_, ScenarioJsonSchema());
}

}  // namespace
}  // namespace fanlab::harness
