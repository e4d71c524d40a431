#include "bench/tcp_floor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#ifdef FANLAB_HAVE_LIBURING
#include <liburing.h>
#endif

namespace fanlab::bench {
namespace {

// One accepted connection: bytes of a request not yet complete, and what
// is still to be sent.
struct Peer {
  int fd = -1;
  size_t pending = 0;  // bytes of the next request already read
  std::string out;     // answers not yet sent (only when a send was short)
  size_t queued = 0;   // io_uring: answers owed while a send is in flight
  bool sending = false;
  bool receiving = false;
};

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

TcpFloorServer::TcpFloorServer(Loop loop, size_t request_bytes,
                               std::string response)
    : loop_(loop),
      request_bytes_(request_bytes),
      response_(std::move(response)) {}

TcpFloorServer::~TcpFloorServer() {
  if (stop_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(stop_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) close(listener_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

uint16_t TcpFloorServer::Start(std::string& error) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (listener_ < 0 || stop_fd_ < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return 0;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      listen(listener_, 128) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    error = std::string("listen: ") + std::strerror(errno);
    return 0;
  }
  if (loop_ == Loop::kIoUring) {
    if (!IoUringAvailable()) {
      error = "io_uring is not available";
      return 0;
    }
    thread_ = std::thread([this] { RunIoUring(); });
  } else {
    thread_ = std::thread([this] { RunEpoll(); });
  }
  return ntohs(sa.sin_port);
}

void TcpFloorServer::RunEpoll() {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Peer> peers;  // by descriptor
  auto add = [&](int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  };
  add(listener_, EPOLLIN);
  add(stop_fd_, EPOLLIN);
  auto drop = [&](int fd) {
    close(fd);
    peers[fd].fd = -1;
  };
  // Sends what `p` owes; on a short send keeps the rest and waits for
  // EPOLLOUT (never with one request in flight per connection).
  auto send_out = [&](Peer& p, const char* data, size_t size) {
    ssize_t n = send(p.fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return drop(p.fd);
    size_t sent = n < 0 ? 0 : static_cast<size_t>(n);
    if (sent < size) {
      p.out.assign(data + sent, size - sent);
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT;
      ev.data.fd = p.fd;
      epoll_ctl(ep, EPOLL_CTL_MOD, p.fd, &ev);
    }
  };
  std::vector<epoll_event> events(64);
  std::vector<char> buf(64 * 1024);
  std::string batch;
  for (;;) {
    int ready =
        epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    if (ready < 0 && errno != EINTR) break;
    for (int e = 0; e < ready; ++e) {
      const int fd = events[e].data.fd;
      if (fd == stop_fd_) {
        for (Peer& p : peers) {
          if (p.fd >= 0) close(p.fd);
        }
        close(ep);
        return;
      }
      if (fd == listener_) {
        int c;
        while ((c = accept4(listener_, nullptr, nullptr,
                            SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          SetNoDelay(c);
          if (peers.size() <= static_cast<size_t>(c)) peers.resize(c + 1);
          peers[c] = Peer{.fd = c};
          add(c, EPOLLIN);
        }
        continue;
      }
      Peer& p = peers[fd];
      if (events[e].events & EPOLLOUT) {
        std::string rest = std::move(p.out);
        p.out.clear();
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        send_out(p, rest.data(), rest.size());
        if (p.fd < 0) continue;
      }
      if (!(events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t n = recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        if (n < 0 && errno == EAGAIN) continue;
        drop(fd);
        continue;
      }
      p.pending += static_cast<size_t>(n);
      const size_t answers = p.pending / request_bytes_;
      p.pending %= request_bytes_;
      if (answers == 0) continue;
      if (!p.out.empty()) {
        for (size_t i = 0; i < answers; ++i) p.out += response_;
      } else if (answers == 1) {
        send_out(p, response_.data(), response_.size());
      } else {
        batch.clear();
        for (size_t i = 0; i < answers; ++i) batch += response_;
        send_out(p, batch.data(), batch.size());
      }
    }
  }
  close(ep);
}

#ifdef FANLAB_HAVE_LIBURING

namespace {

constexpr unsigned kRingEntries = 512;
constexpr unsigned kBuffers = 256;  // provided receive buffers, a power of 2
constexpr unsigned kBufferSize = 4096;
constexpr int kBufferGroup = 1;

// user_data: the descriptor in the high bits, the operation in the low.
enum Op : uint64_t { kAccept = 1, kRecv = 2, kSend = 3, kStop = 4 };
uint64_t Tag(int fd, Op op) { return (static_cast<uint64_t>(fd) << 8) | op; }

io_uring_sqe* Sqe(io_uring& ring) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (sqe == nullptr) {
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

// Deferred task work on a single issuer (kernels from 6.1) runs the
// completions' work when the thread waits, in batches; older kernels take
// a plain ring.
int SetUpRing(io_uring& ring) {
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  if (io_uring_queue_init_params(kRingEntries, &ring, &params) == 0) return 0;
  return io_uring_queue_init(kRingEntries, &ring, 0);
}

}  // namespace

// What RunIoUring needs: a ring, receives, and a ring of provided
// buffers (kernels from 5.19).
bool TcpFloorServer::IoUringAvailable() {
  io_uring ring;
  if (io_uring_queue_init(4, &ring, 0) != 0) return false;
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  bool ok =
      probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_RECV);
  if (probe != nullptr) io_uring_free_probe(probe);
  const size_t bytes = 8 * sizeof(io_uring_buf);
  void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ok && mapped != MAP_FAILED) {
    auto* br = static_cast<io_uring_buf_ring*>(mapped);
    io_uring_buf_ring_init(br);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(br);
    reg.ring_entries = 8;
    reg.bgid = kBufferGroup;
    ok = io_uring_register_buf_ring(&ring, &reg, 0) == 0;
  } else {
    ok = false;
  }
  io_uring_queue_exit(&ring);
  if (mapped != MAP_FAILED) munmap(mapped, bytes);
  return ok;
}

void TcpFloorServer::RunIoUring() {
  io_uring ring;
  if (SetUpRing(ring) != 0) return;
  // The provided buffers: a ring of kBuffers entries, each kBufferSize.
  const size_t ring_bytes = kBuffers * sizeof(io_uring_buf);
  void* mapped = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE,
                      MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mapped == MAP_FAILED) {
    io_uring_queue_exit(&ring);
    return;
  }
  std::vector<char> storage(size_t{kBuffers} * kBufferSize);
  auto* br = static_cast<io_uring_buf_ring*>(mapped);
  io_uring_buf_ring_init(br);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(br);
  reg.ring_entries = kBuffers;
  reg.bgid = kBufferGroup;
  if (io_uring_register_buf_ring(&ring, &reg, 0) != 0) {
    munmap(mapped, ring_bytes);
    io_uring_queue_exit(&ring);
    return;
  }
  const int mask = io_uring_buf_ring_mask(kBuffers);
  for (unsigned i = 0; i < kBuffers; ++i) {
    io_uring_buf_ring_add(br, storage.data() + size_t{i} * kBufferSize,
                          kBufferSize, static_cast<unsigned short>(i), mask,
                          static_cast<int>(i));
  }
  io_uring_buf_ring_advance(br, kBuffers);

  std::vector<Peer> peers;  // by descriptor
  auto receive = [&](int fd) {
    io_uring_sqe* sqe = Sqe(ring);
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kBufferGroup;
    io_uring_sqe_set_data64(sqe, Tag(fd, kRecv));
    peers[fd].receiving = true;
  };
  // One send in flight per connection: answers owed meanwhile go out
  // together after it.
  auto send_owed = [&](Peer& p) {
    if (p.sending || p.queued == 0) return;
    p.out.clear();
    for (size_t i = 0; i < p.queued; ++i) p.out += response_;
    p.queued = 0;
    p.sending = true;
    io_uring_sqe* sqe = Sqe(ring);
    io_uring_prep_send(sqe, p.fd, p.out.data(), p.out.size(), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, Tag(p.fd, kSend));
  };
  auto drop = [&](Peer& p) {
    if (p.fd < 0) return;
    shutdown(p.fd, SHUT_RDWR);
    p.fd = -1;
    p.queued = 0;
  };
  auto reap = [&](int fd) {
    Peer& p = peers[fd];
    if (p.fd < 0 && !p.sending && !p.receiving) close(fd);
  };
  io_uring_sqe* sqe = Sqe(ring);
  io_uring_prep_multishot_accept(sqe, listener_, nullptr, nullptr,
                                 SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, Tag(listener_, kAccept));
  uint64_t stop_value = 0;
  sqe = Sqe(ring);
  io_uring_prep_read(sqe, stop_fd_, &stop_value, sizeof stop_value, 0);
  io_uring_sqe_set_data64(sqe, Tag(stop_fd_, kStop));

  bool stopping = false;
  while (!stopping) {
    if (io_uring_submit_and_wait(&ring, 1) < 0 && errno != EINTR) break;
    io_uring_cqe* cqe;
    unsigned head;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const uint64_t tag = io_uring_cqe_get_data64(cqe);
      const int fd = static_cast<int>(tag >> 8);
      const int res = cqe->res;
      switch (static_cast<Op>(tag & 0xff)) {
        case kStop:
          stopping = true;
          break;
        case kAccept:
          if (res >= 0) {
            SetNoDelay(res);
            if (peers.size() <= static_cast<size_t>(res)) {
              peers.resize(res + 1);
            }
            peers[res] = Peer{.fd = res};
            receive(res);
          }
          if (!(cqe->flags & IORING_CQE_F_MORE)) {
            sqe = Sqe(ring);
            io_uring_prep_multishot_accept(sqe, listener_, nullptr, nullptr,
                                           SOCK_CLOEXEC);
            io_uring_sqe_set_data64(sqe, Tag(listener_, kAccept));
          }
          break;
        case kRecv: {
          Peer& p = peers[fd];
          if (!(cqe->flags & IORING_CQE_F_MORE)) p.receiving = false;
          if (res > 0) {
            const unsigned short id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
            io_uring_buf_ring_add(br, storage.data() + size_t{id} * kBufferSize,
                                  kBufferSize, id, mask, 0);
            io_uring_buf_ring_advance(br, 1);
            if (p.fd < 0) break;
            p.pending += static_cast<size_t>(res);
            p.queued += p.pending / request_bytes_;
            p.pending %= request_bytes_;
            send_owed(p);
            if (!p.receiving) receive(fd);
          } else if (res == -ENOBUFS && p.fd >= 0) {
            receive(fd);
          } else if (!p.receiving) {
            drop(p);
          }
          reap(fd);
          break;
        }
        case kSend: {
          Peer& p = peers[fd];
          p.sending = false;
          if (res < 0) {
            drop(p);
          } else if (static_cast<size_t>(res) < p.out.size()) {
            // A short send: the rest first, then what is owed.
            p.out.erase(0, static_cast<size_t>(res));
            p.sending = true;
            sqe = Sqe(ring);
            io_uring_prep_send(sqe, fd, p.out.data(), p.out.size(),
                               MSG_NOSIGNAL);
            io_uring_sqe_set_data64(sqe, Tag(fd, kSend));
          } else {
            send_owed(p);
          }
          reap(fd);
          break;
        }
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
  for (size_t fd = 0; fd < peers.size(); ++fd) {
    const Peer& p = peers[fd];
    if (p.fd >= 0 || p.sending || p.receiving) close(static_cast<int>(fd));
  }
  io_uring_queue_exit(&ring);
  munmap(mapped, ring_bytes);
}

#else

bool TcpFloorServer::IoUringAvailable() { return false; }
void TcpFloorServer::RunIoUring() {}

#endif  // FANLAB_HAVE_LIBURING

}  // namespace fanlab::bench
