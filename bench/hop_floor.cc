#include "bench/hop_floor.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace fanlab::bench {
namespace {

constexpr size_t kMessageBytes = 8;

// Reads exactly `n` bytes; false at the end of the stream or on an error.
bool ReadAll(int fd, char* buf, size_t n) {
  while (n > 0) {
    ssize_t got = ::read(fd, buf, n);
    if (got < 0 && errno == EINTR) continue;
    if (got == 0) errno = ECONNRESET;  // the other end is gone
    if (got <= 0) return false;
    buf += got;
    n -= size_t(got);
  }
  return true;
}

// The processes of a floor: each answers every 8 bytes it reads with 8
// bytes, until its socket closes. Gone (closed and reaped) with it.
class Peers {
 public:
  Peers() = default;
  Peers(const Peers&) = delete;
  Peers& operator=(const Peers&) = delete;
  ~Peers() {
    for (int fd : fds_) ::close(fd);
    for (pid_t pid : pids_) {
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    if (epoll_ >= 0) ::close(epoll_);
  }

  bool Start(size_t n, std::string& error) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return Fail("epoll_create1", error);
    for (size_t i = 0; i < n; ++i) {
      int sv[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return Fail("socketpair", error);
      }
      pid_t pid = ::fork();
      if (pid < 0) {
        ::close(sv[0]);
        ::close(sv[1]);
        return Fail("fork", error);
      }
      if (pid == 0) {
        // Only calls that are safe after a fork of a threaded process.
        for (int fd : fds_) ::close(fd);
        ::close(sv[0]);
        char buf[kMessageBytes];
        while (ReadAll(sv[1], buf, sizeof buf) &&
               ::write(sv[1], buf, sizeof buf) == ssize_t(sizeof buf)) {
        }
        ::_exit(0);
      }
      ::close(sv[1]);
      fds_.push_back(sv[0]);
      pids_.push_back(pid);
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.u64 = i;
      if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, sv[0], &e) != 0) {
        return Fail("epoll_ctl", error);
      }
    }
    return true;
  }

  // Sets the first `n` processes going and waits for every answer.
  bool Round(size_t n, std::string& error) {
    char buf[kMessageBytes] = {};
    for (size_t i = 0; i < n; ++i) {
      if (::write(fds_[i], buf, sizeof buf) != ssize_t(sizeof buf)) {
        return Fail("write", error);
      }
    }
    epoll_event events[64];
    for (size_t answered = 0; answered < n;) {
      int ready = ::epoll_wait(epoll_, events, 64, -1);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return Fail("epoll_wait", error);
      for (int k = 0; k < ready; ++k) {
        if (!ReadAll(fds_[events[k].data.u64], buf, sizeof buf)) {
          return Fail("read", error);
        }
        ++answered;
      }
    }
    return true;
  }

 private:
  static bool Fail(const char* call, std::string& error) {
    error = std::string("hop floor: ") + call + ": " + std::strerror(errno);
    return false;
  }

  int epoll_ = -1;
  std::vector<int> fds_;
  std::vector<pid_t> pids_;
};

}  // namespace

double HopFloorSeconds(uint64_t rounds, uint64_t messages, std::string& error) {
  if (rounds == 0 || messages == 0) return 0;
  const size_t width = size_t(
      std::min<uint64_t>((messages + rounds - 1) / rounds, kMaxHopWidth));
  Peers peers;
  if (!peers.Start(width, error)) return 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t r = 0; r < rounds; ++r) {
    // Round r's share of the messages: the totals come out exact.
    uint64_t n = messages * (r + 1) / rounds - messages * r / rounds;
    if (!peers.Round(size_t(std::min<uint64_t>(n, width)), error)) return 0;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace fanlab::bench
