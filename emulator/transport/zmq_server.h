// The ZeroMQ front of the engine: one ROUTER socket, bound to any mix of
// inproc://, ipc:// and tcp:// endpoints, driven from the engine's Asio
// loop without ever blocking it. docs/protocol.md gives the framing:
//   DEALER client: [request-id][action][json-body] ->
//   [request-id][status][json-body] REQ client:    [action][json-body] ->
//   [status][json-body]
// status is "ok" or "error". Requests are handed to a Handler, whose answer
// may come later (a parked long poll); the reply then goes to the same
// peer, or is dropped if the peer went away.
//
// Thread safety: none; everything runs on the io_context's thread.
#ifndef FANLAB_EMULATOR_TRANSPORT_ZMQ_SERVER_H_
#define FANLAB_EMULATOR_TRANSPORT_ZMQ_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "emulator/api/dispatcher.h"
#include "emulator/core/status.h"

namespace fanlab::transport {

class ZmqServer {
 public:
  using Handler = std::function<void(
      std::string_view action, std::string_view body, api::ApiCallback done)>;

  // `io` and `context` must outlive the server.
  ZmqServer(boost::asio::io_context& io, zmq::context_t& context,
            Handler handler);
  ~ZmqServer();
  ZmqServer(const ZmqServer&) = delete;
  ZmqServer& operator=(const ZmqServer&) = delete;

  // Binds one more endpoint; returns the endpoint actually bound (a
  // "tcp://127.0.0.1:*" comes back with its port). Only loopback TCP
  // addresses are accepted: the emulator is never open by default.
  Result<std::string> Bind(const std::string& endpoint);
  const std::vector<std::string>& endpoints() const { return endpoints_; }

  // Starts serving on the io_context.
  void Start();

  // While the handler runs: the process id of the request's ipc:// peer
  // (SO_PEERCRED of the connection it came on); 0 when unknown.
  int peer_pid() const { return peer_pid_; }

 private:
  void Arm();
  void Drain();
  void HandleOne(std::vector<zmq::message_t>& frames);
  void Reply(std::vector<std::string> envelope, bool ok, std::string body);

  boost::asio::io_context& io_;
  zmq::socket_t socket_;
  boost::asio::posix::stream_descriptor readable_;
  Handler handler_;
  std::vector<std::string> endpoints_;
  bool recheck_posted_ = false;
  int peer_pid_ = 0;
  // Shared with reply callbacks, which may outlive a request's frame.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_ZMQ_SERVER_H_
