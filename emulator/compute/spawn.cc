#include "emulator/compute/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "emulator/core/common_errors.h"

namespace fanlab::compute {

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kShareMemory = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
constexpr bool kShareMemory = false;
#else
constexpr bool kShareMemory = true;
#endif
#else
constexpr bool kShareMemory = true;
#endif

// The child's stack while it shares the caller's memory: it calls only
// system call wrappers.
constexpr size_t kChildStack = 64 * 1024;

struct Child {
  const SpawnRequest* request;
  int error_fd;  // close-on-exec: EOF at the exec, errno before
};

// Never below 4: the descriptors moved there are out of the way of 0-3.
int OutOfTheWay(int fd) {
  return fd >= 4 ? fd : ::fcntl(fd, F_DUPFD_CLOEXEC, 4);
}

bool Limit(int resource, uint64_t value) {
  rlimit now{};
  rlim_t want = static_cast<rlim_t>(value);
  if (::getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY) {
    want = std::min(want, now.rlim_max);
  }
  rlimit r{want, want};
  return ::setrlimit(resource, &r) == 0;
}

// Between clone and exec: system calls on the child's own descriptors,
// limits and signal table only; nothing of the shared memory is written
// but this stack.
[[noreturn]] void ChildFail(int error_fd) {
  int error = errno;
  while (::write(error_fd, &error, sizeof error) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

int ChildMain(void* arg) {
  const Child& child = *static_cast<const Child*>(arg);
  const SpawnRequest& r = *child.request;
  int error_fd = OutOfTheWay(child.error_fd);
  if (error_fd < 0) ::_exit(127);
  int from[4] = {OutOfTheWay(r.stdin_fd), OutOfTheWay(r.stdout_fd),
                 OutOfTheWay(r.stderr_fd), OutOfTheWay(r.result_fd)};
  for (int target = 0; target < 4; ++target) {
    // dup2 clears close-on-exec on the copy: these four stay.
    if (from[target] < 0 || ::dup2(from[target], target) < 0) {
      ChildFail(error_fd);
    }
  }
  if (r.working_dir != nullptr && r.working_dir[0] != 0 &&
      ::chdir(r.working_dir) != 0) {
    ChildFail(error_fd);
  }
  // Everything else goes; the error pipe at the exec (close-on-exec).
  ::close_range(4, static_cast<unsigned>(error_fd) - 1, 0);
  ::close_range(static_cast<unsigned>(error_fd) + 1, ~0U, 0);
  if (::setpgid(0, 0) != 0) ChildFail(error_fd);
  // If the emulator dies, so does the function.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The function's own orphans (double-forked, setsid'd) come back to its
  // main process rather than to the emulator: while it lives, its whole
  // tree is below it, to be signalled (kept across exec).
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  if ((r.memory_bytes > 0 && !Limit(RLIMIT_AS, r.memory_bytes)) ||
      !Limit(RLIMIT_NOFILE, r.open_files) ||
      !Limit(RLIMIT_NPROC, r.processes)) {
    ChildFail(error_fd);
  }
  // Dispositions and the mask are inherited across exec: start clean. The
  // caller blocked every signal before the clone, so no handler of the
  // emulator's runs here before its disposition is reset.
  struct sigaction none {};
  none.sa_handler = SIG_DFL;
  ::sigemptyset(&none.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &none, nullptr);
  }
  sigset_t empty;
  ::sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  ::execve(r.program, const_cast<char* const*>(r.argv),
           const_cast<char* const*>(r.envp));
  ChildFail(error_fd);
}

}  // namespace

Result<int> SpawnProcess(const SpawnRequest& request) {
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
    return Status(common::kInternalError,
                  std::string("Cannot create a pipe: ") + std::strerror(errno));
  }
  Child child{&request, error_pipe[1]};
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  int pid = -1;
  int spawn_errno = 0;
  if constexpr (kShareMemory) {
    void* stack = ::mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
      spawn_errno = errno;
    } else {
      // Returns once the child has exec'd or exited.
      pid = ::clone(ChildMain, static_cast<char*>(stack) + kChildStack,
                    CLONE_VM | CLONE_VFORK | SIGCHLD, &child);
      spawn_errno = errno;
      ::munmap(stack, kChildStack);
    }
  } else {
    pid = ::fork();
    spawn_errno = errno;
    if (pid == 0) ChildMain(&child);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(error_pipe[1]);
  if (pid < 0) {
    ::close(error_pipe[0]);
    return Status(
        common::kInternalError,
        std::string("Cannot start a process: ") + std::strerror(spawn_errno));
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(error_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (n == 0) return pid;  // exec'd: the pipe closed with it
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof child_errno)) child_errno = EIO;
  return Status(common::kInternalError, std::strerror(child_errno));
}

}  // namespace fanlab::compute
