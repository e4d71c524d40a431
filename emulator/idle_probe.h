// IdleProbe: whether a set of threads is idle at one instant, from /proc.
// A deterministic run (Engine::DeterministicLoop) serves a round only once
// every function process it may have set going is idle, and the threads
// that carry messages between them and the engine too.
//
// Reading threads one after another in /proc is not a snapshot: thread A
// is read waiting, then B (still running) wakes A and waits, then B is read
// waiting: both looked idle while A runs. So every thread is looked at
// twice. The first pass reads how much each has run (/proc/.../schedstat:
// time on a CPU and the number of times it was given one; both only grow,
// and one of them moves whenever the thread runs). The second reads its
// state, and its counters again. A thread found asleep whose counters did
// not move was asleep from its first look to its second (waking it makes
// it runnable, and only running puts it back to sleep), so at the instant
// between the two passes every thread was asleep at once. A thread or a
// child process made meanwhile is caught the same way: its maker ran.
//
// Linux only. Thread safety: an IdleProbe is used from one thread; the
// free functions may be called from any (each thread keeps its own open
// /proc files).
#ifndef FANLAB_EMULATOR_IDLE_PROBE_H_
#define FANLAB_EMULATOR_IDLE_PROBE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fanlab {

// Reads the start of a /proc file into `buf` (NUL-terminated); false when
// it cannot be read (the thread or process is gone) or is empty. The file
// stays open for the next read, from its start (a look at a thread is
// then one read, not an open, a read and a close).
bool ReadProcFile(const std::string& path, char* buf, size_t size);

// Closes the files ReadProcFile keeps open on this thread for process
// `pid` (/proc/PID/...): for a process that is gone. Without it they stay
// open until the thread has opened a few hundred, and every process the
// engine spawns then starts by closing them all.
void ForgetProcFiles(int pid);

// Appends the child processes of one thread (`task`: /proc/PID/task/TID,
// from its "children" file) to `out`.
void ReadProcChildren(const std::string& task, std::vector<int>& out);

class IdleProbe {
 public:
  // What a sleeping thread's wait means.
  enum class Kind {
    // A function process's thread, or a kernel thread: idle in any wait
    // but a sleep of its own (nanosleep, clock_nanosleep) or a write that
    // waits for its reader (a full pipe or socket: the engine reads it and
    // the thread goes on). A wait for a lock another of its threads holds
    // is idle: that thread is looked at too.
    kOther,
    // A thread of the engine's own process: idle only waiting for I/O
    // (poll, epoll, select). A lock it waits for may be held by a thread
    // the engine does not look at (another engine's, in the same
    // process), which goes on and releases it.
    kOwn,
  };

  // True when, at one instant during the call, every thread of `pids`
  // and of their descendants (8 levels deep), every thread of this
  // process in `own` (thread ids) and every thread in `kernel` (/proc
  // directories: /proc/PID or /proc/PID/task/TID, taken as kOther) was
  // idle, or the process gone. Otherwise `busy` is the index in `pids` of
  // the process whose tree was found busy, or pids.size() for one of the
  // other threads. A thread that ended between the two looks, and a
  // process whose threads came or went since the last call that looked at
  // it, are not idle yet.
  bool Idle(const std::vector<int>& pids, const std::vector<int>& own,
            const std::vector<std::string>& kernel, size_t& busy);

 private:
  struct RunCounters {
    uint64_t ran_ns = 0;
    uint64_t slices = 0;
    bool operator==(const RunCounters&) const = default;
  };
  struct Look {
    std::string task;  // /proc/.../task/TID
    Kind kind;
    size_t target;  // the index Idle reports
    bool counted;   // the first look read its counters
    RunCounters before;
  };

  static bool ReadRunCounters(const std::string& task, RunCounters& out);
  // The first pass over process `pid` and its descendants; false when a
  // known process's threads changed.
  bool FirstLook(int pid, size_t target, int depth,
                 std::map<int, std::vector<int>>& seen);
  void AddLook(std::string task, Kind kind, size_t target);
  // The second look at a thread: idle, and not run since its first.
  bool StillIdle(const Look& look);
  // True when a sleeping thread will go on by itself (see Kind).
  bool WaitGoesOn(const Look& look);

  std::vector<Look> looks_;
  // Each process's threads at the last look that saw it.
  std::map<int, std::vector<int>> known_;
  // A sleeping thread's verdict, with the counters it was read under:
  // where it waits does not change while it does not run.
  std::map<std::string, std::pair<RunCounters, bool>> waits_;
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_IDLE_PROBE_H_
