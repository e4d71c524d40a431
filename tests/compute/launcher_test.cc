// PosixLauncher with real processes (/bin/sh and coreutils): argv, the
// exact environment, working directory, limits, the three channels, exit
// statuses, and the guarantee that a function's process group is gone and
// reaped when on_exit runs. Waits are for real processes to finish, never
// for a timeout to pass.
#include "emulator/compute/launcher.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "tests/compute/proc_util.h"

namespace fanlab::compute {
namespace {

using std::chrono::milliseconds;

// True when some process still has `pgid` as its process group (alive or a
// zombie not yet reaped).
bool GroupHasMembers(int pgid) {
  for (const auto& p : testing::AllProcesses()) {
    if (p.pgrp == pgid) return true;
  }
  return false;
}

// Processes whose command line holds `marker` (alive or zombies).
int CountWithMarker(const std::string& marker) {
  int n = 0;
  for (const auto& p : testing::AllProcesses()) {
    if (p.cmdline.find(marker) != std::string::npos) ++n;
  }
  return n;
}

// The escaped sleepers themselves ("sleep MARKER"), not the short-lived
// shells that fork them: their count settles at 2 once both have escaped.
int SleepersWithMarker(const std::string& marker) {
  int n = 0;
  const std::string argv = std::string("sleep") + '\0' + marker;
  for (const auto& p : testing::AllProcesses()) {
    if (p.cmdline.starts_with(argv)) ++n;
  }
  return n;
}

// Zombies among this process's children: what was never reaped.
int OwnZombies() {
  int n = 0;
  for (const auto& p : testing::AllProcesses()) {
    if (p.ppid == ::getpid() && p.state == 'Z') ++n;
  }
  return n;
}

// A function that leaves processes behind the ways daemons do: a
// double-forked sleeper in a session of its own still holding the result
// and log pipes, and another that closed them; then it answers and exits.
// Both sleepers carry `marker` in their command line.
std::vector<std::string> EscapingCommand(const std::string& marker,
                                         const std::string& then) {
  return {"/bin/sh", "-c",
          "(setsid sleep " + marker +
              " &); "
              "(setsid sh -c 'sleep " +
              marker +
              " & exit 0' "
              "</dev/null >/dev/null 2>&1 3>&- &); " +
              then};
}

class LauncherTest : public ::testing::Test {
 protected:
  struct Run {
    std::shared_ptr<FunctionProcess> process;
    std::string result;
    std::optional<ExitStatus> exit;
  };

  LaunchSpec Spec(std::vector<std::string> argv) {
    LaunchSpec spec;
    spec.argv = std::move(argv);
    spec.env = {"PATH=/usr/bin:/bin", "FANLAB_TEST=1"};
    return spec;
  }

  // Launches `spec`, feeds `input` then closes stdin, and runs the loop
  // until the process has exited and been reaped.
  Run Launch(const LaunchSpec& spec, const std::string& input = "",
             bool close_stdin = true) {
    Run run;
    auto launched = launcher_.Launch(
        spec, {.on_result = [&](std::string_view b) { run.result += b; },
               .on_exit = [&](const ExitStatus& s) { run.exit = s; }});
    EXPECT_TRUE(launched.ok()) << launched.status().ToString();
    if (!launched.ok()) return run;
    run.process = *launched;
    if (!input.empty()) run.process->Write(input);
    if (close_stdin) run.process->CloseStdin();
    return run;
  }

  void Finish(Run& run) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!run.exit && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(milliseconds(100));
    }
    ASSERT_TRUE(run.exit.has_value()) << "the process never finished";
  }

  boost::asio::io_context io_;
  PosixLauncher launcher_{io_};
};

TEST_F(LauncherTest, StdinGoesInAndDescriptorThreeComesOut) {
  Run run = Launch(Spec({"/bin/sh", "-c", "cat >&3"}), "hello, frames");
  Finish(run);
  EXPECT_EQ(run.result, "hello, frames");
  EXPECT_FALSE(run.exit->signaled);
  EXPECT_EQ(run.exit->code, 0);
  EXPECT_EQ(run.exit->Describe(), "exit status 0");
}

TEST_F(LauncherTest, LogsNeverReachTheResultChannel) {
  Run run = Launch(Spec(
      {"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; printf R >&3"}));
  Finish(run);
  EXPECT_EQ(run.result, "R");
  std::string logs = run.process->LogTail(4096);
  EXPECT_NE(logs.find("to-stdout\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("to-stderr\n"), std::string::npos) << logs;
}

TEST_F(LauncherTest, EnvironmentIsExactlyTheOneGiven) {
  LaunchSpec spec = Spec({"/usr/bin/env"});
  spec.env = {"PATH=/usr/bin:/bin", "ONLY_THIS=yes"};
  Run run = Launch(spec);
  Finish(run);
  EXPECT_EQ(run.process->LogTail(4096), "PATH=/usr/bin:/bin\nONLY_THIS=yes\n");
}

TEST_F(LauncherTest, ProgramNameIsLookedUpOnTheFunctionsPath) {
  LaunchSpec spec = Spec({"printf", "found"});
  Run run = Launch(spec);
  Finish(run);
  EXPECT_EQ(run.process->LogTail(100), "found");
}

TEST_F(LauncherTest, WorkingDirectoryAndRelativeProgramPath) {
  auto dir = std::filesystem::temp_directory_path() /
             ("fanlab-launcher-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream script(dir / "fn.sh");
    script << "#!/bin/sh\npwd >&3\n";
  }
  std::filesystem::permissions(dir / "fn.sh",
                               std::filesystem::perms::owner_all);
  LaunchSpec spec = Spec({"./fn.sh"});
  spec.working_dir = dir.string();
  Run run = Launch(spec);
  Finish(run);
  EXPECT_EQ(run.result, dir.string() + "\n");
  std::filesystem::remove_all(dir);
}

// A start directory that cannot be entered fails the launch, and the child
// that found out (it exits before its exec) is reaped, not left a zombie.
TEST_F(LauncherTest, AStartDirectoryThatCannotBeEnteredLeavesNoZombie) {
  // This process's children before the launch (earlier tests' processes
  // may still be exiting): only a child that is new afterwards counts.
  std::set<int> before;
  for (const auto& p : testing::AllProcesses()) {
    if (p.ppid == ::getpid()) before.insert(p.pid);
  }
  LaunchSpec spec = Spec({"/bin/true"});
  spec.working_dir = "/no/such/directory/for/fanlab";
  auto r = launcher_.Launch(spec, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue);
  // The forked child that found out exits before its exec: once Launch
  // has returned it is gone, neither still exiting nor a zombie.
  std::vector<int> left;
  for (const auto& p : testing::AllProcesses()) {
    if (p.ppid == ::getpid() && before.count(p.pid) == 0) {
      left.push_back(p.pid);
    }
  }
  EXPECT_TRUE(left.empty())
      << left.size() << " child(ren) left, the first " << left[0];
}

TEST_F(LauncherTest, MissingProgramIsAClearError) {
  auto r = launcher_.Launch(Spec({"/no/such/program"}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue);
  EXPECT_NE(r.status().message().find("/no/such/program"), std::string::npos);
  EXPECT_NE(r.status().message().find("no such file"), std::string::npos);

  auto on_path = launcher_.Launch(Spec({"no-such-program-anywhere"}), {});
  ASSERT_FALSE(on_path.ok());
  EXPECT_NE(on_path.status().message().find("not found on PATH /usr/bin:/bin"),
            std::string::npos)
      << on_path.status().message();

  auto empty = launcher_.Launch(Spec({}), {});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), sqs::kInvalidParameterValue);
}

TEST_F(LauncherTest, CheckProgramFindsWhatLaunchWouldWithoutStartingIt) {
  EXPECT_TRUE(launcher_.CheckProgram(Spec({"sh", "-c", "exit 0"})).ok());
  EXPECT_TRUE(launcher_.CheckProgram(Spec({"/bin/sh"})).ok());

  Status missing = launcher_.CheckProgram(Spec({"/no/such/program"}));
  EXPECT_EQ(missing.code(), sqs::kInvalidParameterValue);
  EXPECT_EQ(missing.message(), "Cannot run /no/such/program: no such file.");
  Status off_path = launcher_.CheckProgram(Spec({"no-such-program-anywhere"}));
  EXPECT_NE(off_path.message().find("not found on PATH /usr/bin:/bin"),
            std::string::npos)
      << off_path.message();
  // A folder, and a file without the execute bit.
  EXPECT_NE(launcher_.CheckProgram(Spec({"/tmp"}))
                .message()
                .find("not an executable file"),
            std::string::npos);
  auto dir = std::filesystem::temp_directory_path() /
             ("fanlab-launcher-check-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "fn.sh") << "#!/bin/sh\n";
  LaunchSpec relative = Spec({"./fn.sh"});
  relative.working_dir = dir.string();
  EXPECT_NE(
      launcher_.CheckProgram(relative).message().find("not an executable file"),
      std::string::npos);
  std::filesystem::permissions(dir / "fn.sh",
                               std::filesystem::perms::owner_all);
  EXPECT_TRUE(launcher_.CheckProgram(relative).ok());
  EXPECT_EQ(launcher_.CheckProgram(Spec({})).code(),
            sqs::kInvalidParameterValue);
  std::filesystem::remove_all(dir);
}

TEST_F(LauncherTest, NonExecutableOrUnrunnableFilesAreRefused) {
  auto dir = std::filesystem::temp_directory_path() /
             ("fanlab-launcher-x-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "data") << "not a program\n";
    std::ofstream(dir / "garbage") << "\x01\x02 not a program\n";
  }
  namespace fs = std::filesystem;
  fs::permissions(dir / "data", fs::perms::owner_read | fs::perms::owner_write);
  fs::permissions(dir / "garbage", fs::perms::owner_all);

  auto data = launcher_.Launch(Spec({(dir / "data").string()}), {});
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.status().message().find("not an executable file"),
            std::string::npos)
      << data.status().message();

  // Executable bit but no format the kernel runs: exec itself fails, and
  // the reason comes back from the child.
  auto garbage = launcher_.Launch(Spec({(dir / "garbage").string()}), {});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), sqs::kInvalidParameterValue);
  EXPECT_NE(garbage.status().message().find("Exec format error"),
            std::string::npos)
      << garbage.status().message();
  fs::remove_all(dir);
}

TEST_F(LauncherTest, ExitStatusAndSignalsAreDescribedAsLambdaDoes) {
  Run exited = Launch(Spec({"/bin/sh", "-c", "exit 3"}));
  Finish(exited);
  EXPECT_FALSE(exited.exit->signaled);
  EXPECT_EQ(exited.exit->code, 3);
  EXPECT_EQ(exited.exit->Describe(), "exit status 3");

  Run crashed = Launch(Spec({"/bin/sh", "-c", "kill -SEGV $$"}));
  Finish(crashed);
  EXPECT_TRUE(crashed.exit->signaled);
  EXPECT_EQ(crashed.exit->code, SIGSEGV);
  EXPECT_EQ(crashed.exit->Describe(), "signal: segmentation fault");
}

TEST_F(LauncherTest, OwnProcessGroupAndLimits) {
  LaunchSpec spec = Spec({"/bin/sh", "-c",
                          "ps -o pgid= -p $$ | tr -d ' ' >&3; "
                          "ulimit -n >&3; ulimit -v >&3"});
  spec.open_files = 64;
  spec.memory_bytes = uint64_t(512) << 20;
  Run run = Launch(spec);
  Finish(run);
  EXPECT_EQ(run.result, std::to_string(run.process->pid()) + "\n64\n" +
                            std::to_string(512 * 1024) + "\n");
}

TEST_F(LauncherTest, SignalsTheParentIgnoredAreDefaultInTheChild) {
  // The launcher ignores SIGPIPE in the emulator; a function must not
  // inherit that.
  Run run =
      Launch(Spec({"/bin/sh", "-c", "grep SigIgn /proc/self/status >&3"}));
  Finish(run);
  EXPECT_EQ(run.result, "SigIgn:\t0000000000000000\n");
}

TEST_F(LauncherTest, TerminateKillsChildrenThatIgnoreSigterm) {
  // The shell and its two sleeps ignore SIGTERM: only SIGKILL ends them.
  Run run = Launch(Spec({"/bin/sh", "-c",
                         "trap '' TERM; sleep 1000 & sleep 1000 & "
                         "echo started >&3; wait"}),
                   "", /*close_stdin=*/false);
  while (run.result.empty()) io_.run_one_for(milliseconds(100));
  int pgid = run.process->pid();
  ASSERT_TRUE(GroupHasMembers(pgid));
  run.process->Terminate(milliseconds(50));
  Finish(run);
  EXPECT_TRUE(run.exit->signaled);
  EXPECT_EQ(run.exit->code, SIGKILL);
  EXPECT_EQ(run.exit->Describe(), "signal: killed");
  // Gone and reaped: no member alive, no zombie.
  EXPECT_FALSE(GroupHasMembers(pgid));
}

TEST_F(LauncherTest, TerminateEndsAWellBehavedProcessWithSigterm) {
  Run run = Launch(Spec({"/bin/sh", "-c", "echo up >&3; exec sleep 1000"}), "",
                   /*close_stdin=*/false);
  while (run.result.empty()) io_.run_one_for(milliseconds(100));
  run.process->Terminate(std::chrono::seconds(10));
  Finish(run);
  EXPECT_TRUE(run.exit->signaled);
  EXPECT_EQ(run.exit->code, SIGTERM);
}

TEST_F(LauncherTest, LeftoversOfAnExitedFunctionAreKilledAndReaped) {
  Run run = Launch(Spec({"/bin/sh", "-c", "sleep 1000 & exit 0"}));
  Finish(run);
  EXPECT_EQ(run.exit->code, 0);
  EXPECT_FALSE(GroupHasMembers(run.process->pid()));
}

TEST_F(LauncherTest, LogsKeepOnlyTheTail) {
  LaunchSpec spec = Spec(
      {"/bin/sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo END"});
  spec.log_cap = 1000;
  Run run = Launch(spec);
  Finish(run);
  std::string tail = run.process->LogTail(1 << 20);
  EXPECT_LE(tail.size(), 2000u);
  EXPECT_GE(tail.size(), 1000u);
  EXPECT_TRUE(tail.ends_with("xxxxEND\n"));
  EXPECT_EQ(run.process->LogTail(4), "END\n");
}

TEST_F(LauncherTest, LargeInputIsWrittenAsTheProcessReads) {
  std::string big(3 << 20, 'b');  // far beyond a pipe's buffer
  Run run = Launch(Spec({"/bin/sh", "-c", "cat >&3"}), big);
  Finish(run);
  EXPECT_EQ(run.result.size(), big.size());
  EXPECT_EQ(run.result, big);
}

TEST_F(LauncherTest, AProcessThatNeverReadsStdinDoesNotHurtTheEmulator) {
  std::string big(1 << 20, 'b');
  Run run = Launch(Spec({"/bin/sh", "-c", "exec 0<&-; exit 7"}), big);
  Finish(run);  // SIGPIPE would have killed the test binary
  EXPECT_EQ(run.exit->code, 7);
}

TEST_F(LauncherTest, DetachStopsCallbacksButTheProcessIsStillReaped) {
  bool called = false;
  auto launched =
      launcher_.Launch(Spec({"/bin/sh", "-c", "printf x >&3"}),
                       {.on_result = [&](std::string_view) { called = true; },
                        .on_exit = [&](const ExitStatus&) { called = true; }});
  ASSERT_TRUE(launched.ok());
  int pgid = (*launched)->pid();
  (*launched)->Detach();
  launched = Status(common::kInternalError, "dropped");
  io_.run_for(std::chrono::seconds(20));  // returns once all is reaped
  EXPECT_FALSE(called);
  EXPECT_FALSE(GroupHasMembers(pgid));
}

TEST_F(LauncherTest, EscapedDescendantsOfAThousandRunsAreKilledAndReaped) {
  // Each run's main process answers and exits while its double-forked,
  // setsid'd sleepers still run: all of them must be gone, and reaped, by
  // the time the last on_exit has run. Eight at a time keep both cores
  // busy.
  const std::string marker = "86401.5";
  constexpr int kRuns = 1000;
  constexpr int kInFlight = 8;
  int started = 0, finished = 0, answered = 0;
  std::function<void()> start_one = [&] {
    ++started;
    auto launched = launcher_.Launch(
        Spec(EscapingCommand(marker, "printf ok >&3")),
        {.on_result = [&](std::string_view b) { answered += b == "ok"; },
         .on_exit =
             [&](const ExitStatus&) {
               ++finished;
               if (started < kRuns) start_one();
             }});
    ASSERT_TRUE(launched.ok()) << launched.status().ToString();
    (*launched)->CloseStdin();
  };
  for (int i = 0; i < kInFlight; ++i) start_one();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (finished < kRuns && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(milliseconds(100));
  }
  ASSERT_EQ(finished, kRuns);
  EXPECT_EQ(answered, kRuns);
  EXPECT_EQ(CountWithMarker(marker), 0);
  EXPECT_EQ(OwnZombies(), 0);
}

TEST_F(LauncherTest, TerminateReachesDescendantsThatLeftTheGroup) {
  // The sleepers have left the group and the session, but stay below the
  // main process (its subreaper) while it runs: Terminate finds them.
  const std::string marker = "86402.5";
  Run run = Launch(Spec(EscapingCommand(
                       marker, "echo up >&3; trap '' TERM; sleep 1000 & wait")),
                   "", /*close_stdin=*/false);
  auto below_main = [&] {
    int n = 0;
    for (const auto& p : testing::AllProcesses()) {
      // Only the sleepers: the shell that forks the second one also
      // carries the marker, for a moment, and is not a descendant that
      // escaped.
      if (p.cmdline.starts_with(std::string("sleep") + '\0' + marker) &&
          p.ppid == run.process->pid() && p.pgrp != run.process->pid()) {
        ++n;
      }
    }
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (below_main() < 2 && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(milliseconds(10));
  }
  ASSERT_EQ(below_main(), 2);
  run.process->Terminate(milliseconds(50));
  Finish(run);
  EXPECT_EQ(run.exit->code, SIGKILL);
  EXPECT_EQ(CountWithMarker(marker), 0);
  EXPECT_EQ(OwnZombies(), 0);
}

TEST_F(LauncherTest, ALauncherGoingAwayEndsItsProcessesTrees) {
  const std::string marker = "86403.5";
  auto io = std::make_unique<boost::asio::io_context>();
  auto launcher = std::make_unique<PosixLauncher>(*io);
  std::string result;
  auto launched = launcher->Launch(
      Spec(EscapingCommand(marker, "echo up >&3; exec sleep 1000")),
      {.on_result = [&](std::string_view b) { result += b; }});
  ASSERT_TRUE(launched.ok());
  while (result.empty()) io->run_one_for(milliseconds(100));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (SleepersWithMarker(marker) < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    io->run_one_for(milliseconds(10));
  }
  ASSERT_EQ(SleepersWithMarker(marker), 2);
  launched = Status(common::kInternalError, "dropped");
  launcher.reset();  // the environment's shutdown, without a loop to run
  io.reset();
  EXPECT_EQ(CountWithMarker(marker), 0);
  EXPECT_EQ(OwnZombies(), 0);
}

TEST_F(LauncherTest, LimitsAreClampedToTheEmulatorsHardLimits) {
  // An emulator started with an open-files hard limit under the 1024 a
  // function asks for still runs functions (with its own limit). Lowering
  // a hard limit cannot be undone: the emulator here is a forked child.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    rlimit low{256, 256};
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) ::_exit(2);
    boost::asio::io_context io;
    PosixLauncher launcher(io);
    LaunchSpec spec;
    spec.argv = {"/bin/sh", "-c", "ulimit -n >&3"};
    spec.env = {"PATH=/usr/bin:/bin"};
    std::string result;
    bool done = false;
    auto launched = launcher.Launch(
        spec, {.on_result = [&](std::string_view b) { result += b; },
               .on_exit = [&](const ExitStatus&) { done = true; }});
    if (!launched.ok()) ::_exit(3);
    (*launched)->CloseStdin();
    while (!done) io.run_one_for(milliseconds(100));
    ::_exit(result == "256\n" ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "2: setrlimit, 3: launch refused, 4: wrong limit";
}

}  // namespace
}  // namespace fanlab::compute
