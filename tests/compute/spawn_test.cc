// SpawnProcess: what the child gets (descriptors 0-3 only, no signal
// blocked or ignored, its own group) and how a child that cannot start is
// reported.
#include "emulator/compute/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fanlab::compute {
namespace {

// Runs `script` under /bin/sh with stdin at /dev/null and stdout, stderr
// and descriptor 3 on pipes; returns what came out of stdout and, after a
// "|", of 3 (or "error: " and why it did not start).
std::string RunShell(const std::string& script) {
  int out[2], three[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(three, O_CLOEXEC), 0);
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const char* argv[] = {"/bin/sh", "-c", script.c_str(), nullptr};
  const char* envp[] = {"PATH=/usr/bin:/bin", nullptr};
  SpawnRequest request{.program = "/bin/sh",
                       .argv = argv,
                       .envp = envp,
                       .stdin_fd = null,
                       .stdout_fd = out[1],
                       .stderr_fd = out[1],
                       .result_fd = three[1]};
  Result<int> pid = SpawnProcess(request);
  ::close(out[1]);
  ::close(three[1]);
  ::close(null);
  std::string text;
  if (pid.ok()) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, n);
    text += "|";
    while ((n = ::read(three[0], buf, sizeof buf)) > 0) text.append(buf, n);
    ::waitpid(*pid, nullptr, 0);
  } else {
    text = "error: " + pid.status().message();
  }
  ::close(out[0]);
  ::close(three[0]);
  return text;
}

// How many children of this process have exited and not been reaped.
int ZombieChildren() {
  int zombies = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    char state = 0;
    int parent = 0;
    if (fields >> state >> parent && state == 'Z' && parent == ::getpid()) {
      ++zombies;
    }
  }
  return zombies;
}

TEST(SpawnProcess, OnlyDescriptorsZeroToThreeReachTheChild) {
  // A descriptor of the caller's without close-on-exec, which the child
  // must not get all the same.
  int stray = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(stray, 0);
  // The shell's own descriptors, looked at with builtins only: a command
  // it forks (or a pipe it makes) would show descriptors of its own for a
  // moment.
  std::string fds = RunShell(
      "n=0; while [ $n -le 64 ]; do [ -e /proc/$$/fd/$n ] && "
      "printf '%s ' $n; n=$((n + 1)); done; echo three >&3");
  ::close(stray);
  EXPECT_EQ(fds, "0 1 2 3 |three\n");
}

TEST(SpawnProcess, TheChildStartsWithNoSignalBlockedOrIgnored) {
  sigset_t usr1, old;
  ::sigemptyset(&usr1);
  ::sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &old);
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGUSR2, &ignore, &previous);
  // exec, not a child of the shell's: a mask and ignored signals are kept
  // across exec, and a shell blocks every signal while it forks.
  std::string masks =
      RunShell("exec grep -E '^Sig(Blk|Ign)' /proc/self/status");
  ::sigaction(SIGUSR2, &previous, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(masks, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n|");
}

TEST(SpawnProcess, TheChildLeadsAGroupOfItsOwn) {
  std::string ids = RunShell("echo $$ $(ps -o pgid= -p $$)");
  size_t space = ids.find(' ');
  ASSERT_NE(space, std::string::npos) << ids;
  EXPECT_EQ(std::stoi(ids.substr(0, space)), std::stoi(ids.substr(space + 1)));
}

// Starts `program` (in `working_dir`) with all four descriptors on one
// pipe, for a start expected to fail; a child that did start is reaped.
Result<int> SpawnOnAPipe(const char* program, const char* working_dir) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const char* argv[] = {program, nullptr};
  const char* envp[] = {nullptr};
  Result<int> pid = SpawnProcess({.program = program,
                                  .argv = argv,
                                  .envp = envp,
                                  .working_dir = working_dir,
                                  .stdin_fd = fds[0],
                                  .stdout_fd = fds[1],
                                  .stderr_fd = fds[1],
                                  .result_fd = fds[1]});
  ::close(fds[0]);
  ::close(fds[1]);
  if (pid.ok()) ::waitpid(*pid, nullptr, 0);
  return pid;
}

TEST(SpawnProcess, AChildThatCannotStartIsReportedAndReaped) {
  Result<int> pid = SpawnOnAPipe("/bin/true", "/no/such/dir");
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().message(), "No such file or directory");
  // Reaped already: no child of this process is a zombie.
  EXPECT_EQ(ZombieChildren(), 0);
}

TEST(SpawnProcess, AProgramThatCannotBeExecutedIsReported) {
  char path[] = "/tmp/fanlab-spawn-test-XXXXXX";
  int file = ::mkstemp(path);
  ASSERT_GE(file, 0);
  ASSERT_EQ(::write(file, "not a program\n", 14), 14);
  ::close(file);
  ::chmod(path, 0755);
  Result<int> pid = SpawnOnAPipe(path, nullptr);
  ::unlink(path);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().message(), "Exec format error");
}

}  // namespace
}  // namespace fanlab::compute
