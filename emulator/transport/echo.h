// A bare ZeroMQ ROUTER that echoes every request back: the floor the queue
// bench compares fanlab's own request/reply rate with (same transport,
// same framing, no work done).
#ifndef FANLAB_EMULATOR_TRANSPORT_ECHO_H_
#define FANLAB_EMULATOR_TRANSPORT_ECHO_H_

#include <atomic>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "emulator/transport/context.h"

namespace fanlab::transport {

class EchoServer {
 public:
  // Binds `endpoint` and serves on its own thread until destroyed.
  EchoServer(Context& context, const std::string& endpoint);
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  const std::string& endpoint() const { return endpoint_; }

 private:
  zmq::socket_t socket_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_ECHO_H_
