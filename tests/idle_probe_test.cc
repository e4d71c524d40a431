// IdleProbe on real threads and processes: each waits where the test puts
// it (a lock, a pipe, a sleep of its own), found there in /proc before the
// probe looks (a bounded wait for the kernel to show it, never a wait for
// a timeout).
#include "emulator/idle_probe.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>

namespace fanlab {
namespace {

// Where thread `task` (/proc/.../task/TID) sleeps, "" unless asleep (S).
std::string SleepingIn(const std::string& task) {
  char buf[512];
  if (!ReadProcFile(task + "/stat", buf, sizeof buf)) return "";
  const char* paren = std::strrchr(buf, ')');
  if (paren == nullptr || paren[1] == 0 || paren[2] != 'S') return "";
  if (!ReadProcFile(task + "/wchan", buf, sizeof buf)) return "";
  return buf;
}

// Waits (yielding, 10 s at most: a hang guard) until `task` sleeps in a
// kernel function whose name holds `where`.
bool WaitUntilSleepingIn(const std::string& task, const std::string& where) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < give_up) {
    if (SleepingIn(task).find(where) != std::string::npos) return true;
    std::this_thread::yield();
  }
  return false;
}

// A thread of this process: it takes `lock`, then waits for a byte on a
// pipe in poll().
class Waiter {
 public:
  explicit Waiter(std::mutex& lock) {
    EXPECT_EQ(::pipe(pipe_), 0);
    thread_ = std::thread([this, &lock] {
      tid_ = int(::syscall(SYS_gettid));
      std::lock_guard hold(lock);
      pollfd in{.fd = pipe_[0], .events = POLLIN, .revents = 0};
      ::poll(&in, 1, -1);
    });
    while (tid_ == 0) std::this_thread::yield();
  }
  ~Waiter() {
    char byte = 0;
    EXPECT_EQ(::write(pipe_[1], &byte, 1), 1);
    thread_.join();
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  int tid() const { return tid_; }
  std::string task() const { return "/proc/self/task/" + std::to_string(tid_); }

 private:
  int pipe_[2] = {-1, -1};
  std::atomic<int> tid_{0};
  std::thread thread_;
};

// Regression: two engines in one process (`fanlab explore -j 2`). One
// engine's ZeroMQ thread, carrying a function's call, waited on a lock
// (the allocator's) held by the other engine's thread; it looked idle, so
// the engine moved virtual time on before the call reached it.
TEST(IdleProbeTest, OwnThreadWaitingForALockIsBusy) {
  std::mutex lock;
  std::unique_lock held(lock);  // held by a thread the probe is not given
  Waiter waiter(lock);
  ASSERT_TRUE(WaitUntilSleepingIn(waiter.task(), "futex"));
  IdleProbe probe;
  size_t busy = 99;
  EXPECT_FALSE(probe.Idle({}, {waiter.tid()}, {}, busy));
  EXPECT_EQ(busy, 0u);  // pids.size(): one of the other threads

  held.unlock();
  ASSERT_TRUE(WaitUntilSleepingIn(waiter.task(), "poll"));
  EXPECT_TRUE(probe.Idle({}, {waiter.tid()}, {}, busy));
}

// A child process started from the test: `sleeps` true, it sleeps (a
// sleep of its own, which ends by itself: sleep(1)); false, it waits for
// input on a pipe (which only the test can send: cat(1)). A program of its
// own, not a fork of the test: under a sanitizer a forked child keeps the
// runtime's background thread, which has sleeps of its own.
class Child {
 public:
  explicit Child(bool sleeps) {
    EXPECT_EQ(::pipe(pipe_), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (sleeps) {
        ::execl("/bin/sleep", "sleep", "600", static_cast<char*>(nullptr));
      } else {
        ::dup2(pipe_[0], 0);
        ::execl("/bin/cat", "cat", static_cast<char*>(nullptr));
      }
      ::_exit(127);
    }
  }
  ~Child() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  int pid() const { return pid_; }
  std::string task() const {
    return "/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_);
  }

 private:
  int pipe_[2] = {-1, -1};
  int pid_ = -1;
};

TEST(IdleProbeTest, ProcessWaitingForInputIsIdle) {
  Child child(/*sleeps=*/false);
  ASSERT_TRUE(WaitUntilSleepingIn(child.task(), "pipe_read"));
  IdleProbe probe;
  size_t busy = 99;
  EXPECT_TRUE(probe.Idle({child.pid()}, {}, {}, busy));
  // Again, from what the first look remembered.
  EXPECT_TRUE(probe.Idle({child.pid()}, {}, {}, busy));
}

TEST(IdleProbeTest, ProcessInASleepOfItsOwnIsBusy) {
  Child idle(/*sleeps=*/false);
  Child sleeper(/*sleeps=*/true);
  ASSERT_TRUE(WaitUntilSleepingIn(idle.task(), "pipe_read"));
  ASSERT_TRUE(WaitUntilSleepingIn(sleeper.task(), "nanosleep"));
  IdleProbe probe;
  size_t busy = 99;
  EXPECT_FALSE(probe.Idle({idle.pid(), sleeper.pid()}, {}, {}, busy));
  EXPECT_EQ(busy, 1u);
}

TEST(IdleProbeTest, GoneProcessIsIdle) {
  int pid = 0;
  {
    Child child(/*sleeps=*/false);
    pid = child.pid();
  }  // killed and reaped
  IdleProbe probe;
  size_t busy = 99;
  EXPECT_TRUE(probe.Idle({pid}, {}, {}, busy));
}

}  // namespace
}  // namespace fanlab
