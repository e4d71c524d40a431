#include "emulator/compute/launcher.h"

// Boost.Process v2 (1.81) on std::filesystem, so no Boost.Filesystem to
// link; its config header then forgets two includes, supplied here.
#define BOOST_PROCESS_USE_STD_FS 1
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect_pipe.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/optional.hpp>
#include <boost/process/v2/process.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <type_traits>

#include "emulator/compute/python_zygote.h"
#include "emulator/compute/spawn.h"
#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::compute {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using boost::system::error_code;

// How long to wait, after the main process exited, for its pipes to close
// before giving up on them (a descendant that left the group may hold
// them open).
constexpr auto kPipeDrainLimit = std::chrono::seconds(1);
// How often to look again for group members and orphans still dying after
// SIGKILL: at first, then at most.
constexpr auto kReapRetry = std::chrono::milliseconds(1);
constexpr auto kReapRetryMax = std::chrono::milliseconds(50);
// How long a launcher being destroyed waits for its processes' trees to
// die and be reaped.
constexpr auto kShutdownReapLimit = std::chrono::seconds(1);
// How long a Python zygote may take to fork a process.
constexpr auto kZygoteAnswerLimit = std::chrono::seconds(5);

const char* SignalWords(int sig) {
  switch (sig) {
    case SIGKILL:
      return "killed";
    case SIGSEGV:
      return "segmentation fault";
    case SIGABRT:
      return "aborted";
    case SIGTERM:
      return "terminated";
    case SIGBUS:
      return "bus error";
    case SIGFPE:
      return "floating point exception";
    case SIGILL:
      return "illegal instruction";
    case SIGINT:
      return "interrupt";
    case SIGPIPE:
      return "broken pipe";
    case SIGALRM:
      return "alarm clock";
    default:
      return nullptr;
  }
}

// The program to run: a path (relative to the working directory) or a
// name looked up on the function's PATH.
Result<std::filesystem::path> ResolveProgram(const LaunchSpec& spec) {
  namespace fs = std::filesystem;
  const std::string& name = spec.argv.front();
  auto runnable = [](const fs::path& p) {
    return ::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p);
  };
  if (name.find('/') != std::string::npos) {
    fs::path p(name);
    if (p.is_relative() && !spec.working_dir.empty()) {
      p = fs::path(spec.working_dir) / p;
    }
    if (runnable(p)) return p;
    return Status(
        sqs::kInvalidParameterValue,
        "Cannot run " + p.string() + ": " +
            (fs::exists(p) ? "not an executable file" : "no such file") + ".");
  }
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : spec.env) {
    if (e.starts_with("PATH=")) path = e.substr(5);
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    fs::path dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    if (dir.is_relative() && !spec.working_dir.empty()) {
      dir = fs::path(spec.working_dir) / dir;
    }
    if (runnable(dir / name)) return dir / name;
    start = end + 1;
  }
  return Status(sqs::kInvalidParameterValue,
                "Cannot run " + name + ": not found on PATH " + path + ".");
}

// What /proc/<pid>/stat says of one process: its state ('Z': a zombie),
// parent, process group and resident set (in pages).
struct ProcStat {
  char state = '?';
  int ppid = 0;
  int pgrp = 0;
  uint64_t rss_pages = 0;
};

// False if the process is gone.
bool ReadStat(const char* pid, ProcStat* out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  // "pid (comm) state ppid pgrp ...": comm may hold anything; skip past
  // the last ')'.
  char* p = std::strrchr(buf, ')');
  if (p == nullptr) return false;
  ++p;
  // Fields after comm: 3 state, 4 ppid, 5 pgrp, ..., 24 rss.
  int field = 2;
  char* save = nullptr;
  for (char* tok = ::strtok_r(p, " ", &save); tok != nullptr;
       tok = ::strtok_r(nullptr, " ", &save)) {
    ++field;
    if (field == 3) out->state = tok[0];
    if (field == 4) out->ppid = std::atoi(tok);
    if (field == 5) out->pgrp = std::atoi(tok);
    if (field == 24) {
      out->rss_pages = std::strtoull(tok, nullptr, 10);
      return true;
    }
  }
  return false;
}

bool ReadStat(int pid, ProcStat* out) {
  char name[16];
  std::snprintf(name, sizeof name, "%d", pid);
  return ReadStat(name, out);
}

// The children of `pid` (every thread's), from /proc/<pid>/task/*/children;
// where the kernel lacks those files, from a scan of /proc for the parent.
std::vector<int> ChildrenOf(int pid) {
  std::vector<int> out;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR* tasks = ::opendir(path);
  if (tasks == nullptr) return out;
  bool have_files = false;
  while (dirent* t = ::readdir(tasks)) {
    if (t->d_name[0] < '1' || t->d_name[0] > '9') continue;
    char file[320];
    std::snprintf(file, sizeof file, "/proc/%d/task/%s/children", pid,
                  t->d_name);
    int fd = ::open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    have_files = true;
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, size_t(n));
    ::close(fd);
    const char* c = text.c_str();
    while (*c != '\0') {
      char* end = nullptr;
      long child = std::strtol(c, &end, 10);
      if (end == c) break;
      if (child > 0) out.push_back(static_cast<int>(child));
      c = end;
      while (*c == ' ') ++c;
    }
  }
  ::closedir(tasks);
  if (have_files) return out;
  if (DIR* all = ::opendir("/proc")) {
    while (dirent* d = ::readdir(all)) {
      if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
      ProcStat st;
      if (ReadStat(d->d_name, &st) && st.ppid == pid) {
        out.push_back(std::atoi(d->d_name));
      }
    }
    ::closedir(all);
  }
  return out;
}

// Sends `sig` to `pid` only if it is still the child of `parent`: the
// pidfd pins the process, so a pid reused after a descendant's exit (reaped
// by its own parent) never gets a signal meant for the function.
void SignalChild(int pid, int parent, int sig) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return;
  ProcStat st;
  if (ReadStat(pid, &st) && st.ppid == parent && st.state != 'Z') {
    ::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0);
  }
  ::close(fd);
}

// Signals a function's main process and its whole tree. The main process
// is its descendants' subreaper, so whatever they double-forked or moved
// to another session or group is still below it. Returns how many living
// descendants were found. REQUIRES: `leader` not yet reaped.
size_t SignalTree(int leader, int sig) {
  ::kill(-leader, sig);  // the group: members just forked included
  size_t found = 0;
  std::vector<int> parents{leader};
  // A bound on the walk against a fork bomb: what escapes it dies with the
  // main process (orphans are swept then).
  constexpr size_t kMaxWalk = 65536;
  for (size_t i = 0; i < parents.size() && parents.size() < kMaxWalk; ++i) {
    for (int child : ChildrenOf(parents[i])) {
      SignalChild(child, parents[i], sig);
      parents.push_back(child);
      ++found;
    }
  }
  ::kill(leader, sig);
  return found;
}

// Every function process whose main process has not been reaped (by
// Boost.Process) yet, for the whole emulator: several engines, each with
// its launcher, may share the process (and its subreaper role).
struct LiveProcesses {
  std::mutex mu;  // also held across each fork, so that a sweep never
                  // mistakes a main process just forked for an orphan
  struct Owner {
    const void* launcher;
    const void* process;
  };
  std::map<int, Owner> mains;
};

LiveProcesses& Live() {
  static LiveProcesses* live = new LiveProcesses;  // never destroyed
  return *live;
}

// Kills and reaps every child of the emulator that a function left
// behind: not a live main process, and out of the emulator's own process
// group (a child other code started stays in it, and is left alone).
// Orphans come back to the emulator only when their function's main
// process ends, so every one found here belongs to an ended environment.
// Returns how many were found (0: none is left).
size_t SweepOrphans() {
  std::lock_guard<std::mutex> lock(Live().mu);
  const int self = ::getpid();
  const int own_group = ::getpgrp();
  size_t found = 0;
  for (int pid : ChildrenOf(self)) {
    if (Live().mains.contains(pid)) continue;
    ProcStat st;
    if (!ReadStat(pid, &st) || st.pgrp == own_group) continue;
    ++found;
    // Our own child: its pid is not reused before we reap it.
    if (st.state != 'Z') ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, WNOHANG);
  }
  return found;
}

// VmHWM of one process (its peak resident set), bytes; 0 if unknown.
uint64_t HighWaterMark(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* at = std::strstr(buf, "VmHWM:");
  if (at == nullptr) return 0;
  return std::strtoull(at + 6, nullptr, 10) * 1024;  // "VmHWM:  1234 kB"
}

}  // namespace

// Samples the resident memory of every watched process group: one pass
// over /proc per tick, summing the RSS of each group's members, however
// many groups are watched. Ticks only while something is watched.
class MemorySampler : public std::enable_shared_from_this<MemorySampler> {
 public:
  using OnSample = std::function<void(uint64_t bytes)>;
  explicit MemorySampler(asio::io_context& io) : timer_(io) {}

  void Watch(int pgid, std::chrono::milliseconds period, OnSample on_sample) {
    watched_[pgid] = Entry{period, std::move(on_sample)};
    if (!armed_) Arm();
  }
  void Unwatch(int pgid) { watched_.erase(pgid); }

 private:
  struct Entry {
    std::chrono::milliseconds period;
    OnSample on_sample;
  };

  void Arm() {
    if (watched_.empty()) {
      armed_ = false;
      return;
    }
    auto period = std::chrono::milliseconds::max();
    for (const auto& [pgid, e] : watched_) period = std::min(period, e.period);
    armed_ = true;
    timer_.expires_after(period);
    timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
      auto self = weak.lock();
      if (!self) return;
      self->armed_ = false;
      if (ec) return;
      self->Tick();
    });
  }

  void Tick() {
    std::map<int, uint64_t> pages;
    for (const auto& [pgid, e] : watched_) pages[pgid] = 0;
    // Every kFullScanEvery ticks, all of /proc (finding the groups'
    // members); in between, only the members known (and each group's
    // leader): a child forked since is counted from the next full scan.
    bool full = ticks_++ % kFullScanEvery == 0;
    for (const auto& [pgid, n] : pages) {
      if (members_.count(pgid) == 0) full = true;
    }
    if (full) {
      members_.clear();
      if (DIR* dir = ::opendir("/proc")) {
        while (dirent* d = ::readdir(dir)) {
          if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
          ProcStat st;
          if (!ReadStat(d->d_name, &st)) continue;
          auto it = pages.find(st.pgrp);
          if (it == pages.end()) continue;
          it->second += st.rss_pages;
          members_[st.pgrp].push_back(std::atoi(d->d_name));
        }
        ::closedir(dir);
      }
    } else {
      for (auto& [pgid, n] : pages) {
        for (int pid : members_[pgid]) {
          ProcStat st;
          if (ReadStat(pid, &st) && st.pgrp == pgid) n += st.rss_pages;
        }
      }
    }
    static const uint64_t kPage =
        static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    for (const auto& [pgid, n] : pages) {
      auto it = watched_.find(pgid);
      // A callback may have unwatched another group (or this one).
      if (it != watched_.end()) {
        OnSample cb = it->second.on_sample;
        cb(n * kPage);
      }
    }
    Arm();
  }

  static constexpr uint64_t kFullScanEvery = 5;

  asio::steady_timer timer_;
  std::map<int, Entry> watched_;
  std::map<int, std::vector<int>> members_;  // from the last full scan
  uint64_t ticks_ = 0;
  bool armed_ = false;
};

namespace {

class PosixProcess : public FunctionProcess,
                     public std::enable_shared_from_this<PosixProcess> {
 public:
  PosixProcess(asio::io_context& io, ProcessCallbacks callbacks,
               const LaunchSpec& spec, std::shared_ptr<MemorySampler> sampler,
               const void* launcher)
      : io_(io),
        launcher_(launcher),
        callbacks_(std::move(callbacks)),
        log_cap_(spec.log_cap),
        rss_limit_(spec.rss_limit_bytes),
        sample_period_(spec.memory_sample_period),
        sampler_(std::move(sampler)),
        stdin_(io),
        results_(io),
        logs_(io),
        kill_timer_(io),
        drain_timer_(io) {}

  // A process whose loop is gone before it ended (its io_context is being
  // destroyed): Boost.Process kills and reaps it here.
  ~PosixProcess() override {
    process_.reset();
    std::lock_guard<std::mutex> live(Live().mu);
    auto it = Live().mains.find(pid_);
    if (it != Live().mains.end() && it->second.process == this) {
      Live().mains.erase(it);
    }
  }

  Status Start(const LaunchSpec& spec) {
    auto program = ResolveProgram(spec);
    if (!program.ok()) return program.status();
    asio::readable_pipe stdin_reader(io_);
    asio::writable_pipe result_writer(io_), log_writer(io_);
    error_code ec;
    asio::connect_pipe(stdin_reader, stdin_, ec);
    if (!ec) asio::connect_pipe(results_, result_writer, ec);
    if (!ec) asio::connect_pipe(logs_, log_writer, ec);
    if (ec) {
      return Status(common::kInternalError,
                    "Cannot create pipes: " + ec.message());
    }
    if (spec.python_fork_server &&
        ForkFromZygote(spec, *program, stdin_reader.native_handle(),
                       log_writer.native_handle(),
                       result_writer.native_handle())) {
      // The child has its ends now; ours would hold the pipes open.
      stdin_reader.close(ec);
      result_writer.close(ec);
      log_writer.close(ec);
      return Status::Ok();
    }
    // argv[0] is the program's path, as it was found.
    std::vector<const char*> argv{program->c_str()};
    for (size_t i = 1; i < spec.argv.size(); ++i) {
      argv.push_back(spec.argv[i].c_str());
    }
    argv.push_back(nullptr);
    std::vector<const char*> envp;
    for (const auto& e : spec.env) envp.push_back(e.c_str());
    envp.push_back(nullptr);
    SpawnRequest request{
        .program = program->c_str(),
        .argv = argv.data(),
        .envp = envp.data(),
        .working_dir = spec.working_dir.c_str(),
        .stdin_fd = stdin_reader.native_handle(),
        .stdout_fd = log_writer.native_handle(),
        .stderr_fd = log_writer.native_handle(),
        .result_fd = result_writer.native_handle(),
        .memory_bytes = spec.memory_bytes,
        .open_files = spec.open_files,
        .processes = spec.processes,
    };
    // Held until the new child is recorded: a sweep must not take it for
    // an orphan.
    std::unique_lock<std::mutex> live(Live().mu);
    Result<int> pid = SpawnProcess(request);
    if (!pid.ok()) {
      return Status(sqs::kInvalidParameterValue,
                    "Cannot run " + program->string() + ": " +
                        pid.status().message() + ".");
    }
    process_.emplace(asio::any_io_executor(io_.get_executor()), *pid);
    pid_ = process_->id();
    Live().mains[pid_] = {launcher_, this};
    live.unlock();
    // The child sets its own group too; doing it here as well closes the
    // window in which a signal to the group would miss it (EACCES once the
    // child has exec'd: it has then done it itself).
    ::setpgid(pid_, pid_);
    // The child has its ends now; ours would hold the pipes open.
    stdin_reader.close(ec);
    result_writer.close(ec);
    log_writer.close(ec);
    return Status::Ok();
  }

  // Forks the process from the Python zygote for its interpreter and
  // startup environment; false (nothing started) when there is none to be
  // had, the code holds a module the zygote shares, or the fork fails: the
  // caller then starts it the normal way, which reports what is wrong.
  bool ForkFromZygote(const LaunchSpec& spec,
                      const std::filesystem::path& program, int stdin_fd,
                      int log_fd, int result_fd) {
    namespace fs = std::filesystem;
    if (spec.argv.size() != 2 || !fs::path(spec.argv[1]).is_absolute()) {
      return false;
    }
    std::error_code fs_ec;
    fs::path cwd = spec.working_dir.empty()
                       ? fs::current_path(fs_ec)
                       : fs::absolute(spec.working_dir, fs_ec);
    if (fs_ec) return false;
    std::string why;
    auto zygote = ZygotePool::Shared().Get(program.string(), spec.argv[1],
                                           PythonStartupEnv(spec.env), &why);
    if (zygote == nullptr) return false;
    std::vector<std::string> code_dirs{cwd.string()};
    for (const auto& e : spec.env) {
      if (e.starts_with("LAMBDA_TASK_ROOT=")) code_dirs.push_back(e.substr(17));
    }
    for (const auto& dir : code_dirs) {
      if (!zygote->SharedModuleIn(dir).empty()) return false;
    }
    ZygoteSpawn request{
        .argv = spec.argv,
        .env = spec.env,
        .working_dir = cwd.string(),
        .memory_bytes = spec.memory_bytes,
        .open_files = spec.open_files,
        .processes = spec.processes,
        .stdin_fd = stdin_fd,
        .stdout_fd = log_fd,
        .stderr_fd = log_fd,
        .result_fd = result_fd,
    };
    // Held until the new child is recorded: it is this process's child
    // before Spawn returns, and a sweep must not take it for an orphan.
    std::lock_guard<std::mutex> live(Live().mu);
    auto pid = zygote->Spawn(request, kZygoteAnswerLimit);
    if (!pid.ok()) return false;
    process_.emplace(asio::any_io_executor(io_.get_executor()), *pid);
    pid_ = *pid;
    Live().mains[pid_] = {launcher_, this};
    return true;
  }

  // Starts the asynchronous reads and the wait (after Start succeeded, once
  // the object is owned by a shared_ptr).
  void Run() {
    ReadResults();
    ReadLogs();
    process_->async_wait(
        [self = shared_from_this()](error_code, int) { self->OnMainExit(); });
  }

  int pid() const override { return pid_; }

  void Write(std::string bytes) override {
    if (stdin_closed_) return;
    pending_.push_back(std::move(bytes));
    if (pending_.size() == 1) WriteNext();
  }

  void CloseStdin() override {
    close_after_writes_ = true;
    if (pending_.empty()) CloseStdinNow();
  }

  void Terminate(std::chrono::milliseconds grace) override {
    if (main_exited_) return;  // OnMainExit kills what is left anyway
    if (grace.count() <= 0) return SignalGroup(SIGKILL);  // no grace: now
    SignalGroup(SIGTERM);
    kill_timer_.expires_after(grace);
    kill_timer_.async_wait(
        [self = shared_from_this()](const error_code& timer_ec) {
          if (!timer_ec) self->SignalGroup(SIGKILL);
        });
  }

  std::string LogTail(size_t max_bytes) override {
    DrainLogs();
    if (logs_text_.size() <= max_bytes) return logs_text_;
    return logs_text_.substr(logs_text_.size() - max_bytes);
  }

  uint64_t LogMark() override {
    DrainLogs();
    return logged_;
  }

  std::string LogsSince(uint64_t mark, size_t max_bytes) override {
    DrainLogs();
    size_t n = mark >= logged_ ? 0 : static_cast<size_t>(logged_ - mark);
    n = std::min({n, max_bytes, logs_text_.size()});
    return logs_text_.substr(logs_text_.size() - n);
  }

  void WatchMemory(bool on) override {
    if (on && !main_exited_) {
      std::weak_ptr<PosixProcess> weak = weak_from_this();
      sampler_->Watch(pid_, sample_period_, [weak](uint64_t bytes) {
        if (auto self = weak.lock()) self->OnSample(bytes);
      });
    } else {
      sampler_->Unwatch(pid_);
    }
  }

  uint64_t PeakMemoryBytes() override {
    // Before the first sample (a short first invocation), the main
    // process's own high-water mark; later, the sampled group.
    if (peak_ == 0 && !main_exited_) peak_ = HighWaterMark(pid_);
    return peak_;
  }

  void Detach() override { callbacks_ = {}; }

 private:
  void OnSample(uint64_t bytes) {
    peak_ = std::max(peak_, bytes);
    if (rss_limit_ > 0 && bytes > rss_limit_ && !out_of_memory_ &&
        !main_exited_) {
      out_of_memory_ = true;
      SignalGroup(SIGKILL);
    }
  }

  // Reads what is already in the log pipe.
  void DrainLogs() {
    if (!logs_open_) return;
    int fd = logs_.native_handle();
    if (!logs_nonblocking_) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      logs_nonblocking_ = true;
    }
    char buf[16384];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
      AppendLog(std::string_view(buf, size_t(n)));
    }
  }

  // The whole tree while the main process lives; after, what is left of
  // its group (its other orphans are swept: see Reap).
  void SignalGroup(int sig) {
    if (!main_exited_) {
      SignalTree(pid_, sig);
    } else if (!reaped_) {
      ::kill(-pid_, sig);
    }
  }

  void WriteNext() {
    asio::async_write(
        stdin_, asio::buffer(pending_.front()),
        [self = shared_from_this()](const error_code& write_ec, size_t) {
          if (write_ec) {  // the process stopped reading: drop the rest
            self->pending_.clear();
            self->CloseStdinNow();
            return;
          }
          self->pending_.pop_front();
          if (!self->pending_.empty()) {
            self->WriteNext();
          } else if (self->close_after_writes_) {
            self->CloseStdinNow();
          }
        });
  }

  void CloseStdinNow() {
    stdin_closed_ = true;
    error_code ignored;
    stdin_.close(ignored);
  }

  void ReadResults() {
    results_.async_read_some(
        asio::buffer(result_buf_),
        [self = shared_from_this()](const error_code& read_ec, size_t n) {
          if (n > 0 && self->callbacks_.on_result) {
            self->callbacks_.on_result(
                std::string_view(self->result_buf_.data(), n));
          }
          if (read_ec) {
            self->results_open_ = false;
            self->MaybeFinish();
            return;
          }
          self->ReadResults();
        });
  }

  void ReadLogs() {
    logs_.async_read_some(
        asio::buffer(log_buf_),
        [self = shared_from_this()](const error_code& read_ec, size_t n) {
          self->AppendLog(std::string_view(self->log_buf_.data(), n));
          if (read_ec) {
            self->logs_open_ = false;
            self->MaybeFinish();
            return;
          }
          self->ReadLogs();
        });
  }

  void AppendLog(std::string_view bytes) {
    logged_ += bytes.size();
    logs_text_.append(bytes);
    // Keep the tail; trim in chunks so appends stay amortised O(1).
    if (logs_text_.size() > 2 * log_cap_) {
      logs_text_.erase(0, logs_text_.size() - log_cap_);
    }
  }

  void OnMainExit() {
    main_exited_ = true;
    int raw = process_->native_exit_code();
    if (WIFSIGNALED(raw)) {
      exit_ = ExitStatus{true, WTERMSIG(raw)};
    } else {
      exit_ = ExitStatus{false, WEXITSTATUS(raw)};
    }
    exit_.out_of_memory = out_of_memory_;
    {
      // Boost.Process has reaped it: the pid may be reused now.
      std::lock_guard<std::mutex> live(Live().mu);
      auto it = Live().mains.find(pid_);
      if (it != Live().mains.end() && it->second.process == this) {
        Live().mains.erase(it);
      }
    }
    sampler_->Unwatch(pid_);
    kill_timer_.cancel();
    // Whatever is left of the group goes now: a function's leftovers do
    // not outlive it.
    ::kill(-pid_, SIGKILL);
    CloseStdinNow();
    drain_timer_.expires_after(kPipeDrainLimit);
    drain_timer_.async_wait(
        [self = shared_from_this()](const error_code& timer_ec) {
          if (timer_ec) return;
          error_code ignored;
          self->results_.close(ignored);
          self->logs_.close(ignored);
        });
    Reap();
  }

  // Reaps every member of the group and every orphan the tree left (they
  // come back to us: we are the subreaper), retrying while some are still
  // dying.
  void Reap() {
    bool dying = false;
    while (true) {
      siginfo_t info{};
      int rc =
          ::waitid(P_PGID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG);
      if (rc != 0) break;  // ECHILD: none left
      if (info.si_pid == 0) {
        // Members alive but not dead yet: SIGKILL is on its way.
        ::kill(-pid_, SIGKILL);
        dying = true;
        break;
      }
    }
    // Any orphan: the main process's children were handed to us as it
    // ended, and theirs as each of them is killed; none is left once a
    // sweep finds nothing.
    if (SweepOrphans() > 0) dying = true;
    if (dying) {
      reap_retry_ = reap_retry_ == std::chrono::milliseconds(0)
                        ? kReapRetry
                        : std::min(2 * reap_retry_, kReapRetryMax);
      reap_timer_ = std::make_unique<asio::steady_timer>(io_);
      reap_timer_->expires_after(reap_retry_);
      reap_timer_->async_wait(
          [self = shared_from_this()](const error_code&) { self->Reap(); });
      return;
    }
    reaped_ = true;
    MaybeFinish();
  }

  void MaybeFinish() {
    if (finished_ || !reaped_ || results_open_ || logs_open_) return;
    finished_ = true;
    drain_timer_.cancel();
    if (callbacks_.on_exit) {
      auto on_exit = std::move(callbacks_.on_exit);
      callbacks_ = {};
      on_exit(exit_);
    }
  }

  asio::io_context& io_;
  const void* launcher_;
  ProcessCallbacks callbacks_;
  size_t log_cap_;
  uint64_t rss_limit_;
  std::chrono::milliseconds sample_period_;
  std::shared_ptr<MemorySampler> sampler_;
  uint64_t peak_ = 0;
  bool out_of_memory_ = false;
  uint64_t logged_ = 0;  // bytes of logs ever appended
  bool logs_nonblocking_ = false;
  asio::writable_pipe stdin_;
  asio::readable_pipe results_;
  asio::readable_pipe logs_;
  asio::steady_timer kill_timer_;
  asio::steady_timer drain_timer_;
  std::unique_ptr<asio::steady_timer> reap_timer_;
  std::chrono::milliseconds reap_retry_{0};
  std::optional<bp::process> process_;
  int pid_ = -1;
  std::deque<std::string> pending_;
  bool close_after_writes_ = false;
  bool stdin_closed_ = false;
  bool results_open_ = true;
  bool logs_open_ = true;
  bool main_exited_ = false;
  bool reaped_ = false;
  bool finished_ = false;
  ExitStatus exit_;
  std::array<char, 65536> result_buf_;
  std::array<char, 16384> log_buf_;
  std::string logs_text_;
};

}  // namespace

std::string ExitStatus::Describe() const {
  if (!signaled) return "exit status " + std::to_string(code);
  const char* words = SignalWords(code);
  return "signal: " +
         (words != nullptr ? std::string(words) : std::to_string(code));
}

PosixLauncher::PosixLauncher(asio::io_context& io)
    : io_(io), sampler_(std::make_shared<MemorySampler>(io)) {
  // Orphaned descendants of functions are reparented to us, to be reaped.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // A function that closed its stdin must not kill the emulator.
  ::signal(SIGPIPE, SIG_IGN);
}

PosixLauncher::~PosixLauncher() {
  // Ends what is still running of this launcher's functions (their owners
  // normally have: an environment's shutdown), then reaps what their trees
  // left, for a bounded time: the loop that would do it may never run
  // again. Main processes themselves are reaped by Boost.Process when
  // their owners let go of them.
  std::vector<int> mine;
  {
    std::lock_guard<std::mutex> live(Live().mu);
    for (const auto& [pid, owner] : Live().mains) {
      if (owner.launcher == this) mine.push_back(pid);
    }
  }
  for (int pid : mine) SignalTree(pid, SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + kShutdownReapLimit;
  auto all_dead = [&] {
    for (int pid : mine) {
      ProcStat st;
      if (ReadStat(pid, &st) && st.state != 'Z') return false;
    }
    return true;
  };
  while (std::chrono::steady_clock::now() < deadline &&
         !(all_dead() && SweepOrphans() == 0)) {
    ::usleep(1000);
  }
}

Result<std::shared_ptr<FunctionProcess>> PosixLauncher::Launch(
    const LaunchSpec& spec, ProcessCallbacks callbacks) {
  if (spec.argv.empty() || spec.argv.front().empty()) {
    return Status(sqs::kInvalidParameterValue,
                  "A function's command must name a program.");
  }
  auto process = std::make_shared<PosixProcess>(io_, std::move(callbacks), spec,
                                                sampler_, this);
  Status started = process->Start(spec);
  if (!started.ok()) return started;
  process->Run();
  return std::shared_ptr<FunctionProcess>(process);
}

Status PosixLauncher::CheckProgram(const LaunchSpec& spec) const {
  if (spec.argv.empty() || spec.argv.front().empty()) {
    return Status(sqs::kInvalidParameterValue,
                  "A function's command must name a program.");
  }
  return ResolveProgram(spec).status();
}

}  // namespace fanlab::compute
