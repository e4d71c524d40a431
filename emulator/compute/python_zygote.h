// A fork server for the python3.x runtime client (a "zygote"). A Python
// cold start is mostly the same work every time: start the interpreter and
// import boto3 (about 0.2 s of CPU). A zygote is `python3
// <runtimes_dir>/python/bootstrap.py` started once with
// FANLAB_PYTHON_ZYGOTE_FD=3: it imports boto3, botocore and the runtime
// client, then forks one process per execution environment, which takes
// the environment's own environment variables, working directory, umask,
// limits, process group and stdio, and runs the client (the handler's
// import, the cold init, happens there). functions/runtimes/python/
// _fanlab_zygote.py speaks the other end of the socket; the runtimes README
// says what a function sees.
//
// A forked process is handed to this process, not left to the zygote: the
// zygote forks through an intermediate that exits, and the orphan goes to
// the nearest subreaper, which must be this process (PosixLauncher makes
// it one). So its pid stays reserved until this process reaps it, as for
// a process it started itself. The zygote stays in this process's process
// group (it is not a function's), and ends when this process closes its
// socket or exits.
//
// Thread safety: a PythonZygote may be used from several threads (one
// request at a time); ZygotePool::Shared() is the process's one pool.
#ifndef FANLAB_EMULATOR_COMPUTE_PYTHON_ZYGOTE_H_
#define FANLAB_EMULATOR_COMPUTE_PYTHON_ZYGOTE_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "emulator/core/status.h"

namespace fanlab::compute {

// What one forked process gets.
struct ZygoteSpawn {
  std::vector<std::string> argv;  // sys.argv = argv[1:]
  std::vector<std::string> env;   // "NAME=value": os.environ, wholly
  std::string working_dir;        // empty: this process's
  uint64_t memory_bytes = 0;      // RLIMIT_AS; 0: left alone
  uint64_t open_files = 0;        // RLIMIT_NOFILE; 0: left alone
  uint64_t processes = 0;         // RLIMIT_NPROC; 0: left alone
  // Become its descriptors 0, 1, 2 and 3 (this process keeps its own).
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int result_fd = -1;
};

class PythonZygote {
 public:
  // Starts `python bootstrap` as a fork server with `startup_env` (plus
  // FANLAB_PYTHON_ZYGOTE_FD) and waits at most `ready_limit` for it to be
  // ready. Fails (InternalError naming the reason and what the zygote
  // wrote to stderr) if it cannot start, exits or is not ready in time;
  // it is then killed and reaped.
  static Result<std::unique_ptr<PythonZygote>> Start(
      const std::string& python, const std::string& bootstrap,
      const std::vector<std::string>& startup_env,
      std::chrono::milliseconds ready_limit);
  // Closes the socket (the zygote exits) and reaps it, killing it if it
  // has not exited within a second.
  ~PythonZygote();
  PythonZygote(const PythonZygote&) = delete;
  PythonZygote& operator=(const PythonZygote&) = delete;

  // Forks a process for `spawn` and returns its pid: a child of this
  // process, in a process group of its own, set up and about to run the
  // client. Waits at most `limit` for the zygote's answer. On failure
  // (InternalError) nothing of the attempt is left running; a zygote that
  // died or did not answer is broken() from then on.
  // REQUIRES: this process is a child subreaper; whatever would take an
  // unknown child of this process for an orphan is held off until the pid
  // is recorded (the child is this process's before Spawn returns).
  Result<int> Spawn(const ZygoteSpawn& spawn, std::chrono::milliseconds limit);

  // A top-level module the zygote has imported and a fresh `python3
  // bootstrap.py` would not have, found in `dir` (a package folder, or a
  // module file such as boto3.py or _foo.cpython-311-x86_64-linux-gnu.so);
  // "" if none. A function whose code holds one must start the normal way:
  // its own copy would lose to the zygote's.
  std::string SharedModuleIn(const std::string& dir) const;

  bool broken() const;
  int pid() const { return pid_; }
  const std::string& python_version() const { return version_; }

 private:
  PythonZygote(int pid, int socket, int stderr_fd);
  void BreakLocked(const std::string& why);  // REQUIRES: mu_ held
  std::string StderrTail();

  const int pid_;
  const int socket_;
  const int stderr_;  // the read end of the zygote's stdout and stderr
  std::string version_;
  std::set<std::string> shared_;  // top-level module names
  mutable std::mutex mu_;         // one request at a time
  bool broken_ = false;
  bool reaped_ = false;
};

// The variables of `env` ("NAME=value") that Python reads as it starts
// (PYTHON*, LANG, LC_*, HOME) and LD_PRELOAD (the libraries loaded into
// it, fanlab's clock library among them), sorted: a zygote is shared by
// the functions whose startup environments are equal, as each has the
// interpreter its own start would have made.
std::vector<std::string> PythonStartupEnv(const std::vector<std::string>& env);

// The zygotes of the process, one per (python, bootstrap.py, startup
// environment), started on first use and shared by every launcher.
class ZygotePool {
 public:
  // How long the first use waits for a zygote to be ready.
  static constexpr std::chrono::seconds kReadyLimit{20};
  // At most this many zygotes live at once; beyond, Get returns none.
  static constexpr size_t kMaxZygotes = 4;
  // A key whose zygote failed to start or broke this many times gets none
  // from then on.
  static constexpr int kMaxFailures = 3;

  static ZygotePool& Shared();

  // The ready zygote for the key, started (and waited for) if there is
  // none or the last one broke; nullptr when there cannot be one (see
  // above), `why` then says why. A zygote that fails to start is also one
  // "fanlab: warning:" line on stderr.
  std::shared_ptr<PythonZygote> Get(const std::string& python,
                                    const std::string& bootstrap,
                                    const std::vector<std::string>& startup_env,
                                    std::string* why);

  // Forgets every zygote and failure (tests).
  void ResetForTesting();

 private:
  struct Entry {
    std::shared_ptr<PythonZygote> zygote;
    int failures = 0;
    std::string last_error;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by key
};

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_PYTHON_ZYGOTE_H_
