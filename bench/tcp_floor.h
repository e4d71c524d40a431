// The floor under `fanlab bench http`: the least a loopback TCP server
// can do per request, measured under the same load as the HTTP servers.
// A TcpFloorServer answers every `request_bytes` bytes it reads with one
// fixed `response` (the bytes an HTTP echo would send), without looking
// at what it read: no parsing, no allocation, one receive and one send
// per request. Whatever a real server costs above it is its own; what
// this one costs is the kernel's loopback TCP and the wake-ups.
//
// Two loops:
//   kEpoll    level-triggered epoll, one recv() and one send() per
//             request (what any epoll server does at the least);
//   kIoUring  io_uring: a multishot receive per connection into a ring of
//             provided buffers, sends queued as submissions, and one
//             io_uring_enter() submitting every send of a batch and
//             waiting for the next completions (deferred task work on a
//             single issuer where the kernel has them). Built only with
//             liburing (FANLAB_HAVE_LIBURING); IoUringAvailable() says
//             whether this build and this kernel can run it.
//
// Each server runs on its own thread (thread(): for its CPU clock).
// Thread safety: Start and the destructor from one thread.
#ifndef FANLAB_BENCH_TCP_FLOOR_H_
#define FANLAB_BENCH_TCP_FLOOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

namespace fanlab::bench {

class TcpFloorServer {
 public:
  enum class Loop { kEpoll, kIoUring };

  // True when kIoUring can run: liburing was found at build time and the
  // kernel sets up a ring (a container may forbid io_uring).
  static bool IoUringAvailable();

  TcpFloorServer(Loop loop, size_t request_bytes, std::string response);
  // Stops the loop and closes every socket.
  ~TcpFloorServer();
  TcpFloorServer(const TcpFloorServer&) = delete;
  TcpFloorServer& operator=(const TcpFloorServer&) = delete;

  // Listens on 127.0.0.1 at a port the OS picks and starts serving;
  // returns the port, or 0 and `error`.
  uint16_t Start(std::string& error);

  std::thread& thread() { return thread_; }

 private:
  void RunEpoll();
  void RunIoUring();

  const Loop loop_;
  const size_t request_bytes_;
  const std::string response_;
  int listener_ = -1;
  int stop_fd_ = -1;  // an eventfd: readable once the server must stop
  std::thread thread_;
};

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_TCP_FLOOR_H_
