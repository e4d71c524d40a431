// A fixture for tests of the built `fanlab` binary as a user runs it: the
// binary found next to the functions folder (the test is skipped when it
// has not been built), a fresh folder per test for the files it reads and
// writes, and Fanlab(ARGS), which runs it and keeps what it printed.
#ifndef FANLAB_TESTS_HARNESS_CLI_FANLAB_CLI_TEST_H_
#define FANLAB_TESTS_HARNESS_CLI_FANLAB_CLI_TEST_H_

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fanlab::harness {

class FanlabCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    binary_ = (fs::path(FANLAB_FUNCTIONS_DIR).parent_path() / "fanlab")
                  .lexically_normal();
    if (!fs::exists(binary_)) GTEST_SKIP() << binary_ << " is not built";
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           (std::string(test->test_suite_name()) + "-" + test->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // A scenario named "pass" that passes: one send, one visible message.
  void WritePassingScenario(const std::string& name) {
    Write(name, R"(name: pass
resources:
  queues: [{name: q}]
timeline:
  - send: {queue: q, body: x}
expect:
  - queue: {name: q, visible: 1}
)");
  }
  // The path of `name` in the test's folder.
  std::string F(const std::string& name) { return (dir_ / name).string(); }

  // Runs `fanlab ARGS`; returns the exit code, with stdout and stderr in
  // out_ and err_.
  int Fanlab(const std::string& args) {
    std::string command = binary_.string() + " " + args + " >" + F("out") +
                          " 2>" + F("err") + " </dev/null";
    int status = std::system(command.c_str());
    out_ = Read("out");
    err_ = Read("err");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::filesystem::path binary_, dir_;
  std::string out_, err_;
};

}  // namespace fanlab::harness

#endif  // FANLAB_TESTS_HARNESS_CLI_FANLAB_CLI_TEST_H_
