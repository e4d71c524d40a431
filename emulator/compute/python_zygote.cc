#include "emulator/compute/python_zygote.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "emulator/core/common_errors.h"

extern char** environ;

namespace fanlab::compute {
namespace {

constexpr size_t kMaxMessage = 1 << 20;
constexpr size_t kStderrKept = 4096;

Status Internal(const std::string& message) {
  return Status(common::kInternalError, message);
}

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Splits "a\0b\0c" into its fields.
std::vector<std::string> Fields(const char* data, size_t n) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i == n || data[i] == '\0') {
      out.emplace_back(data + start, i - start);
      start = i + 1;
    }
  }
  return out;
}

// Waits until `fd` is readable or `limit` has passed (real time): false on
// a timeout.
bool WaitReadable(int fd, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let the read report it
  }
}

// One message from the zygote; "" at end of file or on an error.
std::string Receive(int fd) {
  std::string buf(kMaxMessage, '\0');
  ssize_t n;
  do {
    n = ::recv(fd, buf.data(), buf.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return "";
  buf.resize(static_cast<size_t>(n));
  return buf;
}

// This process's file mode creation mask, read without changing it (the
// umask call would, for an instant, for every thread).
mode_t CurrentUmask() {
  if (FILE* f = std::fopen("/proc/self/status", "re")) {
    char line[256];
    unsigned mask = 0;
    bool found = false;
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::sscanf(line, "Umask: %o", &mask) == 1) {
        found = true;
        break;
      }
    }
    std::fclose(f);
    if (found) return static_cast<mode_t>(mask);
  }
  return 022;
}

// The parent of `pid` from /proc/<pid>/stat; 0 if it is gone.
int ParentOf(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = std::fopen(path, "re");
  if (f == nullptr) return 0;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  int ppid = 0;
  char state = 0;
  if (p == nullptr || std::sscanf(p + 1, " %c %d", &state, &ppid) != 2) {
    return 0;
  }
  return ppid;
}

// Reaps `pid`, giving it `grace` to exit before SIGKILL.
void KillAndReap(int pid, std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    int rc = ::waitpid(pid, nullptr, WNOHANG);
    if (rc == pid || (rc < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == '_' || c >= 0x80)) return false;
  }
  return true;
}

}  // namespace

PythonZygote::PythonZygote(int pid, int socket, int stderr_fd)
    : pid_(pid), socket_(socket), stderr_(stderr_fd) {}

PythonZygote::~PythonZygote() {
  ::close(socket_);  // end of file: the zygote exits
  if (!reaped_) KillAndReap(pid_, std::chrono::seconds(1));
  ::close(stderr_);
}

Result<std::unique_ptr<PythonZygote>> PythonZygote::Start(
    const std::string& python, const std::string& bootstrap,
    const std::vector<std::string>& startup_env,
    std::chrono::milliseconds ready_limit) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return Internal(Errno("socketpair"));
  }
  int in[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return Internal(Errno("pipe"));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {sv[0], sv[1], in[0], in[1]}) ::close(fd);
    return Internal(Errno("pipe"));
  }
  std::vector<std::string> env = startup_env;
  env.push_back("FANLAB_PYTHON_ZYGOTE_FD=3");
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string arg0 = python, arg1 = bootstrap;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  // fork and exec rather than posix_spawn: glibc's posix_spawn leaves its
  // two internal signals ignored in the child, and ignored they would stay
  // in every process forked from the zygote. Between fork and exec, only
  // async-signal-safe calls.
  int exec_error[2];
  if (::pipe2(exec_error, O_CLOEXEC) != 0) {
    for (int fd : {sv[0], sv[1], in[0], in[1], err[0], err[1]}) ::close(fd);
    return Internal(Errno("pipe"));
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    // Standard descriptors are pipes, as a function's are (Python decides
    // buffering and seekability of sys.std* once, at start); stdin is at
    // end of file at once; the socket is descriptor 3; nothing else is
    // left open but the close-on-exec pipe that reports a failed exec. The
    // zygote stays in this process's group.
    int report = ::fcntl(exec_error[1], F_DUPFD_CLOEXEC, 4);
    if (report >= 0 && ::dup2(in[0], 0) >= 0 && ::dup2(err[1], 1) >= 0 &&
        ::dup2(err[1], 2) >= 0 && ::dup2(sv[1], 3) >= 0) {
      ::close_range(4, static_cast<unsigned>(report) - 1, 0);
      ::close_range(static_cast<unsigned>(report) + 1, ~0U, 0);
      // Clean signal state (the emulator ignores SIGPIPE): Python sets its
      // own at start, as in a function started the normal way.
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
      }
      if (::chdir("/") == 0) ::execve(python.c_str(), argv, envp.data());
    }
    int e = errno;
    if (report >= 0) (void)!::write(report, &e, sizeof e);
    ::_exit(127);
  }
  int rc = pid < 0 ? errno : 0;
  ::close(exec_error[1]);
  if (pid > 0) {
    int e = 0;
    ssize_t n;
    do {
      n = ::read(exec_error[0], &e, sizeof e);
    } while (n < 0 && errno == EINTR);
    if (n == sizeof e) {
      rc = e;
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  ::close(exec_error[0]);
  for (int fd : {sv[1], in[0], in[1], err[1]}) ::close(fd);
  if (rc != 0) {
    ::close(sv[0]);
    ::close(err[0]);
    return Internal("Cannot start " + python + ": " + std::strerror(rc));
  }
  ::fcntl(err[0], F_SETFL, ::fcntl(err[0], F_GETFL) | O_NONBLOCK);
  std::unique_ptr<PythonZygote> zygote(new PythonZygote(pid, sv[0], err[0]));
  std::string ready;
  if (WaitReadable(zygote->socket_, ready_limit)) {
    ready = Receive(zygote->socket_);
  }
  std::vector<std::string> fields = Fields(ready.data(), ready.size());
  if (ready.empty() || fields[0] != "ready" || fields.size() < 2) {
    std::string why =
        ready.empty() && !WaitReadable(zygote->socket_, {})
            ? "not ready after " + std::to_string(ready_limit.count()) + " ms"
            : "it exited";
    std::string tail = zygote->StderrTail();
    return Internal("The Python fork server (" + python + " " + bootstrap +
                    ") failed: " + why + (tail.empty() ? "" : ": " + tail));
  }
  zygote->version_ = fields[1];
  zygote->shared_.insert(fields.begin() + 2, fields.end());
  return zygote;
}

Result<int> PythonZygote::Spawn(const ZygoteSpawn& spawn,
                                std::chrono::milliseconds limit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (broken_) return Internal("The Python fork server is gone.");
  std::string msg = "spawn";
  auto add = [&msg](const std::string& field) {
    msg += '\0';
    msg += field;
  };
  add(spawn.working_dir);
  add(std::to_string(CurrentUmask()));
  add(std::to_string(spawn.memory_bytes));
  add(std::to_string(spawn.open_files));
  add(std::to_string(spawn.processes));
  add(std::to_string(::getpid()));
  add(std::to_string(spawn.argv.size()));
  for (const auto& a : spawn.argv) add(a);
  for (const auto& e : spawn.env) add(e);

  int fds[4] = {spawn.stdin_fd, spawn.stdout_fd, spawn.stderr_fd,
                spawn.result_fd};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
  iovec iov{msg.data(), msg.size()};
  msghdr hdr{};
  hdr.msg_iov = &iov;
  hdr.msg_iovlen = 1;
  hdr.msg_control = control;
  hdr.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&hdr);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof fds);
  std::memcpy(CMSG_DATA(c), fds, sizeof fds);
  ssize_t sent;
  do {
    sent = ::sendmsg(socket_, &hdr, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    // Too large a request (EMSGSIZE) leaves the zygote as it was.
    if (errno == EMSGSIZE) return Internal(Errno("A spawn request"));
    BreakLocked(Errno("send"));
    return Internal("The Python fork server is gone.");
  }
  if (!WaitReadable(socket_, limit)) {
    BreakLocked("no answer");
    return Internal("The Python fork server did not answer in " +
                    std::to_string(limit.count()) + " ms.");
  }
  std::string reply = Receive(socket_);
  std::vector<std::string> fields = Fields(reply.data(), reply.size());
  if (reply.empty()) {
    BreakLocked("it exited");
    std::string tail = StderrTail();
    return Internal("The Python fork server exited" +
                    (tail.empty() ? std::string(".") : ": " + tail));
  }
  if (fields[0] == "ok" && fields.size() == 2) {
    int pid = std::atoi(fields[1].c_str());
    if (pid > 0 && ParentOf(pid) == ::getpid()) return pid;
    // Not handed to this process (it is no subreaper): it ends itself once
    // it sees another parent.
    if (pid > 0) {
      int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
      if (fd >= 0) {
        ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
        ::close(fd);
      }
    }
    return Internal(
        "A process forked by the Python fork server did not become this "
        "process's child.");
  }
  if (fields[0] == "error" && fields.size() >= 2) {
    // A process that failed its setup exits at once; it is ours to reap.
    if (fields.size() >= 3) {
      int pid = std::atoi(fields[2].c_str());
      if (pid > 0 && ParentOf(pid) == ::getpid()) {
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
      }
    }
    return Internal("The Python fork server could not start the process: " +
                    fields[1]);
  }
  BreakLocked("a malformed answer");
  return Internal("The Python fork server answered something malformed.");
}

std::string PythonZygote::SharedModuleIn(const std::string& dir) const {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return "";
  std::string found;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    // A folder is a package (or a namespace portion); a file is a module
    // by its name up to the first dot (boto3.py, x.cpython-311-...so).
    std::string module = name.substr(0, name.find('.'));
    if (module != name) {
      std::string ext = name.substr(name.rfind('.'));
      if (ext != ".py" && ext != ".pyc" && ext != ".so") continue;
    }
    if (!IsIdentifier(module)) continue;
    if (shared_.contains(module)) {
      found = module;
      break;
    }
  }
  ::closedir(d);
  return found;
}

bool PythonZygote::broken() const {
  std::lock_guard<std::mutex> lock(mu_);
  return broken_;
}

void PythonZygote::BreakLocked(const std::string& why) {
  (void)why;
  broken_ = true;
  ::shutdown(socket_, SHUT_RDWR);
  KillAndReap(pid_, std::chrono::milliseconds(0));
  reaped_ = true;
}

std::string PythonZygote::StderrTail() {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(stderr_, buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 4 * kStderrKept) text.erase(0, text.size() - kStderrKept);
  }
  if (text.size() > kStderrKept) text.erase(0, text.size() - kStderrKept);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

std::vector<std::string> PythonStartupEnv(const std::vector<std::string>& env) {
  std::vector<std::string> out;
  for (const auto& e : env) {
    std::string name = e.substr(0, e.find('='));
    if (name.starts_with("PYTHON") || name == "LANG" ||
        name.starts_with("LC_") || name == "HOME" || name == "LD_PRELOAD") {
      out.push_back(e);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

ZygotePool& ZygotePool::Shared() {
  static ZygotePool* pool = new ZygotePool;  // never destroyed: the
                                             // zygotes end with the process
  return *pool;
}

std::shared_ptr<PythonZygote> ZygotePool::Get(
    const std::string& python, const std::string& bootstrap,
    const std::vector<std::string>& startup_env, std::string* why) {
  std::string key = python + '\0' + bootstrap;
  for (const auto& e : startup_env) key += '\0' + e;
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_[key];
  if (entry.zygote && entry.zygote->broken()) {
    entry.zygote.reset();
    ++entry.failures;
  }
  if (entry.zygote) return entry.zygote;
  if (entry.failures >= kMaxFailures) {
    *why = "it failed " + std::to_string(entry.failures) +
           " times; the last: " + entry.last_error;
    return nullptr;
  }
  size_t live = 0;
  for (const auto& [k, e] : entries_) live += e.zygote != nullptr;
  if (live >= kMaxZygotes) {
    *why = std::to_string(live) + " fork servers run already";
    return nullptr;
  }
  auto started = PythonZygote::Start(python, bootstrap, startup_env,
                                     std::chrono::milliseconds(kReadyLimit));
  if (!started.ok()) {
    ++entry.failures;
    entry.last_error = started.status().message();
    *why = entry.last_error;
    std::cerr << "fanlab: warning: " << entry.last_error
              << " (python3.x functions start the normal way)\n";
    return nullptr;
  }
  entry.zygote = std::shared_ptr<PythonZygote>(std::move(*started));
  return entry.zygote;
}

void ZygotePool::ResetForTesting() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace fanlab::compute
