// Starting function processes and ending them for sure. `Launcher` is the
// interface the compute layer uses (a test fake can stand in for it);
// `PosixLauncher` is the real one, on the engine's io_context: it starts
// processes with SpawnProcess (spawn.h) and waits for them with Boost.Process
// v2 (launcher.cc is the only file that knows Boost.Process).
//
// A process gets argv only (no shell), exactly the environment given, a
// working directory, its own process group, resource limits, a stdin pipe
// for invocation frames, descriptor 3 for result frames, and one pipe for
// stdout and stderr together (its logs, kept up to a cap). The main
// process is its own descendants' subreaper: whatever they double-fork or
// move to another session or group stays below it while it runs, so a
// signal (Terminate, the memory limit) reaches the whole tree. When the
// main process exits, what is left of its tree comes back to the emulator
// (the subreaper of every function) and is killed and reaped, so a
// function leaves no orphan and no zombie. docs/functions.md is the
// contract.
//
// Thread safety: none; everything runs on the io_context's thread.
#ifndef FANLAB_EMULATOR_COMPUTE_LAUNCHER_H_
#define FANLAB_EMULATOR_COMPUTE_LAUNCHER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"

namespace boost::asio {
class io_context;
}

namespace fanlab::compute {

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0]: a path, or a name on PATH
  std::vector<std::string> env;   // "NAME=value", the whole environment
  std::string working_dir;        // empty: the emulator's
  uint64_t memory_bytes = 0;      // RLIMIT_AS; 0: unlimited
  // Memory actually used: while watched (FunctionProcess::WatchMemory),
  // the resident set of the whole process group is sampled every
  // `memory_sample_period` (real time); past `rss_limit_bytes` the group is
  // killed (SIGKILL) and the exit is reported as out of memory. 0: no limit.
  uint64_t rss_limit_bytes = 0;
  std::chrono::milliseconds memory_sample_period{20};
  // Limits, each at most the emulator's own hard limit (a process may not
  // raise its hard limits).
  uint64_t open_files = 1024;  // RLIMIT_NOFILE
  uint64_t processes = 1024;   // RLIMIT_NPROC (not enforced for root)
  size_t log_cap = 1 << 20;    // bytes of stdout+stderr kept (the tail)
  // A python3.x runtime client (argv: python3 and an absolute path to
  // <runtimes_dir>/python/bootstrap.py): PosixLauncher may fork it from a
  // warm interpreter of the same python (python_zygote.h) instead of
  // starting one, with the same contract as above. It starts it the normal
  // way when there is no zygote to be had, or when the working directory
  // or LAMBDA_TASK_ROOT holds a module the zygote has imported (such as
  // its own boto3).
  bool python_fork_server = false;
};

// How the main process ended.
struct ExitStatus {
  bool signaled = false;
  int code = 0;  // exit status, or the signal number when `signaled`
  // Killed for passing rss_limit_bytes.
  bool out_of_memory = false;
  // "exit status 2", "signal: killed", "signal: segmentation fault": the
  // words Lambda's Runtime.ExitError uses.
  std::string Describe() const;
};

struct ProcessCallbacks {
  // Bytes read from descriptor 3, as they come.
  std::function<void(std::string_view chunk)> on_result;
  // The main process has exited and its whole group, and every orphan of
  // its tree, has been killed and reaped; every result byte has been
  // delivered before this runs.
  std::function<void(const ExitStatus&)> on_exit;
};

class FunctionProcess {
 public:
  virtual ~FunctionProcess() = default;
  virtual int pid() const = 0;
  // Queues bytes for stdin (written as the process reads them).
  virtual void Write(std::string bytes) = 0;
  // Closes stdin once everything queued is written.
  virtual void CloseStdin() = 0;
  // SIGTERM to the whole tree now, SIGKILL after `grace` (real time); a
  // zero grace is SIGKILL at once. The tree: the main process, its group,
  // and every descendant, escaped ones (setsid, double fork) included.
  virtual void Terminate(std::chrono::milliseconds grace) = 0;
  // The last `max_bytes` of stdout and stderr. Reads what is already in
  // the log pipe first: logs written before a result may not have been
  // collected when the result arrives (they travel on another pipe).
  virtual std::string LogTail(size_t max_bytes) = 0;
  // Stops every callback (the owner has lost interest); the process is
  // still ended and reaped when it exits.
  virtual void Detach() = 0;
  // Samples the group's memory while `on` (a busy environment); an idle
  // one is not watched. Also samples once at once.
  virtual void WatchMemory(bool on) = 0;
  // The largest resident set seen for the group (sampled), and the main
  // process's own high-water mark while it runs; bytes.
  virtual uint64_t PeakMemoryBytes() = 0;
  // Bytes of stdout and stderr produced so far (what is in the pipe is
  // read first); a mark for LogsSince.
  virtual uint64_t LogMark() = 0;
  // The logs produced since `mark`, at most the last `max_bytes` of them
  // (and no more than the kept tail).
  virtual std::string LogsSince(uint64_t mark, size_t max_bytes) = 0;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Starts a process; a program that cannot be found or started is an
  // InvalidParameterValue naming it and the reason.
  virtual Result<std::shared_ptr<FunctionProcess>> Launch(
      const LaunchSpec& spec, ProcessCallbacks callbacks) = 0;
  // Whether Launch would find `spec.argv[0]` (resolved against
  // `spec.working_dir` and the PATH in `spec.env`, as Launch does) as an
  // executable file, without starting anything: InvalidParameterValue
  // naming it and the reason, as Launch would fail. The default finds
  // every program (a test fake's programs are names, not files).
  virtual Status CheckProgram(const LaunchSpec& spec) const {
    (void)spec;
    return Status::Ok();
  }
};

class MemorySampler;

class PosixLauncher : public Launcher {
 public:
  // Makes this process the subreaper of its descendants (so orphaned
  // function children come back to it to be reaped). `io` must outlive
  // every process launched. Several launchers (engines) may share one
  // process: a function's leftovers are told from other children by
  // their process group (other code's children stay in the emulator's).
  explicit PosixLauncher(boost::asio::io_context& io);
  // Kills what is still running of its processes' trees and reaps the
  // orphans (waiting at most a second).
  ~PosixLauncher() override;
  Result<std::shared_ptr<FunctionProcess>> Launch(
      const LaunchSpec& spec, ProcessCallbacks callbacks) override;
  Status CheckProgram(const LaunchSpec& spec) const override;

 private:
  boost::asio::io_context& io_;
  // One /proc scan per tick serves every watched process.
  std::shared_ptr<MemorySampler> sampler_;
};

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_LAUNCHER_H_
