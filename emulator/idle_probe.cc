#include "emulator/idle_probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace fanlab {

namespace {

// The /proc files a thread has read, kept open. Dropped whole past Max()
// files (processes come and go).
class ProcFiles {
 public:
  ProcFiles() = default;
  ProcFiles(const ProcFiles&) = delete;
  ProcFiles& operator=(const ProcFiles&) = delete;
  ~ProcFiles() { Clear(); }

  // The number of links of a /proc directory (of /proc/PID/task: the
  // process's threads and 2), from a descriptor kept open; -1 when it
  // cannot be opened or the process is gone.
  long Links(const std::string& path) {
    auto it = fds_.find(path);
    if (it == fds_.end()) {
      int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return -1;
      if (fds_.size() >= Max()) Clear();
      it = fds_.emplace(path, fd).first;
    }
    struct stat st;
    if (::fstat(it->second, &st) != 0 || st.st_nlink <= 2) {
      // Gone (or no threads): opened again next time, in case the id is
      // another process's by then.
      ::close(it->second);
      fds_.erase(it);
      return -1;
    }
    return long(st.st_nlink);
  }

  // Closes the files whose paths start with `prefix`.
  void Forget(std::string_view prefix) {
    auto it = fds_.lower_bound(prefix);
    while (it != fds_.end() &&
           std::string_view(it->first).starts_with(prefix)) {
      ::close(it->second);
      it = fds_.erase(it);
    }
  }

  bool Read(const std::string& path, char* buf, size_t size) {
    auto it = fds_.find(path);
    if (it != fds_.end()) {
      ssize_t n = ::pread(it->second, buf, size - 1, 0);
      if (n >= 0) return Done(buf, n);
      // Gone; a process of the same id may have come since.
      ::close(it->second);
      fds_.erase(it);
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = ::pread(fd, buf, size - 1, 0);
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (fds_.size() >= Max()) Clear();
    fds_.emplace(path, fd);
    return Done(buf, n);
  }

 private:
  // A quarter of the descriptors this process may open, 256 to 1,024
  // (several engines may run at once, each on its own thread).
  static size_t Max() {
    static const size_t max = [] {
      rlimit limit{};
      if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return size_t{256};
      return std::clamp<size_t>(size_t(limit.rlim_cur / 4), 256, 1024);
    }();
    return max;
  }
  static bool Done(char* buf, ssize_t n) {
    buf[n] = 0;
    return n > 0;
  }
  void Clear() {
    for (auto& [path, fd] : fds_) ::close(fd);
    fds_.clear();
  }
  std::map<std::string, int, std::less<>> fds_;
};

// The thread ids of process `pid`; empty when it is gone.
std::vector<int> ThreadsOf(int pid) {
  std::vector<int> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') out.push_back(std::atoi(e->d_name));
    }
    ::closedir(d);
  }
  return out;
}

constexpr size_t kMaxWaits = 4096;
constexpr size_t kMaxKnown = 1024;
constexpr int kMaxDepth = 8;

ProcFiles& Files() {
  thread_local ProcFiles files;
  return files;
}

}  // namespace

bool ReadProcFile(const std::string& path, char* buf, size_t size) {
  return Files().Read(path, buf, size);
}

void ForgetProcFiles(int pid) {
  Files().Forget("/proc/" + std::to_string(pid) + "/");
}

void ReadProcChildren(const std::string& task, std::vector<int>& out) {
  char buf[256];
  if (!ReadProcFile(task + "/children", buf, sizeof buf)) return;
  for (char* at = buf; *at != 0;) {
    char* end = nullptr;
    long child = std::strtol(at, &end, 10);
    if (end == at) break;
    out.push_back(int(child));
    at = end;
  }
}

bool IdleProbe::Idle(const std::vector<int>& pids, const std::vector<int>& own,
                     const std::vector<std::string>& kernel, size_t& busy) {
  looks_.clear();
  size_t changed = pids.size() + 1;  // none
  std::map<int, std::vector<int>> seen;
  for (size_t i = 0; i < pids.size(); ++i) {
    if (!FirstLook(pids[i], i, 0, seen) && changed > pids.size()) changed = i;
  }
  if (known_.size() > kMaxKnown) known_.clear();
  for (auto& [pid, threads] : seen) known_[pid] = std::move(threads);
  for (int tid : own) {
    AddLook("/proc/self/task/" + std::to_string(tid), Kind::kOwn, pids.size());
  }
  for (const std::string& dir : kernel) {
    AddLook(dir, Kind::kOther, pids.size());
  }
  // The instant: here. Every thread's state is read after it, and its
  // counters once more.
  for (const Look& look : looks_) {
    if (!look.counted) continue;  // gone before its first look
    if (!StillIdle(look)) {
      busy = look.target;
      return false;
    }
  }
  if (changed <= pids.size()) {
    busy = changed;
    return false;
  }
  return true;
}

bool IdleProbe::ReadRunCounters(const std::string& task, RunCounters& out) {
  char buf[128];
  if (!ReadProcFile(task + "/schedstat", buf, sizeof buf)) return false;
  // "ran_ns waited_ns slices"
  char* end = nullptr;
  out.ran_ns = std::strtoull(buf, &end, 10);
  std::strtoull(end, &end, 10);
  out.slices = std::strtoull(end, &end, 10);
  return true;
}

bool IdleProbe::FirstLook(int pid, size_t target, int depth,
                          std::map<int, std::vector<int>>& seen) {
  std::string base = "/proc/" + std::to_string(pid) + "/task/";
  auto known = known_.find(pid);
  size_t first = looks_.size();
  bool same = true;
  if (known != known_.end()) {
    for (int tid : known->second) {
      AddLook(base + std::to_string(tid), Kind::kOther, target);
      same = same && looks_.back().counted;
    }
  }
  // The list is read again only when the number of threads changed or
  // one of them is gone: a thread made (or gone) since the last look was
  // made by one that ran (or ran itself), which the second look sees.
  std::vector<int> now;
  if (same && known != known_.end() &&
      Files().Links(base.substr(0, base.size() - 1)) ==
          long(known->second.size()) + 2) {
    now = known->second;
  } else {
    now = ThreadsOf(pid);
  }
  if (now.empty()) {  // gone: idle
    looks_.resize(first);
    return true;
  }
  if (known == known_.end() || !same || known->second != now) {
    // A process seen for the first time is read from its list (counters
    // after it: a thread made since was made by one that ran); one whose
    // threads came or went since the last look is not idle yet.
    same = same && known == known_.end();
    looks_.resize(first);
    for (int tid : now) {
      AddLook(base + std::to_string(tid), Kind::kOther, target);
    }
  }
  std::vector<int> children;
  if (depth < kMaxDepth) {
    for (int tid : now) ReadProcChildren(base + std::to_string(tid), children);
  }
  seen[pid] = std::move(now);
  for (int child : children) {
    same = FirstLook(child, target, depth + 1, seen) && same;
  }
  return same;
}

void IdleProbe::AddLook(std::string task, Kind kind, size_t target) {
  Look look{.task = std::move(task), .kind = kind, .target = target};
  look.counted = ReadRunCounters(look.task, look.before);
  looks_.push_back(std::move(look));
}

bool IdleProbe::StillIdle(const Look& look) {
  // A thread gone since its first look ran to end: it may have set
  // another going after that one was looked at.
  char buf[512];
  if (!ReadProcFile(look.task + "/stat", buf, sizeof buf)) return false;
  // "pid (comm) S ...": the comm may hold spaces and parentheses.
  const char* close_paren = std::strrchr(buf, ')');
  if (close_paren == nullptr || close_paren[1] == 0) return true;
  char state = close_paren[2];
  // Running or runnable, or in disk sleep: busy. Stopped, a zombie: idle.
  if (state == 'R' || state == 'D') return false;
  if (state == 'S' && WaitGoesOn(look)) return false;
  RunCounters after;
  return ReadRunCounters(look.task, after) && after == look.before;
}

bool IdleProbe::WaitGoesOn(const Look& look) {
  auto memo = waits_.find(look.task);
  if (memo != waits_.end() && memo->second.first == look.before) {
    return memo->second.second;
  }
  char buf[128];
  if (!ReadProcFile(look.task + "/wchan", buf, sizeof buf)) return false;
  if (std::string_view(buf) == "0") {
    // "0": on a run queue. Running after all (woken since its state was
    // read, or still on its way to sleep), or asleep and not yet taken
    // off its CPU's queue (the scheduler's delayed dequeue, which lasts
    // until that CPU picks again). Reading its system call waits until it
    // is off the CPU and settles a delayed one; "running" means it runs.
    char call[256];
    if (!ReadProcFile(look.task + "/syscall", call, sizeof call) ||
        std::string_view(call).starts_with("running") ||
        !ReadProcFile(look.task + "/wchan", buf, sizeof buf) ||
        std::string_view(buf) == "0") {
      return true;  // not remembered: it is moving
    }
  }
  std::string_view wchan(buf);
  bool goes_on;
  if (look.kind == Kind::kOwn) {
    goes_on = wchan.find("poll") == std::string_view::npos &&
              wchan.find("select") == std::string_view::npos;
  } else {
    goes_on = wchan.find("nanosleep") != std::string_view::npos ||
              wchan.find("_write") != std::string_view::npos ||
              wchan.find("sendmsg") != std::string_view::npos ||
              wchan.find("send_pskb") != std::string_view::npos ||
              wchan.find("wait_memory") != std::string_view::npos;
  }
  if (waits_.size() >= kMaxWaits) waits_.clear();
  waits_[look.task] = {look.before, goes_on};
  return goes_on;
}

}  // namespace fanlab
