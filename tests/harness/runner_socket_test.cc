// `fanlab run` serves each run's functions on a socket only its user can
// reach (the engine's function socket): a path socket in a fresh 0700
// directory (an abstract socket would be open to every local user),
// removed when the run ends. A watcher reads /proc/net/unix while a
// function of the run sleeps.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "harness/runner.h"
#include "harness/testing/matchers.h"
#include "tests/harness/harness_test_util.h"

namespace fanlab::harness {
namespace {

// Unix sockets whose name holds "fanlab-engine-PID-" (this process's runs),
// with the mode of their directory then (-1 for abstract sockets, which
// have none).
void Scan(std::map<std::string, int>& seen) {
  const std::string mark = "fanlab-engine-" + std::to_string(::getpid()) + "-";
  std::ifstream in("/proc/net/unix");
  std::string line;
  while (std::getline(in, line)) {
    size_t at = line.find(mark);
    if (at == std::string::npos) continue;
    size_t start = line.rfind(' ', at) + 1;
    std::string name = line.substr(start);
    if (seen.contains(name)) continue;
    int mode = -1;
    if (name.front() == '/') {
      struct stat st {};
      std::string dir = std::filesystem::path(name).parent_path().string();
      if (::stat(dir.c_str(), &st) == 0) mode = st.st_mode & 0777;
    }
    seen[name] = mode;
  }
}

TEST(RunnerSocketTest, EngineSocketIsPrivateAndRemovedAfterTheRun) {
  std::atomic<bool> running{true};
  std::map<std::string, int> seen;
  std::thread watcher([&] {
    while (running.load()) {
      Scan(seen);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  Scenario s = testing::ParseForTest(test_util::WithTestFunction(R"(
name: private socket
resources:
  functions: [{name: nap, command: [@TF@, sleep, "300"]}]
timeline:
  - {id: call, invoke: {function: nap}}
expect:
  - {name: napped, response: {step: call, json: {StatusCode: 200}}}
)"),
                                     {}, "s.yaml");
  ScenarioResult r = RunScenario(s);
  running = false;
  watcher.join();
  EXPECT_EQ(r.status, ScenarioResult::Status::kPassed);
  int mine = 0;
  for (const auto& [name, mode] : seen) {
    EXPECT_EQ(name.front(), '/') << "an abstract socket: " << name;
    EXPECT_EQ(mode, 0700) << name;
    std::string dir = std::filesystem::path(name).parent_path().string();
    EXPECT_FALSE(std::filesystem::exists(dir)) << "left behind: " << dir;
    ++mine;
  }
  EXPECT_GE(mine, 1) << "the run's socket was never seen";
}

}  // namespace
}  // namespace fanlab::harness
